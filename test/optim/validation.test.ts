/** Bad input: clear DownhillErrors naming the option, leaf or step; parameters and state untouched. */
import { vals } from "../helpers.js";
import { describe, expect, it } from "vitest";
import { ArgumentError, DTypeError, NonFiniteError, ShapeError, ready, tensor } from "../../src/index.js";
import { accumulate, adagrad, adam, adamw, lion, optimizer, rmsprop, scaleByLearningRate, sgd, skipNonFinite } from "../../src/optim/index.js";

describe("hyperparameters are checked at construction", () => {
  it.each([
    ["lr 0", () => adam({ lr: 0 }), /lr must be a finite positive number/],
    ["lr NaN", () => sgd({ lr: NaN }), /lr must be a finite positive number/],
    ["lr Infinity", () => rmsprop({ lr: Infinity }), /lr/],
    ["negative lr", () => adagrad({ lr: -1 }), /lr/],
    ["b1 = 1", () => adam({ b1: 1 }), /b1 must be in \[0, 1\)/],
    ["b2 < 0", () => adamw({ b2: -0.1 }), /b2 must be in \[0, 1\)/],
    ["lion b1 1.5", () => lion({ b1: 1.5 }), /b1/],
    ["negative eps", () => adam({ eps: -1e-8 }), /eps must be a finite number >= 0/],
    ["negative weight decay", () => adamw({ weightDecay: -0.01 }), /weightDecay/],
    ["momentum 1", () => sgd({ momentum: 1 }), /momentum/],
    ["rmsprop alpha 1", () => rmsprop({ alpha: 1 }), /alpha/],
    ["unknown option", () => adam({ lr: 0.1, weight_decay: 0.1 } as never), /unknown option "weight_decay"/],
    ["unknown convention", () => adam({ convention: "keras" as never }), /convention/],
    ["nesterov without momentum", () => sgd({ nesterov: true }), /nesterov/],
    // wrappers called without the transform they wrap used to fail later with a raw TypeError (reading 'init')
    ["skipNonFinite()", () => (skipNonFinite as (t?: unknown) => unknown)(), /^skipNonFinite: inner must be the GradientTransformation .*e\.g\. skipNonFinite\(adam\(\{ lr: 1e-3 \}\)\); got nothing$/],
    ["accumulate(2)", () => (accumulate as (k: number, t?: unknown) => unknown)(2), /^accumulate: inner must be the GradientTransformation .*e\.g\. accumulate\(2, adam\(\{ lr: 1e-3 \}\)\); got nothing$/],
    ["accumulate(2, 0.1)", () => (accumulate as (k: number, t?: unknown) => unknown)(2, 0.1), /accumulate: inner .* got number/],
  ])("%s throws ArgumentError", (_n, f, msg) => {
    expect(f).toThrow(ArgumentError);
    expect(f).toThrow(msg);
  });
});

describe("grads that do not match the params", () => {
  const make = () => ({ w: tensor([1, 2, 3]), b: tensor([0.5]) });
  it.each(["js", "pure"] as const)("throw ShapeError naming the leaf, leaving params and state untouched (%s)", (path) => {
    const params = make();
    const opt = optimizer(adam({ lr: 0.1 }), params, { fused: path });
    opt.step({ w: tensor([1, 1, 1]), b: tensor([1]) });
    const before = [vals(params.w).slice(), vals(params.b).slice()];
    const state = JSON.stringify(opt.state, (_k, v) => (v && vals(v) ? Array.from(vals(v)) : v));
    expect(() => opt.step({ w: tensor([1, 1]), b: tensor([1]) })).toThrow(/leaf w: shape \[2\] does not match params shape \[3\]/);
    // A mismatched tree is a compile-time error as well; the run-time check is what JS callers get.
    // @ts-expect-error b is missing
    expect(() => opt.step({ w: tensor([1, 1, 1]) })).toThrow(ShapeError);
    // @ts-expect-error c is not a key of the params
    expect(() => opt.step({ w: tensor([1, 1, 1]), c: tensor([1]) })).toThrow(/leaf c/);
    expect(() => opt.step({ w: tensor([1, 1, 1]), b: tensor([1], { dtype: "float64" }) })).toThrow(DTypeError);
    expect([vals(params.w), vals(params.b)]).toEqual(before);
    expect(JSON.stringify(opt.state, (_k, v) => (v && vals(v) ? Array.from(vals(v)) : v))).toBe(state);
    expect(opt.count).toBe(1);
  });
  it("the pure update names the leaf too", () => {
    const p = make();
    const t = sgd({ lr: 0.1, momentum: 0.9 });
    expect(() => t.update({ w: tensor([1, 1, 1, 1]), b: tensor([1]) }, t.init(p), p)).toThrow(/leaf w/);
  });
});

