/**
 * Reference dense linear algebra on flat float64 arrays (row-major n x n): the plain-JS loops the
 * WebAssembly kernels in assembly/linalg.ts are tested against, and the fallback when the
 * WebAssembly core is not running.
 */
/**
 * Cholesky factor L of a symmetric positive definite A = L L^T (Cholesky-Banachiewicz):
 *   L[i,j] = (A[i,j] - sum_{p<j} L[i,p] L[j,p]) / L[j,j]   (j < i),   L[i,i] = sqrt(A[i,i] - sum_{p<i} L[i,p]^2).
 * Reads the lower triangle. Returns null when a pivot is not positive (A is not numerically PD).
 */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
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
  return sortEigenpairs(A, V, n);
}

/**
 * Eigenpairs in ascending order from a diagonalised D (eigenvalues on its diagonal) and the
 * rotations V (eigenvectors as columns), both row-major n x n. Shared by the WebAssembly path.
 */
export function sortEigenpairs(D: Float64Array, V: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => D[i * n + i] - D[j * n + j]);
  const values = new Float64Array(n), vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = D[src * n + src];
    for (let r = 0; r < n; r++) vectors[r * n + dst] = V[r * n + src];
  });
  return { values, vectors };
}
