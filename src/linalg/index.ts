/**
 * Dense linear algebra on flat row-major arrays, float32 or float64 (the result has the
 * operands' dtype), for the minimizers and the training preconditioners. The factorizations go to
 * the backend that runs ops (`backendFor().linalg`: the WebAssembly core's kernels in
 * assembly/linalg.ts, or the JS reference in src/backend/js/linalg.ts under `setBackend("js")`);
 * BLAS-1 to the backend's `blas1` where it has one (long vectors). Arguments are checked here.
 */
import type { LinalgArray } from "../backend/backend.js";
import { backendFor } from "../backend/select.js";
import { ArgumentError, DTypeError, NonFiniteError } from "../errors.js";

export type { LinalgArray } from "../backend/backend.js";

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

/** Throws unless `x` (named `name`) is a float32/float64 array of at least `length` values in `dtypeOf`'s dtype. */
function check(fn: string, name: string, x: unknown, length: number, what: string, dtypeOf?: LinalgArray): void {
  if (!(x instanceof Float32Array || x instanceof Float64Array)) throw new ArgumentError(`${fn}: ${name} must be a Float32Array or Float64Array`);
  if (x.length < length) throw new ArgumentError(`${fn}: ${name} must hold ${what} (${length} values), got ${x.length}`);
  if (dtypeOf && x.constructor !== dtypeOf.constructor) throw new DTypeError(`${fn}: ${name} must share the dtype of the matrix (${dtypeOf.constructor.name}), got ${x.constructor.name}`);
}
function checkSize(fn: string, name: string, n: number): void {
  if (!(Number.isInteger(n) && n >= 0)) throw new ArgumentError(`${fn}: ${name} must be an integer >= 0, got ${n}`);
}
function checkSquare(fn: string, a: unknown, n: number, name = "a"): void {
  checkSize(fn, "n", n);
  check(fn, name, a, n * n, `an n x n matrix for n = ${n}`);
}
/** Throws NonFiniteError naming the first non-finite entry of the lower triangle (what the factorizations read). */
function checkFiniteLower(fn: string, a: LinalgArray, n: number): void {
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    if (!Number.isFinite(a[i * n + j])) throw new NonFiniteError(`${fn}: a[${i}, ${j}] is ${a[i * n + j]}`);
  }
}

/**
 * Cholesky factor L with A = L L^T (lower triangle of A read; L's strict upper triangle is zero).
 * A matrix that is not numerically positive definite is an ArgumentError (`tryCholesky` returns null instead).
 */
export function cholesky<A extends LinalgArray>(a: A, n: number): A {
  const l = tryCholesky(a, n);
  if (l !== null) return l;
  checkFiniteLower("cholesky", a, n);
  throw new ArgumentError(`cholesky: a (${n} x ${n}) is not positive definite; add a multiple of the identity, or use tryCholesky to test`);
}

/** As `cholesky`, but null when A is not numerically positive definite (Newton's and the natural gradient's test for it). */
export function tryCholesky<A extends LinalgArray>(a: A, n: number): A | null {
  checkSquare("cholesky", a, n);
  return linalg().cholesky(a, n);
}

/** Solves L L^T x = b for the Cholesky factor L. */
export function choleskySolve<A extends LinalgArray>(l: A, n: number, b: A): A {
  checkSquare("choleskySolve", l, n, "l");
  check("choleskySolve", "b", b, n, `n = ${n} values`, l);
  return linalg().choleskySolve(l, n, b);
}

/**
 * A = V diag(values) V^T for symmetric A (its lower triangle read, as numpy.linalg.eigh); values
 * ascending, eigenvectors as the columns of V (each determined up to sign; a basis of each
 * repeated eigenvalue's eigenspace).
 */
export function symEig<A extends LinalgArray>(a: A, n: number): { values: A; vectors: A } {
  checkSquare("symEig", a, n);
  checkFiniteLower("symEig", a, n);
  const out = linalg().symEig(a, n);
  if (out === null) throw new ArgumentError(`symEig: the QL iteration did not converge for a (${n} x ${n})`);
  return out;
}

/**
 * Solves T x = b for triangular T (row-major n x n): `lower` says which triangle holds T (the other
 * is not read), `transpose` solves T^T x = b instead; `unitDiagonal` takes T's diagonal as ones.
 * Forward substitution for L x = b: x_i = (b_i - sum_{j<i} L_ij x_j) / L_ii; backward for U.
 */
export function triangularSolve<A extends LinalgArray>(t: A, n: number, b: A, options: { lower: boolean; transpose?: boolean; unitDiagonal?: boolean }): A {
  checkSquare("triangularSolve", t, n, "t");
  check("triangularSolve", "b", b, n, `n = ${n} values`, t);
  if (typeof options?.lower !== "boolean") throw new ArgumentError("triangularSolve: options.lower must be true or false (which triangle of t holds the matrix)");
  const { lower, transpose = false, unitDiagonal = false } = options;
  return linalg().triangularSolve(t, n, b, lower, transpose, unitDiagonal);
}

/**
 * A = Q R for an m x n matrix (m >= n) by Householder reflections: Q is m x n with orthonormal
 * columns, R is n x n upper triangular with a non-negative diagonal (the thin factorization).
 * Reflection k: v = x + sign(x_0) ||x|| e_0 over column k below the diagonal, H = I - 2 v v^T / v^T v.
 */
export function qr<A extends LinalgArray>(a: A, m: number, n: number): { q: A; r: A } {
  checkSize("qr", "m", m);
  checkSize("qr", "n", n);
  if (m < n) throw new ArgumentError(`qr: needs at least as many rows as columns, got ${m} x ${n}`);
  check("qr", "a", a, m * n, `an m x n matrix for ${m} x ${n}`);
  return linalg().qr(a, m, n);
}

/**
 * A^(-1/p) for symmetric positive semi-definite A (Shampoo's preconditioner roots):
 * V diag((max(lambda_i, 0) + eps)^(-1/p)) V^T from the eigendecomposition. `eps` (default 0)
 * regularizes a singular A; with eps = 0 a zero eigenvalue is an ArgumentError.
 */
export function inversePthRoot<A extends LinalgArray>(a: A, n: number, p: number, eps = 0): A {
  if (!(Number.isInteger(p) && p >= 1)) throw new ArgumentError(`inversePthRoot: p must be an integer >= 1, got ${p}`);
  if (!(eps >= 0)) throw new ArgumentError(`inversePthRoot: eps must be >= 0, got ${eps}`);
  checkSquare("inversePthRoot", a, n);
  const { values, vectors } = symEig(a, n);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const lam = Math.max(values[i], 0) + eps;
    if (!(lam > 0)) throw new ArgumentError(`inversePthRoot: a is singular (eigenvalue ${values[i]}); pass eps > 0 to regularize it`);
    d[i] = Math.pow(lam, -1 / p);
  }
  return linalg().fromEigen(vectors, (a instanceof Float32Array ? Float32Array.from(d) : d) as A, n);
}

/** V diag(d) V^T for eigenvectors V (columns of a row-major n x n array) and values d: a symmetric matrix function. */
export function fromEigen<A extends LinalgArray>(vectors: A, d: A, n: number): A {
  checkSquare("fromEigen", vectors, n, "vectors");
  check("fromEigen", "d", d, n, `n = ${n} values`, vectors);
  return linalg().fromEigen(vectors, d, n);
}
