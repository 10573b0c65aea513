/** RMSProp's and AdaGrad's preconditioners. */
import type { GradientTransformation } from "../base.js";
import type { Tree } from "../../tensor/tree.js";
import { ema, emaSq, rmsDir, type EpsMode } from "../../backend/fused/formulas.js";
import { ewise, fullTree } from "../treeMath.js";
import { bool, checkKnown, nonNegative, unitInterval } from "../validate.js";
import { ArgumentError } from "../../errors.js";

function epsMode(where: string, v: unknown): EpsMode {
  if (v !== "outside" && v !== "inside" && v !== "tfjsCentered") throw new ArgumentError(`${where}: epsMode must be "outside", "inside" or "tfjsCentered", got ${JSON.stringify(v)}`);
  return v;
}

export interface ScaleByRmsState { nu: Tree; mu?: Tree }
export interface ScaleByRmsOptions { decay?: number; eps?: number; centered?: boolean; epsMode?: EpsMode; initialScale?: number }

/**
 * ν_t = α·ν + (1 − α)·g²; centered also μ_t = α·μ + (1 − α)·g and uses ν − μ²;
 * u = g / (√ν + eps) (torch, epsMode "outside", the default), g / √(ν + eps) (optax and tfjs,
 * "inside"), or g / √(ν − (μ² + eps)) (tfjs centered, "tfjsCentered").
 * Defaults α 0.99, eps 1e-8 (torch). @see {@link rmsprop}
 */
export function scaleByRms(options: ScaleByRmsOptions = {}): GradientTransformation<ScaleByRmsState> {
  checkKnown("scaleByRms", options, ["decay", "eps", "centered", "epsMode", "initialScale"]);
  const a = unitInterval("scaleByRms", "decay", options.decay ?? 0.99);
  const eps = nonNegative("scaleByRms", "eps", options.eps ?? 1e-8);
  const centered = bool("scaleByRms", "centered", options.centered ?? false);
  const mode = epsMode("scaleByRms", options.epsMode ?? "outside");
  const init0 = nonNegative("scaleByRms", "initialScale", options.initialScale ?? 0);
  return {
    init: (params) => (centered ? { nu: fullTree(params, init0), mu: fullTree(params, 0) } : { nu: fullTree(params, init0) }),
    update(g, state) {
      const nu = ewise((v, x) => emaSq(a, v, x), [state.nu, g], ["nu", "updates"]);
      if (!centered) return { updates: ewise((x, v) => rmsDir(x, v, 0, eps, mode), [g, nu], ["updates", "nu"]), state: { nu } };
      const mu = ewise((m, x) => ema(a, m, x), [state.mu!, g], ["mu", "updates"]);
      return { updates: ewise((x, v, m) => rmsDir(x, v, m * m, eps, mode), [g, nu, mu], ["updates", "nu", "mu"]), state: { nu, mu } };
    },
  };
}

export interface ScaleByRssState { sumOfSquares: Tree }
export interface ScaleByRssOptions { initialAccumulatorValue?: number; eps?: number; epsMode?: EpsMode }

/**
 * AdaGrad: s_t = s + g²,  u = g / (√s_t + eps) (torch, default) or g / √(s_t + eps) ("inside":
 * optax, tfjs). Defaults: initial accumulator 0, eps 1e-10 (torch). @see {@link adagrad}
 */
export function scaleByRss(options: ScaleByRssOptions = {}): GradientTransformation<ScaleByRssState> {
  checkKnown("scaleByRss", options, ["initialAccumulatorValue", "eps", "epsMode"]);
  const init0 = nonNegative("scaleByRss", "initialAccumulatorValue", options.initialAccumulatorValue ?? 0);
  const eps = nonNegative("scaleByRss", "eps", options.eps ?? 1e-10);
  const mode = epsMode("scaleByRss", options.epsMode ?? "outside");
  if (mode === "tfjsCentered") throw new ArgumentError(`scaleByRss: epsMode "tfjsCentered" applies to RMSProp only`);
  return {
    init: (params) => ({ sumOfSquares: fullTree(params, init0) }),
    update(g, state) {
      const s = ewise((s, x) => s + x * x, [state.sumOfSquares, g], ["sumOfSquares", "updates"]);
      return { updates: ewise((x, v) => rmsDir(x, v, 0, eps, mode), [g, s], ["updates", "sumOfSquares"]), state: { sumOfSquares: s } };
    },
  };
}
