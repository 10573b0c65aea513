/** Metrics: plain numbers computed from predictions, outside autodiff. */
import { readSync } from "../backend/select.js";
import { ArgumentError, ShapeError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { fmt } from "../tensor/shape.js";
import type { Labels } from "./losses.js";

/**
 * Fraction of correct predictions.
 * - logits [N, C] with C > 1: argmax_c z_ic against class indices [N] (or the argmax of targets [N, C]);
 * - logits [N] or [N, 1]: z > 0 against binary targets {0, 1}.
 */
export function accuracy(logits: Tensor, labels: Labels): number {
  if (!(logits instanceof Tensor)) throw new ArgumentError(`accuracy: logits must be a Tensor, got ${typeof logits}`);
  const lab = labels instanceof Tensor ? readSync(labels, "metrics") : labels;
  const labShape = labels instanceof Tensor ? labels.shape : [lab.length];
  const n = logits.shape[0] ?? 1;
  const c = logits.rank >= 2 ? logits.shape[logits.rank - 1] : 1;
  const z = readSync(logits, "metrics");
  if (n === 0) return NaN;
  let correct = 0;
  if (c === 1) {
    if (lab.length !== n) throw new ShapeError(`accuracy: labels ${fmt(labShape)} do not match logits ${fmt(logits.shape)}`);
    for (let i = 0; i < n; i++) if ((z[i] > 0 ? 1 : 0) === (lab[i] > 0.5 ? 1 : 0)) correct++;
    return correct / n;
  }
  const oneHot = labShape.length === 2;
  if (oneHot ? labShape[0] !== n || labShape[1] !== c : lab.length !== n) {
    throw new ShapeError(`accuracy: labels ${fmt(labShape)} do not match logits ${fmt(logits.shape)}`);
  }
  for (let i = 0; i < n; i++) {
    const p = argmaxRow(z, i * c, c);
    const t = oneHot ? argmaxRow(lab, i * c, c) : lab[i];
    if (p === t) correct++;
  }
  return correct / n;
}

function argmaxRow(a: ArrayLike<number>, off: number, c: number): number {
  let best = 0, bv = a[off];
  for (let j = 1; j < c; j++) if (a[off + j] > bv) { bv = a[off + j]; best = j; }
  return best;
}

/**
 * Top-k accuracy: the fraction of rows whose true class is among the k largest logits of
 * logits [N, C], with class indices [N] (or one-hot / probability targets [N, C], their argmax).
 * A class tied with the k-th largest counts as inside (TensorFlow's `in_top_k`): a row is right
 * when fewer than k classes score strictly higher than its label. A NaN logit for the label is
 * wrong. `topKAccuracy(k)` returns the metric for `fit({ metrics })`, named "top{k}Accuracy".
 */
export function topKAccuracy(k: number): (logits: Tensor, labels: Labels) => number {
  if (!Number.isInteger(k) || k < 1) throw new ArgumentError(`topKAccuracy: k must be a positive integer, got ${k}`);
  const fn = (logits: Tensor, labels: Labels): number => {
    if (!(logits instanceof Tensor)) throw new ArgumentError(`top${k}Accuracy: logits must be a Tensor, got ${typeof logits}`);
    if (logits.rank !== 2 || logits.shape[1] < 2) throw new ShapeError(`top${k}Accuracy: logits must be [batch, classes] with at least 2 classes, got ${fmt(logits.shape)}`);
    const [n, c] = logits.shape;
    const t = classIndices(`top${k}Accuracy`, labels, n, c, logits.shape);
    const z = readSync(logits, "metrics");
    if (n === 0) return NaN;
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const zl = z[i * c + t[i]];
      if (Number.isNaN(zl)) continue;
      let above = 0;
      for (let j = 0; j < c && above < k; j++) if (z[i * c + j] > zl) above++;
      if (above < k) correct++;
    }
    return correct / n;
  };
  Object.defineProperty(fn, "name", { value: `top${k}Accuracy` });
  return fn;
}

/** Class indices [N] from labels (indices [N], or targets [N, C] by their argmax), checked against C classes. */
function classIndices(op: string, labels: Labels, n: number, c: number, predShape: readonly number[]): Int32Array {
  const lab = labels instanceof Tensor ? readSync(labels, "metrics") : labels;
  const labShape = labels instanceof Tensor ? labels.shape : [lab.length];
  const out = new Int32Array(n);
  if (labShape.length === 2) {
    if (labShape[0] !== n || labShape[1] !== c) throw new ShapeError(`${op}: labels ${fmt(labShape)} do not match predictions ${fmt(predShape)}`);
    for (let i = 0; i < n; i++) out[i] = argmaxRow(lab, i * c, c);
    return out;
  }
  if (labShape.length !== 1 || lab.length !== n) throw new ShapeError(`${op}: labels ${fmt(labShape)} do not match predictions ${fmt(predShape)}`);
  for (let i = 0; i < n; i++) {
    const v = lab[i];
    if (!Number.isInteger(v) || v < 0 || v >= c) throw new ArgumentError(`${op}: labels[${i}] = ${v} is not a class index in [0, ${c})`);
    out[i] = v;
  }
  return out;
}

