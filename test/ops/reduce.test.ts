import { describe, it, expect, beforeAll } from "vitest";
import * as dh from "../../src/index.js";
import { BACKENDS, useBackend, inputs, checkOpGrad } from "../helpers.js";

describe.each(BACKENDS)("reductions on %s", (backend) => {
  beforeAll(() => useBackend(backend));
  const x = dh.tensor([[1, 5, 3], [4, 2, 6]], { dtype: "float64" });

  it("sum/mean/max/min over axes with keepDims and negative axes", () => {
    expect(dh.sum(x).item()).toBe(21);
    expect(dh.sum(x, 0)).toBeAllclose([5, 7, 9]);
    expect(dh.sum(x, -1).shape).toEqual([2]);
    expect(dh.sum(x, 1, true).shape).toEqual([2, 1]);
    expect(dh.sum(x, [0, 1], true).shape).toEqual([1, 1]);
    expect(dh.mean(x, 1)).toBeAllclose([3, 4]);
    expect(dh.max(x, 0)).toBeAllclose([4, 5, 6]);
    expect(dh.max(x, -1)).toBeAllclose([5, 6]);
    expect(dh.min(x, 1)).toBeAllclose([1, 2]);
    expect(dh.max(x).item()).toBe(6);
  });

  it("reduces a middle axis of a 3-D tensor", () => {
    const y = dh.arange(24, undefined, 1, { dtype: "float64" }).reshape([2, 3, 4]);
    const s = dh.sum(y, 1);
    expect(s.shape).toEqual([2, 4]);
    expect(s).toBeAllclose([12, 15, 18, 21, 48, 51, 54, 57]);
    expect(dh.max(y, [0, 2])).toBeAllclose([15, 19, 23]);
  });

  it("sums float32 in float64 accumulators (no drift over 1e6 terms)", () => {
    const ones = dh.full([1_000_000], 0.1);
    expect(dh.sum(ones).item()).toBe(Math.fround(Math.fround(0.1) * 1e6));
  });

  it.each([
    ["sum all", (a: dh.Tensor) => dh.sum(a)],
    ["sum axis 1", (a: dh.Tensor) => dh.sum(a, 1)],
    ["mean axes [0,2] keepDims", (a: dh.Tensor) => dh.mean(a, [0, 2], true)],
    ["max axis -1", (a: dh.Tensor) => dh.max(a, -1)],
    ["min axis 0", (a: dh.Tensor) => dh.min(a, 0)],
    ["logSumExp", (a: dh.Tensor) => dh.logSumExp(a, 1)],
  ])("%s: gradient vs central differences", (_n, op) => {
    checkOpGrad(op, inputs([[2, 3, 4]], 5));
  });

  it("splits the max gradient among ties", () => {
    const g = dh.grad((a: dh.Tensor) => dh.max(a))(dh.tensor([1, 3, 3], { dtype: "float64" }));
    expect(g).toBeAllclose([0, 0.5, 0.5]);
  });

  it("rejects out-of-range and repeated axes, naming the op the user called", () => {
    expect(() => dh.sum(x, 2)).toThrow(/sum: axis 2 is out of range for a tensor of rank 2/);
    expect(() => dh.max(x, -3)).toThrow(dh.ArgumentError);
    // NumPy refuses a repeated axis too; quietly reducing once would hide a typo.
    expect(() => dh.sum(x, [0, 0])).toThrow(/^sum: axis \[0, 0\] names axis 0 twice$/);
    expect(() => dh.mean(x, [1, -1])).toThrow(/^mean: axis \[1, -1\] names axis 1 twice$/);
    // Composite ops check the axis under their own name, not that of a primitive inside them.
    expect(() => dh.softmax(x, 3)).toThrow(/^softmax: axis 3 is out of range/);
    expect(() => dh.logSoftmax(x, -3)).toThrow(/^logSoftmax: axis -3 is out of range/);
    expect(() => dh.logSumExp(x, 2)).toThrow(/^logSumExp: axis 2 is out of range/);
  });
});
