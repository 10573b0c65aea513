/** ReduceLROnPlateau (torch): the one schedule that needs the metric, so it is a small object. */
import { ArgumentError } from "../../errors.js";
import { checkKnown, finitePositive, nonNegative } from "../validate.js";
import type { OptionKeys } from "../../options.js";
import type { Schedule } from "./types.js";

export interface PlateauState { lr: number; best: number; badEpochs: number; cooldownCounter: number; lastEpoch: number }

/** A schedule (returns the current lr for any step) with `report(metric)` and a checkpointable state. */
export interface ReduceOnPlateau extends Schedule {
  /** Feed the validation metric once per epoch; returns the (possibly reduced) lr. */
  report(metric: number): number;
  /** Plain-data state for checkpoints. */
  readonly state: PlateauState;
  loadState(state: PlateauState): void;
}

/**
 * torch.optim.lr_scheduler.ReduceLROnPlateau: after more than `patience` reports without
 * improvement (rel: metric < best·(1 − threshold) in "min" mode; abs: metric < best − threshold),
 * lr ← max(lr·factor, minLr) (skipped if the change is below `eps`), then `cooldown` reports
 * of rest. Defaults: factor 0.1, patience 10, threshold 1e-4, "rel", mode "min", cooldown 0,
 * minLr 0, eps 1e-8.
 */
export function reduceOnPlateau(options: { init: number; mode?: "min" | "max"; factor?: number; patience?: number; threshold?: number; thresholdMode?: "rel" | "abs"; cooldown?: number; minLr?: number; eps?: number }): ReduceOnPlateau {
  checkKnown("reduceOnPlateau", options, { init: true, mode: true, factor: true, patience: true, threshold: true, thresholdMode: true, cooldown: true, minLr: true, eps: true } satisfies OptionKeys<Parameters<typeof reduceOnPlateau>[0]>);
  const init = finitePositive("reduceOnPlateau", "init", options.init);
  const mode = options.mode ?? "min";
  if (mode !== "min" && mode !== "max") throw new ArgumentError(`reduceOnPlateau: mode must be "min" or "max"`);
  const factor = finitePositive("reduceOnPlateau", "factor", options.factor ?? 0.1);
  if (factor >= 1) throw new ArgumentError("reduceOnPlateau: factor must be < 1");
  const patience = nonNegative("reduceOnPlateau", "patience", options.patience ?? 10);
  const threshold = nonNegative("reduceOnPlateau", "threshold", options.threshold ?? 1e-4);
  const tmode = options.thresholdMode ?? "rel";
  if (tmode !== "rel" && tmode !== "abs") throw new ArgumentError(`reduceOnPlateau: thresholdMode must be "rel" or "abs"`);
  const cooldown = nonNegative("reduceOnPlateau", "cooldown", options.cooldown ?? 0);
  const minLr = nonNegative("reduceOnPlateau", "minLr", options.minLr ?? 0);
  const eps = nonNegative("reduceOnPlateau", "eps", options.eps ?? 1e-8);
  const worst = mode === "min" ? Infinity : -Infinity;
  let st: PlateauState = { lr: init, best: worst, badEpochs: 0, cooldownCounter: 0, lastEpoch: 0 };
  const better = (a: number, best: number): boolean => {
    if (mode === "min") return tmode === "rel" ? a < best * (1 - threshold) : a < best - threshold;
    return tmode === "rel" ? a > best * (threshold + 1) : a > best + threshold;
  };
  const s = (() => st.lr) as unknown as ReduceOnPlateau;
  s.report = (metric: number) => {
    if (typeof metric !== "number" || Number.isNaN(metric)) throw new ArgumentError(`reduceOnPlateau.report: metric must be a number, got ${metric}`);
    const next = { ...st, lastEpoch: st.lastEpoch + 1 };
    if (better(metric, next.best)) {
      next.best = metric;
      next.badEpochs = 0;
    } else next.badEpochs++;
    if (next.cooldownCounter > 0) {
      next.cooldownCounter--;
      next.badEpochs = 0;
    }
    if (next.badEpochs > patience) {
      const lr = Math.max(next.lr * factor, minLr);
      if (next.lr - lr > eps) next.lr = lr;
      next.cooldownCounter = cooldown;
      next.badEpochs = 0;
    }
    st = next;
    return st.lr;
  };
  Object.defineProperty(s, "state", { get: () => ({ ...st }) });
  s.loadState = (x: PlateauState) => {
    for (const k of ["lr", "best", "badEpochs", "cooldownCounter", "lastEpoch"] as const) {
      if (typeof x?.[k] !== "number") throw new ArgumentError(`reduceOnPlateau.loadState: ${k} must be a number`);
    }
    st = { ...x };
  };
  return s;
}
