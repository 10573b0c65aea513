import { describe, it, expect, beforeAll } from "vitest";
import * as dh from "../../src/index.js";
import { BACKENDS, useBackend, inputs, checkOpGrad, vals } from "../helpers.js";

/** float64 triple loop reference. */
function naive(a: dh.Tensor, b: dh.Tensor): number[] {
  const [m, k] = a.shape, n = b.shape[1];
  const c: number[] = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += vals(a)[i * k + p] * vals(b)[p * n + j];
    c.push(s);
  }
  return c;
}

describe.each(BACKENDS)("matmul on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("multiplies by hand", () => {
    const a = dh.tensor([[1, 2], [3, 4]]), b = dh.tensor([[5, 6], [7, 8]]);
    expect(dh.matmul(a, b).toArray()).toEqual([[19, 22], [43, 50]]);
    expect(dh.matmul(dh.tensor([1, 2]), b).toArray()).toEqual([19, 22]);
    expect(dh.matmul(a, dh.tensor([1, 1])).toArray()).toEqual([3, 7]);
  });

  it.each([[1, 1, 1], [3, 5, 7], [17, 33, 65], [64, 64, 64], [128, 96, 130]])("matches the reference at %i x %i x %i in f32 and f64", (m, k, n) => {
    for (const dtype of ["float32", "float64"] as const) {
      const a = dh.randn([m, k], { seed: m, dtype }), b = dh.randn([k, n], { seed: n + 1, dtype });
      const tol = dtype === "float32" ? { atol: 1e-4 * Math.sqrt(k), rtol: 1e-4 } : { atol: 1e-12 * k, rtol: 1e-12 };
      expect(dh.matmul(a, b)).toBeAllclose(naive(a, b), tol);
      // transposed operands read in place
      expect(dh.matmulT(dh.transpose(a), b, true, false)).toBeAllclose(naive(a, b), tol);
      expect(dh.matmulT(a, dh.transpose(b), false, true)).toBeAllclose(naive(a, b), tol);
      expect(dh.matmulT(dh.transpose(a), dh.transpose(b), true, true)).toBeAllclose(naive(a, b), tol);
    }
  });

  it("broadcasts batch dimensions", () => {
    const a = dh.randn([2, 1, 3, 4], { seed: 1, dtype: "float64" }), b = dh.randn([5, 4, 2], { seed: 2, dtype: "float64" });
    const c = dh.matmul(a, b);
    expect(c.shape).toEqual([2, 5, 3, 2]);
    const a1 = dh.slice(a, [1, 0, 0, 0], [1, 1, 3, 4]).reshape([3, 4]);
    const b3 = dh.slice(b, [3, 0, 0], [1, 4, 2]).reshape([4, 2]);
    expect(dh.slice(c, [1, 3, 0, 0], [1, 1, 3, 2])).toBeAllclose(naive(a1, b3), { atol: 1e-12 });
  });

  it.each([
    ["2-D", [3, 4], [4, 5]],
    ["batched with broadcast", [2, 3, 4], [4, 2]],
    ["vector @ matrix", [4], [4, 3]],
    ["matrix @ vector", [3, 4], [4]],
  ])("%s: gradient vs central differences", (_n, sa, sb) => {
    checkOpGrad((x, y) => dh.matmul(x, y), inputs([sa, sb], 13));
  });

  it.each([[false, false], [true, false], [false, true], [true, true]])("matmulT(transA=%s, transB=%s): gradient", (ta, tb) => {
    const [a, b] = inputs([ta ? [4, 3] : [3, 4], tb ? [5, 4] : [4, 5]], 17);
    checkOpGrad((x, y) => dh.matmulT(x, y, ta, tb), [a, b]);
  });

  it.each([[false, false], [true, false], [false, true], [true, true]])("matmul(a, b, {transposeA: %s, transposeB: %s}) equals the product with explicit transposes, gradient included", (ta, tb) => {
    const [a, b] = inputs([ta ? [2, 4, 3] : [2, 3, 4], tb ? [5, 4] : [4, 5]], 19);
    const opA = ta ? dh.transpose(a, [0, 2, 1]) : a, opB = tb ? dh.transpose(b) : b;
    expect(dh.matmul(a, b, { transposeA: ta, transposeB: tb })).toBeAllclose(dh.matmul(opA, opB), { atol: 1e-12 });
    expect(a.matmul(b, { transposeA: ta, transposeB: tb })).toBeAllclose(dh.matmul(opA, opB), { atol: 1e-12 });
    checkOpGrad((x, y) => dh.matmul(x, y, { transposeA: ta, transposeB: tb }), [a, b]);
  });

  it("rejects transpose options it cannot honour", () => {
    expect(() => dh.matmul(dh.zeros([3]), dh.zeros([3, 2]), { transposeA: true })).toThrow(/transposeA needs a of rank >= 2, got shape \[3\]/);
    expect(() => dh.matmul(dh.zeros([2, 3]), dh.zeros([3]), { transposeB: true })).toThrow(/transposeB needs b of rank >= 2/);
    expect(() => dh.matmul(dh.zeros([2, 3]), dh.zeros([3, 2]), { transpose: true } as any)).toThrow(/unknown option "transpose"/);
    expect(() => dh.matmul(dh.zeros([2, 3]), dh.zeros([3, 2]), { transposeA: 1 } as any)).toThrow(/transposeA must be a boolean/);
    expect(() => dh.matmul(dh.zeros([3, 2]), dh.zeros([3, 2]), { transposeA: true })).not.toThrow();
    expect(() => dh.matmul(dh.zeros([3, 2]), dh.zeros([2, 3]), { transposeB: true })).toThrow(/inner dimensions differ: \[3, 2\] @ \[2, 3\]\^T \(2 vs 3\)/);
  });

  it("names both shapes on a mismatch", () => {
    expect(() => dh.matmul(dh.zeros([2, 3]), dh.zeros([4, 5]))).toThrow(/matmul: inner dimensions differ: \[2, 3\] @ \[4, 5\] \(3 vs 4\)/);
  });
});
