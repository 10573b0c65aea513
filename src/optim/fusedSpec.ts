/**
 * What an alias tells the stateful `optimizer` so it can replace the chain's pure update by one
 * fused kernel per step. The kernel must reproduce the chain exactly (same formulas, same
 * rounding points: see formulas.ts), which the tests pin bit-for-bit on the JS backend.
 */
import type { Tensor } from "../tensor/tensor.js";
import type { Schedule } from "./schedules/types.js";
import type { EpsMode } from "./formulas.js";
import type { OptState } from "./base.js";

export interface SgdHyper { wd: number; momentum: number; dampening: number; nesterov: boolean }
export interface AdamHyper { wd: number; decoupled: boolean; b1: number; b2: number; eps: number; amsgrad: boolean; biasCorrection: "exact" | "tfjs" }
export interface AdagradHyper { wd: number; eps: number; epsMode: EpsMode }
export interface RmspropHyper { wd: number; alpha: number; eps: number; epsMode: EpsMode; centered: boolean; momentum: number; lrInsideMomentum: boolean }
export interface LionHyper { wd: number; b1: number; b2: number }

export type FusedKind =
  | { kind: "sgd"; hp: SgdHyper }
  | { kind: "adam"; hp: AdamHyper }
  | { kind: "adagrad"; hp: AdagradHyper }
  | { kind: "rmsprop"; hp: RmspropHyper }
  | { kind: "lion"; hp: LionHyper };

export type FusedSpec = FusedKind & {
  convention: string;
  /** The learning-rate schedule, evaluated at the step count (0 first). */
  lr: Schedule;
  /** Global-norm clip folded into the kernel (set by `chain(clipByGlobalNorm(c), alias)`). */
  clipNorm?: number;
  /** The moment tensors of the state tree `init` returned, one array of leaves per slot. */
  slots(state: OptState): Tensor[][];
  /** Writes the step count into every counter of the state tree (in place; the optimizer owns it). */
  setCount(state: OptState, count: number): void;
};
