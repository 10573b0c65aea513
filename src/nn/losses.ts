/**
 * Losses, each returning a scalar tensor (the mean over the batch unless `reduction` says
 * otherwise). All are compositions of differentiable primitives, so their gradients (and
 * Hessian-vector products) need no extra code.
 */
import { tryReadSync } from "../backend/select.js";
import { ArgumentError, DTypeError, ShapeError, NonFiniteError } from "../errors.js";
import { checkOptions } from "../options.js";
import { Tensor } from "../tensor/tensor.js";
import { tensor, arange } from "../tensor/create.js";
import { fmt, sameShape } from "../tensor/shape.js";
import { sub, mul, neg, add, equal, cast } from "../ops/elementwise.js";
import { reshape } from "../ops/shape.js";
import { sum, mean } from "../ops/reduce.js";
import { logSoftmax } from "../ops/activation.js";
import { sigmoidCrossEntropy } from "../ops/logisticLoss.js";

export type Reduction = "mean" | "sum" | "none";

/** Labels: a tensor (or array) of class indices [N], or target probabilities [N, C]. */
export type Labels = Tensor | readonly number[] | Int32Array;

function reduce(op: string, perExample: Tensor, reduction: Reduction): Tensor {
  if (reduction === "mean") return mean(perExample);
  if (reduction === "sum") return sum(perExample);
  if (reduction === "none") return perExample;
  throw new ArgumentError(`${op}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(reduction)}`);
}

