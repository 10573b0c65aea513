/**
 * Dense linear algebra for the minimizers, on flat float64 arrays (row-major n x n).
 *
 * The O(n^3) kernels (Cholesky, Cholesky solve, symmetric eigen-decomposition) run in the
 * WebAssembly core when `ready()` has started it (`wasmKernelsSync()`), and in the plain-JS
 * reference loops of backend/linalgJs.ts otherwise; tests compare both.
 * BLAS-1 (dot, nrm2, axpy) goes to WebAssembly only for long vectors: below WASM_BLAS1_MIN
 * elements copying the operands into linear memory costs more than the loop itself.
 */
import { wasmKernelsSync } from "../backend/wasm/index.js";
import * as js from "../backend/linalgJs.js";

const WASM_BLAS1_MIN = 1 << 16;
let useWasm = true;

/** Turns the WebAssembly path off (true) or back on; for tests comparing both paths. */
export function setLinalgWasm(on: boolean): void {
  useWasm = on;
}

function kernels() {
  return useWasm ? wasmKernelsSync() : null;
}

/** x . y */
export function dot(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  if (n >= WASM_BLAS1_MIN) { const w = kernels(); if (w) return w.dot(x, y); }
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}

/** ||x||_2 */
export function nrm2(x: Float64Array): number {
  if (x.length >= WASM_BLAS1_MIN) { const w = kernels(); if (w) return w.nrm2(x); }
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/** y <- alpha x + y */
export function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  if (x.length >= WASM_BLAS1_MIN) { const w = kernels(); if (w) { w.axpy(alpha, x, y); return; } }
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

/** x + alpha d, as a new array. */
export function addScaled(x: Float64Array, alpha: number, d: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + alpha * d[i];
  return out;
}

/** Cholesky factor L with A = L L^T, or null when A is not numerically positive definite (see backend/linalgJs.ts). */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const w = kernels();
  return w ? w.cholesky(a, n) : js.cholesky(a, n);
}

/** Solves L L^T x = b. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const w = kernels();
  return w ? w.choleskySolve(l, n, b) : js.choleskySolve(l, n, b);
}

/** A = V diag(values) V^T for symmetric A; values ascending, eigenvectors as columns. */
export function symEig(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const w = kernels();
  return w ? w.symEig(a, n) : js.symEig(a, n);
}

/**
 * The Newton direction with a positive definite modification (Nocedal & Wright sec. 3.4):
 * solve H p = -g by Cholesky; if H is not positive definite, shift it by tau I with
 *   tau = max(0, delta - lambda_min(H)),   delta = sqrt(eps) * max(1, max_i |lambda_i|),
 * so every eigenvalue of H + tau I is at least delta, and solve (H + tau I) p = -g by Cholesky.
 * Returns the direction and the shift used (0 when H was positive definite).
 */
export function modifiedNewtonDirection(H: Float64Array, g: Float64Array, n: number): { p: Float64Array; shift: number } {
  const minusG = g.map((v) => -v);
  const L = cholesky(H, n);
  if (L) return { p: choleskySolve(L, n, minusG), shift: 0 };
  const { values } = symEig(H, n);
  let big = 1;
  for (const v of values) big = Math.max(big, Math.abs(v));
  const delta = Math.sqrt(2.220446049250313e-16) * big;
  let tau = Math.max(0, delta - values[0]);
  for (let attempt = 0; attempt < 60; attempt++) {
    const Hs = Float64Array.from(H);
    for (let i = 0; i < n; i++) Hs[i * n + i] += tau;
    const Ls = cholesky(Hs, n);
    if (Ls) return { p: choleskySolve(Ls, n, minusG), shift: tau };
    tau = Math.max(2 * tau, delta); // rounding in the eigenvalues: grow until the factorization succeeds
  }
  return { p: minusG, shift: Infinity };
}
