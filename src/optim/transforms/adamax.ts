/** Adamax's preconditioner (pure path only). */
import type { GradientTransformation } from "../base.js";
import type { Tree } from "../../tensor/tree.js";
import { adamBiasCorrection, ema } from "../../backend/fused/formulas.js";
import { ewise, fullTree } from "../treeMath.js";
import { checkKnown, nonNegative, unitInterval } from "../validate.js";
import { ArgumentError } from "../../errors.js";

export interface ScaleByAdamaxState { count: number; mu: Tree; nu: Tree }

/**
 * Adamax (Kingma & Ba 2015, §7.1): m = b1·m + (1−b1)·g, then
 *   torch ("insideMax", default): u = max(b2·u, |g| + eps),  d = (m/(1 − b1^t)) / u;
 *   TensorFlow.js ("added"):       u = max(b2·u, |g|),        d = (m/(1 − b1^t)) / (u + eps),
 * with tfjs's float32 running product for b1^t when biasCorrection is "tfjs". @see {@link adamax}
 */
export function scaleByAdamax(options: { b1?: number; b2?: number; eps?: number; epsMode?: "insideMax" | "added"; biasCorrection?: "exact" | "tfjs" } = {}): GradientTransformation<ScaleByAdamaxState> {
  checkKnown("scaleByAdamax", options, ["b1", "b2", "eps", "epsMode", "biasCorrection"]);
  const b1 = unitInterval("scaleByAdamax", "b1", options.b1 ?? 0.9);
  const b2 = unitInterval("scaleByAdamax", "b2", options.b2 ?? 0.999);
  const eps = nonNegative("scaleByAdamax", "eps", options.eps ?? 1e-8);
  const mode = options.epsMode ?? "insideMax";
  if (mode !== "insideMax" && mode !== "added") throw new ArgumentError(`scaleByAdamax: epsMode must be "insideMax" or "added", got ${JSON.stringify(mode)}`);
  const bcMode = options.biasCorrection ?? "exact";
  if (bcMode !== "exact" && bcMode !== "tfjs") throw new ArgumentError(`scaleByAdamax: biasCorrection must be "exact" or "tfjs", got ${JSON.stringify(bcMode)}`);
  return {
    init: (params) => ({ count: 0, mu: fullTree(params, 0), nu: fullTree(params, 0) }),
    update(g, state) {
      const t = state.count + 1;
      const [bc1] = adamBiasCorrection(b1, b2, t, bcMode);
      const mu = ewise((m, x) => ema(b1, m, x), [state.mu, g], ["mu", "updates"]);
      const nu = mode === "insideMax" ? ewise((u, x) => Math.max(b2 * u, Math.abs(x) + eps), [state.nu, g], ["nu", "updates"]) : ewise((u, x) => Math.max(b2 * u, Math.abs(x)), [state.nu, g], ["nu", "updates"]);
      const updates = mode === "insideMax" ? ewise((m, u) => m / bc1 / u, [mu, nu], ["mu", "nu"]) : ewise((m, u) => m / bc1 / (u + eps), [mu, nu], ["mu", "nu"]);
      return { updates, state: { count: t, mu, nu } };
    },
  };
}
