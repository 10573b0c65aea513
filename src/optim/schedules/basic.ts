/**
 * Learning-rate schedules: plain `(step) => value` functions, step = 0 on the first update.
 * Formulas follow optax's schedules and torch.optim.lr_scheduler's closed forms (noted per
 * function); tests check them against explicit value tables.
 */
import { ArgumentError } from "../../errors.js";
import { checkKnown, finitePositive, nonNegative, positiveInt } from "../validate.js";
import type { OptionKeys } from "../../options.js";
import type { Schedule } from "./types.js";

function num(where: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ArgumentError(`${where}: ${name} must be a finite number, got ${String(v)}`);
  return v;
}

/** lr(t) = value. */
export function constant(value: number): Schedule {
  num("constant", "value", value);
  return () => value;
}

/**
 * Linear ramp from `init` (default 0) to `peak` over `warmupSteps`, then `peak` (optax
 * linear_schedule): lr(t) = init + (peak − init)·min(t, W)/W.
 */
export function linearWarmup(options: { peak: number; warmupSteps: number; init?: number }): Schedule {
  checkKnown("linearWarmup", options, { peak: true, warmupSteps: true, init: true } satisfies OptionKeys<Parameters<typeof linearWarmup>[0]>);
  const peak = num("linearWarmup", "peak", options.peak);
  const w = nonNegative("linearWarmup", "warmupSteps", options.warmupSteps);
  const init = num("linearWarmup", "init", options.init ?? 0);
  return (t) => (w === 0 || t >= w ? peak : init + ((peak - init) * Math.max(0, t)) / w);
}

/**
 * Cosine decay from `init` to `floor` (default 0) over `decaySteps`, then `floor`
 * (optax cosine_decay_schedule with alpha = floor/init; torch CosineAnnealingLR with
 * eta_min = floor, T_max = decaySteps): lr(t) = floor + (init − floor)·(1 + cos(π·min(t, D)/D))/2.
 */
export function cosineDecay(options: { init: number; decaySteps: number; floor?: number }): Schedule {
  checkKnown("cosineDecay", options, { init: true, decaySteps: true, floor: true } satisfies OptionKeys<Parameters<typeof cosineDecay>[0]>);
  const init = num("cosineDecay", "init", options.init);
  const d = positiveInt("cosineDecay", "decaySteps", options.decaySteps);
  const floor = num("cosineDecay", "floor", options.floor ?? 0);
  return (t) => floor + ((init - floor) * (1 + Math.cos((Math.PI * Math.min(Math.max(t, 0), d)) / d))) / 2;
}

/**
 * Linear warmup from `init` (default 0) to `peak` over `warmupSteps`, then cosine decay to `end`
 * (default 0) until `decaySteps` (total, warmup included), as optax warmup_cosine_decay_schedule.
 */
export function warmupCosine(options: { peak: number; warmupSteps: number; decaySteps: number; init?: number; end?: number }): Schedule {
  checkKnown("warmupCosine", options, { peak: true, warmupSteps: true, decaySteps: true, init: true, end: true } satisfies OptionKeys<Parameters<typeof warmupCosine>[0]>);
  const peak = num("warmupCosine", "peak", options.peak);
  const w = nonNegative("warmupCosine", "warmupSteps", options.warmupSteps);
  const d = positiveInt("warmupCosine", "decaySteps", options.decaySteps);
  if (d <= w) throw new ArgumentError(`warmupCosine: decaySteps (${d}) must exceed warmupSteps (${w})`);
  const init = num("warmupCosine", "init", options.init ?? 0);
  const end = num("warmupCosine", "end", options.end ?? 0);
  const warm = linearWarmup({ peak, warmupSteps: w, init });
  const cos = cosineDecay({ init: peak, decaySteps: d - w, floor: end });
  return (t) => (t < w ? warm(t) : cos(t - w));
}

/** lr(t) = init·gamma^⌊t / stepSize⌋ (torch StepLR). */
export function stepDecay(options: { init: number; stepSize: number; gamma?: number }): Schedule {
  checkKnown("stepDecay", options, { init: true, stepSize: true, gamma: true } satisfies OptionKeys<Parameters<typeof stepDecay>[0]>);
  const init = num("stepDecay", "init", options.init);
  const k = positiveInt("stepDecay", "stepSize", options.stepSize);
  const g = finitePositive("stepDecay", "gamma", options.gamma ?? 0.1);
  return (t) => init * Math.pow(g, Math.floor(t / k));
}

