/**
 * Schedules against explicit value tables computed from the formulas (and, where the schedule is
 * shared with torch.optim.lr_scheduler, from torch's documented closed forms: CosineAnnealingLR,
 * StepLR, MultiStepLR, ExponentialLR, PolynomialLR, CosineAnnealingWarmRestarts, OneCycleLR,
 * ReduceLROnPlateau).
 */
import { describe, expect, it } from "vitest";
import {
  constant, cosineDecay, cosineRestarts, exponentialDecay, inverseSqrt, joinSchedules, linearWarmup, multiStep, oneCycle,
  polynomialDecay, reduceOnPlateau, stepDecay, warmupCosine, wsd, type Schedule,
} from "../../src/optim/index.js";
import { ArgumentError } from "../../src/index.js";

const values = (s: Schedule, n = 12) => Array.from({ length: n }, (_, t) => s(t));

describe("value tables", () => {
  it.each<[string, Schedule, number[]]>([
    ["constant", constant(0.3), new Array(12).fill(0.3)],
    ["linearWarmup init 0.1 peak 1 over 4", linearWarmup({ peak: 1, warmupSteps: 4, init: 0.1 }), [0.1, 0.325, 0.55, 0.775, 1, 1, 1, 1, 1, 1, 1, 1]],
    // torch CosineAnnealingLR(T_max=8, eta_min=0.01), base lr 0.5
    ["cosineDecay", cosineDecay({ init: 0.5, decaySteps: 8, floor: 0.01 }), [0.5, 0.481350485465265, 0.428241161390704, 0.348757440929447, 0.255, 0.161242559070553, 0.081758838609296, 0.028649514534735, 0.01, 0.01, 0.01, 0.01]],
    // optax warmup_cosine_decay_schedule(0, 1, 3, 10, 0.1)
    ["warmupCosine", warmupCosine({ peak: 1, warmupSteps: 3, decaySteps: 10, end: 0.1 }), [0, 0.333333333333333, 0.666666666666667, 1, 0.955435990556089, 0.83057041083643, 0.650134420280341, 0.449865579719659, 0.26942958916357, 0.144564009443911, 0.1, 0.1]],
    // torch StepLR(step_size=3, gamma=0.5)
    ["stepDecay", stepDecay({ init: 1, stepSize: 3, gamma: 0.5 }), [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125]],
    // torch MultiStepLR(milestones=[2, 5, 9], gamma=0.1), base 2
    ["multiStep", multiStep({ init: 2, milestones: [5, 2, 9] }), [2, 2, 0.2, 0.2, 0.2, 0.02, 0.02, 0.02, 0.02, 0.002, 0.002, 0.002]],
    // torch ExponentialLR(gamma=0.9), base 0.5
    ["exponentialDecay", exponentialDecay({ init: 0.5, decayRate: 0.9 }), [0.5, 0.45, 0.405, 0.3645, 0.32805, 0.295245, 0.2657205, 0.23914845, 0.215233605, 0.1937102445, 0.17433922005, 0.156905298045]],
    ["exponentialDecay staircase, floor", exponentialDecay({ init: 1, decayRate: 0.5, transitionSteps: 4, staircase: true, end: 0.3 }), [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3]],
    // optax polynomial_schedule(1, 0.1, power=2, transition_steps=8)
    ["polynomialDecay", polynomialDecay({ init: 1, end: 0.1, power: 2, decaySteps: 8 }), [1, 0.7890625, 0.60625, 0.4515625, 0.325, 0.2265625, 0.15625, 0.1140625, 0.1, 0.1, 0.1, 0.1]],
    // "Attention is all you need": d^-0.5 · min(s^-0.5, s·W^-1.5), s = t + 1, d = 512, W = 4
    ["inverseSqrt", inverseSqrt({ dModel: 512, warmupSteps: 4 }), [0.00552427172802, 0.01104854345604, 0.01657281518406, 0.02209708691208, 0.019764235376052, 0.018042195912176, 0.016703827619527, 0.015625, 0.01473139127472, 0.013975424859374, 0.013325044772226, 0.012757759076996]],
    ["wsd linear", wsd({ peak: 1, warmupSteps: 2, stableSteps: 3, decaySteps: 4, end: 0.1 }), [0, 0.5, 1, 1, 1, 1, 0.775, 0.55, 0.325, 0.1, 0.1, 0.1]],
    // torch CosineAnnealingWarmRestarts(T_0=4, T_mult=1)
    ["cosineRestarts", cosineRestarts({ init: 1, period: 4 }), [1, 0.853553390593274, 0.5, 0.146446609406726, 1, 0.853553390593274, 0.5, 0.146446609406726, 1, 0.853553390593274, 0.5, 0.146446609406726]],
  ])("%s", (_n, s, want) => {
    expect(values(s)).toBeAllclose(want, { atol: 1e-14, rtol: 1e-12 });
  });

  it("cosineRestarts with period multiplier 2 (torch CosineAnnealingWarmRestarts(T_0=3, T_mult=2, eta_min=0.1))", () => {
    expect(values(cosineRestarts({ init: 1, period: 3, periodMult: 2, floor: 0.1 }), 16)).toBeAllclose(
      [1, 0.775, 0.325, 1, 0.939711431702997, 0.775, 0.55, 0.325, 0.160288568297003, 1, 0.984666621830081, 0.939711431702997, 0.868198051533946, 0.775, 0.666468570296134, 0.55],
      { atol: 1e-14, rtol: 1e-12 },
    );
  });

  it("oneCycle: torch OneCycleLR(max_lr=1, total_steps=10) two-phase, cos, with momentum cycling", () => {
    const s = oneCycle({ maxLr: 1, totalSteps: 10 });
    expect(values(s, 10)).toBeAllclose([0.04, 0.52, 1, 0.950484632013474, 0.811745653949763, 0.611262021936289, 0.388741978063711, 0.188258346050237, 0.049519367986526, 4e-6], { atol: 1e-14, rtol: 1e-12 });
    expect(values(s.momentum, 10)).toBeAllclose([0.95, 0.9, 0.85, 0.854951556604879, 0.868825509907063, 0.888873953302184, 0.911126046697816, 0.931174490092937, 0.945048443395121, 0.95], { atol: 1e-14, rtol: 1e-12 });
  });
  it("oneCycle three-phase (the paper) and linear annealing", () => {
    expect(values(oneCycle({ maxLr: 1, totalSteps: 10, threePhase: true }), 10)).toBeAllclose([0.04, 0.52, 1, 0.52, 0.04, 0.03618072185351, 0.02618172185351, 0.01382227814649, 0.00382327814649, 4e-6], { atol: 1e-13, rtol: 1e-11 });
    expect(values(oneCycle({ maxLr: 1, totalSteps: 10, annealStrategy: "linear" }), 10)).toBeAllclose([0.04, 0.52, 1, 0.857143428571429, 0.714286857142857, 0.571430285714286, 0.428573714285714, 0.285717142857143, 0.142860571428571, 4e-6], { atol: 1e-13, rtol: 1e-11 });
  });
  it("joinSchedules restarts the step count at each boundary", () => {
    const s = joinSchedules([constant(1), linearWarmup({ peak: 2, warmupSteps: 2, init: 0 }), constant(5)], [3, 6]);
    expect(values(s, 9)).toEqual([1, 1, 1, 0, 1, 2, 5, 5, 5]);
  });
});

