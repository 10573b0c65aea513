import { describe, it, expect } from "vitest";
import { tensor, Rng, valueAndGrad, checkGrad, treeFlattenWithPaths, randn, ArgumentError, ShapeError } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";

describe("nn.linear and nn.sequential", () => {
  it("y = x W + b, W stored [in, out], hand-computed", () => {
    const l = nn.linear(2, 3);
    const p = { w: tensor([[1, 2, 3], [4, 5, 6]]), b: tensor([0.5, 0, -1]) };
    expect(l.apply(p, tensor([[1, 1], [2, 0]]))).toBeAllclose([[5.5, 7, 8], [2.5, 4, 5]]);
    // rank-3 input: a batch of rows over the last dimension
    expect(l.apply(p, tensor([[[1, 1]], [[2, 0]]])).shape).toEqual([2, 1, 3]);
    expect(() => l.apply(p, tensor([[1, 2, 3]]))).toThrow(/input of shape \[1, 3\] does not end in inFeatures = 2/);
  });

  it("a sequential model's params are a plain tree with readable paths, and its gradient checks", () => {
    const rng = new Rng(0);
    const model = nn.sequential([nn.linear(3, 4, { rng, init: "heNormal", dtype: "float64" }), nn.tanh(), nn.linear(4, 2, { rng, dtype: "float64" })]);
    expect(treeFlattenWithPaths(model.params).map(([p, t]) => `${p}:${t.shape}`)).toEqual(["0.b:4", "0.w:3,4", "2.b:2", "2.w:4,2"]);
    expect(nn.paramCount(model.params)).toBe(3 * 4 + 4 + 4 * 2 + 2);
    const x = randn([5, 3], { seed: 1, dtype: "float64" });
    const f = (p: unknown) => nn.crossEntropy(model.apply(p as never, x), [0, 1, 1, 0, 1]);
    const { grad } = valueAndGrad(f)(model.params);
    expect(treeFlattenWithPaths(grad).length).toBe(4);
    expect(checkGrad(f as never, model.params).maxError).toBeLessThan(1e-7);
  });

  it("every activation by name; unknown names throw naming the argument", () => {
    const x = tensor([-1, 0, 2]);
    expect(nn.relu().apply({}, x)).toBeAllclose([0, 0, 2]);
    expect(nn.leakyRelu(0.1).apply({}, x)).toBeAllclose([-0.1, 0, 2]);
    expect(nn.elu().apply({}, x)).toBeAllclose([Math.exp(-1) - 1, 0, 2]);
    expect(nn.sigmoid().apply({}, x)).toBeAllclose([1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-2))]);
    expect(nn.tanh().apply({}, x)).toBeAllclose([Math.tanh(-1), 0, Math.tanh(2)]);
    expect(nn.gelu().apply({}, tensor([1]))).toBeAllclose([0.8413447], { atol: 1e-6 });
    expect(nn.softmax().apply({}, tensor([[0, 0]]))).toBeAllclose([[0.5, 0.5]]);
    expect(() => nn.activation("swish" as never)).toThrow(/nn.activation: unknown activation "swish"/);
    expect(() => nn.activation("swish" as never)).toThrow(ArgumentError);
  });
});

describe("nn.dropout", () => {
  it("evaluation is the identity; training keeps 1 - rate of the units scaled by 1 / (1 - rate)", () => {
    const d = nn.dropout(0.25);
    const x = tensor(new Float32Array(20000).fill(1), { shape: [100, 200] });
    expect(d.apply({}, x)).toBe(x);
    const y = d.apply({}, x, { training: true, rng: new Rng(3) }).dataSync();
    const kept = y.filter((v) => v !== 0);
    expect(new Set(kept)).toEqual(new Set([Math.fround(1 / 0.75)]));
    // 20,000 Bernoulli(0.75): standard error of the kept fraction ~0.003
    expect(Math.abs(kept.length / y.length - 0.75)).toBeLessThan(0.015);
  });

  it("is seeded: the same RNG state gives the same mask; the state advances", () => {
    const d = nn.dropout(0.5), x = tensor(new Float32Array(64).fill(1));
    const r1 = new Rng(9), r2 = new Rng(9);
    const a = d.apply({}, x, { training: true, rng: r1 }).dataSync();
    expect(d.apply({}, x, { training: true, rng: r2 }).dataSync()).toEqual(a);
    expect(d.apply({}, x, { training: true, rng: r1 }).dataSync()).not.toEqual(a);
    expect(() => d.apply({}, x, { training: true })).toThrow(/needs an rng/);
    expect(() => nn.dropout(1)).toThrow(/rate must be in \[0, 1\)/);
  });
});

describe("nn.batchNorm", () => {
  it("training: normalizes with batch statistics and moves the running statistics (momentum 0.1, unbiased var)", () => {
    const bn = nn.batchNorm(2, { eps: 0 });
    const x = tensor([[1, 10], [3, 10], [5, 16]], { dtype: "float32" });
    const r = bn.forward(bn.params, bn.state, x, { training: true, rng: null, path: "" });
    // column 0: mean 3, biased var 8/3; column 1: mean 12, biased var 8
    const s0 = Math.sqrt(8 / 3), s1 = Math.sqrt(8);
    expect(r.y).toBeAllclose([[-2 / s0, -2 / s1], [0, -2 / s1], [2 / s0, 4 / s1]], { atol: 1e-6 });
    const st = r.state as { mean: unknown; var: unknown };
    expect(st.mean).toBeAllclose([0.1 * 3, 0.1 * 12]);
    expect(st.var).toBeAllclose([0.9 + 0.1 * 4, 0.9 + 0.1 * 12]); // unbiased: 8/2 = 4 and 24/2 = 12
    expect(bn.state).not.toBe(r.state); // pure: the layer's own state is untouched
  });

  it("evaluation uses the running statistics; gamma and beta get gradients", () => {
    const bn = nn.batchNorm(1, { eps: 0 });
    const state = { mean: tensor([2]), var: tensor([4]) };
    expect(bn.apply({ gamma: tensor([3]), beta: tensor([1]) }, tensor([[6]]), { state })).toBeAllclose([[3 * 2 + 1]]);
    const x = randn([6, 3], { seed: 2, dtype: "float64" });
    const bn3 = nn.batchNorm(3, { dtype: "float64" });
    const f = (p: unknown) => bn3.forward(p as never, bn3.state, x, { training: true, rng: null, path: "" }).y.mul(x).sum();
    expect(checkGrad(f as never, { gamma: tensor([1, 2, 3], { dtype: "float64" }), beta: tensor([0, 1, 0], { dtype: "float64" }) }).maxError).toBeLessThan(1e-7);
    expect(() => bn3.apply(bn3.params, tensor([[1, 2]], { dtype: "float64" }))).toThrow(ShapeError);
  });
});
