/**
 * Selection by rank: `argmax`, `argmin` and `topk`, composed from the existing kernels (max,
 * equal, where, a constant position ramp) rather than a kernel of their own, so they dispatch
 * through the backend and are recorded by the jit tracer like any op (a gather would need the
 * indices' values, which a traced program does not have). Indices come back as a tensor of the
 * input's dtype (downhill has no integer dtype; exact up to 2^24 positions in float32).
 *
 * Ties go to the lowest index, and NaN counts as the largest value (NumPy's and PyTorch's
 * argmax, and PyTorch's topk).
 */
import { ArgumentError } from "../errors.js";
import { checkOptions } from "../options.js";
import { normAxis } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { arrayFor } from "../tensor/dtype.js";
import { withRecording } from "../autodiff/tape.js";
import { assertTensor, wrap } from "./util.js";
import { backendFor } from "../backend/select.js";
import { equal, maximum, neg, sub, where } from "./elementwise.js";
import { max, sum } from "./reduce.js";
import { concat, reshape } from "./shape.js";

/** 0, 1, ..., n - 1 laid along `axis` of a rank-`rank` tensor (size 1 elsewhere), as a constant. */
function positions(n: number, axis: number, rank: number, dtype: Tensor["dtype"]): Tensor {
  const a = arrayFor(dtype, n);
  for (let i = 0; i < n; i++) a[i] = i;
  const shape = Array.from({ length: rank }, (_, d) => (d === axis ? n : 1));
  return wrap(backendFor().adopt(a), shape, dtype);
}

/** 1 where x is NaN (x != x), else 0. */
const isNaN_ = (x: Tensor): Tensor => sub(1, equal(x, x));

/**
 * The first position of the largest entry along `axis` (keepDims shape), counting NaN as the
 * largest; `pos` is the position ramp. Not recorded: indices have no gradient.
 */
function firstMax(x: Tensor, axis: number, pos: Tensor): Tensor {
  const m = max(x, axis, true); // NaN when the slice holds one
  const hit = maximum(equal(x, m), isNaN_(x));
  const n = x.shape[axis];
  return neg(max(neg(where(hit, pos, n)), axis, true)); // the smallest position that hits
}

function argOf(op: string, x: Tensor, axis: number | undefined, keepDims: boolean, sign: 1 | -1): Tensor {
  assertTensor(op, "x", x);
  if (typeof keepDims !== "boolean") throw new ArgumentError(`${op}: keepDims must be a boolean, got ${typeof keepDims}`);
  return withRecording(false, () => {
    const flat = axis === undefined;
    if (!flat && typeof axis !== "number") throw new ArgumentError(`${op}: axis must be one number (or omitted for the flattened tensor), got ${Array.isArray(axis) ? "an array" : typeof axis}`);
    const v = flat ? reshape(x, [x.size]) : x;
    if (v.rank === 0) return wrap(backendFor().fill(x.dtype, 1, 0), [], x.dtype);
    const ax = flat ? 0 : normAxis(op, axis, x.rank);
    if (v.shape[ax] === 0) throw new ArgumentError(`${op}: axis ${ax} of shape [${x.shape.join(", ")}] is empty; there is no ${sign > 0 ? "largest" : "smallest"} entry`);
    const idx = firstMax(sign > 0 ? v : neg(v), ax, positions(v.shape[ax], ax, v.rank, x.dtype));
    if (flat) return keepDims ? reshape(idx, x.shape.map(() => 1)) : reshape(idx, []);
    return keepDims ? idx : reshape(idx, x.shape.filter((_, d) => d !== ax));
  });
}

/**
 * Index of the largest entry along `axis` (the flattened tensor's index when `axis` is omitted,
 * as NumPy and PyTorch), with `keepDims`. Ties: the first; NaN counts as the largest. The
 * indices are a tensor of x's dtype, with no gradient.
 */
export function argmax(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argOf("argmax", x, axis, keepDims, 1);
}

/** Index of the smallest entry along `axis` (see argmax). */
export function argmin(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argOf("argmin", x, axis, keepDims, -1);
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
 * largest value. Indices are a tensor of x's dtype. Cost: k passes over x (meant for small k).
 */
export function topk(x: Tensor, k: number, options: TopkOptions = {}): { values: Tensor; indices: Tensor } {
  assertTensor("topk", "x", x);
  checkOptions("topk", options, ["axis", "sorted"]);
  if (options.sorted !== undefined && typeof options.sorted !== "boolean") throw new ArgumentError(`topk: sorted must be a boolean, got ${typeof options.sorted}`);
  if (x.rank === 0) throw new ArgumentError("topk: x must have at least one dimension, got a scalar");
  const ax = normAxis("topk", options.axis ?? -1, x.rank);
  const n = x.shape[ax];
  if (!Number.isInteger(k) || k < 1 || k > n) throw new ArgumentError(`topk: k must be an integer in [1, ${n}] (the size of axis ${ax} of [${x.shape.join(", ")}]), got ${k}`);
  const pos = positions(n, ax, x.rank, x.dtype);
  const picks: Tensor[] = [];
  const hots: Tensor[] = [];
  withRecording(false, () => {
    let taken: Tensor | null = null; // 1 at the positions already picked
    for (let j = 0; j < k; j++) {
      // Picked entries fall below everything (a NaN or -Infinity among the rest can still win).
      const rest = taken === null ? x : where(taken, -Infinity, x);
      const restHit = taken === null ? null : sub(1, taken);
      const m = max(rest, ax, true);
      let hit = maximum(equal(rest, m), isNaN_(rest));
      if (restHit) hit = where(restHit, hit, 0);
      const first = neg(max(neg(where(hit, pos, n)), ax, true));
      const hot = equal(pos, first);
      picks.push(first);
      hots.push(hot);
      taken = taken === null ? hot : maximum(taken, hot);
    }
  });
  // The values as sums of x over one-hot masks (where, not a product: 0 * Infinity is NaN), so
  // their gradient is x's cotangent at the picked positions.
  const values = concat(hots.map((h) => sum(where(h, x, 0), ax, true)), ax);
  const indices = withRecording(false, () => concat(picks, ax));
  return { values, indices };
}
