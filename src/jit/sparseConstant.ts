/**
 * A matmul whose left operand is a constant of the program that is mostly zeros (a selection or
 * shift matrix, a sparse mask, a finite-difference stencil) runs over its nonzeros only: the
 * constant is compressed by rows once, at compile time.
 *
 * Bits: the JS kernel (src/backend/js/kernels.ts `matmul`) sums each output over p in order from
 * +0; the plain layout skips a's zeros, so summing the nonzeros in the same order is the same
 * computation (in float32 rounded after each addition, as the kernel's += into a float32 output
 * is). The transposed layouts add every product, but a skipped product 0 * b is a zero,
 * which leaves a nonzero sum unchanged and +0 at +0 (the sum is never -0), so the results are the
 * same whenever every b read is finite; a call whose b holds an infinity or NaN (0 * Inf = NaN)
 * runs the dense kernel instead.
 */
import type { FloatArray } from "../tensor/dtype.js";

/** Compressed when at most this share of the entries are nonzero. */
const MAX_DENSITY = 0.25;

/** Constants from this many entries on are sampled before they are counted. */
const SAMPLE_FROM = 1 << 16;
const SAMPLES = 1024;

/**
 * Whether a seeded random sample of a large constant is over half nonzeros: then it is dense
 * (a data matrix), turned down without the full count, which compiling a logistic regression's
 * 10000 x 100 matrix paid for each matmul by it in every trace (measured ~3 ms warm, ~40 ms
 * before V8 optimizes the loop: at each minimize call's first evaluations). A sample this size shows over half nonzeros
 * for a matrix at or under MAX_DENSITY with probability below 1e-50 (Chernoff, independent draws); random positions,
 * not a stride, so a diagonal cannot line up with them. Turning down a sparse one would only be
 * slower: both kernels give the same bits.
 */
function surelyDense(a: FloatArray): boolean {
  if (a.length < SAMPLE_FROM) return false;
  let hits = 0;
  for (let i = 0, s = 0x2545f491; i < SAMPLES; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) | 0; // LCG (Numerical Recipes)
    if (a[Math.floor(((s >>> 0) / 4294967296) * a.length)] !== 0) hits++; // the high bits pick the entry
  }
  return hits > SAMPLES / 2;
}

export type SparseMatmul = (b: FloatArray, out: FloatArray) => boolean;

/**
 * out = op(A) op(B) with A constant (m x k after op), or null when A is too dense. The returned
 * function returns false, writing nothing, when it must fall back to the dense kernel.
 */
export function sparseConstantMatmul(a: FloatArray, m: number, k: number, n: number, transA: boolean, transB: boolean): SparseMatmul | null {
  if (surelyDense(a)) return null;
  const bound = MAX_DENSITY * m * k;
  let nnz = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0 && ++nnz > bound) return null;
  // rows of op(A): start[i]..start[i+1] index col (p) and val, p increasing
  const start = new Int32Array(m + 1), col = new Int32Array(nnz);
  const val = a instanceof Float64Array ? new Float64Array(nnz) : new Float32Array(nnz);
  for (let i = 0, e = 0; i < m; i++) {
    start[i] = e;
    for (let p = 0; p < k; p++) {
      const v = transA ? a[p * m + i] : a[i * k + p];
      if (v !== 0) { col[e] = p; val[e] = v; e++; }
    }
    start[i + 1] = e;
  }
  const needFinite = transA || transB;
  const f32 = !needFinite && a instanceof Float32Array;
  return (b, out) => {
    if (needFinite) for (let i = 0; i < b.length; i++) if (b[i] - b[i] !== 0) return false; // Inf or NaN
    for (let i = 0; i < m; i++) {
      const ci = i * n, e0 = start[i], e1 = start[i + 1];
      for (let j = 0; j < n; j++) {
        let s = 0;
        if (transB) for (let e = e0; e < e1; e++) s += val[e] * b[j * k + col[e]];
        else if (f32) for (let e = e0; e < e1; e++) s = Math.fround(s + val[e] * b[col[e] * n + j]); // the plain kernel accumulates in out
        else for (let e = e0; e < e1; e++) s += val[e] * b[col[e] * n + j];
        out[ci + j] = s;
      }
    }
    return true;
  };
}
