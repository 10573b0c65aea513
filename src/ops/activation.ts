/** Activations and normalisers, composed from primitives (so they need no gradient code); relu is itself a primitive (ops/elementwise.ts). */
import type { Tensor } from "../tensor/tensor.js";
import { add, sub, mul, div, exp, log, where, greater, minimum, tanh, erf } from "./elementwise.js";
import { max, sum } from "./reduce.js";
import { detach } from "./shape.js";
import { ArgumentError } from "../errors.js";
import { normAxes } from "../tensor/shape.js";

/** x for x > 0, alpha x otherwise (alpha defaults to 0.01). */
export function leakyRelu(x: Tensor, alpha = 0.01): Tensor {
  checkSlope("leakyRelu", alpha);
  return where(greater(x, 0), x, mul(x, alpha));
}
/** x for x > 0, alpha (e^x - 1) otherwise; exp is taken of min(x, 0) so large x cannot poison the gradient. */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkSlope("elu", alpha);
  return where(greater(x, 0), x, mul(sub(exp(minimum(x, 0)), 1), alpha));
}
/**
 * Gaussian error linear unit: x Phi(x) = x (1 + erf(x / sqrt 2)) / 2 (PyTorch's default), or the
 * tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
 */
export function gelu(x: Tensor, approximate: "none" | "tanh" = "none"): Tensor {
  if (approximate === "tanh") {
    const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(x, 0.5), add(tanh(inner), 1));
  }
  if (approximate !== "none") throw new ArgumentError(`gelu: approximate must be "none" or "tanh", got ${JSON.stringify(approximate)}`);
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1));
}
function checkSlope(op: string, alpha: unknown): void {
  if (typeof alpha !== "number" || !Number.isFinite(alpha)) throw new ArgumentError(`${op}: alpha must be a finite number, got ${typeof alpha === "number" ? alpha : typeof alpha}`);
}
/** log(sum(exp(x))) along `axis`, shifted by the (constant) maximum for stability. */
export function logSumExp(x: Tensor, axis: number | number[] = -1, keepDims = false): Tensor {
  normAxes("logSumExp", axis, x.rank);
  const m = detach(max(x, axis, true));
  const s = log(sum(exp(sub(x, m)), axis, true));
  const r = add(s, m);
  return keepDims ? r : sum(r, axis, false);
}
/** exp(x) / sum(exp(x)) along `axis` (default -1). */
export function softmax(x: Tensor, axis = -1): Tensor {
  normAxes("softmax", axis, x.rank);
  const e = exp(sub(x, detach(max(x, axis, true))));
  return div(e, sum(e, axis, true));
}
/** x - logSumExp(x) along `axis` (default -1). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  normAxes("logSoftmax", axis, x.rank);
  return sub(x, logSumExp(x, axis, true));
}
