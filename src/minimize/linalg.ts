/**
 * Dense linear algebra for the minimizers, on flat float64 arrays (row-major n x n).
 *
 * The O(n^3) kernels (Cholesky, Cholesky solve, symmetric eigen-decomposition) run in the
 * WebAssembly core when `ready()` has started it (`wasmKernelsSync()`), and in the plain-JS
 * loops below otherwise; both follow the same equations, and tests compare them.
 * BLAS-1 (dot, nrm2, axpy) goes to WebAssembly only for long vectors: below WASM_BLAS1_MIN
 * elements copying the operands into linear memory costs more than the loop itself.
 */
import { wasmKernelsSync } from "../backend/wasm/index.js";

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

/**
 * Cholesky factor L of a symmetric positive definite A = L L^T (Cholesky-Banachiewicz):
 *   L[i,j] = (A[i,j] - sum_{p<j} L[i,p] L[j,p]) / L[j,j]   (j < i),   L[i,i] = sqrt(A[i,i] - sum_{p<i} L[i,p]^2).
 * Reads the lower triangle. Returns null when a pivot is not positive (A is not numerically PD).
 */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const w = kernels();
  if (w) return w.cholesky(a, n);
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let p = 0; p < j; p++) s -= l[i * n + p] * l[j * n + p];
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return null;
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  return l;
}

/** Solves L L^T x = b: forward substitution L y = b, then back substitution L^T x = y. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const w = kernels();
  if (w) return w.choleskySolve(l, n, b);
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = x[i];
    for (let p = 0; p < i; p++) s -= l[i * n + p] * x[p];
    x[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let p = i + 1; p < n; p++) s -= l[p * n + i] * x[p];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/**
 * Eigen-decomposition A = V diag(values) V^T of a symmetric A by cyclic Jacobi rotations
 * (theta = (A_qq - A_pp) / (2 A_pq), t = sign(theta) / (|theta| + sqrt(theta^2 + 1))).
 * Values ascending; eigenvectors are the columns of V (row-major).
 */
export function symEig(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const w = kernels();
  if (w) return w.symEig(a, n);
  const A = Float64Array.from(a.subarray(0, n * n));
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += A[i] * A[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += 2 * A[i * n + j] * A[i * n + j];
    if (off <= 1e-30 * total) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p], akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k], aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p], vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => A[i * n + i] - A[j * n + j]);
  const values = new Float64Array(n), vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = A[src * n + src];
    for (let r = 0; r < n; r++) vectors[r * n + dst] = V[r * n + src];
  });
  return { values, vectors };
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
