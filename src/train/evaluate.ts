/** Loss and metrics of a model on a data set, in evaluation mode, in batches. */
import { backendInfo, readSync } from "../backend/select.js";
import { ArgumentError, BackendError, DTypeError, ShapeError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Tree } from "../tensor/tree.js";
import { fmt } from "../tensor/shape.js";
import type { Layer, State } from "../nn/layers.js";
import { resolveLoss, type LossFn, type LossName } from "../nn/losses.js";
import { resolveMetric, type MetricFn, type MetricName } from "../nn/metrics.js";
import { checkData, takeRows, type Dataset } from "./data.js";
import { stack } from "../ops/shape.js";
import { deviceMetricsFor, type DeviceMetric } from "./deviceMetrics.js";
import { readVectors } from "./deviceReads.js";

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

/** A device backend, where values are read only with `await` (fit.ts takes its device loop on the same test). */
const onDevice = (): boolean => {
  const b = backendInfo().backend;
  return b === "webgpu" || b === "auto";
};

/** `evaluate`'s options checked and resolved; `op` names the caller. */
function resolveEvaluate(op: string, model: Layer, data: Dataset, options: EvaluateOptions) {
  checkOptions(op, options, EVALUATE_KEYS);
  checkData(data?.x, data?.y, op);
  const loss = resolveLoss(`${op}: loss`, options.loss ?? "crossEntropy");
  const metrics = resolveMetrics(op, options.metrics, options.loss);
  checkTargets(op, model, options.loss, loss, data.x, data.y, "data", options.params, options.state);
  return { loss, metrics, bs: positiveInt(op, "batchSize", options.batchSize, 1024), params: options.params ?? model.params };
}

/**
 * Loss and metrics of a model on a data set, in evaluation mode, in batches. It reads each batch's
 * numbers synchronously, so on WebGPU it is a BackendError before any batch: `evaluateAsync` there.
 */
export function evaluate(model: Layer, data: Dataset, options: EvaluateOptions = {}): Record<string, number> {
  if (onDevice()) throw new BackendError(`evaluate: reads every batch's loss and metrics synchronously, which the ${backendInfo().backend} backend cannot (its values are read with await); use await evaluateAsync(model, data, options)`);
  const { loss, metrics, bs, params } = resolveEvaluate("evaluate", model, data, options);
  return evaluateWith(model, data, loss, metrics, bs, params, options.state);
}

/**
 * `evaluate` on any backend, read with `await`. On WebGPU (and under "auto") each batch's loss and
 * metrics stay on the device and are read together at the end, as `fit`'s validation does there;
 * only the metrics "accuracy", "mse" and "mae" run on the device (a metric function is a
 * BackendError naming it), and the sums over a batch run in f32. On the CPU backends it is
 * `evaluate`.
 * @example const { loss, accuracy } = await evaluateAsync(model, { x: testX, y: testY });
 */
export async function evaluateAsync(model: Layer, data: Dataset, options: EvaluateOptions = {}): Promise<Record<string, number>> {
  const { loss, metrics, bs, params } = resolveEvaluate("evaluateAsync", model, data, options);
  if (!onDevice()) return evaluateWith(model, data, loss, metrics, bs, params, options.state);
  return evaluateOnDevice(model, data, loss, metrics, deviceMetricsFor(metrics, "evaluateAsync"), bs, params, options.state);
}

/** `evaluate` with everything resolved: the loss and metrics sums weighted by batch rows, over all rows. */
export function evaluateWith(model: Layer, data: Dataset, loss: LossFn, metrics: readonly NamedMetric[], bs: number, params: Tree, state?: State): Record<string, number> {
  const n = data.x.shape[0];
  const sums: Record<string, number> = { loss: 0 };
  for (const m of metrics) sums[m.name] = 0;
  forEachBatch(model, data, bs, params, state, (out, yb, count) => {
    sums.loss += loss(out, yb).item() * count;
    for (const m of metrics) sums[m.name] += m.fn(out, yb) * count;
  });
  for (const k of Object.keys(sums)) sums[k] /= n;
  return sums;
}

