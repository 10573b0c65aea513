/**
 * Early stopping (as Keras's `EarlyStopping`): after each epoch, the monitored value improves when
 * it beats the best so far by more than `minDelta` (lower for mode "min", higher for "max");
 * after `patience` epochs without improvement training stops. With `restoreBest`, when training
 * ends, `fit` puts back the best epoch's whole training state: the model's parameters and state,
 * and in its result the optimizer state, step/epoch/batch counters and RNG, so that
 * `saveCheckpoint(model, result)` and `resume` continue from the best epoch exactly.
 */
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";

export interface EarlyStoppingOptions {
  /** History key to watch: "valLoss" (default), "loss", "valAccuracy", "accuracy", ... */
  monitor?: string;
  /** "min" (default for losses) or "max" (default for anything named like accuracy). */
  mode?: "min" | "max";
  /** Epochs without improvement before stopping (default 0: stop at the first non-improvement). */
  patience?: number;
  /** The smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Restore the best epoch's training state (parameters, model and optimizer state, counters) at the end (default false). */
  restoreBest?: boolean;
}

const KEYS = { monitor: true, mode: true, patience: true, minDelta: true, restoreBest: true } satisfies OptionKeys<EarlyStoppingOptions>;

export class EarlyStopping {
  readonly monitor: string;
  readonly mode: "min" | "max";
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBest: boolean;
  best = NaN;
  bestEpoch = -1;
  wait = 0;

  constructor(options: EarlyStoppingOptions = {}) {
    checkOptions("earlyStopping", options, KEYS);
    this.monitor = options.monitor ?? "valLoss";
    if (typeof this.monitor !== "string") throw new ArgumentError(`earlyStopping: monitor must be a history key string, got ${typeof this.monitor}`);
    this.mode = options.mode ?? (/acc/i.test(this.monitor) ? "max" : "min");
    if (this.mode !== "min" && this.mode !== "max") throw new ArgumentError(`earlyStopping: mode must be "min" or "max", got ${JSON.stringify(options.mode)}`);
    this.patience = options.patience ?? 0;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new ArgumentError(`earlyStopping: patience must be a non-negative integer, got ${options.patience}`);
    this.minDelta = Math.abs(options.minDelta ?? 0);
    if (!Number.isFinite(this.minDelta)) throw new ArgumentError(`earlyStopping: minDelta must be finite, got ${options.minDelta}`);
    this.restoreBest = options.restoreBest ?? false;
  }

  /** Records an epoch's value; returns whether it improved and whether to stop. */
  update(epoch: number, value: number): { improved: boolean; stop: boolean } {
    const better = this.bestEpoch < 0 || (this.mode === "min" ? value < this.best - this.minDelta : value > this.best + this.minDelta);
    if (better && Number.isFinite(value)) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      return { improved: true, stop: false };
    }
    this.wait++;
    return { improved: false, stop: this.wait > this.patience };
  }
}

export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(options);
}
