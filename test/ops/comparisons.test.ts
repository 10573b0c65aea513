// The ops the other suites only used in passing: comparisons and sign (forward values with
// broadcasting and NaN, and that they stop gradients), matrixTranspose, and the two VJP helpers
// that are public (padSlice, scatterAdd).
import { describe, it, expect, beforeAll } from "vitest";
import * as dh from "../../src/index.js";
import { BACKENDS, useBackend, inputs, checkOpGrad, vals } from "../helpers.js";

const t = (x: unknown, dtype: dh.DType = "float64") => dh.tensor(x as number[], { dtype });
const values = (x: dh.Tensor) => Array.from(vals(x));

describe.each(BACKENDS)("comparison and helper ops on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("comparisons give 1/0 with broadcasting, and NaN compares false (not equal to itself)", () => {
    const a = t([[1, 2, 3], [4, NaN, 6]]), b = t([2, 2, 6]);
    expect(values(dh.equal(a, b))).toEqual([0, 1, 0, 0, 0, 1]);
    expect(values(dh.less(a, b))).toEqual([1, 0, 1, 0, 0, 0]);
    expect(values(dh.lessEqual(a, b))).toEqual([1, 1, 1, 0, 0, 1]);
    expect(values(dh.greater(a, b))).toEqual([0, 0, 0, 1, 0, 0]);
    expect(values(dh.greaterEqual(a, b))).toEqual([0, 1, 0, 1, 0, 1]);
    expect(values(dh.equal(a, a))).toEqual([1, 1, 1, 1, 0, 1]);
    expect(dh.greaterEqual(3, t([[1], [5]])).shape).toEqual([2, 1]);
    expect(values(dh.greaterEqual(3, t([[1], [5]])))).toEqual([1, 0]);
  });

  it("sign: -1, 0, 1, and NaN for NaN (NumPy's and TF 2's choice; PyTorch gives 0, which hides NaN)", () => {
    const s = values(dh.sign(t([-3, -0, 0, 2e-300, NaN])));
    expect(s.slice(0, 4).map((v) => v + 0)).toEqual([-1, 0, 0, 1]);
    expect(s[4]).toBeNaN();
  });

  it("comparisons and sign are constants to autodiff: the gradient flows only through the other factor", () => {
    const x = t([-2, 0.5, 3]);
    // d/dx sum(x * [x > 0]) = [x > 0]; d/dx sum(x * sign(x)) = sign(x); d/dx sum(less(x, 1)) = 0
    expect(values(dh.grad((v: dh.Tensor) => dh.mul(v, dh.greater(v, 0)).sum())(x))).toEqual([0, 1, 1]);
    expect(values(dh.grad((v: dh.Tensor) => dh.mul(v, dh.sign(v)).sum())(x))).toEqual([-1, 1, 1]);
    expect(values(dh.grad((v: dh.Tensor) => dh.add(dh.less(v, 1).sum(), dh.mul(v, 0).sum()))(x))).toEqual([0, 0, 0]);
  });

  it("matrixTranspose swaps the last two axes only (batched), and its gradient transposes back", () => {
    const x = dh.tensor(Array.from({ length: 12 }, (_, i) => i), { dtype: "float64", shape: [2, 2, 3] });
    const y = dh.matrixTranspose(x);
    expect(y.shape).toEqual([2, 3, 2]);
    expect(values(y)).toEqual([0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]);
    checkOpGrad((a) => dh.matrixTranspose(a), inputs([[2, 3, 4]], 5));
  });

  it("padSlice places x in a zero box at `begin`; its gradient is the matching slice", () => {
    const y = dh.padSlice(t([[1, 2], [3, 4]]), [3, 4], [1, 1]);
    expect(values(y)).toEqual([0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0]);
    checkOpGrad((a) => dh.padSlice(a, [4, 5], [1, 2]), inputs([[2, 3]], 6));
    expect(() => dh.padSlice(t([[1, 2], [3, 4]]), [3, 4], [2, 3])).toThrow(/padSlice/);
  });

  it("scatterAdd accumulates repeated indices (the VJP of gather) and rejects a mismatched gradient", () => {
    const g = t([[1, 2], [10, 20], [100, 200]]); // rows for indices 2, 0, 2 along axis 0 of a [3, 2] input
    const out = dh.scatterAdd(g, Int32Array.from([2, 0, 2]), 0, [3, 2]);
    expect(values(out)).toEqual([10, 20, 0, 0, 101, 202]);
    expect(() => dh.scatterAdd(g, Int32Array.from([0, 1]), 0, [3, 2])).toThrow(/scatterAdd/);
    // and gather's gradient is exactly that
    const x = t([[1, 2], [3, 4], [5, 6]]);
    const w = t([[1, 2], [10, 20], [100, 200]]);
    expect(values(dh.grad((v: dh.Tensor) => dh.mul(dh.gather(v, [2, 0, 2], 0), w).sum())(x))).toEqual([10, 20, 0, 0, 101, 202]);
  });
});
