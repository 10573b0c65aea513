/** Momentum (heavy ball and Nesterov) as a transform. */
import type { GradientTransformation } from "../base.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Tree } from "../../tensor/tree.js";
import { momentumBuf, nesterovDir } from "../../backend/fused/formulas.js";
import { ewise, fullTree } from "../treeMath.js";
import { bool, checkKnown, nonNegative, unitInterval } from "../validate.js";
import { ArgumentError } from "../../errors.js";

export interface TraceState { count: number; trace: Tree }

export interface TraceOptions {
  /** μ, the momentum (default 0.9). */
  decay?: number;
  /** τ, torch's dampening (default 0). */
  dampening?: number;
  /** Nesterov look-ahead (default false). */
  nesterov?: boolean;
}

/**
 * torch.optim.SGD's momentum buffer:
 *   b_1 = g_1 (the raw gradient, no dampening),  b_t = μ·b_{t−1} + (1 − τ)·g_t,
 *   u_t = g_t + μ·b_t (Nesterov)  or  u_t = b_t.
 * With τ = 0 this is optax's `trace` (b_0 = 0 gives b_1 = g_1).
 */
export function trace(options: TraceOptions = {}): GradientTransformation<TraceState> {
  checkKnown("trace", options, ["decay", "dampening", "nesterov"]);
  const mu = unitInterval("trace", "decay", options.decay ?? 0.9);
  const damp = nonNegative("trace", "dampening", options.dampening ?? 0);
  const nesterov = bool("trace", "nesterov", options.nesterov ?? false);
  if (nesterov && (mu === 0 || damp !== 0)) throw new ArgumentError("trace: nesterov needs decay > 0 and dampening 0 (as torch requires)");
  const keep = 1 - damp;
  return {
    init: (params) => ({ count: 0, trace: fullTree(params, 0) }),
    update(u, state) {
      const first = state.count === 0;
      const buf = first ? ewise((_b, g) => g, [state.trace, u], ["trace", "updates"]) : ewise((b, g) => momentumBuf(mu, b, keep, g), [state.trace, u], ["trace", "updates"]);
      const updates = nesterov ? ewise((g, b) => nesterovDir(g, mu, b), [u, buf], ["updates", "trace"]) : buf;
      return { updates, state: { count: state.count + 1, trace: buf } };
    },
  };
}
export type { Tensor };
