/** Weight decay as a transform. */
import { type GradientTransformation, needParams } from "../base.js";
import { decayed } from "../../backend/fused/formulas.js";
import { ewise } from "../treeMath.js";
import { nonNegative } from "../validate.js";

/**
 * u ← u + wd·p. Before a preconditioner (adam's L2 `weightDecay`, SGD) this is torch's
 * `grad += wd·param`; after it and before `scaleByLearningRate` it is decoupled decay (AdamW:
 * p ← p − lr·wd·p). Use `masked` to exempt biases and norms.
 */
export function addDecayedWeights(weightDecay = 0): GradientTransformation<Record<string, never>> {
  const wd = nonNegative("addDecayedWeights", "weightDecay", weightDecay);
  return {
    init: () => ({}),
    update(u, state, params) {
      if (wd === 0) return { updates: u, state };
      return { updates: ewise((x, p) => decayed(x, wd, p), [u, needParams("addDecayedWeights", params)], ["updates", "params"]), state };
    },
  };
}
