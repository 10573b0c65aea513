/** Lion's sign update. */
import type { GradientTransformation } from "../base.js";
import type { Tree } from "../../tensor/tree.js";
import { ema, sgn } from "../../backend/fused/formulas.js";
import { ewise, fullTree } from "../treeMath.js";
import { checkKnown, unitInterval } from "../validate.js";

export interface ScaleByLionState { mu: Tree }

/**
 * u_t = sign(b1·m + (1 − b1)·g),  then m_t = b2·m + (1 − b2)·g  (Chen et al. 2023, optax's
 * scale_by_lion). Defaults b1 0.9, b2 0.99. @see {@link lion}
 */
export function scaleByLion(options: { b1?: number; b2?: number } = {}): GradientTransformation<ScaleByLionState> {
  checkKnown("scaleByLion", options, ["b1", "b2"]);
  const b1 = unitInterval("scaleByLion", "b1", options.b1 ?? 0.9);
  const b2 = unitInterval("scaleByLion", "b2", options.b2 ?? 0.99);
  return {
    init: (params) => ({ mu: fullTree(params, 0) }),
    update(g, state) {
      const updates = ewise((m, x) => sgn(ema(b1, m, x)), [state.mu, g], ["mu", "updates"]);
      const mu = ewise((m, x) => ema(b2, m, x), [state.mu, g], ["mu", "updates"]);
      return { updates, state: { mu } };
    },
  };
}
