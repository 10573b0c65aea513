/**
 * Every alias and option combination against the naive float64 references (reference.ts) for
 * 50 steps on a fixed non-quadratic function, through the pure update path and both stateful
 * paths. The fused JS kernel must agree bit-for-bit with the pure path (float32 and float64).
 */
import { vals } from "../helpers.js";
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../src/index.js";
import { adagrad, adam, adamax, adamw, applyUpdates, lion, nadam, optimizer, radam, rmsprop, sgd, type GradientTransformation } from "../../src/optim/index.js";
import { referenceTrajectory, testGrad, X0, type RefOptions } from "./reference.js";

type Alg = Parameters<typeof referenceTrajectory>[0];
const factories: Record<Alg, (o: any) => GradientTransformation<any>> = { sgd, adam, adamw, adagrad, rmsprop, lion, nadam, radam, adamax };

export const CASES: Array<[Alg, RefOptions]> = [
  ["sgd", { lr: 0.05 }],
  ["sgd", { lr: 0.05, momentum: 0.9 }],
  ["sgd", { lr: 0.05, momentum: 0.9, dampening: 0.3 }],
  ["sgd", { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }],
  ["sgd", { lr: 0.05, weightDecay: 0.1 }],
  ["adam", { lr: 0.05 }],
  ["adam", { lr: 0.05, b1: 0.8, b2: 0.99, eps: 1e-6, weightDecay: 0.05 }],
  ["adam", { lr: 0.05, amsgrad: true }],
  ["adamw", { lr: 0.05 }],
  ["adamw", { lr: 0.05, weightDecay: 0.1, amsgrad: true }],
  ["adagrad", { lr: 0.1 }],
  ["adagrad", { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.2, weightDecay: 0.05, eps: 1e-6 }],
  ["rmsprop", { lr: 0.01 }],
  ["rmsprop", { lr: 0.01, centered: true }],
  ["rmsprop", { lr: 0.01, momentum: 0.9 }],
  ["rmsprop", { lr: 0.01, momentum: 0.5, centered: true, weightDecay: 0.05, alpha: 0.9 }],
  ["lion", { lr: 0.01 }],
  ["lion", { lr: 0.01, b1: 0.95, b2: 0.98, weightDecay: 0.1 }],
];

function toOpts(o: RefOptions): Record<string, unknown> {
  const r: Record<string, unknown> = { ...o };
  return r;
}

const STEPS = 50;

function runPure(t: GradientTransformation<any>, dtype: "float32" | "float64"): number[][] {
  let x: Tensor = tensor(X0, { dtype });
  let s = t.init(x);
  const out: number[][] = [];
  for (let i = 0; i < STEPS; i++) {
    const g = tensor(testGrad(Array.from(vals(x))), { dtype });
    const r = t.update(g, s, x);
    x = applyUpdates(x, r.updates) as Tensor;
    s = r.state;
    out.push(Array.from(vals(x)));
  }
  return out;
}

function runStateful(t: GradientTransformation<any>, dtype: "float32" | "float64", fused: "js" | "pure"): number[][] {
  const x = tensor(X0, { dtype });
  const opt = optimizer(t, x, { fused });
  expect(opt.path).toBe(fused);
  const out: number[][] = [];
  for (let i = 0; i < STEPS; i++) {
    opt.step(tensor(testGrad(Array.from(vals(x))), { dtype }));
    out.push(Array.from(vals(x)));
  }
  return out;
}

describe.each(CASES)("%s %j", (alg, o) => {
  const ref = referenceTrajectory(alg, o, X0, testGrad, STEPS);
  it("pure float64 follows the published algorithm for 50 steps", () => {
    const got = runPure(factories[alg](toOpts(o)), "float64");
    // Lion's sign makes it discontinuous: identical up to rounding while sign(c) agrees, which a 1e-9 tolerance checks.
    for (let k = 0; k < STEPS; k++) expect(got[k]).toBeAllclose(ref[k], { atol: 1e-11, rtol: 1e-10 });
  });
  it("pure float32 stays close to the float64 reference", () => {
    const got = runPure(factories[alg](toOpts(o)), "float32");
    expect(got[STEPS - 1]).toBeAllclose(ref[STEPS - 1], { atol: 2e-4, rtol: 2e-4 });
  });
  it.each(["float32", "float64"] as const)("fused JS is bit-identical to the pure path (%s)", (dtype) => {
    const pure = runPure(factories[alg](toOpts(o)), dtype);
    const js = runStateful(factories[alg](toOpts(o)), dtype, "js");
    const st = runStateful(factories[alg](toOpts(o)), dtype, "pure");
    for (let k = 0; k < STEPS; k++) {
      expect(js[k]).toEqual(pure[k]);
      expect(st[k]).toEqual(pure[k]);
    }
  });
});

// NAdam, RAdam and Adamax run on the pure path only (no fused kernel); RAdam's first steps (ρ_t ≤ 5) are plain momentum.
describe.each<[Alg, RefOptions]>([
  ["nadam", { lr: 0.02 }],
  ["nadam", { lr: 0.02, weightDecay: 0.05, b1: 0.8 }],
  ["radam", { lr: 0.05 }],
  ["radam", { lr: 0.05, weightDecay: 0.05, b2: 0.99 }],
  ["adamax", { lr: 0.05 }],
  ["adamax", { lr: 0.05, weightDecay: 0.05, b1: 0.8, eps: 1e-3 }],
])("%s %j", (alg, o) => {
  it("pure float64 follows the published algorithm for 50 steps; the stateful optimizer agrees bit for bit", () => {
    const ref = referenceTrajectory(alg, o, X0, testGrad, STEPS);
    const got = runPure(factories[alg](toOpts(o)), "float64");
    for (let k = 0; k < STEPS; k++) expect(got[k]).toBeAllclose(ref[k], { atol: 1e-11, rtol: 1e-10 });
    expect(runStateful(factories[alg](toOpts(o)), "float64", "pure")).toEqual(got);
  });
});