/** lr(t) = init·gamma^(number of milestones ≤ t) (torch MultiStepLR). */
export function multiStep(options: { init: number; milestones: number[]; gamma?: number }): Schedule {
  checkKnown("multiStep", options, { init: true, milestones: true, gamma: true } satisfies OptionKeys<Parameters<typeof multiStep>[0]>);
  const init = num("multiStep", "init", options.init);
  const ms = [...options.milestones].sort((a, b) => a - b);
  ms.forEach((m) => nonNegative("multiStep", "milestones", m));
  const g = finitePositive("multiStep", "gamma", options.gamma ?? 0.1);
  return (t) => init * Math.pow(g, ms.filter((m) => m <= t).length);
}

/**
 * lr(t) = init·decayRate^(t / transitionSteps) (⌊·⌋ with staircase), clamped at `end` if given
 * (optax exponential_decay; torch ExponentialLR is transitionSteps = 1, decayRate = gamma).
 */
export function exponentialDecay(options: { init: number; decayRate: number; transitionSteps?: number; staircase?: boolean; end?: number }): Schedule {
  checkKnown("exponentialDecay", options, { init: true, decayRate: true, transitionSteps: true, staircase: true, end: true } satisfies OptionKeys<Parameters<typeof exponentialDecay>[0]>);
  const init = num("exponentialDecay", "init", options.init);
  const r = finitePositive("exponentialDecay", "decayRate", options.decayRate);
  const k = positiveInt("exponentialDecay", "transitionSteps", options.transitionSteps ?? 1);
  const stair = options.staircase ?? false;
  const end = options.end;
  return (t) => {
    const e = stair ? Math.floor(t / k) : t / k;
    const v = init * Math.pow(r, e);
    if (end === undefined) return v;
    return r < 1 ? Math.max(v, end) : Math.min(v, end);
  };
}

/**
 * lr(t) = (init − end)·(1 − min(t, D)/D)^power + end (optax polynomial_schedule; torch
 * PolynomialLR with end 0, D = total_iters).
 */
export function polynomialDecay(options: { init: number; decaySteps: number; end?: number; power?: number }): Schedule {
  checkKnown("polynomialDecay", options, { init: true, decaySteps: true, end: true, power: true } satisfies OptionKeys<Parameters<typeof polynomialDecay>[0]>);
  const init = num("polynomialDecay", "init", options.init);
  const d = positiveInt("polynomialDecay", "decaySteps", options.decaySteps);
  const end = num("polynomialDecay", "end", options.end ?? 0);
  const p = finitePositive("polynomialDecay", "power", options.power ?? 1);
  return (t) => (init - end) * Math.pow(1 - Math.min(Math.max(t, 0), d) / d, p) + end;
}

/**
 * The original transformer's rate ("Attention is all you need", eq. 3), with s = t + 1:
 * lr(t) = peak·min(s/W, √(W/s)): linear warmup to `peak` at s = W, then ∝ 1/√s.
 * With `dModel` instead of `peak`: peak = dModel^−0.5·W^−0.5 (the paper's formula exactly).
 */
export function inverseSqrt(options: { warmupSteps: number; peak?: number; dModel?: number }): Schedule {
  checkKnown("inverseSqrt", options, { warmupSteps: true, peak: true, dModel: true } satisfies OptionKeys<Parameters<typeof inverseSqrt>[0]>);
  const w = positiveInt("inverseSqrt", "warmupSteps", options.warmupSteps);
  if ((options.peak === undefined) === (options.dModel === undefined)) throw new ArgumentError("inverseSqrt: give exactly one of peak or dModel");
  const peak = options.peak !== undefined ? finitePositive("inverseSqrt", "peak", options.peak) : Math.pow(finitePositive("inverseSqrt", "dModel", options.dModel), -0.5) * Math.pow(w, -0.5);
  return (t) => {
    const s = t + 1;
    return peak * Math.min(s / w, Math.sqrt(w / s));
  };
}