function checkTensor(op: string, name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${x === null ? "null" : typeof x}`);
}

/**
 * Mean squared error: mean((prediction - target)^2). Shapes must match exactly (no silent
 * broadcasting, a common source of wrong losses).
 */
export function mse(prediction: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkOptions("mse", options, ["reduction"]);
  checkTensor("mse", "prediction", prediction);
  checkTensor("mse", "target", target);
  if (!sameShape(prediction.shape, target.shape)) throw new ShapeError(`mse: prediction ${fmt(prediction.shape)} and target ${fmt(target.shape)} must have the same shape`);
  const d = sub(prediction, target);
  return reduce("mse", mul(d, d), options.reduction ?? "mean");
}

/**
 * The target distribution for class labels: one-hot rows, smoothed as in Szegedy et al. 2016:
 * t = (1 - s) onehot + s / C. Checks every label is an integer in [0, C).
 */
export function classTargets(op: string, labels: Labels, n: number, classes: number, dtype: Tensor["dtype"], smoothing = 0): Tensor {
  const shape = labels instanceof Tensor ? labels.shape : [labels.length];
  if (shape.length !== 1 || shape[0] !== n) throw new ShapeError(`${op}: labels of shape ${fmt(shape)} must be [${n}] (one class index per row of logits)`);
  // Validated where the values can be read (not while a compiled step is traced: fit checks its
  // targets before training); the targets themselves are built with ops either way, so a
  // compiled step computes what an eager one does.
  const idx = labels instanceof Tensor ? tryReadSync(labels, op) : labels;
  if (idx !== null) {
    for (let i = 0; i < n; i++) {
      const c = idx[i];
      if (!Number.isInteger(c) || c < 0 || c >= classes) throw new ArgumentError(`${op}: labels[${i}] = ${c} is not a class index in [0, ${classes})`);
    }
  }
  const column = labels instanceof Tensor ? reshape(labels.dtype === dtype ? labels : cast(labels, dtype), [n, 1]) : tensor(Array.from(labels), { dtype, shape: [n, 1] });
  const onehot = equal(column, arange(0, classes, 1, { dtype }));
  if (smoothing === 0) return onehot;
  const off = smoothing / classes;
  return add(mul(onehot, 1 - smoothing), off);
}

/**
 * Softmax cross-entropy from logits [N, C]:
 *   loss_i = -sum_c t_ic log softmax(z_i)_c,   log softmax(z) = z - logSumExp(z)
 * where logSumExp subtracts the row maximum first, so logits of 1e4 stay finite. `labels` are
 * class indices [N] (with optional `labelSmoothing` s: t = (1 - s) onehot + s / C) or target
 * probabilities [N, C].
 */
export function crossEntropy(logits: Tensor, labels: Labels, options: { labelSmoothing?: number; reduction?: Reduction } = {}): Tensor {
  checkOptions("crossEntropy", options, ["labelSmoothing", "reduction"]);
  checkTensor("crossEntropy", "logits", logits);
  if (logits.rank !== 2) throw new ShapeError(`crossEntropy: logits must be [batch, classes], got ${fmt(logits.shape)}`);
  const s = options.labelSmoothing ?? 0;
  if (!(s >= 0 && s < 1)) throw new ArgumentError(`crossEntropy: labelSmoothing must be in [0, 1), got ${s}`);
  const [n, c] = logits.shape;
  let t: Tensor;
  if (labels instanceof Tensor && labels.rank === 2) {
    if (!sameShape(labels.shape, logits.shape)) throw new ShapeError(`crossEntropy: target probabilities ${fmt(labels.shape)} must match logits ${fmt(logits.shape)}`);
    if (labels.dtype !== logits.dtype) throw new ArgumentError(`crossEntropy: labels dtype ${labels.dtype} differs from logits dtype ${logits.dtype}`);
    t = s > 0 ? add(mul(labels, 1 - s), s / c) : labels;
  } else {
    t = classTargets("crossEntropy", labels, n, c, logits.dtype, s);
  }
  return reduce("crossEntropy", neg(sum(mul(t, logSoftmax(logits, -1)), -1)), options.reduction ?? "mean");
}

/**
 * Binary cross-entropy from logits z with targets y in [0, 1] (same shape):
 *   loss = max(z, 0) - z y + log(1 + e^{-|z|})
 * which equals -y log sigmoid(z) - (1 - y) log(1 - sigmoid(z)) without overflow.
 */
export function binaryCrossEntropy(logits: Tensor, targets: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkOptions("binaryCrossEntropy", options, ["reduction"]);
  checkTensor("binaryCrossEntropy", "logits", logits);
  checkTensor("binaryCrossEntropy", "targets", targets);
  if (!sameShape(logits.shape, targets.shape)) throw new ShapeError(`binaryCrossEntropy: logits ${fmt(logits.shape)} and targets ${fmt(targets.shape)} must have the same shape`);
  const y = tryReadSync(targets, "binaryCrossEntropy") ?? new Float32Array(0); // validated where readable (see classTargets)
  for (let i = 0; i < y.length; i++) {
    if (Number.isNaN(y[i])) throw new NonFiniteError(`binaryCrossEntropy: targets[${i}] is NaN`);
    if (!(y[i] >= 0 && y[i] <= 1)) throw new ArgumentError(`binaryCrossEntropy: targets[${i}] = ${y[i]} is outside [0, 1]`);
  }
  if (logits.dtype !== targets.dtype) throw new DTypeError(`binaryCrossEntropy: logits are ${logits.dtype}, targets ${targets.dtype}`);
  const reduction = options.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") return reduce("binaryCrossEntropy", logits, reduction); // throws, naming the option
  return sigmoidCrossEntropy(logits, targets, { reduction }); // softplus(x) - x t and its reduction, one primitive (src/ops/logisticLoss.ts)
}

/** A loss `(prediction, target) => scalar`. */
export type LossFn = (prediction: Tensor, target: Tensor) => Tensor;
export type LossName = "mse" | "crossEntropy" | "binaryCrossEntropy";

const losses: Record<LossName, LossFn> = {
  mse: (p, t) => mse(p, t),
  crossEntropy: (p, t) => crossEntropy(p, t),
  binaryCrossEntropy: (p, t) => binaryCrossEntropy(p, t),
};

/** A loss function from its name or itself; unknown names throw, naming the argument. */
export function resolveLoss(arg: string, loss: LossName | LossFn): LossFn {
  if (typeof loss === "function") return loss;
  if (typeof loss !== "string" || !Object.prototype.hasOwnProperty.call(losses, loss)) {
    throw new ArgumentError(`${arg}: unknown loss ${JSON.stringify(loss)}; expected one of ${Object.keys(losses).join(", ")} or a function`);
  }
  return losses[loss];
}