describe("reduceOnPlateau (torch ReduceLROnPlateau, mode min, rel threshold 1e-4)", () => {
  it("halves after more than `patience` reports without improvement", () => {
    const s = reduceOnPlateau({ init: 1, factor: 0.5, patience: 2 });
    const lrs = [10, 9, 9, 9, 9, 8, 8, 8, 8, 8].map((m) => s.report(m));
    expect(lrs).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25]);
    expect(s(123)).toBe(0.25);
  });
  it("respects minLr and cooldown, and its state round-trips", () => {
    const s = reduceOnPlateau({ init: 1, factor: 0.1, patience: 0, cooldown: 2, minLr: 0.05 });
    const lrs = [5, 5, 5, 5, 5, 5, 5].map((m) => s.report(m));
    expect(lrs).toEqual([1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05]);
    const saved = s.state;
    const t = reduceOnPlateau({ init: 1, factor: 0.1, patience: 0, cooldown: 2, minLr: 0.05 });
    t.loadState(JSON.parse(JSON.stringify({ ...saved, best: saved.best })));
    expect(t(0)).toBe(0.05);
    expect(t.state).toEqual(saved);
  });
});

describe("bad schedule options", () => {
  it.each([
    () => warmupCosine({ peak: 1, warmupSteps: 10, decaySteps: 5 }),
    () => cosineDecay({ init: 1, decaySteps: 0 }),
    () => stepDecay({ init: 1, stepSize: 2, gamma: -1 }),
    () => oneCycle({ maxLr: 1, totalSteps: 10, annealStrategy: "exp" as never }),
    () => inverseSqrt({ warmupSteps: 4 }),
    () => joinSchedules([constant(1)], [3]),
    () => linearWarmup({ peak: 1, warmupSteps: 3, start: 0 } as never),
  ])("throws ArgumentError (%#)", (f) => {
    expect(f).toThrow(ArgumentError);
  });
});