function checkPair(op: string, prediction: Tensor, target: Tensor): void {
  if (!(prediction instanceof Tensor) || !(target instanceof Tensor)) throw new ArgumentError(`${op}: prediction and target must be Tensors`);
  if (prediction.shape.length !== target.shape.length || prediction.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(`${op}: prediction ${fmt(prediction.shape)} and target ${fmt(target.shape)} must have the same shape`);
  }
}

/** Mean squared error as a number (the metric "mse"; the loss of the same name is `mse`). */
export function meanSquaredError(prediction: Tensor, target: Tensor): number {
  checkPair("meanSquaredError", prediction, target);
  const p = readSync(prediction, "metrics"), t = readSync(target, "metrics");
  let s = 0;
  for (let i = 0; i < p.length; i++) s += (p[i] - t[i]) ** 2;
  return p.length ? s / p.length : NaN;
}

/** Mean absolute error as a number (the metric "mae"). */
export function meanAbsoluteError(prediction: Tensor, target: Tensor): number {
  checkPair("meanAbsoluteError", prediction, target);
  const p = readSync(prediction, "metrics"), t = readSync(target, "metrics");
  let s = 0;
  for (let i = 0; i < p.length; i++) s += Math.abs(p[i] - t[i]);
  return p.length ? s / p.length : NaN;
}

/**
 * The confusion matrix: `m[i][j]` counts rows whose true class is i and predicted class is j
 * (rows true, columns predicted, as scikit-learn and tf.math.confusion_matrix). `predictions` are
 * logits [N, C] (argmax, first on ties), binary logits [N, 1] (z > 0 is class 1), or predicted class
 * indices [N]; `labels` are class indices [N] or targets [N, C]. A plain `number[][]` (a summary, not
 * a training metric: `fit`'s metrics are scalars).
 */
export function confusionMatrix(predictions: Tensor, labels: Labels, numClasses: number): number[][] {
  const op = "confusionMatrix";
  if (!(predictions instanceof Tensor)) throw new ArgumentError(`${op}: predictions must be a Tensor, got ${typeof predictions}`);
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new ArgumentError(`${op}: numClasses must be an integer >= 2, got ${numClasses}`);
  const n = predictions.shape[0] ?? 0;
  const z = readSync(predictions, "metrics");
  const pred = new Int32Array(n);
  if (predictions.rank === 2 && predictions.shape[1] === 1) {
    if (numClasses !== 2) throw new ArgumentError(`${op}: binary logits [N, 1] give 2 classes, but numClasses is ${numClasses}`);
    for (let i = 0; i < n; i++) pred[i] = z[i] > 0 ? 1 : 0;
  } else if (predictions.rank === 2) {
    if (predictions.shape[1] !== numClasses) throw new ShapeError(`${op}: logits ${fmt(predictions.shape)} have ${predictions.shape[1]} classes, but numClasses is ${numClasses}`);
    for (let i = 0; i < n; i++) pred[i] = argmaxRow(z, i * numClasses, numClasses);
  } else if (predictions.rank === 1) {
    for (let i = 0; i < n; i++) {
      const v = z[i];
      if (!Number.isInteger(v) || v < 0 || v >= numClasses) throw new ArgumentError(`${op}: predictions[${i}] = ${v} is not a class index in [0, ${numClasses}) (pass binary logits as [N, 1])`);
      pred[i] = v;
    }
  } else {
    throw new ShapeError(`${op}: predictions must be logits [N, C], binary logits [N, 1] or class indices [N], got ${fmt(predictions.shape)}`);
  }
  const t = classIndices(op, labels, n, numClasses, predictions.shape);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < n; i++) m[t[i]][pred[i]]++;
  return m;
}

export type MetricFn = (prediction: Tensor, target: Tensor) => number;
/** Metric names `fit` and `evaluate` take: "accuracy", "mse", "mae", and "top{k}Accuracy" for any k ("top5Accuracy"). */
export type MetricName = "accuracy" | "mse" | "mae" | `top${number}Accuracy`;

const metrics: Record<"accuracy" | "mse" | "mae", MetricFn> = {
  accuracy: (p, t) => accuracy(p, t),
  mse: (p, t) => meanSquaredError(p, t),
  mae: (p, t) => meanAbsoluteError(p, t),
};

export function resolveMetric(arg: string, m: MetricName | MetricFn): { name: string; fn: MetricFn } {
  if (typeof m === "function") return { name: m.name || "metric", fn: m };
  const topK = typeof m === "string" ? /^top([1-9]\d*)Accuracy$/.exec(m) : null;
  if (topK) return { name: m, fn: topKAccuracy(Number(topK[1])) };
  if (typeof m !== "string" || !Object.prototype.hasOwnProperty.call(metrics, m)) {
    throw new ArgumentError(`${arg}: unknown metric ${JSON.stringify(m)}; expected one of ${Object.keys(metrics).join(", ")}, top{k}Accuracy (e.g. "top5Accuracy") or a function`);
  }
  return { name: m, fn: metrics[m as keyof typeof metrics] };
}
