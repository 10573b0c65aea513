/** Loss and metrics of a model on a data set, in evaluation mode, in batches. */
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import type { Tree } from "../tensor/tree.js";
import type { Layer, State } from "../nn/layers.js";
import { resolveLoss, type LossFn, type LossName } from "../nn/losses.js";
import { resolveMetric, type MetricFn, type MetricName } from "../nn/metrics.js";
import { checkData, takeRows, type Dataset } from "./data.js";

/** A metric with the name its history key is made from. */
export type NamedMetric = { name: string; fn: MetricFn };

export interface EvaluateOptions {
  /** "crossEntropy" (default), "mse", "binaryCrossEntropy", or `(prediction, target) => scalar`. */
  loss?: LossName | LossFn;
  /** Default ["accuracy"] for the classification losses. */
  metrics?: Array<MetricName | MetricFn>;
  /** Rows per forward pass (default 1024). */
  batchSize?: number;
  /** Parameters to evaluate (default the model's). */
  params?: Tree;
  /** Model state (e.g. batch-norm running statistics) to evaluate with (default the model's). */
  state?: State;
}

const EVALUATE_KEYS = { loss: true, metrics: true, batchSize: true, params: true, state: true } satisfies OptionKeys<EvaluateOptions>;

/** A positive integer option, or its default; `op` names the caller in the error. */
export function positiveInt(op: string, name: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`${op}: ${name} must be a positive integer, got ${v}`);
  return n;
}

export const isClassification = (loss: unknown): boolean => loss === "crossEntropy" || loss === "binaryCrossEntropy" || loss === undefined;

/** The metrics given, or the default for the loss ("accuracy" for the classification losses), resolved. */
export function resolveMetrics(op: string, metrics: Array<MetricName | MetricFn> | undefined, loss: unknown): NamedMetric[] {
  return (metrics ?? (isClassification(loss) ? ["accuracy" as const] : [])).map((m) => resolveMetric(`${op}: metrics`, m));
}

/** Loss and metrics of a model on a data set, in evaluation mode, in batches. */
export function evaluate(model: Layer, data: Dataset, options: EvaluateOptions = {}): Record<string, number> {
  checkOptions("evaluate", options, EVALUATE_KEYS);
  checkData(data?.x, data?.y, "evaluate");
  const loss = resolveLoss("evaluate: loss", options.loss ?? "crossEntropy");
  const metrics = resolveMetrics("evaluate", options.metrics, options.loss);
  return evaluateWith(model, data, loss, metrics, positiveInt("evaluate", "batchSize", options.batchSize, 1024), options.params ?? model.params, options.state);
}

/** `evaluate` with everything resolved: the loss and metrics sums weighted by batch rows, over all rows. */
export function evaluateWith(model: Layer, data: Dataset, loss: LossFn, metrics: readonly NamedMetric[], bs: number, params: Tree, state?: State): Record<string, number> {
  const n = data.x.shape[0];
  const sums: Record<string, number> = { loss: 0 };
  for (const m of metrics) sums[m.name] = 0;
  for (let s = 0; s < n; s += bs) {
    const count = Math.min(bs, n - s);
    const rows = Int32Array.from({ length: count }, (_, i) => s + i);
    const xb = count === n ? data.x : takeRows(data.x, rows);
    const yb = count === n ? data.y : takeRows(data.y, rows);
    const out = model.apply(params, xb, { training: false, state });
    sums.loss += loss(out, yb).item() * count;
    for (const m of metrics) sums[m.name] += m.fn(out, yb) * count;
  }
  for (const k of Object.keys(sums)) sums[k] /= n;
  return sums;
}
