// Bad input to the creation functions and cast: each error names the function the user called
// (not a helper it uses) and the offending value; nothing is truncated or defaulted silently.
import { describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";

describe("creation functions refuse bad input under their own names", () => {
  it("shapes and dtypes", () => {
    expect(() => dh.zeros([-1])).toThrow(/^zeros: shape \[-1\] must hold non-negative integers$/);
    expect(() => dh.ones([2.5])).toThrow(/^ones: shape \[2\.5\] must hold non-negative integers$/);
    expect(() => dh.full([NaN], 1)).toThrow(/^full: shape \[NaN\]/);
    expect(() => dh.zeros([2], { dtype: "int32" as "float32" })).toThrow(/^zeros: dtype must be "float32" or "float64", got "int32"$/);
    expect(() => dh.eye(-2)).toThrow(/^eye: n must be a non-negative integer, got -2$/);
    expect(() => dh.eye(1.5)).toThrow(dh.ArgumentError);
    expect(dh.eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
  });

  it("seeds: 32-bit integers only (the generator would truncate anything else)", () => {
    for (const seed of [1.5, NaN, Infinity, 2 ** 32, -(2 ** 31) - 1, "7" as unknown as number]) {
      expect(() => dh.randn([2], { seed })).toThrow(dh.ArgumentError);
      expect(() => dh.rand([2], { seed })).toThrow(/^rand: seed must be an integer in \[-2\^31, 2\^32\)/);
    }
    // Accepted seeds keep their documented meaning: -1 and 2^32 - 1 are the same 32-bit seed.
    expect(dh.randn([3], { seed: -1 }).toArray()).toEqual(dh.randn([3], { seed: 2 ** 32 - 1 }).toArray());
    expect(dh.randn([3], { seed: 5 }).toArray()).toEqual(dh.randn([3], { seed: 5 }).toArray());
  });

  it("cast: float32 or float64 only", () => {
    expect(() => dh.cast(dh.zeros([2]), "float16" as "float32")).toThrow(/^cast: dtype must be "float32" or "float64", got "float16"$/);
    expect(dh.cast(dh.zeros([2]), "float64").dtype).toBe("float64");
  });

  it("reshape wants an array; activation slopes must be finite numbers", () => {
    expect(() => dh.zeros([2, 3]).reshape(6 as unknown as number[])).toThrow(/^reshape: shape must be an array of integers \(one may be -1\), got 6; write \[6\]$/);
    expect(() => dh.leakyRelu(dh.zeros([2]), "a" as unknown as number)).toThrow(/^leakyRelu: alpha must be a finite number, got string$/);
    expect(() => dh.elu(dh.zeros([2]), NaN)).toThrow(/^elu: alpha must be a finite number, got NaN$/);
  });
});
