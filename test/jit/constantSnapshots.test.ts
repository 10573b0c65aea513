// The trace-time copies of captured arrays (src/jit/constantSnapshots.ts): shared between traces
// while the array's bits are unchanged, a fresh copy as soon as one bit differs.
import { describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { snapshot } from "../../src/jit/constantSnapshots.js";

describe("constant snapshots", () => {
  it("a large array: the same snapshot while unchanged, a new one with the new values after any write (-0 included)", () => {
    const a = Float64Array.from({ length: 40_000 }, (_, i) => i * 0.5); // 320 KB
    const s1 = snapshot(a);
    expect(s1).not.toBe(a);
    expect(Array.from(s1)).toEqual(Array.from(a));
    expect(snapshot(a)).toBe(s1);
    a[39_999] = 7;
    const s2 = snapshot(a);
    expect(s2).not.toBe(s1);
    expect(s2[39_999]).toBe(7);
    expect(s1[39_999]).toBe(39_999 * 0.5); // the old snapshot is never written
    a[0] = -0; // equal to +0 as a number, not as bits
    const s3 = snapshot(a);
    expect(s3).not.toBe(s2);
    expect(Object.is(s3[0], -0)).toBe(true);
  });

  it("a small array is copied every time", () => {
    const a = new Float32Array([1, 2, 3]);
    expect(snapshot(a)).not.toBe(snapshot(a));
  });

  it("two traces capturing the same large tensor share its constant, and each keeps the values of its trace", async () => {
    await dh.ready();
    const n = 40_000;
    const data = Float64Array.from({ length: n }, (_, i) => (i % 7) - 3);
    const w = dh.tensor(data, { dtype: "float64" });
    const f1 = dh.jit((x: dh.Tensor) => x.mul(w).sum());
    const f2 = dh.jit((x: dh.Tensor) => x.mul(w).sum().mul(2));
    const x = dh.ones([n], { dtype: "float64" });
    const expected = data.reduce((s, v) => s + v, 0);
    expect(f1(x).item()).toBe(expected);
    expect(f2(x).item()).toBe(2 * expected);
  });
});
