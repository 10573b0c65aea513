// src/linalg on both backends: QR, triangular solves and inverse p-th roots (the preconditioners'
// linear algebra) against their defining identities, on random matrices, plus the errors.
import { afterEach, describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { BACKENDS, useBackend } from "../helpers.js";

const { qr, triangularSolve, inversePthRoot, cholesky, symEig } = dh.linalg;

afterEach(async () => useBackend("wasm"));

function rand(n: number, seed: number): Float64Array {
  return Float64Array.from(dh.randn([n], { seed, dtype: "float64" }).dataSync());
}
function matmul(a: Float64Array, b: Float64Array, m: number, k: number, n: number, transA = false): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * b[p * n + j];
    c[i * n + j] = s;
  }
  return c;
}
const maxAbs = (a: Float64Array, b: Float64Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
/** A symmetric positive definite n x n matrix: B B^T + n I. */
function spd(n: number, seed: number): Float64Array {
  const b = rand(n * n, seed);
  const bt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) bt[i * n + j] = b[j * n + i];
  const s = matmul(b, bt, n, n, n);
  for (let i = 0; i < n; i++) s[i * n + i] += n;
  return s;
}

describe.each(BACKENDS)("%s backend", (backend) => {
  it("qr: A = Q R, Q^T Q = I, R upper triangular with a non-negative diagonal (tall and square)", async () => {
    await useBackend(backend);
    for (const [m, n] of [[7, 4], [5, 5], [12, 3]] as const) {
      const a = rand(m * n, m * 10 + n);
      const { q, r } = qr(a, m, n);
      expect(maxAbs(matmul(q, r, m, n, n), a)).toBeLessThan(1e-12);
      const qtq = matmul(q, q, n, m, n, true);
      const eye = new Float64Array(n * n).map((_, i) => (i % (n + 1) === 0 ? 1 : 0));
      expect(maxAbs(qtq, eye)).toBeLessThan(1e-12);
      for (let i = 0; i < n; i++) {
        expect(r[i * n + i]).toBeGreaterThanOrEqual(0);
        for (let j = 0; j < i; j++) expect(r[i * n + j]).toBe(0);
      }
    }
    expect(() => qr(new Float64Array(6), 2, 3)).toThrow(/at least as many rows as columns/);
  });

  it("triangularSolve: L x = b, L^T x = b, U x = b and the unit-diagonal form, against the product", async () => {
    await useBackend(backend);
    const n = 6, a = spd(n, 3), b = rand(n, 4);
    const l = cholesky(a, n)!;
    const u = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) u[i * n + j] = l[j * n + i];
    const check = (t: Float64Array, x: Float64Array) => expect(maxAbs(matmul(t, x, n, n, 1), b)).toBeLessThan(1e-12);
    check(l, triangularSolve(l, n, b, { lower: true }));
    check(u, triangularSolve(l, n, b, { lower: true, transpose: true }));
    check(u, triangularSolve(u, n, b, { lower: false }));
    const unit = Float64Array.from(l);
    for (let i = 0; i < n; i++) unit[i * n + i] = 1;
    check(unit, triangularSolve(l, n, b, { lower: true, unitDiagonal: true }));
  });

  it("inversePthRoot: (A^(-1/p))^p A = I for SPD A; eps regularizes a singular matrix; bad p is refused", async () => {
    await useBackend(backend);
    const n = 5, a = spd(n, 7);
    for (const p of [1, 2, 4]) {
      const r = inversePthRoot(a, n, p);
      let m = a;
      for (let k = 0; k < p; k++) m = matmul(r, m, n, n, n);
      const eye = new Float64Array(n * n).map((_, i) => (i % (n + 1) === 0 ? 1 : 0));
      expect(maxAbs(m, eye), `p = ${p}`).toBeLessThan(1e-10);
    }
    const singular = new Float64Array([1, 1, 1, 1]); // eigenvalues 0 and 2
    expect(() => inversePthRoot(singular, 2, 2)).toThrow(/singular/);
    const reg = inversePthRoot(singular, 2, 2, 1e-6);
    const { values } = symEig(reg, 2);
    expect(values[1]).toBeCloseTo(1e3, 0); // (0 + 1e-6)^(-1/2)
    expect(() => inversePthRoot(a, n, 0.5)).toThrow(/p must be an integer >= 1/);
  });
});
