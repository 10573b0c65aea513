/** Reductions over axes (negative axes count from the end), with `keepDims`. */
import { backendFor } from "../backend/select.js";
import { normAxes } from "../tensor/shape.js";
import type { Tensor, Axis } from "../tensor/tensor.js";
import { record } from "../autodiff/tape.js";
import { wrap, assertTensor } from "./util.js";
import { reshape, broadcastTo } from "./shape.js";
import { mul, div, equal, neg } from "./elementwise.js";

/**
 * The forward pass shared by the reductions: normalised axes, the keepDims shape (used by the
 * VJPs) and the output, computed by the reference kernel.
 */
function reduceForward(op: "sum" | "max", x: Tensor, axis: Axis | undefined, keepDims: boolean) {
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
