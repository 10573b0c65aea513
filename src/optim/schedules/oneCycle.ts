/** The one-cycle policy (Smith & Topin 2019), as torch.optim.lr_scheduler.OneCycleLR. */
import { ArgumentError } from "../../errors.js";
import { checkKnown, finitePositive, positiveInt, unitInterval } from "../validate.js";
import type { OptionKeys } from "../../options.js";
import type { Schedule } from "./types.js";

export interface OneCycleOptions {
  maxLr: number;
  totalSteps: number;
  /** Fraction of steps spent increasing the rate (default 0.3). */
  pctStart?: number;
  /** "cos" (default) or "linear" annealing. */
  annealStrategy?: "cos" | "linear";
  /** initial lr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** min lr = initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** The paper's three phases (up, back down to initial, annihilate) instead of torch's two. */
  threePhase?: boolean;
  /** Momentum cycles inversely between baseMomentum (0.85) and maxMomentum (0.95). */
  baseMomentum?: number;
  maxMomentum?: number;
}

/** A one-cycle schedule; `.momentum(step)` is the matching momentum (or b1) schedule. */
export type OneCycleSchedule = Schedule & { momentum: Schedule };

/**
 * torch's algorithm: phases end at steps pct·T − 1 and T − 1 (two-phase) or pct·T − 1,
 * 2·pct·T − 2 and T − 1 (three-phase); within a phase from step s0 to s1 the value is
 * anneal(start, end, (t − s0)/(s1 − s0)) with cos: end + (start − end)/2·(1 + cos(π·x)).
 */
export function oneCycle(options: OneCycleOptions): OneCycleSchedule {
  checkKnown("oneCycle", options, { maxLr: true, totalSteps: true, pctStart: true, annealStrategy: true, divFactor: true, finalDivFactor: true, threePhase: true, baseMomentum: true, maxMomentum: true } satisfies OptionKeys<Parameters<typeof oneCycle>[0]>);
  const maxLr = finitePositive("oneCycle", "maxLr", options.maxLr);
  const total = positiveInt("oneCycle", "totalSteps", options.totalSteps);
  const pct = unitInterval("oneCycle", "pctStart", options.pctStart ?? 0.3);
  const strat = options.annealStrategy ?? "cos";
  if (strat !== "cos" && strat !== "linear") throw new ArgumentError(`oneCycle: annealStrategy must be "cos" or "linear", got ${JSON.stringify(strat)}`);
  const initial = maxLr / finitePositive("oneCycle", "divFactor", options.divFactor ?? 25);
  const min = initial / finitePositive("oneCycle", "finalDivFactor", options.finalDivFactor ?? 1e4);
  const baseM = options.baseMomentum ?? 0.85, maxM = options.maxMomentum ?? 0.95;
  const anneal = strat === "cos" ? (a: number, b: number, x: number) => b + ((a - b) / 2) * (Math.cos(Math.PI * x) + 1) : (a: number, b: number, x: number) => (b - a) * x + a;
  const phases = options.threePhase
    ? [
        { end: pct * total - 1, lr: [initial, maxLr], m: [maxM, baseM] },
        { end: 2 * pct * total - 2, lr: [maxLr, initial], m: [baseM, maxM] },
        { end: total - 1, lr: [initial, min], m: [maxM, maxM] },
      ]
    : [
        { end: pct * total - 1, lr: [initial, maxLr], m: [maxM, baseM] },
        { end: total - 1, lr: [maxLr, min], m: [baseM, maxM] },
      ];
  const at = (t: number, which: "lr" | "m"): number => {
    const step = Math.min(Math.max(t, 0), total - 1);
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const ph = phases[i];
      if (step <= ph.end || i === phases.length - 1) {
        const x = (step - start) / (ph.end - start);
        return anneal(ph[which][0], ph[which][1], x);
      }
      start = ph.end;
    }
    return min;
  };
  const s = ((t: number) => at(t, "lr")) as OneCycleSchedule;
  s.momentum = (t) => at(t, "m");
  return s;
}
