/**
 * Binary cross-entropy on logits as one primitive (what PyTorch's BCEWithLogits is):
 *   l(x, t) = softplus(x) - x t = max(x, 0) - x t + log1p(e^-|x|)      (stable for any x)
 *   dl/dx = sigmoid(x) - t,   dl/dt = -x
 * Composed from elementwise ops it took eight tensor-sized passes forward and six backward; as
 * one primitive it is one softplus pass (a WebAssembly kernel for large inputs) plus one
 * multiply-subtract, and its backward is three ops. That was a third of a logistic-regression
 * evaluation on 10,000 samples. The backward is built from differentiable ops, so Hessian-vector
 * products through it work.
 */
import * as backend from "../backend/select.js";
import { DTypeError, ShapeError } from "../errors.js";
import { fmt, sameShape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { record } from "../autodiff/tape.js";
import { empty, assertTensor } from "./util.js";
import { mul, neg, sigmoid, sub } from "./elementwise.js";

/** Elementwise softplus(logits) - logits * targets (no reduction); shapes and dtypes must match. */
export function sigmoidCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  assertTensor("sigmoidCrossEntropy", "logits", logits);
  assertTensor("sigmoidCrossEntropy", "targets", targets);
  if (!sameShape(logits.shape, targets.shape)) throw new ShapeError(`sigmoidCrossEntropy: logits ${fmt(logits.shape)} and targets ${fmt(targets.shape)} must have the same shape`);
  if (logits.dtype !== targets.dtype) throw new DTypeError(`sigmoidCrossEntropy: logits are ${logits.dtype}, targets ${targets.dtype}`);
  const out = empty(logits.shape, logits.dtype);
  const x = logits._data, t = targets._data, o = out._data;
  backend.unary("softplus", x, o);
  for (let i = 0; i < o.length; i++) o[i] -= x[i] * t[i];
  return record(out, "sigmoidCrossEntropy", [logits, targets], (g, needs) => [
    needs[0] ? mul(g, sub(sigmoid(logits), targets)) : null,
    needs[1] ? mul(g, neg(logits)) : null,
  ]);
}
