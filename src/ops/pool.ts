/**
 * 2-D max and average pooling over NCHW images (as torch.nn.functional.max_pool2d/avg_pool2d):
 * each channel plane's windows are gathered ([N, C, Ho, Wo, kh * kw], src/ops/windows.ts) and
 * reduced over the last axis. Max pooling's gradient goes to the first maximum of each window
 * (torch's argmax), not shared among ties as `max` does: after a ReLU most windows tie at 0.
 */
import { backendFor } from "../backend/select.js";
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import type { Tensor } from "../tensor/tensor.js";
import { full, tensor } from "../tensor/create.js";
import { record } from "../autodiff/tape.js";
import { div, equal, mul } from "./elementwise.js";
import { cumsum, mean, sum } from "./reduce.js";
import { concat, detach, gather, reshape } from "./shape.js";
import { assertTensor, wrap } from "./util.js";
import { checkImages, outputSize, pair2, windowIndex, type Window2d } from "./windows.js";

export interface Pool2dOptions {
  /** Step between windows (default: the kernel size, non-overlapping windows). */
  stride?: number | [number, number];
  /** Implicit padding on each side, at most half the kernel (default 0). */
  padding?: number | [number, number];
}

export interface MaxPool2dOptions extends Pool2dOptions {
  /** Spacing between window taps (default 1). */
  dilation?: number | [number, number];
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /** Count padded zeros in each window's divisor (default true, as torch). */
  countIncludePad?: boolean;
}

export const MAX_POOL_KEYS = { stride: true, padding: true, dilation: true } satisfies OptionKeys<MaxPool2dOptions>;
export const AVG_POOL_KEYS = { stride: true, padding: true, countIncludePad: true } satisfies OptionKeys<AvgPool2dOptions>;

/** The window geometry; kernelSize a number or [height, width]. */
export function poolWindow(op: string, kernelSize: number | [number, number], options: MaxPool2dOptions): Window2d {
  const kernel = pair2(op, "kernelSize", kernelSize, [0, 0], 1);
  const padding = pair2(op, "padding", options.padding, [0, 0], 0);
  if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
    throw new ArgumentError(`${op}: padding ${JSON.stringify(options.padding)} must be at most half the kernel size ${JSON.stringify(kernelSize)}`);
  }
  return { kernel, stride: pair2(op, "stride", options.stride, kernel, 1), padding, dilation: pair2(op, "dilation", options.dilation, [1, 1], 1) };
}

/** x's windows as [N, C, kh * kw, Ho, Wo]; out-of-image taps read `padValue`. */
function windows(op: string, x: Tensor, win: Window2d, padValue: number): { w: Tensor; padded: boolean } {
  const [N, C, H, W] = checkImages(op, x);
  const [ho, wo] = outputSize(op, x.shape, win);
  const { idx, padded } = windowIndex(1, H, W, win, ho, wo, false);
  let planes = reshape(x, [N * C, H * W]);
  if (padded) planes = concat([planes, full([N * C, 1], padValue, { dtype: x.dtype })], 1);
  return { w: reshape(gather(planes, idx, 1), [N, C, win.kernel[0] * win.kernel[1], ho, wo]), padded };
}

/** Max over the window axis 2 of [N, C, K, Ho, Wo], with the gradient at each window's first maximum. */
function firstMax(w: Tensor): Tensor {
  const [N, C, , ho, wo] = w.shape;
  const keep = [N, C, 1, ho, wo];
  const out = wrap(backendFor(w).reduce("max", w._storage, w.shape, [2], w.dtype), [N, C, ho, wo], w.dtype);
  return record(out, "maxPool", [w], (g) => {
    // The mask is a constant of the backward pass (piecewise linear: no second-order term).
    const hit = equal(detach(w), reshape(detach(out), keep));
    const first = mul(hit, equal(cumsum(hit, 2), 1));
    return [mul(reshape(g, keep), first)];
  });
}

/** Max over each kernelSize window of x [N, C, H, W] (padding counts as -Infinity); out [N, C, Ho, Wo]. */
export function maxPool2d(x: Tensor, kernelSize: number | [number, number], options: MaxPool2dOptions = {}): Tensor {
  assertTensor("maxPool2d", "x", x);
  checkOptions("maxPool2d", options, MAX_POOL_KEYS);
  const win = poolWindow("maxPool2d", kernelSize, options);
  return firstMax(windows("maxPool2d", x, win, -Infinity).w);
}

/**
 * Mean over each kernelSize window of x [N, C, H, W]; padded zeros count in the divisor unless
 * `countIncludePad: false`. out [N, C, Ho, Wo].
 */
export function avgPool2d(x: Tensor, kernelSize: number | [number, number], options: AvgPool2dOptions = {}): Tensor {
  assertTensor("avgPool2d", "x", x);
  checkOptions("avgPool2d", options, AVG_POOL_KEYS);
  const include = options.countIncludePad ?? true;
  if (typeof include !== "boolean") throw new ArgumentError(`avgPool2d: countIncludePad must be a boolean, got ${JSON.stringify(options.countIncludePad)}`);
  const win = poolWindow("avgPool2d", kernelSize, { stride: options.stride, padding: options.padding });
  const { w, padded } = windows("avgPool2d", x, win, 0);
  if (include || !padded) return mean(w, 2);
  const [ho, wo] = [w.shape[3], w.shape[4]];
  const counts = new Float64Array(ho * wo);
  const { idx } = windowIndex(1, x.shape[2], x.shape[3], win, ho, wo, false);
  const pad = x.shape[2] * x.shape[3];
  for (let i = 0; i < idx.length; i++) if (idx[i] !== pad) counts[i % (ho * wo)]++;
  const divisor = tensor(Array.from(counts), { shape: [ho, wo], dtype: x.dtype });
  return div(sum(w, 2), divisor);
}
