/**
 * Dense linear algebra on flat float64 arrays (row-major n x n), for the minimizers and the
 * training preconditioners. The O(n^3) factorizations go to the backend that runs ops
 * (`backendFor().linalg`: the WebAssembly core's kernels, or the JS reference in
 * src/backend/js/linalg.ts); BLAS-1 to the backend's `blas1` where it has one (long vectors).
 * The rest (QR, triangular solves, inverse p-th roots) is written here once, on those.
 */
import { backendFor } from "../backend/select.js";
import { ArgumentError } from "../errors.js";

/** x . y */
export function dot(x: Float64Array, y: Float64Array): number {
  const b = backendFor().blas1;
  if (b) return b.dot(x, y);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** ||x||_2 */
export function nrm2(x: Float64Array): number {
  const b = backendFor().blas1;
  if (b) return b.nrm2(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/** y <- alpha x + y */
export function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  const b = backendFor().blas1;
  if (b) return b.axpy(alpha, x, y);
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

/** x + alpha d, as a new array. */
export function addScaled(x: Float64Array, alpha: number, d: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + alpha * d[i];
  return out;
}

const linalg = () => backendFor().linalg!;

/** Cholesky factor L with A = L L^T (lower triangle of A read), or null when A is not numerically positive definite. */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  return linalg().cholesky(a, n);
}

/** Solves L L^T x = b for the Cholesky factor L. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  return linalg().choleskySolve(l, n, b);
}

/** A = V diag(values) V^T for symmetric A; values ascending, eigenvectors as the columns of V. */
export function symEig(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  return linalg().symEig(a, n);
}

/**
 * Solves T x = b for triangular T (row-major n x n): `lower` says which triangle holds T (the other
 * is not read), `transpose` solves T^T x = b instead; `unitDiagonal` takes T's diagonal as ones.
 * Forward substitution for L x = b: x_i = (b_i - sum_{j<i} L_ij x_j) / L_ii; backward for U.
 */
export function triangularSolve(t: Float64Array, n: number, b: Float64Array, options: { lower: boolean; transpose?: boolean; unitDiagonal?: boolean }): Float64Array {
  const { lower, transpose = false, unitDiagonal = false } = options;
  if (b.length < n || t.length < n * n) throw new ArgumentError(`triangularSolve: need an n x n matrix and n values for n = ${n}, got ${t.length} and ${b.length}`);
  const x = Float64Array.from(b.subarray(0, n));
  // T^T of a lower triangle is upper: either way one sweep forward or backward.
  const forward = lower !== transpose;
  const at = transpose ? (i: number, j: number) => t[j * n + i] : (i: number, j: number) => t[i * n + j];
  for (let step = 0; step < n; step++) {
    const i = forward ? step : n - 1 - step;
    let s = x[i];
    if (forward) for (let j = 0; j < i; j++) s -= at(i, j) * x[j];
    else for (let j = i + 1; j < n; j++) s -= at(i, j) * x[j];
    x[i] = unitDiagonal ? s : s / at(i, i);
  }
  return x;
}

/**
 * A = Q R for an m x n matrix (m >= n) by Householder reflections: Q is m x n with orthonormal
 * columns, R is n x n upper triangular with a non-negative diagonal (the thin factorization).
 * Reflection k: v = x + sign(x_0) ||x|| e_0 over column k below the diagonal, H = I - 2 v v^T / v^T v.
 */
export function qr(a: Float64Array, m: number, n: number): { q: Float64Array; r: Float64Array } {
  if (m < n) throw new ArgumentError(`qr: needs at least as many rows as columns, got ${m} x ${n}`);
  const R = Float64Array.from(a.subarray(0, m * n));
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m - k);
    let norm = 0;
    for (let i = k; i < m; i++) norm += R[i * n + k] * R[i * n + k];
    norm = Math.sqrt(norm);
    const x0 = R[k * n + k];
    for (let i = k; i < m; i++) v[i - k] = R[i * n + k];
    v[0] += x0 >= 0 ? norm : -norm;
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i] * v[i];
    vs.push(v);
    if (vv === 0) continue; // a zero column: nothing to reflect
    for (let j = k; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k] * R[i * n + j];
      const f = (2 * s) / vv;
      for (let i = k; i < m; i++) R[i * n + j] -= f * v[i - k];
    }
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
  const Q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i - k] * Q[i * n + j];
      const f = (2 * s) / vv;
      for (let i = k; i < m; i++) Q[i * n + j] -= f * v[i - k];
    }
  }
  // Make R's diagonal non-negative (flip the sign of a row of R and the column of Q).
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const flip = R[i * n + i] < 0 ? -1 : 1;
    for (let j = i; j < n; j++) r[i * n + j] = flip * R[i * n + j];
    if (flip < 0) for (let row = 0; row < m; row++) Q[row * n + i] = -Q[row * n + i];
  }
  return { q: Q, r };
}

/**
 * A^(-1/p) for symmetric positive semi-definite A (Shampoo's preconditioner roots):
 * V diag((max(lambda_i, 0) + eps)^(-1/p)) V^T from the eigendecomposition. `eps` (default 0)
 * regularizes a singular A; with eps = 0 a zero eigenvalue is an ArgumentError.
 */
export function inversePthRoot(a: Float64Array, n: number, p: number, eps = 0): Float64Array {
  if (!(Number.isInteger(p) && p >= 1)) throw new ArgumentError(`inversePthRoot: p must be an integer >= 1, got ${p}`);
  if (!(eps >= 0)) throw new ArgumentError(`inversePthRoot: eps must be >= 0, got ${eps}`);
  const { values, vectors } = symEig(a, n);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lam = Math.max(values[i], 0) + eps;
    if (!(lam > 0)) throw new ArgumentError(`inversePthRoot: the matrix is singular (eigenvalue ${values[i]}); pass eps > 0 to regularize it`);
    d[i] = Math.pow(lam, -1 / p);
  }
  return fromEigen(vectors, d, n);
}

/** V diag(d) V^T for eigenvectors V (columns of a row-major n x n array) and values d: a symmetric matrix function. */
export function fromEigen(vectors: Float64Array, d: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * d[k] * vectors[j * n + k];
      out[i * n + j] = out[j * n + i] = s;
    }
  }
  return out;
}
