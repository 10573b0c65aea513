/** Reductions over axes (negative axes count from the end), with `keepDims`. */
import { backendFor } from "../backend/select.js";
import { normAxes, normAxis } from "../tensor/shape.js";
import type { Tensor, Axis } from "../tensor/tensor.js";
import { record, withRecording } from "../autodiff/tape.js";
import { wrap, assertTensor } from "./util.js";
import { reshape, broadcastTo } from "./shape.js";
import { mul, div, equal, neg, sub, square, abs, where, pow, sqrt } from "./elementwise.js";
import { ArgumentError } from "../errors.js";

/**
 * The forward pass shared by the reductions: normalised axes, the keepDims shape (used by the
 * VJPs) and the output, computed by the reference kernel.
 */
function reduceForward(op: "sum" | "max" | "prod", x: Tensor, axis: Axis | undefined, keepDims: boolean) {
  assertTensor(op, "x", x);
  const axes = normAxes(op, axis, x.rank);
  const keep = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const shape = keepDims ? keep : x.shape.filter((_, i) => !axes.includes(i));
  const storage = axes.length === 0 ? x._storage : backendFor(x).reduce(op, x._storage, x.shape, axes, x.dtype);
  return { axes, keep, out: wrap(storage, shape, x.dtype) };
}

/** Sum over `axis` (all axes by default). */
export function sum(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const { keep, out } = reduceForward("sum", x, axis, keepDims);
  return record(out, "sum", [x], (g) => [broadcastTo(reshape(g, keep), x.shape)]);
}

/** Mean over `axis` (all axes by default). */
export function mean(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  assertTensor("mean", "x", x);
  const axes = normAxes("mean", axis, x.rank);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  return div(sum(x, axes, keepDims), count);
}

/** Maximum over `axis`; the gradient is shared evenly among tied maxima. */
export function max(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const { axes, keep, out } = reduceForward("max", x, axis, keepDims);
  return record(out, "max", [x], (g) => {
    const mask = equal(x, reshape(out, keep));
    const count = sum(mask, axes, true);
    return [mul(reshape(g, keep), div(mask, count))];
  });
}

/** Minimum over `axis`. */
export function min(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return neg(max(neg(x), axis, keepDims));
}

/**
 * Product over `axis` (all axes by default), accumulated in float64.
 *
 * d out / d x_i = prod_{j != i} x_j, which is not out / x_i where x_i = 0. With p the product
 * of the non-zero entries of a slot and z the number of its zeros (PyTorch's three cases):
 * z = 0: p / x_i;  z = 1: p at the zero, 0 elsewhere;  z >= 2: 0 everywhere. The non-zero
 * entries' value is written (p / x_i) q with q = the product of the zero entries themselves (0 when
 * there is one, but with derivative 1 with respect to it), so Hessian-vector products are exact
 * too wherever a slot holds at most one zero (with two or more, second derivatives between two
 * zero entries come out 0 instead of the product of the rest).
 */
export function prod(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const { axes, keep, out } = reduceForward("prod", x, axis, keepDims);
  if (axes.length === 0) return record(out, "prod", [x], (g) => [g]); // axis []: the identity
  return record(out, "prod", [x], (g) => {
    const zero = equal(x, 0);
    const zeros = sum(zero, axes, true);
    const p = prod(where(zero, 1, x), axes, true); // the non-zero entries' product
    const q = prod(where(zero, x, 1), axes, true); // the zero entries' product (1 when there are none)
    const others = where(zero, mul(p, equal(zeros, 1)), mul(div(p, where(zero, 1, x)), q));
    return [mul(reshape(g, keep), others)];
  });
}

/** Running sums along one axis; the VJP of a running sum is the running sum taken from the other end. */
function scan(x: Tensor, axis: number, reverse: boolean): Tensor {
  const out = wrap(backendFor(x).cumsum(x._storage, x.shape, axis, reverse, x.dtype), [...x.shape], x.dtype);
  return record(out, "cumsum", [x], (g) => [scan(g, axis, !reverse)]);
}

/**
 * Cumulative sum along `axis` (negative counts from the end): out[..., i, ...] = sum_{j <= i}
 * x[..., j, ...], accumulated in float64. Without an axis the flattened tensor is summed, as in
 * NumPy (the result has shape [x.size]).
 */
export function cumsum(x: Tensor, axis?: number): Tensor {
  assertTensor("cumsum", "x", x);
  if (axis === undefined) return scan(reshape(x, [x.size]), 0, false);
  if (typeof axis !== "number") throw new ArgumentError(`cumsum: axis must be one number, got ${Array.isArray(axis) ? "an array" : typeof axis}`);
  return scan(x, normAxis("cumsum", axis, x.rank), false);
}

/** Options of `variance` and `std`. */
export interface VarianceOptions {
  /**
   * Subtracted from the count in the denominator: sum (x - mean)^2 / (N - correction). Default 1,
   * the unbiased sample variance, as torch.var (NumPy's var defaults to ddof = 0, the population
   * variance: pass `correction: 0`). N - correction <= 0 divides by 0 (NaN or Infinity, as torch).
   */
  correction?: number;
  /** torch's older spelling: true is correction 1, false is correction 0. */
  unbiased?: boolean;
}

