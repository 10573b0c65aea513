/**
 * Dense helpers shared by the Kronecker-factored preconditioners (Shampoo, SOAP): a parameter of
 * shape d_1 x ... x d_k is preconditioned by one n x n matrix per dimension. Everything is row-major
 * float64. Notation: for a tensor x with dims (pre, n, post) around dimension k,
 *   x[i, a, j] = x[(i·n + a)·post + j].
 */
import { readSync } from "../../backend/select.js";
import { fromEigen, symEig } from "../../linalg/index.js";
import { Tensor, tensorOf } from "../../tensor/tensor.js";
import { arrayFor, type DType } from "../../tensor/dtype.js";

/** A tensor's values as a fresh float64 array. */
export function valuesF64(t: Tensor, op: string): Float64Array {
  return Float64Array.from(readSync(t, op));
}

/** A tensor of `shape` and `dtype` holding `values` (rounded to the dtype). */
export function tensorFrom(values: ArrayLike<number>, shape: readonly number[], dtype: DType): Tensor {
  const a = arrayFor(dtype, values.length);
  for (let i = 0; i < a.length; i++) a[i] = values[i];
  return tensorOf(a, shape);
}

/** The n x n identity, row-major. */
export function eyeF64(n: number): Float64Array {
  const e = new Float64Array(n * n);
  for (let i = 0; i < n; i++) e[i * n + i] = 1;
  return e;
}

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

function around(dims: readonly number[], k: number): [pre: number, n: number, post: number] {
  return [prod(dims.slice(0, k)), dims[k], prod(dims.slice(k + 1))];
}

/**
 * The Gram matrix of the mode-k unfolding: G[a, b] = Σ_{i,j} x[i, a, j] x[i, b, j], i.e. x
 * contracted with itself over every dimension but k (for a matrix: k = 0 gives X Xᵀ, k = 1 Xᵀ X).
 */
export function modeGram(x: Float64Array, dims: readonly number[], k: number): Float64Array {
  const [pre, n, post] = around(dims, k);
  const g = new Float64Array(n * n);
  for (let i = 0; i < pre; i++) {
    const base = i * n * post;
    for (let a = 0; a < n; a++) {
      const ra = base + a * post;
      for (let b = a; b < n; b++) {
        const rb = base + b * post;
        let s = 0;
        for (let j = 0; j < post; j++) s += x[ra + j] * x[rb + j];
        g[a * n + b] += s;
      }
    }
  }
  for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) g[a * n + b] = g[b * n + a];
  return g;
}

/**
 * The mode-k product y = x ×_k M: y[i, a, j] = Σ_c M[a, c] x[i, c, j] (M is n x n, row-major);
 * with `transpose`, M[c, a] instead (y = x ×_k Mᵀ). For a matrix X: k = 0 gives M X, k = 1 X Mᵀ.
 */
export function modeProduct(x: Float64Array, dims: readonly number[], k: number, m: Float64Array, transpose = false): Float64Array {
  const [pre, n, post] = around(dims, k);
  const y = new Float64Array(x.length);
  for (let i = 0; i < pre; i++) {
    const base = i * n * post;
    for (let a = 0; a < n; a++) {
      const ya = base + a * post;
      for (let c = 0; c < n; c++) {
        const w = transpose ? m[c * n + a] : m[a * n + c];
        if (w === 0) continue;
        const xc = base + c * post;
        for (let j = 0; j < post; j++) y[ya + j] += w * x[xc + j];
      }
    }
  }
  return y;
}

/**
 * distributed_shampoo's `merge_small_dims`: drop dimensions of size 1, then, walking from the last
 * dimension to the first, merge a dimension into its right neighbour while their product stays
 * <= `threshold` and more than `target` dimensions would remain. A 0-d or all-ones shape is [1];
 * an empty one (a 0 dimension) [0]. `target` Infinity returns the shape as it is.
 */