describe("non-finite gradients in optimizer(...).step", () => {
  const snap = (opt: { state: unknown }) => JSON.stringify(opt.state, (_k, v) => (v && vals(v) ? Array.from(vals(v)) : v));
  const paths = ["js", "pure", "wasm"] as const;
  it.each(paths)("default \"apply\": the NaN is written into the parameters, as torch.optim does (%s)", async (path) => {
    if (path === "wasm") await ready();
    const p = { w: tensor([1, 2, 3]) };
    const opt = optimizer(adam({ lr: 0.1 }), p, { fused: path });
    expect(opt.step({ w: tensor([1, NaN, 1]) })).toBe(true);
    expect(Number.isNaN(vals(p.w)[1])).toBe(true);
    expect(opt.count).toBe(1);
  });
  it.each(paths)("\"skip\": parameters, state and count untouched, counted; the next step is the one a clean run takes (%s)", async (path) => {
    if (path === "wasm") await ready();
    const p = { w: tensor([1, 2, 3]) }, q = { w: tensor([1, 2, 3]) };
    const opt = optimizer(adam({ lr: 0.1 }), p, { fused: path, nonFinite: "skip" });
    const clean = optimizer(adam({ lr: 0.1 }), q, { fused: path });
    opt.step({ w: tensor([1, -1, 2]) });
    clean.step({ w: tensor([1, -1, 2]) });
    const before = vals(p.w).slice(), state = snap(opt);
    expect(opt.step({ w: tensor([1, Infinity, 1]) })).toBe(false);
    expect(vals(p.w)).toEqual(before);
    expect(snap(opt)).toBe(state);
    expect([opt.count, opt.skipped]).toEqual([1, 1]);
    opt.step({ w: tensor([0.5, 0.5, -1]) });
    clean.step({ w: tensor([0.5, 0.5, -1]) });
    expect(vals(p.w)).toEqual(vals(q.w));
    expect([opt.count, opt.skipped]).toEqual([2, 1]);
  });
  it.each(paths)("\"throw\": a NonFiniteError naming the step and the leaf, parameters untouched (%s)", async (path) => {
    if (path === "wasm") await ready();
    const p = { w: tensor([1, 2, 3]), b: tensor([0]) };
    const opt = optimizer(sgd({ lr: 0.1 }), p, { fused: path, nonFinite: "throw" });
    opt.step({ w: tensor([1, 1, 1]), b: tensor([1]) });
    const before = [vals(p.w).slice(), vals(p.b).slice()];
    expect(() => opt.step({ w: tensor([1, 1, 1]), b: tensor([NaN]) })).toThrow(NonFiniteError);
    expect(() => opt.step({ w: tensor([1, 1, 1]), b: tensor([NaN]) })).toThrow(/^optimizer.step: step 1: grads.b has NaN at index 0; the parameters are unchanged/);
    expect([vals(p.w), vals(p.b)]).toEqual(before);
    expect(opt.count).toBe(1);
    const x = tensor([1, 2]);
    expect(() => optimizer(sgd({ lr: 0.1 }), x, { nonFinite: "throw" }).step(tensor([-Infinity, 0]))).toThrow(/step 0: grads has -Infinity at index 0/);
  });
  it("nonFinite must be one of the three", () => {
    expect(() => optimizer(sgd({ lr: 0.1 }), tensor([1]), { nonFinite: "ignore" as never })).toThrow(/optimizer: nonFinite must be "apply", "skip" or "throw", got "ignore"/);
  });
});

describe("a schedule returning a bad learning rate", () => {
  it.each([NaN, -0.1, Infinity])("throws naming the step (%s), state untouched", (bad) => {
    for (const path of ["js", "pure"] as const) {
      const x = tensor([1, 2]);
      const opt = optimizer(adam({ lr: (step) => (step < 2 ? 0.1 : bad) }), x, { fused: path });
      opt.step(tensor([1, 1]));
      opt.step(tensor([1, 1]));
      const before = vals(x).slice();
      const st = JSON.stringify(opt.state, (_k, v) => (v && vals(v) ? Array.from(vals(v)) : v));
      expect(() => opt.step(tensor([1, 1]))).toThrow(/returned .* at step 2/);
      expect(vals(x)).toEqual(before);
      expect(JSON.stringify(opt.state, (_k, v) => (v && vals(v) ? Array.from(vals(v)) : v))).toBe(st);
    }
  });
  it("scaleByLearningRate's pure update throws the same way", () => {
    const t = scaleByLearningRate(() => NaN);
    expect(() => t.update(tensor([1]), t.init(tensor([1])))).toThrow(/at step 0/);
  });
});

describe("checkpointing the state", () => {
  it.each(["js", "pure"] as const)("a state snapshot restores the run exactly (%s)", (path) => {
    const run = (n: number, x = tensor([1, -1, 2])) => {
      const opt = optimizer(rmsprop({ lr: 0.01, momentum: 0.9, centered: true }), x, { fused: path });
      for (let i = 0; i < n; i++) opt.step(x.mul(2));
      return { opt, x };
    };
    const full = run(10);
    const half = run(5);
    const saved = half.opt.state;
    const x2 = tensor(Array.from(vals(half.x)));
    const resumed = optimizer(rmsprop({ lr: 0.01, momentum: 0.9, centered: true }), x2, { fused: path });
    resumed.setState(saved);
    expect(resumed.count).toBe(5);
    for (let i = 0; i < 5; i++) resumed.step(x2.mul(2));
    expect(vals(x2)).toEqual(vals(full.x));
  });
});
