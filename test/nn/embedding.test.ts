import { describe, it, expect } from "vitest";
import * as dh from "../../src/index.js";
import { ArgumentError, Rng, checkGrad, grad, jit, randn, type Tensor, type Tree } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";

describe("nn.embedding", () => {
  it("ids of any shape pick rows of the table: [...ids.shape, dim]", () => {
    const e = nn.embedding(4, 3);
    const w = dh.tensor([[0, 1, 2], [10, 11, 12], [20, 21, 22], [30, 31, 32]]);
    const y = e.apply({ w }, dh.tensor([[3, 0], [1, 1]]));
    expect(y.shape).toEqual([2, 2, 3]);
    expect(y).toBeAllclose([[[30, 31, 32], [0, 1, 2]], [[10, 11, 12], [10, 11, 12]]], { atol: 0 });
    expect(e.apply({ w }, [2] as never)).toBeAllclose([[20, 21, 22]], { atol: 0 });
    expect(e.params.w.shape).toEqual([4, 3]);
  });

  it("the gradient scatter-adds: a row picked twice gets both cotangents, unpicked rows zero", () => {
    const e = nn.embedding(4, 2, { dtype: "float64" });
    const ids = dh.tensor([1, 3, 1]);
    const c = dh.tensor([[1, 2], [3, 4], [5, 6]], { dtype: "float64" });
    const g = grad((w: Tensor) => e.apply({ w }, ids).mul(c).sum())(e.params.w);
    expect(g).toBeAllclose([[0, 0], [6, 8], [0, 0], [3, 4]], { atol: 0 });
    const r = randn([2, 3, 2], { seed: 2, dtype: "float64" });
    expect(checkGrad((t: Tree) => e.apply({ w: t as Tensor }, dh.tensor([[0, 1, 2], [2, 2, 3]])).square().mul(r).sum(), e.params.w).maxError).toBeLessThan(1e-7);
  });

  it("inside jit (ids traced) it gives the eager values and gradients for every batch of ids", () => {
    const e = nn.embedding(5, 3, { rng: new Rng(1) });
    const f = (w: Tensor, ids: Tensor) => dh.valueAndGrad((u: Tensor) => e.apply({ w: u }, ids).square().sum())(w);
    const c = jit(f);
    for (const ids of [dh.tensor([[0, 4], [2, 2]]), dh.tensor([[1, 1], [3, 0]])]) {
      const a = f(e.params.w, ids), b = c(e.params.w, ids);
      expect(b.value).toBeAllclose(a.value, { rtol: 1e-6 });
      expect(b.grad).toBeAllclose(a.grad, { rtol: 1e-6 });
    }
    expect(c.stats.traces).toBe(1);
  });

  it("paddingIdx: a zero row that never gets a gradient; N(0, 1) initialization by default", () => {
    const e = nn.embedding(6, 4, { paddingIdx: 2, dtype: "float64" });
    expect(Array.from(e.params.w.dataSync().slice(8, 12))).toEqual([0, 0, 0, 0]);
    const g = grad((w: Tensor) => e.apply({ w }, dh.tensor([2, 0, 2])).sum())(e.params.w);
    expect(Array.from(g.dataSync().slice(8, 12))).toEqual([0, 0, 0, 0]);
    expect(Array.from(g.dataSync().slice(0, 4))).toEqual([1, 1, 1, 1]);
    const big = nn.embedding(1000, 10, { seed: 3 }).params.w.dataSync();
    const std = Math.sqrt(Array.from(big).reduce((s, v) => s + v * v, 0) / big.length);
    expect(Math.abs(std - 1)).toBeLessThan(0.05);
  });

  it("bad ids and options are ArgumentErrors naming the layer", () => {
    const m = nn.sequential([nn.embedding(4, 2)]);
    expect(() => m.apply(m.params, dh.tensor([1, 4]))).toThrow(ArgumentError);
    expect(() => m.apply(m.params, dh.tensor([1, 4]))).toThrow(/nn.embedding \(layer 0\): id 4 at position 1 is not an integer in \[0, 4\)/);
    expect(() => m.apply(m.params, dh.tensor([0.5]))).toThrow(/id 0.5/);
    expect(() => m.apply(m.params, "x" as never)).toThrow(/ids must be a Tensor/);
    expect(() => nn.embedding(4, 2, { paddingIdx: 4 })).toThrow(/paddingIdx must be an integer in \[-4, 4\)/);
    expect(() => nn.embedding(0, 2)).toThrow(/numEmbeddings must be a positive integer/);
  });
});
