/**
 * Dense float64 references for the second-order tests, written independently of src/linalg:
 * cyclic Jacobi eigendecomposition, matrix functions through it, products.
 */

/** Symmetric A (n x n, row-major) = V diag(values) Vᵀ by cyclic Jacobi rotations; eigenvectors are V's columns. */
export function jacobiEig(a: ArrayLike<number>, n: number): { values: number[]; vectors: number[][] } {
  const A = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (a[i * n + j] + a[j * n + i]) / 2));
  const V: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += A[i][j] * A[i][j];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (A[p][q] === 0) continue;
        const theta = (A[q][q] - A[p][p]) / (2 * A[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k][p], akq = A[k][q];
          A[k][p] = c * akp - s * akq;
          A[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p][k], aqk = A[q][k];
          A[p][k] = c * apk - s * aqk;
          A[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k][p], vkq = V[k][q];
          V[k][p] = c * vkp - s * vkq;
          V[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: A.map((row, i) => row[i]), vectors: V };
}

/** f(A) = V diag(f(λ)) Vᵀ for symmetric A, as a nested array. */
export function matFun(a: ArrayLike<number>, n: number, f: (l: number) => number): number[][] {
  const { values, vectors } = jacobiEig(a, n);
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => values.reduce((s, l, k) => s + vectors[i][k] * f(l) * vectors[j][k], 0)));
}

export const matmul = (a: number[][], b: number[][]): number[][] => a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
export const transpose = (a: number[][]): number[][] => a[0].map((_, j) => a.map((row) => row[j]));
export const rows = (flat: ArrayLike<number>, m: number, n: number): number[][] => Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => flat[i * n + j]));
export const addEye = (a: number[][], eps: number): number[] => a.flatMap((row, i) => row.map((v, j) => v + (i === j ? eps : 0)));
export const norm = (xs: number[]): number => Math.sqrt(xs.reduce((s, v) => s + v * v, 0));
