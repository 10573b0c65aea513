/**
 * Reference dense linear algebra on flat row-major arrays: the plain-JS loops the WebAssembly
 * kernels in assembly/linalg.ts are tested against, and the JS backend's kernels. They compute in
 * float64 whatever the operands' dtype (a float32 operand is widened, the result rounded back), and
 * use other algorithms than the WebAssembly core where that makes a better cross-check
 * (cyclic Jacobi here, Householder tridiagonalization + QL there).
 */
import type { LinalgArray } from "../backend.js";

/** A new array of `a`'s dtype. */
export function like<A extends LinalgArray>(a: A, length: number): A {
  return (a instanceof Float32Array ? new Float32Array(length) : new Float64Array(length)) as A;
}
/** `x` as float64 (a copy: the loops below write into it). */
const wide = (x: LinalgArray, length = x.length): Float64Array => Float64Array.from(x.subarray(0, length));
/** `x` in `a`'s dtype. */
function narrow<A extends LinalgArray>(a: A, x: Float64Array): A {
  if (a instanceof Float64Array) return x as A;
  return Float32Array.from(x) as A;
}

/**
 * Cholesky factor L of a symmetric positive definite A = L L^T (Cholesky-Banachiewicz):
 *   L[i,j] = (A[i,j] - sum_{p<j} L[i,p] L[j,p]) / L[j,j]   (j < i),   L[i,i] = sqrt(A[i,i] - sum_{p<i} L[i,p]^2).
 * Reads the lower triangle. Returns null when a pivot is not positive (A is not numerically PD).
 */
export function cholesky<A extends LinalgArray>(a: A, n: number): A | null {
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
  return narrow(a, l);
}

/**
 * Solves op(T) x = b for triangular T: `lower` says which triangle holds T (the other is not
 * read), `transpose` solves T^T x = b, `unitDiagonal` takes T's diagonal as ones. Forward
 * substitution x_i = (b_i - sum_{j<i} L_ij x_j) / L_ii for a lower op(T), backward for an upper one.
 */
export function triangularSolve<A extends LinalgArray>(t: A, n: number, b: A, lower: boolean, transpose: boolean, unitDiagonal: boolean): A {
  const x = wide(b, n);
  const forward = lower !== transpose; // T^T of a lower triangle is upper
  for (let step = 0; step < n; step++) {
    const i = forward ? step : n - 1 - step;
    let s = x[i];
    if (forward) for (let j = 0; j < i; j++) s -= (transpose ? t[j * n + i] : t[i * n + j]) * x[j];
    else for (let j = i + 1; j < n; j++) s -= (transpose ? t[j * n + i] : t[i * n + j]) * x[j];
    x[i] = unitDiagonal ? s : s / t[i * n + i];
  }
  return narrow(b, x);
}

/** Solves L L^T x = b: forward substitution L y = b, then back substitution L^T x = y. */
export function choleskySolve<A extends LinalgArray>(l: A, n: number, b: A): A {
  return triangularSolve(l, n, triangularSolve(l, n, b, true, false, false), true, true, false);
}

/**
 * Eigen-decomposition A = V diag(values) V^T of a symmetric A (lower triangle read) by cyclic
 * Jacobi rotations (theta = (A_qq - A_pp) / (2 A_pq), t = sign(theta) / (|theta| + sqrt(theta^2 + 1))).
 * Values ascending; eigenvectors are the columns of V (row-major).
 */
export function symEig<A extends LinalgArray>(a: A, n: number): { values: A; vectors: A } {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i * n + j] = A[j * n + i] = a[i * n + j];
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
  return { values: narrow(a, values), vectors: narrow(a, vectors) };
}

/**
 * A = Q R for an m x n matrix (m >= n) by Householder reflections: Q is m x n with orthonormal
 * columns, R is n x n upper triangular with a non-negative diagonal (the thin factorization).
 * Reflection k: v = x + sign(x_0) ||x|| e_0 over column k below the diagonal, H = I - 2 v v^T / v^T v.
 */
export function qr<A extends LinalgArray>(a: A, m: number, n: number): { q: A; r: A } {
  const R = wide(a, m * n);
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
  return { q: narrow(a, Q), r: narrow(a, r) };
}

/** V diag(d) V^T for eigenvectors V (columns of a row-major n x n array) and values d: a symmetric matrix function. */
export function fromEigen<A extends LinalgArray>(vectors: A, d: A, n: number): A {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * d[k] * vectors[j * n + k];
      out[i * n + j] = out[j * n + i] = s;
    }
  }
  return narrow(vectors, out);
}
