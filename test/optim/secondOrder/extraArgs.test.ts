/**
 * The extra-arguments channel: update(grads, state, params, extra). chain hands extra to every
 * member, masked/partition restrict it to their leaves, the stateful optimizer and fit supply it,
 * and transforms that do not read it behave exactly as before.
 */
import { describe, expect, it } from "vitest";
import { ArgumentError, Rng, tensor, grad, valueAndGrad, hvp, treeFlattenWithPaths, type Tensor, type Tree } from "../../../src/index.js";
import * as nn from "../../../src/nn/index.js";
import { fit } from "../../../src/train/index.js";
import {
  accumulate, adam, chain, injectHyperparams, masked, optimizer, partition, sgd, skipNonFinite,
  needExtra, valueAndGradAt, hvpAt, type ExtraArgs, type GradientTransformation,
} from "../../../src/index.js";
import { vals } from "../../helpers.js";

/** A transform that records what extra it got and passes the updates through. */
function probe(seen: Array<ExtraArgs | undefined>): GradientTransformation<{ count: number }> {
  return {
    init: () => ({ count: 0 }),
    update: (g, state, _params, extra) => {
      seen.push(extra);
      return { updates: g, state: { count: state.count + 1 } };
    },
  };
}

const f64 = (xs: number[]) => tensor(xs, { dtype: "float64" });
const flat = (t: Tree) => treeFlattenWithPaths(t).flatMap(([, x]) => Array.from(vals(x)));
/** Every number of a state tree (tensor values and scalar fields), in key order. */
const stateValues = (s: unknown): number[] =>
  s instanceof Object && "_storage" in s ? Array.from(vals(s as Tensor))
    : Array.isArray(s) ? s.flatMap(stateValues)
      : s !== null && typeof s === "object" ? Object.keys(s).sort().flatMap((k) => stateValues((s as Record<string, unknown>)[k]))
        : [s as number];

describe("update's extra channel", () => {
  it("chain hands the same extra to every member; absent extra reaches them as undefined", () => {
    const seen: Array<ExtraArgs | undefined> = [];
    const tx = chain(probe(seen), sgd({ lr: 0.1 }), probe(seen));
    const p = f64([1, 2]);
    const extra: ExtraArgs = { loss: (q) => (q as Tensor).square().sum() };
    tx.update(f64([1, 1]), tx.init(p), p, extra);
    expect(seen).toEqual([extra, extra]);
    tx.update(f64([1, 1]), tx.init(p), p);
    expect(seen.slice(2)).toEqual([undefined, undefined]);
  });

  it("the wrappers (accumulate, skipNonFinite, injectHyperparams) pass it through", () => {
    const seen: Array<ExtraArgs | undefined> = [];
    const extra: ExtraArgs = { loss: (q) => (q as Tensor).sum() };
    const p = f64([1]);
    const wrapped: GradientTransformation<any>[] = [accumulate(1, probe(seen)), skipNonFinite(probe(seen)), injectHyperparams(() => probe(seen))({})];
    for (const tx of wrapped) {
      tx.update(f64([1]), tx.init(p), p, extra);
    }
    expect(seen).toEqual([extra, extra, extra]);
  });

  it("first-order transforms ignore it: adam's updates and state are bit-identical with and without", () => {
    const tx = chain(adam({ lr: 0.1, weightDecay: 0.01 }));
    const p = f64([0.5, -1.5, 2]);
    const g = f64([0.3, -0.2, 0.1]);
    const extra: ExtraArgs = { loss: () => { throw new Error("adam must not call extra.loss"); } };
    const a = tx.update(g, tx.init(p), p);
    const b = tx.update(g, tx.init(p), p, extra);
    expect(flat(b.updates)).toEqual(flat(a.updates));
    expect(stateValues(b.state)).toEqual(stateValues(a.state));
  });

  it("masked and partition give their inner transform closures over its own leaves", () => {
    // L(w, b) = sum(w^2) + 3 sum(b^3); the inner transform on {b} asks for dL/db at b' and H_bb v.
    const params = { w: f64([1, 2]), b: f64([0.5]) };
    const loss = (p: Tree) => { const q = p as { w: Tensor; b: Tensor }; return q.w.square().sum().add(q.b.pow(3).mul(3).sum()); };
    const got: number[][] = [];
    const inner: GradientTransformation<{ count: number }> = {
      init: () => ({ count: 0 }),
      update(g, state, sub, extra) {
        const at = [f64([2])]; // the subset tree: the kept leaves in canonical order
        got.push(flat(valueAndGradAt("inner", extra, at).grad)); // 9 b'^2 = 36
        got.push(flat(hvpAt("inner", extra, sub!, [f64([1])]))); // 18 b = 9
        got.push([valueAndGradAt("inner", extra, at).value.item()]); // 1 + 4 + 3 * 8 = 29
        return { updates: g, state };
      },
    };
    const m = masked(inner, (path: string) => path === "b");
    const g = grad(loss)(params);
    m.update(g, m.init(params), params, { loss });
    const withHvp: ExtraArgs = { loss, hvp: (v) => hvp(loss, params, v as never) };
    m.update(g, m.init(params), params, withHvp); // the caller's full hvp, restricted to the b block
    const part = partition({ a: sgd({ lr: 1 }), b: inner }, (path: string) => (path === "b" ? "b" : "a"));
    part.update(g, part.init(params), params, { loss });
    expect(got).toEqual([[36], [9], [29], [36], [9], [29], [36], [9], [29]]);
  });

  it("a transform that needs a field it did not get names itself and the field", () => {
    expect(() => needExtra("sophia", undefined, "outputs")).toThrow(ArgumentError);
    expect(() => needExtra("sophia", {}, "outputs")).toThrow(/sophia: update needs extra\.outputs/);
    expect(() => valueAndGradAt("sam", {}, f64([1]))).toThrow(/sam: update needs extra\.loss/);
    expect(() => hvpAt("sophia", undefined, f64([1]), f64([1]))).toThrow(/sophia: update needs extra\.hvp/);
  });

  it("optimizer(...).step(grads, extra) hands extra to the pure path, checks it, and the fused path ignores it", () => {
    const seen: Array<ExtraArgs | undefined> = [];
    const x = f64([1, 2]);
    const opt = optimizer(chain(probe(seen), sgd({ lr: 0.5 })), x);
    const extra: ExtraArgs = { loss: (q) => (q as Tensor).square().sum() };
    opt.step(f64([1, 1]), extra);
    opt.step(f64([1, 1]));
    expect(seen).toEqual([extra, undefined]);
    expect(x).toBeAllclose([0, 1]);
    expect(() => opt.step(f64([1, 1]), { loss: 3 } as never)).toThrow(/optimizer\.step: extra\.loss must be a function/);
    const y = f64([1, 2]);
    const fused = optimizer(adam({ lr: 0.1 }), y, { fused: "js" });
    const ref = f64([1, 2]);
    const pure = optimizer(adam({ lr: 0.1 }), ref, { fused: "pure" });
    fused.step(f64([1, -1]), extra);
    pure.step(f64([1, -1]));
    expect(Array.from(vals(y))).toEqual(Array.from(vals(ref)));
  });
});

