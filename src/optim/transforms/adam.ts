/** Adam's preconditioner. */
import type { GradientTransformation } from "../base.js";
import type { Tree } from "../../tensor/tree.js";
import { adamBiasCorrection, adamDir, adamScalars, ema, emaSq } from "../../backend/fused/formulas.js";
import { ewise, fullTree } from "../treeMath.js";
import { bool, checkKnown, nonNegative, unitInterval } from "../validate.js";
import { ArgumentError } from "../../errors.js";

export interface ScaleByAdamState { count: number; mu: Tree; nu: Tree; nuMax?: Tree }
export interface ScaleByAdamOptions {
  b1?: number; b2?: number; eps?: number; amsgrad?: boolean;
  /** "exact" (default) or "tfjs" (float32 running products of the betas, as TensorFlow.js). */
  biasCorrection?: "exact" | "tfjs";
  /** AMSGrad's maximum over the raw second moment ("raw", torch, default) or the bias-corrected one ("corrected", optax). */
  amsgradMax?: "raw" | "corrected";
}

/**
 * m_t = b1·m + (1 − b1)·g,  v_t = b2·v + (1 − b2)·g²,  v̂_t = max(v̂_{t−1}, v_t) with amsgrad
 * (the raw second moment, as torch; optax's maximum of the bias-corrected one with
 * amsgradMax "corrected") else v_t,
 * u_t = (m_t / (1 − b1^t)) / (√v̂_t / √(1 − b2^t) + eps)   (torch's placement of eps; evaluated
 * with one division, see formulas.ts: adamDir).
 * Defaults b1 0.9, b2 0.999, eps 1e-8. @see {@link adam}
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  checkKnown("scaleByAdam", options, ["b1", "b2", "eps", "amsgrad", "biasCorrection", "amsgradMax"]);
  const b1 = unitInterval("scaleByAdam", "b1", options.b1 ?? 0.9);
  const b2 = unitInterval("scaleByAdam", "b2", options.b2 ?? 0.999);
  const eps = nonNegative("scaleByAdam", "eps", options.eps ?? 1e-8);
  const amsgrad = bool("scaleByAdam", "amsgrad", options.amsgrad ?? false);
  const bcMode = options.biasCorrection ?? "exact";
  const maxMode = options.amsgradMax ?? "raw";
  if (maxMode !== "raw" && maxMode !== "corrected") throw new ArgumentError(`scaleByAdam: amsgradMax must be "raw" or "corrected", got ${JSON.stringify(maxMode)}`);
  if (bcMode !== "exact" && bcMode !== "tfjs") throw new ArgumentError(`scaleByAdam: biasCorrection must be "exact" or "tfjs", got ${JSON.stringify(bcMode)}`);
  return {
    init: (params) => (amsgrad ? { count: 0, mu: fullTree(params, 0), nu: fullTree(params, 0), nuMax: fullTree(params, 0) } : { count: 0, mu: fullTree(params, 0), nu: fullTree(params, 0) }),
    update(g, state) {
      const t = state.count + 1;
      const [bc1, sqrtBc2] = adamBiasCorrection(b1, b2, t, bcMode);
      const [sc, epsHat] = adamScalars(bc1, sqrtBc2, eps);
      const mu = ewise((m, x) => ema(b1, m, x), [state.mu, g], ["mu", "updates"]);
      const nu = ewise((v, x) => emaSq(b2, v, x), [state.nu, g], ["nu", "updates"]);
      if (amsgrad && maxMode === "corrected") {
        // optax's amsgrad: v̂ = max(v̂, v/(1 − b2^t)), u = (m/(1 − b1^t)) / (√v̂ + eps)
        const bc2 = sqrtBc2 * sqrtBc2;
        const nuMax = ewise((a, v) => Math.max(a, v / bc2), [state.nuMax!, nu], ["nuMax", "nu"]);
        const [s1, e1] = adamScalars(bc1, 1, eps);
        return { updates: ewise((m, v) => adamDir(m, v, s1, e1), [mu, nuMax], ["mu", "nuMax"]), state: { count: t, mu, nu, nuMax } };
      }
      const nuMax = amsgrad ? ewise((a, v) => Math.max(a, v), [state.nuMax!, nu], ["nuMax", "nu"]) : undefined;
      const updates = ewise((m, v) => adamDir(m, v, sc, epsHat), [mu, nuMax ?? nu], ["mu", "nu"]);
      return { updates, state: amsgrad ? { count: t, mu, nu, nuMax } : { count: t, mu, nu } };
    },
  };
}
