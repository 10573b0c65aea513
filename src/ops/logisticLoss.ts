/**
 * Binary cross-entropy on logits as one primitive (what PyTorch's BCEWithLogits is):
 *   l(x, t) = softplus(x) - x t = max(x, 0) - x t + log1p(e^-|x|)      (stable for any x)
 *   dl/dx = sigmoid(x) - t,   dl/dt = -x
 * Composed from elementwise ops it took eight tensor-sized passes forward and six backward, a
 * third of a logistic-regression evaluation on 10,000 samples. As one primitive it is one pass (a
 * fused WebAssembly kernel for large inputs, the backend's `crossEntropyLogits`). When the
 * logits carry a gradient graph, that pass also computes the gradient's sigmoid(x) - t from the
 * same e^-|x| (`crossEntropyResidual`), so the backward is only the product with g. The backward
 * is built from differentiable ops (sigmoid' fused as well), so Hessian-vector products work.
 */
import type { Storage } from "../backend/backend.js";
import { backendFor } from "../backend/select.js";
import { ArgumentError, DTypeError, ShapeError } from "../errors.js";
import { checkOptions } from "../options.js";
import { fmt, sameShape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { isRecording, record } from "../autodiff/tape.js";
import { wrap, assertTensor } from "./util.js";
import { div, mul, neg, sigmoid, sub } from "./elementwise.js";

export interface SigmoidCrossEntropyOptions {
  /** "mean" (default, as every loss), "sum", or "none" (the elementwise values, logits' shape). */
  reduction?: "mean" | "sum" | "none";
}

/**
 * softplus(logits) - logits * targets, reduced as every loss is: its mean by default, its sum, or
 * the elementwise values with `{ reduction: "none" }`. Shapes and dtypes must match. The reduced
 * forms are one op: their backward scales sigmoid(x) - t by the incoming scalar, without
 * materialising a tensor-sized gradient of the mean (worth 10% of a logistic-regression evaluation).
 */
export function sigmoidCrossEntropy(logits: Tensor, targets: Tensor, options: SigmoidCrossEntropyOptions = {}): Tensor {
  assertTensor("sigmoidCrossEntropy", "logits", logits);
  assertTensor("sigmoidCrossEntropy", "targets", targets);
  if (typeof options === "string") {
    // The old positional spelling (whose default was "none"): refused with the new one, rather than read silently.
    throw new ArgumentError(`sigmoidCrossEntropy: the reduction is an option now, as for every loss: sigmoidCrossEntropy(logits, targets, { reduction: ${JSON.stringify(options)} }) (the default is "mean")`);
  }
  checkOptions("sigmoidCrossEntropy", options, ["reduction"]);
  const reduction = options.reduction ?? "mean";
  if (!sameShape(logits.shape, targets.shape)) throw new ShapeError(`sigmoidCrossEntropy: logits ${fmt(logits.shape)} and targets ${fmt(targets.shape)} must have the same shape`);
  if (logits.dtype !== targets.dtype) throw new DTypeError(`sigmoidCrossEntropy: logits are ${logits.dtype}, targets ${targets.dtype}`);
  if (reduction !== "none" && reduction !== "mean" && reduction !== "sum") throw new ArgumentError(`sigmoidCrossEntropy: reduction must be "none", "mean" or "sum", got ${JSON.stringify(reduction)}`);
  const be = backendFor(logits, targets), dtype = logits.dtype, n = logits.size;
  // When the logits carry gradients (the only case in which the backward below is asked for
  // their cotangent), their residual sigmoid(x) - t comes out of the same pass.
  let residual: Storage | null = null, loss: Storage;
  if (isRecording() && (logits._leaf || logits._node !== null)) [loss, residual] = be.crossEntropyResidual(logits._storage, targets._storage, dtype, n);
  else loss = be.crossEntropyLogits(logits._storage, targets._storage, dtype, n);
  const perElement = wrap(loss, logits.shape, dtype);
  const res = () => sigmoidResidual(logits, targets, residual!);
  if (reduction === "none") {
    return record(perElement, "sigmoidCrossEntropy", [logits, targets], (g, needs) => [
      needs[0] ? mul(g, res()) : null,
      needs[1] ? mul(g, neg(logits)) : null,
    ]);
  }
  // One sequential float64 sum (as sum() accumulates), divided by n before rounding for the mean.
  const all = logits.shape.map((_, i) => i);
  const out = wrap(all.length === 0 ? loss : be.reduce(reduction, loss, logits.shape, all, dtype), [], dtype);
  return record(out, "sigmoidCrossEntropy", [logits, targets], (g, needs) => {
    const scale = reduction === "mean" ? div(g, n) : g;
    return [needs[0] ? mul(res(), scale) : null, needs[1] ? mul(neg(logits), scale) : null];
  });
}

/**
 * sigmoid(x) - t as a differentiable tensor over the values the forward pass computed (never
 * written: each backward sweep wraps them anew); d/dx = s (1 - s), d/dt = -1. The slope is
 * computed once per recorded gradient: Newton-CG runs this rule once per H v product, all at
 * the same x.
 */
function sigmoidResidual(x: Tensor, t: Tensor, computed: Storage): Tensor {
  const out = wrap(computed, x.shape, x.dtype);
  let slope: Tensor | null = null;
  return record(out, "sigmoidResidual", [x, t], (g, needs) => [needs[0] ? mul(g, (slope ??= sigmoidSlope(x))) : null, needs[1] ? neg(g) : null]);
}

/**
 * sigmoid'(x) = s (1 - s), as e / (1 + e)^2 with e = e^-|x| in one pass (it is what every
 * Hessian-vector product of a logistic loss evaluates); d/dx = s (1 - s) (1 - 2 s).
 */
function sigmoidSlope(x: Tensor): Tensor {
  const out = wrap(backendFor(x).unary("sigmoidSlope", x._storage, x.dtype, x.size), x.shape, x.dtype);
  return record(out, "sigmoidSlope", [x], (g) => [mul(g, mul(out, sub(1, mul(sigmoid(x), 2))))]);
}
