/**
 * Selection by rank: `argmax`, `argmin` and `topk`, on the backend's `topk` kernel (one pass per
 * slice; composing them from max/equal/where took 60-80x tfjs's time, bench/probes/topk.mjs),
 * with `topk`'s values differentiable through `takeAlong`/`putAlong` (each the other's adjoint,
 * so second derivatives work too). Indices are tensors of the input's dtype (downhill has no
 * integer dtype; exact up to 2^24 positions in float32), and being kernel outputs they stay
 * values of a compiled program under `dh.jit` (a gather would need them on the host).
 *
 * Ties go to the lowest index, and NaN counts as the largest value (NumPy's and PyTorch's
 * argmax, and PyTorch's topk).
 */
import { ArgumentError } from "../errors.js";
import { checkOptions } from "../options.js";
import { normAxis, sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { record } from "../autodiff/tape.js";
import { backendFor } from "../backend/select.js";
import { assertTensor, wrap } from "./util.js";
import { neg } from "./elementwise.js";

/** x viewed as [outer, dim, inner] around `axis`. */
function around(x: Tensor, axis: number): { outer: number; dim: number; inner: number } {
  return { outer: sizeOf(x.shape.slice(0, axis)), dim: x.shape[axis], inner: sizeOf(x.shape.slice(axis + 1)) };
}

/** out[..., m, ...] = x[..., idx[..., m, ...], ...] along `axis`; differentiable in x. */
function takeAlong(x: Tensor, idx: Tensor, axis: number): Tensor {
  const { outer, dim, inner } = around(x, axis), k = idx.shape[axis];
  const out = wrap(backendFor(x, idx).takeAlong(x._storage, idx._storage, outer, dim, inner, k, x.dtype), [...idx.shape], x.dtype);
  return record(out, "takeAlong", [x], (g) => [putAlong(g, idx, axis, x.shape)]);
}

/** takeAlong's adjoint: zeros of `shape` with g[..., m, ...] added at idx[..., m, ...] along `axis`. */
function putAlong(g: Tensor, idx: Tensor, axis: number, shape: readonly number[]): Tensor {
  const outer = sizeOf(shape.slice(0, axis)), dim = shape[axis], inner = sizeOf(shape.slice(axis + 1)), k = idx.shape[axis];
  const out = wrap(backendFor(g, idx).putAlong(g._storage, idx._storage, outer, dim, inner, k, g.dtype), [...shape], g.dtype);
  return record(out, "putAlong", [g], (h) => [takeAlong(h, idx, axis)]);
}

/** The backend's topk along `axis`: values and indices with that axis replaced by k (not recorded). */
function select(x: Tensor, axis: number, k: number): { values: Tensor; indices: Tensor } {
  const { outer, dim, inner } = around(x, axis);
  const [v, i] = backendFor(x).topk(x._storage, outer, dim, inner, k, x.dtype);
  const shape = x.shape.map((d, a) => (a === axis ? k : d));
  return { values: wrap(v, shape, x.dtype), indices: wrap(i, [...shape], x.dtype) };
}

function argOf(op: string, x: Tensor, axis: number | undefined, keepDims: boolean, largest: boolean): Tensor {
  assertTensor(op, "x", x);
  if (typeof keepDims !== "boolean") throw new ArgumentError(`${op}: keepDims must be a boolean, got ${typeof keepDims}`);
  if (axis !== undefined && typeof axis !== "number") throw new ArgumentError(`${op}: axis must be one number (or omitted for the flattened tensor), got ${Array.isArray(axis) ? "an array" : typeof axis}`);
  const flat = axis === undefined;
  const ax = flat ? 0 : normAxis(op, axis, x.rank);
  if (x.size === 0 || (!flat && x.shape[ax] === 0)) throw new ArgumentError(`${op}: ${flat ? "x" : `axis ${ax} of [${x.shape.join(", ")}]`} is empty; there is no ${largest ? "largest" : "smallest"} entry`);
  const src = largest ? x : neg(x); // NaN stays NaN: argmin also picks the first NaN, as NumPy's
  const v = flat ? wrap(src._storage, [x.size], x.dtype) : src;
  const idx = select(v, ax, 1).indices; // a kernel output with no tape entry: indices have no gradient
  const shape = flat ? (keepDims ? x.shape.map(() => 1) : []) : keepDims ? idx.shape : x.shape.filter((_, d) => d !== ax);
  return wrap(idx._storage, [...shape], x.dtype);
}

/**
 * Index of the largest entry along `axis` (the flattened tensor's index when `axis` is omitted,
 * as NumPy and PyTorch), with `keepDims`. Ties: the first; NaN counts as the largest. The
 * indices are a tensor of x's dtype, with no gradient.
 */
export function argmax(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argOf("argmax", x, axis, keepDims, true);
}

/** Index of the smallest entry along `axis` (see argmax; NaN also counts as the pick). */
export function argmin(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argOf("argmin", x, axis, keepDims, false);
}

export interface TopkOptions {
  /** The axis to select along (default -1, the last, as PyTorch's topk and tfjs's topk). */
  axis?: number;
  /**
   * Accepted for PyTorch's and tfjs's signature. The values always come largest first (ties:
   * lower index first), which is also a valid answer for `sorted: false` (whose order is unspecified).
   */
  sorted?: boolean;
}

/**
 * The k largest entries along `axis` and their indices: `values` and `indices` have x's shape
 * with that axis replaced by k. `values` is differentiable: its gradient reaches x at the
 * selected positions only (as PyTorch's topk). Ties go to the lower index; NaN counts as the
 * largest value. Indices are a tensor of x's dtype.
 */
export function topk(x: Tensor, k: number, options: TopkOptions = {}): { values: Tensor; indices: Tensor } {
  assertTensor("topk", "x", x);
  checkOptions("topk", options, ["axis", "sorted"]);
  if (options.sorted !== undefined && typeof options.sorted !== "boolean") throw new ArgumentError(`topk: sorted must be a boolean, got ${typeof options.sorted}`);
  if (x.rank === 0) throw new ArgumentError("topk: x must have at least one dimension, got a scalar");
  const ax = normAxis("topk", options.axis ?? -1, x.rank);
  const n = x.shape[ax];
  if (!Number.isInteger(k) || k < 1 || k > n) throw new ArgumentError(`topk: k must be an integer in [1, ${n}] (the size of axis ${ax} of [${x.shape.join(", ")}]), got ${k}`);
  const { values, indices } = select(x, ax, k);
  return { values: record(values, "topk", [x], (g) => [putAlong(g, indices, ax, x.shape)]), indices };
}
