// dh.linalg's factorizations in float32 and float64 on both backends (the WebAssembly core's
// kernels in assembly/linalg.ts and the JS reference in src/backend/js/linalg.ts): each against its
// defining identity (A = L L^T, A V = V diag(d), Q^T Q = I and A = Q R, X^p A = I), the two
// backends against each other, at odd sizes, ill-conditioned and with repeated eigenvalues; the
// errors for bad input; Shampoo and SOAP updates the same on both backends.
import { afterEach, describe, expect, it, vi } from "vitest";
import * as dh from "../../src/index.js";
import { ArgumentError, DTypeError, NonFiniteError } from "../../src/index.js";
import { initWasm } from "../../src/backend/wasm/index.js";
import { useBackend, vals } from "../helpers.js";

const { cholesky, tryCholesky, triangularSolve, symEig, qr, inversePthRoot } = dh.linalg;
type Arr = Float32Array | Float64Array;
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

afterEach(async () => useBackend("wasm"));

const DTYPES: [string, Ctor, number][] = [["float64", Float64Array, 2.220446049250313e-16], ["float32", Float32Array, 1.1920929e-7]];
const SIZES = [1, 2, 3, 17, 64, 100];

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296 - 0.5;
  };
}
function make(T: Ctor, length: number, f: (i: number) => number): Arr {
  const x = new T(length);
  for (let i = 0; i < length; i++) x[i] = f(i);
  return x;
}
/** float64 products of row-major matrices: op(a) [m,k] @ b [k,n]. */
function mm(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, transA = false): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const aip = transA ? a[p * m + i] : a[i * k + p];
    if (aip !== 0) for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
  }
  return c;
}
const maxAbs = (x: ArrayLike<number>) => { let m = 0; for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i])); return m; };
const maxDiff = (x: ArrayLike<number>, y: ArrayLike<number>) => { let m = 0; for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i])); return m; };
const eye = (n: number) => { const e = new Float64Array(n * n); for (let i = 0; i < n; i++) e[i * n + i] = 1; return e; };
function symmetric(T: Ctor, n: number, seed: number): Arr {
  const r = rng(seed), a = new T(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = r();
  return a;
}
/** B B^T / n + shift I: SPD, its condition controlled by `shift`. */
function spd(T: Ctor, n: number, seed: number, shift = 1): Arr {
  const r = rng(seed), b = Float64Array.from({ length: n * n }, r);
  const s = mm(b, b, n, n, n).map((v) => v / n);
  // B B^T rounded as B^T B: the same value in both triangles
  for (let i = 0; i < n; i++) { s[i * n + i] += shift; for (let j = 0; j < i; j++) s[j * n + i] = s[i * n + j]; }
  return T.from(s);
}
/** Q diag(values) Q^T for a random orthogonal Q (from qr of a random matrix, float64). */
function withSpectrum(values: number[], seed: number): Float64Array {
  const n = values.length, r = rng(seed);
  const { q } = qr(Float64Array.from({ length: n * n }, r), n, n);
  const qd = q.map((v, i) => v * values[i % n]);
  const a = mm(qd, Float64Array.from({ length: n * n }, (_, i) => q[(i % n) * n + Math.floor(i / n)]), n, n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
  return a;
}

function checkEig(a: Arr, n: number, tol: number): { values: Arr; vectors: Arr } {
  const out = symEig(a, n);
  const { values, vectors: v } = out;
  expect(values.constructor).toBe(a.constructor);
  expect(v.constructor).toBe(a.constructor);
  for (let i = 1; i < n; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
  const norm = Math.max(maxAbs(a), 1e-300);
  const av = mm(a, v, n, n, n), vd = Float64Array.from(v, (x, i) => x * values[i % n]);
  expect(maxDiff(av, vd) / norm, `A V = V diag(d), n = ${n}`).toBeLessThan(tol);
  expect(maxDiff(mm(v, v, n, n, n, true), eye(n)), `V^T V = I, n = ${n}`).toBeLessThan(tol);
  return out;
}

describe.each(["wasm", "js"] as const)("%s backend", (backend) => {
  describe.each(DTYPES)("%s", (_, T, eps) => {
    // residual bound: c n eps ||A|| (c generous; a wrong kernel is off by O(1))
    const tol = (n: number) => 30 * Math.max(n, 4) * eps;

    it("cholesky: A = L L^T with L lower triangular, in the input's dtype", async () => {
      await useBackend(backend);
      for (const n of SIZES) {
        const a = spd(T, n, 10 + n);
        const l = cholesky(a, n);
        expect(l.constructor).toBe(T);
        for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(l[i * n + j]).toBe(0);
        expect(maxDiff(lowerTimesUpper(l, n), a) / maxAbs(a), `n = ${n}`).toBeLessThan(tol(n));
      }
    });

    it("triangularSolve: L x = b, L^T x = b, U x = b, U^T x = b and unit diagonal", async () => {
      await useBackend(backend);
      for (const n of SIZES) {
        const l = cholesky(spd(T, n, 20 + n, 2), n), r = rng(30 + n), b = make(T, n, r);
        const u = make(T, n * n, (i) => l[(i % n) * n + Math.floor(i / n)]);
        const unit = make(T, n * n, (i) => (i % (n + 1) === 0 ? 1 : l[i]));
        const cases: [Arr, Arr, { lower: boolean; transpose?: boolean; unitDiagonal?: boolean }][] = [
          [l, l, { lower: true }], [u, l, { lower: true, transpose: true }], [u, u, { lower: false }],
          [l, u, { lower: false, transpose: true }], [unit, l, { lower: true, unitDiagonal: true }],
        ];
        for (const [matrix, stored, options] of cases) {
          const x = triangularSolve(stored, n, b, options);
          expect(x.constructor).toBe(T);
          const scale = maxAbs(matrix) * maxAbs(x) + maxAbs(b);
          expect(maxDiff(mm(matrix, x, n, n, 1), b) / scale, `${JSON.stringify(options)} n = ${n}`).toBeLessThan(tol(n));
        }
        const x = dh.linalg.choleskySolve(l, n, b);
        expect(maxDiff(mm(lowerTimesUpper(l, n), x, n, n, 1), b) / (maxAbs(b) + 4 * maxAbs(x)), `choleskySolve n = ${n}`).toBeLessThan(tol(n));
      }
    });

    it("symEig: A V = V diag(d), V^T V = I, ascending, on random symmetric matrices", async () => {
      await useBackend(backend);
      for (const n of SIZES) checkEig(symmetric(T, n, 40 + n), n, tol(n));
    });

    it("symEig: repeated eigenvalues, the identity, a zero matrix, a diagonal one", async () => {
      await useBackend(backend);
      const spectrum = [5, 1, 2, 1, 2, 1, -3, 5, 5, 1, 0.5];
      const n = spectrum.length;
      const { values } = checkEig(T.from(withSpectrum(spectrum, 7)), n, tol(n));
      const sorted = [...spectrum].sort((x, y) => x - y);
      expect(maxDiff(values, sorted)).toBeLessThan(tol(n) * 5);
      for (const m of [eye(9), new Float64Array(16), Float64Array.from({ length: 25 }, (_, i) => (i % 6 === 0 ? 5 - i / 6 : 0))]) {
        const k = Math.round(Math.sqrt(m.length));
        checkEig(T.from(m), k, tol(k));
      }
      expect(Array.from(symEig(T.from(eye(4)), 4).values)).toEqual([1, 1, 1, 1]);
    });

    it("symEig and cholesky on ill-conditioned SPD matrices (condition 1e6 in float32, 1e12 in float64)", async () => {
      await useBackend(backend);
      const cond = T === Float32Array ? 1e6 : 1e12, n = 24;
      const spectrum = Array.from({ length: n }, (_, i) => Math.pow(cond, -i / (n - 1)));
      const a = T.from(withSpectrum(spectrum, 3));
      const { values } = checkEig(a, n, tol(n));
      // eigenvalues to within eps ||A|| (absolute), as backward stability promises
      expect(maxDiff(values, [...spectrum].sort((x, y) => x - y))).toBeLessThan(tol(n));
      const l = tryCholesky(a, n);
      if (l) expect(maxDiff(lowerTimesUpper(l, n), a)).toBeLessThan(tol(n));
      // Hilbert matrix (condition ~1e10 at n = 8): the backends agree on its spectrum
      const h = make(T, 64, (i) => 1 / ((i % 8) + Math.floor(i / 8) + 1));
      checkEig(h, 8, tol(8));
    });

    it("qr: A = Q R, Q^T Q = I, R upper with a non-negative diagonal (square, tall, rank-deficient)", async () => {
      await useBackend(backend);
      const shapes: [number, number][] = [...SIZES.map((n) => [n, n] as [number, number]), [7, 3], [100, 17], [65, 64], [5, 1]];
      for (const [m, n] of shapes) {
        const r = rng(50 + m * 7 + n), a = make(T, m * n, r);
        if (n >= 3) for (let i = 0; i < m; i++) a[i * n + 2] = a[i * n] + a[i * n + 1]; // rank-deficient
        const { q, r: R } = qr(a, m, n);
        expect(q.constructor).toBe(T);
        expect(maxDiff(mm(q, R, m, n, n), a) / maxAbs(a), `A = QR ${m}x${n}`).toBeLessThan(tol(m));
        expect(maxDiff(mm(q, q, n, m, n, true), eye(n)), `Q^T Q ${m}x${n}`).toBeLessThan(tol(m));
        for (let i = 0; i < n; i++) {
          expect(R[i * n + i]).toBeGreaterThanOrEqual(0);
          for (let j = 0; j < i; j++) expect(R[i * n + j]).toBe(0);
        }
      }
    });

    it("inversePthRoot: X^p A = I (p = 1, 2, 4) via the eigendecomposition", async () => {
      await useBackend(backend);
      for (const n of [1, 3, 17, 64]) {
        const a = spd(T, n, 60 + n, 0.5);
        for (const p of [1, 2, 4]) {
          const x = inversePthRoot(a, n, p);
          expect(x.constructor).toBe(T);
          let m: Float64Array = Float64Array.from(a);
          for (let k = 0; k < p; k++) m = mm(x, m, n, n, n);
          expect(maxDiff(m, eye(n)), `n = ${n}, p = ${p}`).toBeLessThan(T === Float32Array ? 2e-3 : 1e-10);
        }
      }
    });
  });
});

/** L L^T in float64. */
function lowerTimesUpper(l: ArrayLike<number>, n: number): Float64Array {
  const lt = Float64Array.from({ length: n * n }, (_, i) => l[(i % n) * n + Math.floor(i / n)]);
  return mm(l, lt, n, n, n);
}

describe("the WebAssembly core against the JS reference", () => {
  it("runs the core's kernels (not the fallback) in both dtypes", async () => {
    await useBackend("wasm");
    const w = await initWasm();
    const spies = (["cholesky", "triangularSolve", "symEig", "qr", "fromEigen"] as const).map((k) => vi.spyOn(w, k));
    for (const T of [Float32Array, Float64Array]) {
      const a = spd(T, 5, 1);
      tryCholesky(a, 5);
      triangularSolve(a, 5, a.subarray(0, 5) as Arr, { lower: true });
      qr(a, 5, 5);
      inversePthRoot(a, 5, 2);
    }
    for (const s of spies) { expect(s).toHaveBeenCalledTimes(2); s.mockRestore(); }
  });

  it.each(DTYPES)("%s: the same factors and spectra at n = 1 .. 100", async (_, T, eps) => {
    for (const n of SIZES) {
      const a = spd(T, n, 70 + n), s = symmetric(T, n, 80 + n);
      await useBackend("wasm");
      const wl = cholesky(a, n), we = symEig(s, n).values, wq = qr(s, n, n), wr = inversePthRoot(a, n, 2);
      await useBackend("js");
      const jl = cholesky(a, n), je = symEig(s, n).values, jq = qr(s, n, n), jr = inversePthRoot(a, n, 2);
      const tol = 50 * Math.max(n, 4) * eps;
      expect(maxDiff(wl, jl) / maxAbs(jl), `cholesky n = ${n}`).toBeLessThan(tol);
      expect(maxDiff(we, je) / Math.max(maxAbs(je), 1e-30), `eigenvalues n = ${n}`).toBeLessThan(tol);
      // QR with a non-negative diagonal is unique for full-rank A
      expect(maxDiff(wq.r, jq.r) / maxAbs(jq.r), `R n = ${n}`).toBeLessThan(tol * 10);
      expect(maxDiff(wr, jr) / maxAbs(jr), `A^(-1/2) n = ${n}`).toBeLessThan(tol * 10);
    }
  });
});

describe("bad input", () => {
  it.each(["wasm", "js"] as const)("%s: a clear error naming the argument, the operands untouched", async (backend) => {
    await useBackend(backend);
    const indefinite = new Float64Array([1, 2, 2, 1]); // eigenvalues 3, -1
    const copy = Float64Array.from(indefinite);
    expect(() => cholesky(indefinite, 2)).toThrow(ArgumentError);
    expect(() => cholesky(indefinite, 2)).toThrow(/cholesky: a \(2 x 2\) is not positive definite/);
    expect(() => cholesky(new Float32Array([1, 0, 0, -1e-3]), 2)).toThrow(/not positive definite/);
    expect(() => cholesky(new Float64Array([1, 0, 0, NaN]), 2)).toThrow(/cholesky: a\[1, 1\] is NaN/);
    expect(tryCholesky(indefinite, 2)).toBeNull();
    expect(indefinite).toEqual(copy);
    expect(() => cholesky(new Float64Array(3), 2)).toThrow(/cholesky: a must hold an n x n matrix for n = 2 \(4 values\), got 3/);
    expect(() => symEig(new Float64Array([1, 0, NaN, 1]), 2)).toThrow(NonFiniteError);
    expect(() => symEig(new Float64Array([1, 0, NaN, 1]), 2)).toThrow(/symEig: a\[1, 0\] is NaN/);
    expect(() => symEig([1, 2, 3, 4] as unknown as Float64Array, 2)).toThrow(/symEig: a must be a Float32Array or Float64Array/);
    expect(() => symEig(new Float64Array(4), 1.5)).toThrow(/symEig: n must be an integer >= 0/);
    expect(() => triangularSolve(new Float64Array(4), 2, new Float32Array(2) as unknown as Float64Array, { lower: true })).toThrow(DTypeError);
    expect(() => triangularSolve(new Float64Array(4), 2, new Float64Array(2), { lower: true }).length).not.toThrow();
    expect(() => triangularSolve(new Float64Array(4), 2, new Float64Array(1), { lower: true })).toThrow(/triangularSolve: b must hold n = 2 values/);
    expect(() => triangularSolve(new Float64Array(4), 2, new Float64Array(2), {} as { lower: boolean })).toThrow(/options.lower/);
    expect(() => qr(new Float64Array(6), 2, 3)).toThrow(/at least as many rows as columns/);
    expect(() => qr(new Float64Array(5), 3, 2)).toThrow(/qr: a must hold an m x n matrix for 3 x 2/);
    expect(() => inversePthRoot(new Float64Array([1, 1, 1, 1]), 2, 2)).toThrow(/inversePthRoot: a is singular/);
    expect(() => dh.linalg.choleskySolve(new Float64Array(4), 2, new Float32Array(2) as unknown as Float64Array)).toThrow(/choleskySolve: b must share the dtype/);
  });

  it("a zero-size matrix is fine", () => {
    expect(cholesky(new Float64Array(0), 0).length).toBe(0);
    expect(symEig(new Float32Array(0), 0).values.length).toBe(0);
    expect(qr(new Float64Array(0), 0, 0).q.length).toBe(0);
  });
});

describe("Shampoo and SOAP: the same updates on both backends", () => {
  type Tx = { init(p: dh.Tensor): unknown; update(g: dh.Tensor, s: unknown, p: dh.Tensor): { updates: unknown; state: unknown } };
  async function updates(backend: "wasm" | "js", make: () => Tx, shape: number[]): Promise<Float64Array[]> {
    await useBackend(backend);
    const r = rng(5), tx = make(), size = shape[0] * shape[1];
    const p = dh.tensor(Array.from({ length: size }, r), { shape, dtype: "float64" });
    let state = tx.init(p);
    const out: Float64Array[] = [];
    for (let t = 0; t < 6; t++) {
      const g = dh.tensor(Array.from({ length: size }, r), { shape, dtype: "float64" });
      const res = tx.update(g, state, p);
      out.push(Float64Array.from(vals(res.updates as dh.Tensor)));
      state = res.state;
    }
    return out;
  }
  // Shampoo's roots do not depend on the eigenbasis, but (L + 1e-12 I)^(-1/4) of a rank-deficient L
  // is rounding amplified 1e3-fold: its factors here have full rank from the first root (6 x 4, two
  // gradients). SOAP's Adam in the eigenbasis depends on the basis chosen within a repeated
  // eigenvalue, so its factors here have distinct eigenvalues (3 x 2: L has rank 2, then 3).
  it.each([
    ["shampoo", () => dh.shampoo({ lr: 0.1, preconditionFrequency: 2, targetParameterDimensionality: Infinity }), [6, 4], 1e-9],
    ["soap", () => dh.soap({ lr: 0.05, precondFrequency: 2 }), [3, 2], 1e-9],
  ] as [string, () => Tx, number[], number][])("%s", async (_, make, shape, tol) => {
    const w = await updates("wasm", make, shape), j = await updates("js", make, shape);
    for (let t = 0; t < w.length; t++) expect(maxDiff(w[t], j[t]), `step ${t}`).toBeLessThanOrEqual(tol * maxAbs(j[t]));
    expect(maxAbs(j[j.length - 1])).toBeGreaterThan(0);
  });
});