/**
 * `evaluateWith` on the webgpu backend: each batch's loss and metrics (deviceMetrics.ts) stay on
 * the device as one vector, all read together at the end and summed in f64 as `evaluateWith` does.
 */
export async function evaluateOnDevice(model: Layer, data: Dataset, loss: LossFn, metrics: readonly NamedMetric[], deviceMetrics: readonly DeviceMetric[], bs: number, params: Tree, state?: State): Promise<Record<string, number>> {
  const n = data.x.shape[0];
  const vecs: Tensor[] = [], counts: number[] = [];
  forEachBatch(model, data, bs, params, state, (out, yb, count) => {
    vecs.push(stack([loss(out, yb), ...deviceMetrics.map((m) => m(out, yb))]));
    counts.push(count);
  });
  const sums: Record<string, number> = { loss: 0 };
  for (const m of metrics) sums[m.name] = 0;
  (await readVectors(vecs)).forEach((v, b) => {
    sums.loss += v[0] * counts[b];
    metrics.forEach((m, i) => (sums[m.name] += v[1 + i] * counts[b]));
  });
  for (const k of Object.keys(sums)) sums[k] /= n;
  return sums;
}

/**
 * Checks the data against the model before anything trains or is evaluated: one row through the
 * model (a dtype mismatch names the layer), then the targets against its output: label ranges for
 * crossEntropy, [0, 1] for binaryCrossEntropy, dtypes and shapes for mse; custom losses are called once.
 */
export function checkTargets(op: string, model: Layer, lossName: unknown, loss: LossFn, x: Tensor, y: Tensor, which: string, params: Tree = model.params, state?: State): void {
  let probe: Tensor;
  try {
    probe = model.apply(params, takeRows(x, [0]), { training: false, state });
  } catch (e) {
    if (e instanceof DTypeError) throw new DTypeError(`${op}: ${which}.x: ${e.message}`);
    throw e;
  }
  const outShape = probe.shape.slice(1);
  const d = readSync(y, op);
  if (lossName === "crossEntropy" || lossName === undefined) {
    const c = outShape[outShape.length - 1];
    if (y.rank === 1) {
      for (let i = 0; i < d.length; i++) {
        if (!Number.isInteger(d[i]) || d[i] < 0 || d[i] >= c) throw new ArgumentError(`${op}: ${which}.y[${i}] = ${d[i]} is not a class index in [0, ${c}) (the model outputs ${c} logits)`);
      }
      return;
    }
  } else if (lossName === "binaryCrossEntropy") {
    for (let i = 0; i < d.length; i++) if (!(d[i] >= 0 && d[i] <= 1)) throw new ArgumentError(`${op}: ${which}.y[${i}] = ${d[i]} is outside [0, 1] (binaryCrossEntropy targets)`);
  }
  if ((lossName === "mse" || lossName === "binaryCrossEntropy") && y.dtype !== probe.dtype) {
    throw new DTypeError(`${op}: ${which}.y is ${y.dtype} but the model outputs ${probe.dtype}; cast the targets with cast(y, "${probe.dtype}"), or build the model with { dtype: "${y.dtype}" } in its layers`);
  }
  if (lossName !== undefined && typeof lossName !== "function" && (y.rank !== probe.rank || y.shape.slice(1).some((s, i) => s !== outShape[i]))) {
    throw new ShapeError(`${op}: ${which}.y rows have shape ${fmt(y.shape.slice(1))} but the model outputs rows of shape ${fmt(outShape)}`);
  }
  loss(probe, takeRows(y, [0]));
}

/** The model's outputs (not training) on consecutive batches of `bs` rows, with each batch's targets and row count. */
function forEachBatch(model: Layer, data: Dataset, bs: number, params: Tree, state: State | undefined, f: (out: Tensor, yb: Tensor, count: number) => void): void {
  const n = data.x.shape[0];
  for (let s = 0; s < n; s += bs) {
    const count = Math.min(bs, n - s);
    const rows = Int32Array.from({ length: count }, (_, i) => s + i);
    const xb = count === n ? data.x : takeRows(data.x, rows);
    const yb = count === n ? data.y : takeRows(data.y, rows);
    f(model.apply(params, xb, { training: false, state }), yb, count);
  }
}
