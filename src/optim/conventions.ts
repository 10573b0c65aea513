/**
 * Where torch.optim, optax and TensorFlow.js disagree, `convention` picks whose defaults and
 * equations an alias reproduces (docs/OPTIMIZERS.md has the same table with the equations).
 *
 * | alias   | option / equation         | torch (default)          | optax                     | tfjs                                 |
 * |---------|---------------------------|--------------------------|---------------------------|--------------------------------------|
 * | adam    | eps                       | 1e-8                     | 1e-8                      | 1e-7 (backend epsilon, float32)      |
 * | adam    | AMSGrad maximum over      | raw v                    | bias-corrected v/(1−b2^t) | (no AMSGrad in tfjs: torch's)        |
 * | adamw   | weightDecay               | 1e-2                     | 1e-4                      | (no AdamW; torch's 1e-2, eps 1e-7)   |
 * | adagrad | initialAccumulatorValue   | 0                        | 0.1                       | 0.1                                  |
 * | adagrad | eps, placement            | 1e-10, g/(√s + eps)      | 1e-7, g/√(s + eps)        | 1e-7, g/√(s + eps)                   |
 * | rmsprop | alpha (decay)             | 0.99                     | 0.9                       | 0.9                                  |
 * | rmsprop | eps, placement            | 1e-8, g/(√ν + eps)       | 1e-8, g/√(ν + eps)        | 1e-7, g/√(ν + eps)                   |
 * | rmsprop | centered denominator      | √(ν − μ²) + eps          | √(ν − μ² + eps)           | √(ν − (μ² + eps))                    |
 * | rmsprop | momentum buffer           | b = μb + u; p −= lr·b    | b = μb + lr·u; p −= b     | b = μb + lr·u; p −= b                |
 * | lion    | lr, weightDecay           | 1e-4, 0 (lion-pytorch)   | 1e-4, 1e-3                | (no Lion; torch's)                   |
 * | adamax  | eps, placement            | 1e-8, max(b2·u, |g| + eps)| (optax's is torch's)      | 1e-7, u = max(b2·u, |g|), m̂/(u + eps)|
 * | sgd     | momentum buffer           | b_1 = g_1; μb + (1−τ)g   | b = μb + g (no dampening) | b = μb + g                           |
 */
import { ArgumentError } from "../errors.js";
import type { EpsMode } from "../backend/fused/formulas.js";

export type Convention = "torch" | "optax" | "tfjs";

export function convention(where: string, c: unknown): Convention {
  const v = c ?? "torch";
  if (v !== "torch" && v !== "optax" && v !== "tfjs") throw new ArgumentError(`${where}: convention must be "torch", "optax" or "tfjs", got ${JSON.stringify(c)}`);
  return v;
}

/** TensorFlow.js's backend epsilon for float32 (`ENGINE.backend.epsilon()`). */
export const TFJS_EPSILON = 1e-7;

export const defaults = {
  sgd: { torch: { lr: 1e-3 }, optax: { lr: 1e-3 }, tfjs: { lr: 1e-3 } },
  adam: { torch: { lr: 1e-3, eps: 1e-8, weightDecay: 0 }, optax: { lr: 1e-3, eps: 1e-8, weightDecay: 0 }, tfjs: { lr: 1e-3, eps: TFJS_EPSILON, weightDecay: 0 } },
  adamw: { torch: { lr: 1e-3, eps: 1e-8, weightDecay: 1e-2 }, optax: { lr: 1e-3, eps: 1e-8, weightDecay: 1e-4 }, tfjs: { lr: 1e-3, eps: TFJS_EPSILON, weightDecay: 1e-2 } },
  adagrad: {
    torch: { lr: 1e-2, initialAccumulatorValue: 0, eps: 1e-10, epsMode: "outside" as EpsMode },
    optax: { lr: 1e-2, initialAccumulatorValue: 0.1, eps: 1e-7, epsMode: "inside" as EpsMode },
    tfjs: { lr: 1e-2, initialAccumulatorValue: 0.1, eps: TFJS_EPSILON, epsMode: "inside" as EpsMode },
  },
  rmsprop: {
    torch: { lr: 1e-2, alpha: 0.99, eps: 1e-8, epsMode: "outside" as EpsMode, lrInsideMomentum: false },
    optax: { lr: 1e-2, alpha: 0.9, eps: 1e-8, epsMode: "inside" as EpsMode, lrInsideMomentum: true },
    tfjs: { lr: 1e-2, alpha: 0.9, eps: TFJS_EPSILON, epsMode: "inside" as EpsMode, lrInsideMomentum: true },
  },
  lion: { torch: { lr: 1e-4, weightDecay: 0 }, optax: { lr: 1e-4, weightDecay: 1e-3 }, tfjs: { lr: 1e-4, weightDecay: 0 } },
} as const;
