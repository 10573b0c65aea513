/** What `fit` records and returns: per-step and per-epoch values, warnings, the stop reason. */
import type { Rng } from "../tensor/random.js";

export interface StepInfo {
  step: number;
  epoch: number;
  batch: number;
  loss: number;
  gradNorm: number;
  lr: number;
  skipped: boolean;
}

export interface EpochRecord {
  epoch: number;
  /** Optimizer steps taken when the epoch ended. */
  step: number;
  /**
   * loss, valLoss, accuracy, valAccuracy, ..., lr, gradNorm: means over the epoch's applied steps
   * (and their batches), lr at the last step. NaN when every step was skipped.
   */
  values: Record<string, number>;
  /**
   * Steps skipped for a non-finite loss or gradient (diagnostics.nonFinite "skip"); their losses,
   * metrics and gradient norms are left out of `values` (they are in `history.steps`).
   */
  skipped: number;
  /** Mean gradient norm per layer over the epoch's steps. */
  layerGradNorms?: Record<string, number>;
  /** Fraction of dead ReLU units per layer at the end of the epoch. */
  deadRelu?: Record<string, number>;
  /** Seconds spent in the epoch (training and evaluation). */
  seconds: number;
  /** False when the run stopped inside the epoch. */
  complete: boolean;
}

export class History {
  readonly epochs: EpochRecord[] = [];
  /** Per optimizer step: loss, gradient norm and learning rate. */
  readonly steps: { loss: number[]; gradNorm: number[]; lr: number[] } = { loss: [], gradNorm: [], lr: [] };
  readonly warnings: string[] = [];
  /** One value per recorded epoch ("loss", "valLoss", "valAccuracy", "lr", "gradNorm", ...). */
  column(key: string): number[] {
    return this.epochs.map((e) => e.values[key] ?? NaN);
  }
}

export type StopReason = "epochs" | "steps" | "earlyStopping" | "gradNorm" | "relImprovement" | "callback";

/**
 * The history and the training state the model is left in: `saveCheckpoint(model, result)` saves
 * it and `resume` continues from it. With `restoreBest` that state is the best epoch's, whole:
 * parameters, model state, optimizer state, `step`/`epoch`/`batch` and the RNG are all put back to
 * the end of that epoch, so resuming continues as if training had stopped there (the history
 * still holds every epoch that ran).
 */
export interface FitResult {
  history: History;
  stopReason: StopReason;
  /** Optimizer state after the last step, or at the end of the restored epoch (save it with `saveCheckpoint(model, result)`). */
  optState: unknown;
  /** Optimizer steps taken, completed epochs and batches into the next one, at the state the model holds. */
  step: number;
  epoch: number;
  batch: number;
  rng: Rng;
  /**
   * When `restoreBest` restored an epoch, its number: `EpochRecord.epoch`, 0-based like every
   * epoch number fit prints; else -1.
   */
  restoredEpoch: number;
  /** Whether each batch's forward and backward ran compiled (FitOptions.jit), and why not where it was asked for. */
  jit: { compiled: boolean; reason: string | null };
}