function correctionOf(op: string, options: VarianceOptions): number {
  if (typeof options !== "object" || options === null) throw new ArgumentError(`${op}: options must be an object like { correction: 0 }, got ${options === null ? "null" : typeof options}`);
  const { correction, unbiased } = options;
  if (correction !== undefined && unbiased !== undefined) throw new ArgumentError(`${op}: give correction or unbiased, not both`);
  if (unbiased !== undefined) {
    if (typeof unbiased !== "boolean") throw new ArgumentError(`${op}: unbiased must be a boolean, got ${typeof unbiased}`);
    return unbiased ? 1 : 0;
  }
  if (correction === undefined) return 1;
  if (typeof correction !== "number" || !Number.isFinite(correction)) throw new ArgumentError(`${op}: correction must be a finite number, got ${String(correction)}`);
  return correction;
}

function varianceOf(op: string, x: Tensor, axis: Axis | undefined, keepDims: boolean, options: VarianceOptions): Tensor {
  assertTensor(op, "x", x);
  const correction = correctionOf(op, options);
  const axes = normAxes(op, axis, x.rank);
  const count = axes.reduce((n, a) => n * x.shape[a], 1);
  // Two passes (deviations from the mean, then their squares): no cancellation of E[x^2] - E[x]^2.
  const d = sub(x, mean(x, axes, true));
  return div(sum(square(d), axes, keepDims), Math.max(count - correction, 0));
}

/**
 * Variance over `axis` (all axes by default): sum (x - mean)^2 / (N - correction), with
 * `correction` 1 by default (the unbiased estimate, as torch.var; NumPy's default is 0). Also
 * exported as `var` (`dh.var(x)`, `x.var()`).
 */
export function variance(x: Tensor, axis?: Axis, keepDims = false, options: VarianceOptions = {}): Tensor {
  return varianceOf("var", x, axis, keepDims, options);
}

/**
 * s^(1/p) (sqrt for p = 2) whose gradient at s = 0 is taken as 0 instead of Infinity, for the
 * reductions that are norms: at a zero norm (or standard deviation) 0 is a subgradient, and it
 * keeps an optimizer's step finite. d/ds = out / (p s) elsewhere (1 / (2 out) for p = 2).
 */
function root(s: Tensor, p: number): Tensor {
  const out = withRecording(false, () => (p === 2 ? sqrt(s) : pow(s, 1 / p)));
  return record(out, "root", [s], (g) => [div(mul(g, out), mul(where(s, s, 1), p))]);
}

/**
 * Standard deviation over `axis`: sqrt(variance(x, axis, keepDims, options)), correction 1 by
 * default as torch.std. Where it is 0 (a constant slice) the gradient is 0 (PyTorch gives NaN).
 */
export function std(x: Tensor, axis?: Axis, keepDims = false, options: VarianceOptions = {}): Tensor {
  return root(varianceOf("std", x, axis, keepDims, options), 2);
}

/**
 * Vector norm over `axis` (all entries by default: the norm of the flattened tensor, as
 * torch.linalg.vector_norm, never a matrix norm): ord 2 (default) sqrt(sum x^2), 1 sum |x|,
 * Infinity max |x|, -Infinity min |x|, 0 the number of non-zero entries (no gradient), any other
 * p > 0 (sum |x|^p)^(1/p). The gradient of the 2-norm (and of every p >= 1) at x = 0 is taken as 0 (a
 * subgradient; the formula x / ||x|| is 0/0 there), and the 1-norm's is sign(x), 0 at 0 (for
 * 0 < p < 1, not a norm, a zero entry's gradient is NaN). ord 2 squares without
 * rescaling, so it overflows above about 1e154 in float64 and 1.8e19 in float32 (as PyTorch).
 */
export function norm(x: Tensor, ord = 2, axis?: Axis, keepDims = false): Tensor {
  assertTensor("norm", "x", x);
  if (typeof ord !== "number" || Number.isNaN(ord) || ord < 0 && ord !== -Infinity) {
    throw new ArgumentError(`norm: ord must be a number >= 0, Infinity or -Infinity, got ${String(ord)}`);
  }
  const axes = normAxes("norm", axis, x.rank); // checked under the name the user called
  if (ord === 2) return root(sum(square(x), axes, keepDims), 2);
  if (ord === 1) return sum(abs(x), axes, keepDims);
  if (ord === Infinity) return max(abs(x), axes, keepDims);
  if (ord === -Infinity) return min(abs(x), axes, keepDims);
  if (ord === 0) return sum(sub(1, equal(x, 0)), axes, keepDims);
  return root(sum(pow(abs(x), ord), axes, keepDims), ord);
}

// `var` is a reserved word, so the function is declared as `variance`; `dh.var(x)` works (an export
// name may be any identifier name).
export { variance as var };