/**
 * Warmup-stable-decay: linear warmup init → peak over `warmupSteps`, hold `peak` for
 * `stableSteps`, then decay to `end` over `decaySteps` ("linear", "cosine" or "sqrt":
 * 1 − √x as in MiniCPM), then `end`.
 */
export function wsd(options: { peak: number; warmupSteps: number; stableSteps: number; decaySteps: number; init?: number; end?: number; decayShape?: "linear" | "cosine" | "sqrt" }): Schedule {
  checkKnown("wsd", options, { peak: true, warmupSteps: true, stableSteps: true, decaySteps: true, init: true, end: true, decayShape: true } satisfies OptionKeys<Parameters<typeof wsd>[0]>);
  const peak = num("wsd", "peak", options.peak);
  const w = nonNegative("wsd", "warmupSteps", options.warmupSteps);
  const s = nonNegative("wsd", "stableSteps", options.stableSteps);
  const d = positiveInt("wsd", "decaySteps", options.decaySteps);
  const init = num("wsd", "init", options.init ?? 0);
  const end = num("wsd", "end", options.end ?? 0);
  const shape = options.decayShape ?? "linear";
  if (!["linear", "cosine", "sqrt"].includes(shape)) throw new ArgumentError(`wsd: decayShape must be "linear", "cosine" or "sqrt", got ${JSON.stringify(shape)}`);
  const warm = linearWarmup({ peak, warmupSteps: w, init });
  return (t) => {
    if (t < w) return warm(t);
    if (t < w + s) return peak;
    const x = Math.min(t - w - s, d) / d;
    const f = shape === "linear" ? 1 - x : shape === "cosine" ? (1 + Math.cos(Math.PI * x)) / 2 : 1 - Math.sqrt(x);
    return end + (peak - end) * f;
  };
}

/**
 * SGDR (Loshchilov & Hutter 2017; torch CosineAnnealingWarmRestarts): period T_0 = `period`,
 * each next period `periodMult` times longer; within a period of length T_i at position T_cur:
 * lr = floor + (init − floor)·(1 + cos(π·T_cur/T_i))/2.
 */
export function cosineRestarts(options: { init: number; period: number; periodMult?: number; floor?: number }): Schedule {
  checkKnown("cosineRestarts", options, { init: true, period: true, periodMult: true, floor: true } satisfies OptionKeys<Parameters<typeof cosineRestarts>[0]>);
  const init = num("cosineRestarts", "init", options.init);
  const t0 = positiveInt("cosineRestarts", "period", options.period);
  const mult = positiveInt("cosineRestarts", "periodMult", options.periodMult ?? 1);
  const floor = num("cosineRestarts", "floor", options.floor ?? 0);
  return (t) => {
    let cur: number, ti: number;
    if (mult === 1) {
      cur = t % t0;
      ti = t0;
    } else {
      const n = Math.floor(Math.log((t / t0) * (mult - 1) + 1) / Math.log(mult));
      cur = t - (t0 * (Math.pow(mult, n) - 1)) / (mult - 1);
      ti = t0 * Math.pow(mult, n);
    }
    return floor + ((init - floor) * (1 + Math.cos((Math.PI * cur) / ti))) / 2;
  };
}

/**
 * Runs `schedules[i]` from `boundaries[i − 1]` on, with its step counted from that boundary
 * (optax join_schedules): boundaries must be increasing, one fewer than schedules.
 */
export function joinSchedules(schedules: Schedule[], boundaries: number[]): Schedule {
  if (schedules.length !== boundaries.length + 1) throw new ArgumentError(`joinSchedules: ${schedules.length} schedules need ${schedules.length - 1} boundaries, got ${boundaries.length}`);
  boundaries.forEach((b, i) => {
    if (!Number.isFinite(b) || (i > 0 && b <= boundaries[i - 1])) throw new ArgumentError(`joinSchedules: boundaries must be finite and increasing (boundary ${i} is ${b})`);
  });
  return (t) => {
    let i = 0;
    while (i < boundaries.length && t >= boundaries[i]) i++;
    return schedules[i](i === 0 ? t : t - boundaries[i - 1]);
  };
}
