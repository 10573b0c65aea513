/** Gradient clipping. */
import { lowerToClip, type GradientTransformation } from "../base.js";
import { ewise, sumOfSquares } from "../treeMath.js";
import { finitePositive } from "../validate.js";

/** The global norm ‖g‖ = √(Σ_leaves Σ_i g_i²) (accumulated in float64, leaves in canonical order). */
export { sumOfSquares };

/**
 * g ← g·(c / ‖g‖) when ‖g‖ > c, else unchanged (optax clip_by_global_norm; torch's
 * clip_grad_norm_ without its 1e-6). `chain(clipByGlobalNorm(c), adam(...))` stays fused.
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<Record<string, never>> {
  const c = finitePositive("clipByGlobalNorm", "maxNorm", maxNorm);
  return lowerToClip({
    init: () => ({}),
    update(g, state) {
      const norm = Math.sqrt(sumOfSquares(g));
      if (!(norm > c)) return { updates: g, state };
      const s = c / norm;
      return { updates: ewise((x) => x * s, [g], ["updates"]), state };
    },
  }, c);
}

/** g ← clamp(g, −maxAbs, maxAbs) elementwise (torch clip_grad_value_, optax clip). */
export function clipByValue(maxAbs: number): GradientTransformation<Record<string, never>> {
  const c = finitePositive("clipByValue", "maxAbs", maxAbs);
  return { init: () => ({}), update: (g, state) => ({ updates: ewise((x) => (x > c ? c : x < -c ? -c : x), [g], ["updates"]), state }) };
}
