/** Building blocks and wrappers: clipping, masking, partition, accumulation, skipping, injection. */
import { vals } from "../helpers.js";
import { describe, expect, it } from "vitest";
import { grad, randn, tensor, type Tensor } from "../../src/index.js";
import {
  accumulate, adam, adamw, addDecayedWeights, applyUpdates, chain, clipByGlobalNorm, clipByValue, injectHyperparams, linearWarmup,
  masked, optimizer, partition, scaleByAdam, scaleByLearningRate, sgd, skipNonFinite, type GradientTransformation,
} from "../../src/optim/index.js";

const f64 = (x: number[]) => tensor(x, { dtype: "float64" });

describe("clipping", () => {
  it("clipByGlobalNorm scales every leaf by c/‖g‖ only when ‖g‖ > c", () => {
    const t = clipByGlobalNorm(1);
    const g = { a: f64([3, 0]), b: f64([0, 4]) }; // ‖g‖ = 5
    const r = t.update(g, t.init(g));
    expect((r.updates as any).a).toBeAllclose([0.6, 0]);
    expect((r.updates as any).b).toBeAllclose([0, 0.8]);
    const small = { a: f64([0.3, 0]), b: f64([0, 0.4]) };
    expect((t.update(small, {}).updates as any).a).toBe(small.a);
  });
  it("clipByValue clamps elementwise", () => {
    const t = clipByValue(0.5);
    expect(t.update(f64([-2, 0.25, 3]), {}).updates).toBeAllclose([-0.5, 0.25, 0.5]);
  });
});

describe("masked and partition", () => {
  const params = { w: f64([1, 2]), bias: f64([3]) };
  const grads = { w: f64([0.1, 0.2]), bias: f64([0.3]) };
  it("masked applies weight decay to weights only", () => {
    const t = chain(masked(addDecayedWeights(0.5), (path: string) => !path.endsWith("bias")), scaleByLearningRate(1));
    const r = t.update(grads, t.init(params), params);
    expect((r.updates as any).w).toBeAllclose([-(0.1 + 0.5), -(0.2 + 1)]);
    expect((r.updates as any).bias).toBeAllclose([-0.3]);
  });
  it("masked accepts a tree of booleans", () => {
    const t = masked(addDecayedWeights(0.5), { w: true, bias: false });
    const r = t.update(grads, t.init(params), params);
    expect((r.updates as any).bias).toBe(grads.bias);
  });
  it("partition runs one transform per label and keeps one state per label", () => {
    const t = partition({ decay: adamw({ lr: 0.1, weightDecay: 0.1 }), plain: sgd({ lr: 0.1 }) }, (p: string) => (p === "bias" ? "plain" : "decay"));
    const s = t.init(params);
    const r = t.update(grads, s, params);
    expect((r.updates as any).bias).toBeAllclose([-0.03]);
    const ref = adamw({ lr: 0.1, weightDecay: 0.1 });
    const rr = ref.update([grads.w], ref.init([params.w]), [params.w]);
    expect((r.updates as any).w).toBeAllclose((rr.updates as Tensor[])[0], { atol: 0, rtol: 0 });
    expect(Object.keys(r.state)).toEqual(["decay", "plain"]);
  });
  it("partition names an unknown label", () => {
    const t = partition({ a: sgd({ lr: 0.1 }) }, () => "b");
    expect(() => t.init(params)).toThrow(/label "b"/);
  });
});

describe("accumulate(k)", () => {
  // Linear least squares, mean loss: the mean of k equal micro-batch gradients is the big-batch gradient.
  const X = randn([16, 3], { seed: 1, dtype: "float64" }), y = randn([16, 1], { seed: 2, dtype: "float64" });
  const loss = (w: Tensor, xb: Tensor, yb: Tensor) => xb.matmul(w).sub(yb).square().mean();
  it("is exactly one step on the k-times-larger batch", () => {
    const k = 4;
    const wBig = randn([3, 1], { seed: 3, dtype: "float64" });
    const wAcc = tensor(vals(wBig).slice(), { shape: [3, 1], dtype: "float64" });
    const big = optimizer(adam({ lr: 0.05 }), wBig);
    const acc = optimizer(accumulate(k, adam({ lr: 0.05 })), wAcc);
    for (let step = 0; step < 10; step++) {
      big.step(grad((w: Tensor) => loss(w, X, y))(wBig));
      for (let j = 0; j < k; j++) {
        const before = vals(wAcc).slice();
        acc.step(grad((w: Tensor) => loss(w, X.slice([4 * j, 0], [4, 3]), y.slice([4 * j, 0], [4, 1])))(wAcc));
        if (j < k - 1) expect(vals(wAcc)).toEqual(before); // no update until the k-th micro-batch
      }
      expect(wAcc).toBeAllclose(wBig, { atol: 1e-14, rtol: 1e-12 });
    }
  });
});

describe("skipNonFinite", () => {
  it("skips and counts a step with NaN/Inf gradients, never applying it", () => {
    const x = f64([1, 2]);
    const opt = optimizer(skipNonFinite(adam({ lr: 0.1 })), x);
    opt.step(f64([0.1, 0.2]));
    const after1 = vals(x).slice();
    const s1 = JSON.stringify(opt.state, (_k, v) => (v && vals(v) ? Array.from(vals(v)) : v));
    opt.step(f64([NaN, 0.2]));
    opt.step(f64([0.1, Infinity]));
    expect(vals(x)).toEqual(after1);
    const s = opt.state as any;
    expect(s.skipped).toBe(2);
    expect(s.consecutive).toBe(2);
    expect(JSON.stringify(s.inner, (_k, v) => (v && vals(v) ? Array.from(vals(v)) : v))).toEqual(JSON.stringify(JSON.parse(s1).inner));
    opt.step(f64([0.1, 0.2]));
    expect((opt.state as any).consecutive).toBe(0);
    expect(vals(x)).not.toEqual(after1);
  });
});

describe("injectHyperparams", () => {
  it("puts any numeric option on a schedule and records the values in the state", () => {
    const sched = linearWarmup({ peak: 0.1, warmupSteps: 4, init: 0.02 });
    const t = injectHyperparams(adam)({ lr: sched, b1: 0.9 });
    let p: Tensor = f64([1]);
    let s = t.init(p);
    const lrs: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = t.update(p.mul(2), s, p);
      p = applyUpdates(p, r.updates) as Tensor;
      s = r.state;
      lrs.push(s.hyperparams.lr);
    }
    expect(lrs).toEqual([0.02, 0.04, 0.06, 0.08, 0.1, 0.1].map((v, i) => sched(i)));
    // the same as adam with the schedule given directly
    let q: Tensor = f64([1]);
    const a = adam({ lr: sched });
    let sa = a.init(q);
    for (let i = 0; i < 6; i++) {
      const r = a.update(q.mul(2), sa, q);
      q = applyUpdates(q, r.updates) as Tensor;
      sa = r.state;
    }
    expect(p.item()).toBe(q.item());
  });
});

describe("purity", () => {
  it("update never mutates grads, state or params", () => {
    const t: GradientTransformation<any> = chain(clipByGlobalNorm(0.1), scaleByAdam({ amsgrad: true }), addDecayedWeights(0.1), scaleByLearningRate(0.1));
    const p = f64([1, -2]), g = f64([3, 4]);
    const s = t.init(p);
    const snap = JSON.stringify([p, g, s], (_k, v) => (v && vals(v) ? Array.from(vals(v)) : v));
    t.update(g, s, p);
    expect(JSON.stringify([p, g, s], (_k, v) => (v && vals(v) ? Array.from(vals(v)) : v))).toBe(snap);
  });
});
