// Dense linear algebra: the WebAssembly kernels and the JS fallback agree, and the modified
// Newton direction is a descent direction with the documented shift.
import { setBackend } from "../../src/backend/select.js";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ready, Rng } from "../../src/index.js";
import { cholesky, choleskySolve, symEig, modifiedNewtonDirection } from "../../src/minimize/linalg.js";
import { wasmKernelsSync } from "../../src/backend/wasm/index.js";

beforeAll(async () => { await ready(); });
afterAll(() => setBackend(true ? "wasm" : "js"));

function randomSym(n: number, seed: number, shift: number): Float64Array {
  const rng = new Rng(seed), B = new Float64Array(n * n), A = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) B[i] = rng.normal();
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let k = 0; k < n; k++) s += B[i * n + k] * B[j * n + k]; A[i * n + j] = s + (i === j ? shift : 0); }
  return A;
}
const matvec = (A: Float64Array, x: Float64Array, n: number) => Float64Array.from({ length: n }, (_, i) => { let s = 0; for (let j = 0; j < n; j++) s += A[i * n + j] * x[j]; return s; });

test("the WebAssembly core is running (so the wasm path below is really exercised)", () => {
  expect(wasmKernelsSync()).not.toBeNull();
});

test.each([true, false])("Cholesky and solve (wasm = %s): L L^T x = b", (wasm) => {
  setBackend(wasm ? "wasm" : "js");
  const n = 12, A = randomSym(n, 1, 0.5), b = Float64Array.from({ length: n }, (_, i) => i - 3);
  const L = cholesky(A, n)!;
  expect(L).not.toBeNull();
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L[i * n + j]).toBe(0);
  expect(matvec(A, choleskySolve(L, n, b), n)).toBeAllclose(b, { atol: 1e-10, rtol: 1e-10 });
  const indefinite = randomSym(n, 2, -100);
  expect(cholesky(indefinite, n)).toBeNull();
});

test("wasm and JS Cholesky / symEig agree", () => {
  const n = 10, A = randomSym(n, 3, 0.1);
  setBackend(true ? "wasm" : "js"); const Lw = cholesky(A, n)!, Ew = symEig(A, n);
  setBackend(false ? "wasm" : "js"); const Lj = cholesky(A, n)!, Ej = symEig(A, n);
  expect(Lw).toBeAllclose(Lj, { atol: 1e-12, rtol: 1e-12 });
  expect(Ew.values).toBeAllclose(Ej.values, { atol: 1e-10, rtol: 1e-10 });
});

test.each([true, false])("symEig (wasm = %s): A v = lambda v, ascending", (wasm) => {
  setBackend(wasm ? "wasm" : "js");
  const n = 8, A = randomSym(n, 4, -5);
  const { values, vectors } = symEig(A, n);
  for (let k = 1; k < n; k++) expect(values[k]).toBeGreaterThanOrEqual(values[k - 1]);
  for (let k = 0; k < n; k++) {
    const v = Float64Array.from({ length: n }, (_, i) => vectors[i * n + k]);
    expect(matvec(A, v, n)).toBeAllclose(v.map((x) => x * values[k]), { atol: 1e-9, rtol: 1e-9 });
  }
});

test("modified Newton: PD Hessian -> exact Newton step, no shift; indefinite -> shift = delta - lambda_min and a descent direction", () => {
  setBackend(true ? "wasm" : "js");
  const n = 6, g = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
  const A = randomSym(n, 5, 1);
  const pd = modifiedNewtonDirection(A, g, n);
  expect(pd.shift).toBe(0);
  expect(matvec(A, pd.p, n)).toBeAllclose(g.map((v) => -v), { atol: 1e-10 });
  const H = randomSym(n, 6, -8);
  const lmin = symEig(H, n).values[0];
  expect(lmin).toBeLessThan(0);
  const r = modifiedNewtonDirection(H, g, n);
  expect(r.shift).toBeGreaterThanOrEqual(-lmin);
  expect(r.shift).toBeLessThan(-lmin + 1e-5 * Math.max(1, Math.abs(lmin)));
  let gp = 0; for (let i = 0; i < n; i++) gp += g[i] * r.p[i];
  expect(gp).toBeLessThan(0);
});
