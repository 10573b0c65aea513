/** Scaling transforms: a constant factor, and the learning rate (number or schedule). */
import type { GradientTransformation } from "../base.js";
import { lrStep } from "../../backend/fused/formulas.js";
import type { Schedule } from "../schedules/types.js";
import { ewise } from "../treeMath.js";
import { checkKnown, learningRate, scheduleValue } from "../validate.js";
import { ArgumentError } from "../../errors.js";

/** u ← factor·u. */
export function scale(factor: number): GradientTransformation<Record<string, never>> {
  if (typeof factor !== "number" || !Number.isFinite(factor)) throw new ArgumentError(`scale: factor must be a finite number, got ${factor}`);
  return { init: () => ({}), update: (u, state) => ({ updates: ewise((x) => factor * x, [u], ["updates"]), state }) };
}

export interface ScaleByLearningRateState { count: number }

/**
 * u ← −lr_t·u with lr_t = lr (a number) or lr(count) (a schedule, count = 0 on the first update),
 * resolved once at construction as optax does. The sign flip makes `applyUpdates` (which adds)
 * descend. A schedule value that is negative or non-finite throws, naming the step, with the
 * state untouched.
 */
export function scaleByLearningRate(lr: number | Schedule, options: { flipSign?: boolean } = {}): GradientTransformation<ScaleByLearningRateState> {
  checkKnown("scaleByLearningRate", options, ["flipSign"]);
  const sched = learningRate("scaleByLearningRate", lr);
  const flip = options.flipSign ?? true;
  return {
    init: () => ({ count: 0 }),
    update(u, state) {
      const v = scheduleValue("scaleByLearningRate", "lr", sched, state.count);
      const updates = flip ? ewise((x) => lrStep(v, x), [u], ["updates"]) : ewise((x) => v * x, [u], ["updates"]);
      return { updates, state: { count: state.count + 1 } };
    },
  };
}
