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

export type MetricFn = (prediction: Tensor, target: Tensor) => number;
export type MetricName = "accuracy";

const metrics: Record<MetricName, MetricFn> = { accuracy: (p, t) => accuracy(p, t) };

export function resolveMetric(arg: string, m: MetricName | MetricFn): { name: string; fn: MetricFn } {
  if (typeof m === "function") return { name: m.name || "metric", fn: m };
  if (typeof m !== "string" || !Object.prototype.hasOwnProperty.call(metrics, m)) {
    throw new ArgumentError(`${arg}: unknown metric ${JSON.stringify(m)}; expected one of ${Object.keys(metrics).join(", ")} or a function`);
  }
  return { name: m, fn: metrics[m] };
}
