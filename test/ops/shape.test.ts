import { describe, it, expect, beforeAll } from "vitest";
import * as dh from "../../src/index.js";
import { BACKENDS, useBackend, inputs, checkOpGrad } from "../helpers.js";

describe.each(BACKENDS)("shape ops on %s", (backend) => {
  beforeAll(() => useBackend(backend));
  const x = dh.arange(6, undefined, 1, { dtype: "float64" }).reshape([2, 3]);

  it("reshape, transpose, slice, concat, stack, gather, oneHot by hand", () => {
    expect(x.reshape([3, -1]).shape).toEqual([3, 2]);
    expect(dh.transpose(x).toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(dh.transpose(dh.arange(24).reshape([2, 3, 4]), [1, 2, 0]).shape).toEqual([3, 4, 2]);
    expect(dh.transpose(dh.arange(24).reshape([2, 3, 4]), [2, 0, 1]).toArray()).toEqual(
      [0, 1, 2, 3].map((k) => [0, 1].map((i) => [0, 1, 2].map((j) => i * 12 + j * 4 + k))),
    );
    expect(dh.slice(x, [0, 1], [2, 2]).toArray()).toEqual([[1, 2], [4, 5]]);
    expect(dh.slice(x, [1, 0]).toArray()).toEqual([[3, 4, 5]]);
    expect(dh.concat([x, x], 1).toArray()).toEqual([[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]);
    expect(dh.stack([x, x], 0).shape).toEqual([2, 2, 3]);
    expect(dh.gather(x, [2, 0, 2], 1).toArray()).toEqual([[2, 0, 2], [5, 3, 5]]);
    expect(dh.gather(x, [-1], 0).toArray()).toEqual([[3, 4, 5]]);
    expect(dh.oneHot([2, 0], 3).toArray()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(dh.broadcastTo(dh.tensor([1, 2]), [2, 2]).toArray()).toEqual([[1, 2], [1, 2]]);
  });

  it.each([
    ["reshape", (a: dh.Tensor) => a.reshape([4, 6])],
    ["transpose", (a: dh.Tensor) => dh.transpose(a, [2, 0, 1])],
    ["slice", (a: dh.Tensor) => dh.slice(a, [1, 0, 1], [1, 2, 2])],
    ["concat", (a: dh.Tensor) => dh.concat([a, dh.mul(a, a)], 1)],
    ["stack", (a: dh.Tensor) => dh.stack([a, dh.exp(a)], 2)],
    ["gather with repeats", (a: dh.Tensor) => dh.gather(a, [3, 0, 3, 1], 2)],
    ["broadcastTo", (a: dh.Tensor) => dh.broadcastTo(dh.slice(a, [0, 0, 0], [1, 3, 4]), [5, 3, 4])],
  ])("%s: gradient vs central differences", (_n, op) => {
    checkOpGrad(op, inputs([[2, 3, 4]], 11));
  });

  it("names the op and shapes in errors", () => {
    expect(() => x.reshape([4, 2])).toThrow(/reshape: cannot reshape \[2, 3\] \(6 values\) to \[4, 2\]/);
    expect(() => dh.slice(x, [1, 2], [2, 1])).toThrow(/slice: .* outside shape \[2, 3\] at dimension 0/);
    expect(() => dh.concat([x, dh.zeros([3, 3], { dtype: x.dtype })], 1)).toThrow(/concat: xs\[1\] has shape \[3, 3\]/);
    const other = x.dtype === "float64" ? "float32" : "float64";
    expect(() => dh.concat([x, dh.zeros([2, 3], { dtype: other })], 1)).toThrow(dh.DTypeError);
    expect(() => dh.concat([x, dh.zeros([2, 3], { dtype: other })], 1)).toThrow(new RegExp(`^concat: xs\\[1\\] has dtype ${other}, xs\\[0\\] has ${x.dtype}`));
    expect(() => dh.gather(x, [3], 0)).toThrow(/gather: index 3 at position 0 is out of range/);
    expect(() => dh.stack([x, dh.zeros([3, 2], { dtype: x.dtype })])).toThrow(/^stack: xs\[1\] has shape \[3, 2\], xs\[0\] has \[2, 3\]/);
    expect(() => dh.stack([x, dh.zeros([2, 3], { dtype: x.dtype === "float64" ? "float32" : "float64" })])).toThrow(dh.DTypeError);
    expect(() => dh.sumTo(x, [3, 3])).toThrow(/^sumTo: shape \[3, 3\] does not broadcast to \[2, 3\]/);
    expect(() => dh.sumTo(x, [1, 2, 3])).toThrow(dh.ShapeError);
    expect(dh.sumTo(x, [1, 3]).shape).toEqual([1, 3]);
    expect(() => dh.transpose(x, [0, 0])).toThrow(dh.ArgumentError);
  });
});
