// prod, cumsum, var, std and norm: values against hand computations (and torch's / NumPy's
// documented defaults), axis / keepDims / negative axes as the other reductions, gradients against
// central differences, and the points where the textbook formula fails: prod at zeros, std and
// the 2-norm at zero.
import { describe, it, expect, beforeAll } from "vitest";
import * as dh from "../../src/index.js";
import { BACKENDS, useBackend, inputs, checkOpGrad, vals } from "../helpers.js";

const t = (x: unknown, dtype: dh.DType = "float64") => dh.tensor(x as number[], { dtype });

describe.each(BACKENDS)("prod, cumsum, var, std, norm on %s", (backend) => {
  beforeAll(() => useBackend(backend));
  const x = t([[1, 5, 3], [4, 2, 6]]);

  it("prod over axes, keepDims and negative axes", () => {
    expect(dh.prod(x).item()).toBe(720);
    expect(dh.prod(x, 0)).toBeAllclose([4, 10, 18]);
    expect(dh.prod(x, -1)).toBeAllclose([15, 48]);
    expect(dh.prod(x, 1, true).shape).toEqual([2, 1]);
    expect(x.prod([0, 1], true).shape).toEqual([1, 1]);
    const y = dh.arange(1, 25, 1, { dtype: "float64" }).reshape([2, 3, 4]);
    const want = [0, 1].flatMap((i) => [0, 1, 2, 3].map((k) => [0, 1, 2].reduce((p, j) => p * (i * 12 + j * 4 + k + 1), 1)));
    expect(dh.prod(y, 1)).toBeAllclose(want, { rtol: 1e-15 });
    expect(dh.prod(y, [0, 2])).toBeAllclose([0, 1, 2].map((j) => [0, 1].reduce((p, i) => p * [1, 2, 3, 4].reduce((q, k) => q * (i * 12 + j * 4 + k), 1), 1)), { rtol: 1e-15 });
  });

  it("prod gradient vs central differences (no zeros)", () => {
    for (const op of [(a: dh.Tensor) => dh.prod(a), (a: dh.Tensor) => dh.prod(a, 1), (a: dh.Tensor) => dh.prod(a, [0, 2], true), (a: dh.Tensor) => dh.prod(a, -1)]) {
      checkOpGrad(op, inputs([[2, 3, 4]], 11));
    }
  });

  it("prod gradient with zeros: prod of the others at a single zero, 0 elsewhere; all 0 with two zeros", () => {
    const g = (v: number[]) => Array.from(dh.grad((a: dh.Tensor) => dh.prod(a))(t(v)).dataSync());
    expect(g([2, 3, 4])).toEqual([12, 8, 6]);
    expect(g([2, 0, 4])).toEqual([0, 8, 0]);
    expect(g([0, 0, 4])).toEqual([0, 0, 0]);
    expect(g([0])).toEqual([1]);
    // axis []: nothing reduced, the identity (gradient 1)
    expect(Array.from(dh.grad((a: dh.Tensor) => dh.prod(a, []).sum())(t([2, 0])).dataSync())).toEqual([1, 1]);
    // per slot: each row has its own count of zeros
    const rows = dh.grad((a: dh.Tensor) => dh.prod(a, 1).mul(t([1, 10, 100])).sum())(t([[2, 3, 5], [0, 3, 5], [0, 0, 5]]));
    expect(Array.from(rows.dataSync())).toEqual([15, 10, 6, 150, 0, 0, 0, 0, 0]);
  });

  it("prod's Hessian is exact with one zero (H_ij = prod of the rest), as hessian() and hvp() see it", () => {
    const f = (a: dh.Tensor) => dh.prod(a);
    // x = (2, 0, 3, 5): H_ij = prod_{k != i, j} x_k; only pairs that include the zero are non-zero
    const h = Array.from(dh.hessian(f, t([2, 0, 3, 5])).dataSync());
    expect(h).toEqual([0, 15, 0, 0, 15, 0, 10, 6, 0, 10, 0, 0, 0, 6, 0, 0]);
    // no zeros: against the formula
    const v = [1.5, -2, 0.5, 3];
    const hv = dh.hvp(f, t(v), t([1, 1, 1, 1]));
    expect(hv).toBeAllclose(v.map((_, i) => v.reduce((s, _x, j) => (j === i ? s : s + v.reduce((p, xk, k) => (k === i || k === j ? p : p * xk), 1)), 0)), { rtol: 1e-14 });
  });

  it("cumsum along an axis, negative axes, flattened without one (as NumPy); float32 sums in float64", () => {
    expect(dh.cumsum(x, 1)).toBeAllclose([1, 6, 9, 4, 6, 12]);
    expect(dh.cumsum(x, 0)).toBeAllclose([1, 5, 3, 5, 7, 9]);
    expect(x.cumsum(-1)).toBeAllclose([1, 6, 9, 4, 6, 12]);
    const flat = dh.cumsum(x);
    expect(flat.shape).toEqual([6]);
    expect(flat).toBeAllclose([1, 6, 9, 13, 15, 21]);
    const y = dh.arange(24, undefined, 1, { dtype: "float64" }).reshape([2, 3, 4]);
    const c = dh.cumsum(y, 1);
    expect(c.shape).toEqual([2, 3, 4]);
    expect(Array.from(c.dataSync()).slice(0, 12)).toEqual([0, 1, 2, 3, 4, 6, 8, 10, 12, 15, 18, 21]);
    const tenths = dh.cumsum(dh.full([100_000], 0.1));
    expect(tenths.dtype).toBe("float32");
    expect(tenths.dataSync()[99_999]).toBe(Math.fround(Math.fround(0.1) * 100_000));
    expect(() => dh.cumsum(x, 2)).toThrow(/^cumsum: axis 2 is out of range/);
    expect(() => dh.cumsum(x, [0] as unknown as number)).toThrow(dh.ArgumentError);
  });

  it("cumsum's VJP is the running sum from the other end", () => {
    // d/dx_j sum_i w_i cumsum(x)_i = sum_{i >= j} w_i
    const w = t([1, 2, 3, 4]);
    const g = dh.grad((a: dh.Tensor) => dh.cumsum(a).mul(w).sum())(t([5, 6, 7, 8]));
    expect(Array.from(g.dataSync())).toEqual([10, 9, 7, 4]);
    for (const op of [(a: dh.Tensor) => dh.cumsum(a, 1), (a: dh.Tensor) => dh.cumsum(a, 0), (a: dh.Tensor) => dh.cumsum(a, -1).square()]) {
      checkOpGrad(op, inputs([[2, 3, 4]], 12));
    }
  });

  it("var and std: correction 1 by default (torch.var, torch.std), 0 is NumPy's default", () => {
    const v = t([1, 2, 3, 4]);
    expect(dh.var(v).item()).toBeCloseTo(5 / 3, 15); // torch.var(tensor([1., 2, 3, 4])) = 1.6667
    expect(dh.variance(v, undefined, false, { correction: 0 }).item()).toBe(1.25); // numpy.var([1, 2, 3, 4]) = 1.25
    expect(dh.var(v, 0, false, { unbiased: false }).item()).toBe(1.25);
    expect(dh.std(v).item()).toBeCloseTo(Math.sqrt(5 / 3), 15);
    expect(v.std(undefined, false, { correction: 0 }).item()).toBeCloseTo(Math.sqrt(1.25), 15);
    expect(dh.var(x, 1)).toBeAllclose([4, 4]);
    expect(dh.var(x, 0, true).shape).toEqual([1, 3]);
    expect(x.var(-1, false, { correction: 0 })).toBeAllclose([8 / 3, 8 / 3]);
    expect(dh.std(x, [0, 1], true).shape).toEqual([1, 1]);
    // one value with correction 1: 0 / 0 (NaN), as torch
    expect(dh.var(t([3])).item()).toBeNaN();
    // two passes: no cancellation for data far from 0 (E[x^2] - E[x]^2 would give 0 or worse here)
    expect(dh.var(t([1e9 + 1, 1e9 + 2, 1e9 + 3])).item()).toBe(1);
    expect(dh.var).toBe(dh.variance);
    expect(() => dh.var(v, 0, false, { correction: 1, unbiased: true })).toThrow(/^var: give correction or unbiased, not both$/);
    expect(() => dh.std(v, 0, false, { correction: NaN })).toThrow(/^std: correction must be a finite number/);
  });

  it("var and std: gradients vs central differences; std's gradient is 0 on a constant slice", () => {
    for (const op of [(a: dh.Tensor) => dh.var(a), (a: dh.Tensor) => dh.var(a, 1, true), (a: dh.Tensor) => dh.std(a, [0, 2]), (a: dh.Tensor) => dh.std(a, -1, false, { correction: 0 })]) {
      checkOpGrad(op, inputs([[2, 3, 4]], 13));
    }
    // d var / dx_i = 2 (x_i - mean) / (N - 1)
    expect(dh.grad((a: dh.Tensor) => dh.var(a))(t([1, 2, 3, 6]))).toBeAllclose([-4 / 3, -2 / 3, 0, 2], { atol: 1e-15, rtol: 1e-15 });
    const g = dh.grad((a: dh.Tensor) => dh.std(a))(t([2, 2, 2]));
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0]);
  });

  it("norm: ord 2 (default), 1, Infinity, -Infinity, 0 and p, over axes", () => {
    const v = t([3, -4, 0, 12]);
    expect(dh.norm(v).item()).toBe(13);
    expect(dh.norm(v, 1).item()).toBe(19);
    expect(dh.norm(v, Infinity).item()).toBe(12);
    expect(dh.norm(v, -Infinity).item()).toBe(0);
    expect(dh.norm(v, 0).item()).toBe(3);
    expect(dh.norm(v, 3).item()).toBeCloseTo(Math.cbrt(27 + 64 + 1728), 12);
    expect(dh.norm(x, 2, 1)).toBeAllclose([Math.sqrt(35), Math.sqrt(56)], { rtol: 1e-15 });
    expect(x.norm(1, 0, true).shape).toEqual([1, 3]);
    expect(x.norm(Infinity, -1)).toBeAllclose([5, 6]);
    // the norm of all entries, not a matrix norm (NumPy's ord 2 on a matrix is the spectral norm)
    expect(dh.norm(x).item()).toBeCloseTo(Math.sqrt(91), 14);
    expect(() => dh.norm(v, -1)).toThrow(/^norm: ord must be a number >= 0, Infinity or -Infinity, got -1$/);
    expect(() => dh.norm(v, 2, 1)).toThrow(/^norm: axis 1 is out of range/);
  });

  it("norm: gradients vs central differences; 0 at the origin for ord 2 (and p >= 1)", () => {
    for (const op of [(a: dh.Tensor) => dh.norm(a), (a: dh.Tensor) => dh.norm(a, 2, 1), (a: dh.Tensor) => dh.norm(a, 1, [0, 2]), (a: dh.Tensor) => dh.norm(a, Infinity, -1), (a: dh.Tensor) => dh.norm(a, 3, 0)]) {
      checkOpGrad(op, inputs([[2, 3, 4]], 14));
    }
    const at0 = (ord: number) => Array.from(dh.grad((a: dh.Tensor) => dh.norm(a, ord))(t([0, 0, 0])).dataSync());
    expect(at0(2)).toEqual([0, 0, 0]);
    expect(at0(1)).toEqual([0, 0, 0]);
    expect(at0(3)).toEqual([0, 0, 0]);
    // a zero row among non-zero ones: the zero row's gradient is 0, the others x / ||x||
    const g = dh.grad((a: dh.Tensor) => dh.norm(a, 2, 1).sum())(t([[0, 0], [3, 4]]));
    expect(g).toBeAllclose([0, 0, 0.6, 0.8], { rtol: 1e-15 });
  });

  it("the 2-norm's Hessian (I - u u^T) / r through hvp", () => {
    const p = [1, 2, 2];
    const r = 3;
    const hv = dh.hvp((a: dh.Tensor) => dh.norm(a), t(p), t([1, 0, 0]));
    expect(hv).toBeAllclose([(1 - 1 / 9) / r, -2 / 9 / r, -2 / 9 / r], { atol: 1e-16, rtol: 1e-14 });
    expect(vals(dh.hvp((a: dh.Tensor) => dh.std(a, undefined, false, { correction: 0 }), t([1, 2, 3]), t([1, 1, 1])))).toBeAllclose([0, 0, 0], { atol: 1e-15 });
  });
});
