/**
 * `fit`'s built-in metrics as scalar tensors, for the webgpu backend where a metric that returns a
 * number (nn/metrics.ts reads its inputs) would read the GPU every batch. Same definitions:
 *   accuracy  mean_i [argmax_c z_ic = label_i]   (labels as indices, or the argmax of [N, C] targets)
 *             mean_i [(z_i > 0) = (t_i > 0.5)]   (one logit per row)
 *   mse       mean (p - t)^2;   mae  mean |p - t|
 * Sums run in f32 on the device (the number metrics sum in f64); ties in argmax take the first
 * index on both, a NaN logit counts as the largest here (the number metric never picks it).
 */
import { BackendError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { abs, cast, equal, greater, square, sub } from "../ops/elementwise.js";
import { mean } from "../ops/reduce.js";
import { argmax } from "../ops/topk.js";
import { resolveMetric, type MetricName } from "../nn/metrics.js";
import type { NamedMetric } from "./evaluate.js";

export type DeviceMetric = (prediction: Tensor, target: Tensor) => Tensor;

const deviceMetrics: Record<string, DeviceMetric> = {
  accuracy: (z, t) => {
    const c = z.rank >= 2 ? z.shape[z.rank - 1] : 1;
    if (c === 1) return mean(cast(equal(greater(z.reshape([-1]), 0), greater(t.reshape([-1]), 0.5)), z.dtype));
    const labels = t.rank === z.rank ? argmax(t, -1) : cast(t, z.dtype);
    return mean(cast(equal(argmax(z, -1), labels), z.dtype));
  },
  mse: (p, t) => mean(square(sub(p, t))),
  mae: (p, t) => mean(abs(sub(p, t))),
};

/**
 * The device versions of `metrics`, or a BackendError (before any step) naming the first metric
 * that has none: a function metric returns a number, which the GPU gives only through `await`.
 */
export function deviceMetricsFor(metrics: readonly NamedMetric[], op = "fit"): DeviceMetric[] {
  return metrics.map((m) => {
    // a built-in by name and by identity (a user function may be named "accuracy" too)
    const f = Object.prototype.hasOwnProperty.call(deviceMetrics, m.name) && resolveMetric(op, m.name as MetricName).fn === m.fn ? deviceMetrics[m.name] : undefined;
    if (!f) {
      throw new BackendError(`${op}: metrics: ${JSON.stringify(m.name)} cannot run on the webgpu backend (a metric function returns a number, read synchronously every batch); on WebGPU ${op} computes "accuracy", "mse" and "mae" on the device; drop the metric, or call setBackend("wasm") before ${op}`);
    }
    return f;
  });
}