export function mergeSmallDims(shape: readonly number[], threshold: number, target: number): number[] {
  if (shape.includes(0)) return [0];
  if (target === Infinity) return [...shape];
  const squeezed = [...shape].reverse().filter((d) => d !== 1);
  if (squeezed.length === 0) return [1];
  const out = [squeezed[0]];
  for (let done = 1; done < squeezed.length; done++) {
    const next = squeezed[done];
    const remaining = squeezed.length - done;
    if (out.length + remaining > target && out[out.length - 1] * next <= threshold) out[out.length - 1] *= next;
    else out.push(next);
  }
  return out.reverse();
}

/** A block of a tensor: where it starts along each dimension and its size there. */
export interface Block {
  readonly start: readonly number[];
  readonly dims: readonly number[];
}

/**
 * distributed_shampoo's `multi_dim_split`: every dimension cut into chunks of `size` (the last
 * one shorter), blocks listed with the first dimension's chunk varying slowest.
 */
export function splitBlocks(dims: readonly number[], size: number): Block[] {
  let blocks: Block[] = [{ start: dims.map(() => 0), dims: [...dims] }];
  dims.forEach((d, k) => {
    const next: Block[] = [];
    for (const b of blocks) {
      const step = size === Infinity ? d : size;
      for (let s = 0; s < Math.max(d, 1); s += step) {
        const len = Math.min(step, d - s);
        next.push({ start: b.start.map((v, i) => (i === k ? s : v)), dims: b.dims.map((v, i) => (i === k ? len : v)) });
      }
    }
    blocks = next;
  });
  return blocks;
}

/** Visits the flat offsets of a block of a row-major tensor of shape `dims`, in the block's row-major order. */
function forEachOffset(dims: readonly number[], block: Block, fn: (offset: number, i: number) => void): void {
  const r = dims.length;
  const strides = new Array<number>(r);
  let s = 1;
  for (let k = r - 1; k >= 0; k--) { strides[k] = s; s *= dims[k]; }
  const n = prod(block.dims);
  const idx = new Array<number>(r).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let k = 0; k < r; k++) off += (block.start[k] + idx[k]) * strides[k];
    fn(off, i);
    for (let k = r - 1; k >= 0; k--) {
      if (++idx[k] < block.dims[k]) break;
      idx[k] = 0;
    }
  }
}

/** The values of `block` of a tensor of shape `dims`, as a dense row-major array. */
export function gatherBlock(x: ArrayLike<number>, dims: readonly number[], block: Block): Float64Array {
  const out = new Float64Array(prod(block.dims));
  forEachOffset(dims, block, (off, i) => (out[i] = x[off]));
  return out;
}

/** Writes `values` (the block's dense row-major array) into `block` of `x`. */
export function scatterBlock(x: Float64Array, dims: readonly number[], block: Block, values: Float64Array): void {
  forEachOffset(dims, block, (off, i) => (x[off] = values[i]));
}

/** C = A B for row-major A (m x k) and B (k x n). */
export function matmulF64(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const w = a[i * k + p];
      if (w === 0) continue;
      for (let j = 0; j < n; j++) c[i * n + j] += w * b[p * n + j];
    }
  }
  return c;
}

/**
 * Shampoo's inverse root with distributed_shampoo's default stabilisation (matrix_functions.py,
 * PerturbationConfig with perturb_before_computation): eigendecompose A + eps·I = Q diag(λ) Qᵀ;
 * when the smallest λ is below eps (A not numerically PSD), shift every λ by eps − λ_min; return
 * Q diag(λ^(−1/root)) Qᵀ.
 */
export function stabilizedInverseRoot(a: Float64Array, n: number, root: number, eps: number): Float64Array {
  const ridge = Float64Array.from(a);
  for (let i = 0; i < n; i++) ridge[i * n + i] += eps;
  const { values, vectors } = symEig(ridge, n);
  let min = Infinity;
  for (let i = 0; i < n; i++) min = Math.min(min, values[i]);
  const shift = min < eps ? eps - min : 0;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.pow(values[i] + shift, -1 / root);
  return fromEigen(vectors, d, n);
}