describe("fit supplies extra", () => {
  function data(n: number) {
    const rng = new Rng(4);
    const x = new Float32Array(n * 3), y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 3;
      for (let j = 0; j < 3; j++) x[i * 3 + j] = rng.normal() + (j === y[i] ? 1 : 0);
    }
    return { x: tensor(x, { shape: [n, 3] }), y: tensor(y) };
  }
  const model = () => nn.sequential([nn.linear(3, 3, { seed: 1 })]);

  it("loss is the step's batch loss as a function of the parameters, outputs the model's logits on it", async () => {
    const d = data(12);
    const m = model();
    const checks: number[][] = [];
    const tx: GradientTransformation<{ count: number }> = {
      init: () => ({ count: 0 }),
      update(g, state, params, extra) {
        // at params: extra.loss's gradient is the gradient fit passed in
        const vg = valueAndGrad(extra!.loss!)(params!);
        checks.push([...flat(vg.grad).map((v, i) => v - flat(g)[i])]);
        // outputs: logits [batch, classes]; the loss is their cross-entropy with the batch labels
        const out = extra!.outputs!(params!);
        checks.push([...out.shape]);
        return { updates: g, state: { count: state.count + 1 } };
      },
    };
    await fit(m, d, { progress: "none", optimizer: chain(tx, sgd({ lr: 0.1 })), steps: 3, batchSize: 4, shuffle: false, loss: "crossEntropy" });
    expect(checks.length).toBe(6);
    for (let s = 0; s < 3; s++) {
      expect(checks[2 * s].every((v) => Math.abs(v) < 1e-7)).toBe(true);
      expect(checks[2 * s + 1]).toEqual([4, 3]);
    }
  });

  it("with accumulate, the closures cover all of the step's batches (mean loss, concatenated outputs)", async () => {
    const d = data(12);
    const m = model();
    const diffs: number[] = [];
    const shapes: number[][] = [];
    const tx: GradientTransformation<{ count: number }> = {
      init: () => ({ count: 0 }),
      update(g, state, params, extra) {
        const vg = valueAndGrad(extra!.loss!)(params!);
        diffs.push(Math.max(...flat(vg.grad).map((v, i) => Math.abs(v - flat(g)[i]))));
        shapes.push([...extra!.outputs!(params!).shape]);
        return { updates: g, state: { count: state.count + 1 } };
      },
    };
    await fit(m, d, { progress: "none", optimizer: chain(tx, sgd({ lr: 0.1 })), epochs: 1, batchSize: 4, accumulate: 2, shuffle: false });
    // 3 batches: a step over batches 0-1, then the epoch's last step over batch 2 alone
    expect(shapes).toEqual([[8, 3], [4, 3]]);
    expect(Math.max(...diffs)).toBeLessThan(1e-7);
  });
});
