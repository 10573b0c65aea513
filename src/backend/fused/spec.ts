/**
 * The fused optimizer step a backend runs for the stateful `optimizer(...).step` (src/optim):
 * which update (its kind and hyperparameters), over which storage, and the engine a backend
 * returns for it. Aliases describe themselves with these (src/optim/fusedSpec.ts adds the
 * learning-rate schedule and where the moments sit in the state tree). A fused engine must
 * reproduce the alias's pure chain: the same formulas (formulas.ts) rounded at the same points.
 */
import type { DType } from "../../tensor/dtype.js";
import type { Storage } from "../backend.js";
import type { EpsMode } from "./formulas.js";

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

/** A fused update: its kind, and a global-norm clip folded in (`chain(clipByGlobalNorm(c), alias)`). */
export type FusedStep = FusedKind & { clipNorm?: number };

/**
 * Something that holds storage the engine may re-point: a parameter or moment tensor
 * (`Tensor` has this shape; the backend layer does not import it).
 */
export interface StorageCell {
  _storage: Storage;
  readonly size: number;
}

export interface FusedEngineRequest {
  step: FusedStep;
  /** The parameter leaves, in canonical tree order; updated in place. */
  params: StorageCell[];
  /** The moment tensors of the state tree, one array of leaves per slot (as params). */
  slots: StorageCell[][];
  dtype: DType;
  /** From this many parameters on, a step may be split over threads (backend default when absent; Infinity: never). */
  threadMin?: number;
}

export interface FusedEngine {
  /** The backend whose kernel runs the steps. */
  readonly path: "js" | "wasm" | "webgpu";
  /** Threads a step runs on. */
  readonly threads: number;
  /** One update with these gradient storages (same order and sizes as params) at step `count` (0 first). */
  step(grads: readonly Storage[], count: number, lr: number): void;
  /** Copies moments out of the engine into the slot cells. */
  syncOut(): void;
  /** Copies the slot cells into the engine. */
  syncIn(): void;
  /** Releases what the engine holds (parameters keep their values). Idempotent. */
  dispose(): void;
}
