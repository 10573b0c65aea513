/**
 * What an alias tells the stateful `optimizer` so it can replace the chain's pure update by one
 * fused kernel per step. The kernel must reproduce the chain exactly (same formulas, same
 * rounding points: see backend/fused/formulas.ts), which the tests pin bit-for-bit on the JS backend.
 */
import type { Tensor } from "../tensor/tensor.js";
import type { Schedule } from "./schedules/types.js";
import type { FusedStep } from "../backend/fused/spec.js";
import type { OptState } from "./base.js";

export type { SgdHyper, AdamHyper, AdagradHyper, RmspropHyper, LionHyper, FusedKind } from "../backend/fused/spec.js";

export type FusedSpec = FusedStep & {
  convention: string;
  /** The learning-rate schedule, evaluated at the step count (0 first). */
  lr: Schedule;
  /** The moment tensors of the state tree `init` returned, one array of leaves per slot. */
  slots(state: OptState): Tensor[][];
  /** Writes the step count into every counter of the state tree (in place; the optimizer owns it). */
  setCount(state: OptState, count: number): void;
};
