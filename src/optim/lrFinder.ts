/**
 * Smith's learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural
 * Networks", §3.3; popularised by fastai's lr_find): train from the given parameters (copied,
 * never modified) while the rate grows exponentially from `minLr` to `maxLr`, record the loss,
 * smooth it with a bias-corrected moving average, stop once it diverges, and suggest the rate where
 * the smoothed loss falls fastest (steepest negative slope against log lr).
 */
import { ArgumentError } from "../errors.js";
import { Tensor, cloneTensor } from "../tensor/tensor.js";
import { treeFlattenWithPaths, treeUnflatten, type Tree } from "../tensor/tree.js";
import type { GradientTransformation } from "./base.js";
import { optimizer } from "./optimizer.js";
import type { Schedule } from "./schedules/types.js";
import { checkKnown, finitePositive, positiveInt, unitInterval } from "./validate.js";
import type { OptionKeys } from "../options.js";

export interface LrFinderOptions {
  /** The optimizer for a learning-rate schedule, e.g. `(lr) => adam({ lr })`. */
  transform: (lr: Schedule) => GradientTransformation<any>;
  /** Starting parameters (copied). */
  params: Tree;
  /** Loss and gradient at `params` for step `step` (e.g. on the step-th batch). */
  lossAndGrad: (params: Tree, step: number) => { value: Tensor | number; grad: Tree };
  /** First rate (default 1e-7). */
  minLr?: number;
  /** Last rate (default 10). */
  maxLr?: number;
  /** Number of steps, i.e. rates tried (default 100). */
  steps?: number;
  /** β of the loss moving average (default 0.98). */
  smoothing?: number;
  /** Stop once the smoothed loss exceeds this multiple of its minimum (default 4). */
  divergeFactor?: number;
}

export interface LrFinderResult {
  lrs: number[];
  losses: number[];
  smoothed: number[];
  /** The rate at the steepest descent of the smoothed loss. */
  suggestion: number;
  /** The rate at the smallest smoothed loss (a common alternative: a tenth of it). */
  minLossLr: number;
  stoppedEarly: boolean;
  /** Plot data: smoothed loss against lr on a log axis. */
  plot: { x: number[]; y: number[]; xScale: "log"; xLabel: string; yLabel: string; marker: number };
}

const LR_FINDER_KEYS = {
  transform: true, params: true, lossAndGrad: true, minLr: true, maxLr: true, steps: true, smoothing: true, divergeFactor: true,
} satisfies OptionKeys<LrFinderOptions>;

/** Runs the range test; see the module comment. */
export function lrFinder(options: LrFinderOptions): LrFinderResult {
  checkKnown("lrFinder", options, LR_FINDER_KEYS);
  if (typeof options.transform !== "function") throw new ArgumentError("lrFinder: transform must be a function (lr) => GradientTransformation");
  if (typeof options.lossAndGrad !== "function") throw new ArgumentError("lrFinder: lossAndGrad must be a function (params, step) => {value, grad}");
  const minLr = finitePositive("lrFinder", "minLr", options.minLr ?? 1e-7);
  const maxLr = finitePositive("lrFinder", "maxLr", options.maxLr ?? 10);
  if (maxLr <= minLr) throw new ArgumentError(`lrFinder: maxLr (${maxLr}) must exceed minLr (${minLr})`);
  const steps = positiveInt("lrFinder", "steps", options.steps ?? 100);
  if (steps < 2) throw new ArgumentError("lrFinder: steps must be at least 2");
  const beta = unitInterval("lrFinder", "smoothing", options.smoothing ?? 0.98);
  const diverge = finitePositive("lrFinder", "divergeFactor", options.divergeFactor ?? 4);

  const lrAt: Schedule = (i) => minLr * Math.pow(maxLr / minLr, Math.min(i, steps - 1) / (steps - 1));
  const leaves = treeFlattenWithPaths(options.params, "params").map(([, t]) => cloneTensor(t));
  const params = treeUnflatten(options.params, leaves) as Tree;
  const opt = optimizer(options.transform(lrAt), params);

  const lrs: number[] = [], losses: number[] = [], smoothed: number[] = [];
  let avg = 0, best = Infinity, stoppedEarly = false;
  for (let i = 0; i < steps; i++) {
    const { value, grad } = options.lossAndGrad(params, i);
    const loss = typeof value === "number" ? value : value.item();
    lrs.push(lrAt(i));
    losses.push(loss);
    avg = beta * avg + (1 - beta) * loss;
    const s = avg / (1 - Math.pow(beta, i + 1));
    smoothed.push(s);
    if (!Number.isFinite(s) || (i > 0 && s > diverge * best)) {
      stoppedEarly = true;
      break;
    }
    best = Math.min(best, s);
    if (i < steps - 1) opt.step(grad);
  }
  // steepest negative slope of the smoothed loss against log lr, among finite points
  const n = smoothed.filter(Number.isFinite).length;
  let steep = 0, slope = Infinity;
  for (let i = 1; i < n; i++) {
    const d = (smoothed[i] - smoothed[i - 1]) / (Math.log(lrs[i]) - Math.log(lrs[i - 1]));
    if (d < slope) {
      slope = d;
      steep = i;
    }
  }
  let iMin = 0;
  for (let i = 1; i < n; i++) if (smoothed[i] < smoothed[iMin]) iMin = i;
  return {
    lrs, losses, smoothed, suggestion: lrs[steep], minLossLr: lrs[iMin], stoppedEarly,
    plot: { x: lrs.slice(), y: smoothed.slice(), xScale: "log", xLabel: "learning rate", yLabel: "smoothed loss", marker: lrs[steep] },
  };
}
