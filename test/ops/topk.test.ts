// argmax / argmin / topk: against plain-JS references (ties and NaN included), their gradient
// against finite differences, and under dh.jit (the ops are compositions of traced kernels).
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import * as dh from "../../src/index.js";
import { BACKENDS, useBackend, checkOpGrad, vals } from "../helpers.js";

/** NumPy's argmax of one slice: the first maximum, NaN counting as the largest. */
function refArgmax(a: number[]): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) {
    if (Number.isNaN(a[best])) break;
    if (Number.isNaN(a[i]) || a[i] > a[best]) best = i;
  }
  return best;
}

/** Indices of the k largest (NaN largest, ties to the lower index), largest first. */
function refTopk(a: number[], k: number): number[] {
  const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
  return a.map((v, i) => [v, i] as const).sort((p, q) => {
    const d = key(q[0]) - key(p[0]);
    if (d !== 0 && !Number.isNaN(d)) return d;
    if (Number.isNaN(p[0]) !== Number.isNaN(q[0])) return Number.isNaN(p[0]) ? -1 : 1;
    return p[1] - q[1];
  }).slice(0, k).map((p) => p[1]);
}

/** Rows of `x` ([r, c]) as arrays. */
const rows = (x: dh.Tensor) => x.toArray(2) as number[][];

/** Values drawn from a few levels, so ties, infinities and NaN are common. */
const level = fc.constantFrom(-Infinity, -2, -1, 0, 0.5, 1, 3, Infinity, NaN);
const matrix = fc.integer({ min: 1, max: 5 }).chain((r) => fc.integer({ min: 1, max: 7 }).chain((c) =>
  fc.array(level, { minLength: r * c, maxLength: r * c }).map((v) => ({ r, c, v }))));

describe.each(BACKENDS)("argmax, argmin, topk on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("argmax along an axis, keepDims, the flattened tensor, negative axes", () => {
    const x = dh.tensor([[1, 5, 3], [6, 2, 6]]);
    expect(Array.from(vals(dh.argmax(x, 1)))).toEqual([1, 0]);
    expect(Array.from(vals(dh.argmax(x, -1)))).toEqual([1, 0]);
    expect(Array.from(vals(dh.argmax(x, 0)))).toEqual([1, 0, 1]);
    expect(dh.argmax(x, 1, true).shape).toEqual([2, 1]);
    expect(dh.argmax(x).shape).toEqual([]);
    expect(dh.argmax(x).item()).toBe(3); // flattened, first of the tied 6s
    expect(dh.argmax(x, undefined, true).shape).toEqual([1, 1]);
    expect(Array.from(vals(x.argmin(1)))).toEqual([0, 1]);
    expect(x.argmax(1).dtype).toBe("float32");
    const y = dh.arange(24, undefined, 1, { dtype: "float64" }).reshape([2, 3, 4]).mul(-1);
    expect(dh.argmax(y, 1).toArray()).toEqual([[0, 0, 0, 0], [0, 0, 0, 0]]);
    expect(dh.argmin(y, 1).toArray()).toEqual([[2, 2, 2, 2], [2, 2, 2, 2]]);
  });

  it("argmax equals NumPy's rule on random rows with ties, infinities and NaN (fast-check)", () => {
    fc.assert(fc.property(matrix, ({ r, c, v }) => {
      const x = dh.tensor(v, { shape: [r, c], dtype: "float64" });
      const got = Array.from(vals(dh.argmax(x, 1)));
      expect(got).toEqual(rows(x).map(refArgmax));
      expect(Array.from(vals(dh.argmin(x, 1)))).toEqual(rows(x.neg()).map(refArgmax));
    }), { numRuns: 150 });
  });

  it("topk values and indices equal a sort (ties to the lower index, NaN largest; fast-check)", () => {
    fc.assert(fc.property(matrix, fc.integer({ min: 1, max: 7 }), ({ r, c, v }, k0) => {
      const k = Math.min(k0, c);
      const x = dh.tensor(v, { shape: [r, c], dtype: "float64" });
      const { values, indices } = dh.topk(x, k);
      expect(values.shape).toEqual([r, k]);
      const want = rows(x).map((row) => refTopk(row, k));
      expect(indices.toArray()).toEqual(want);
      expect(values.toArray()).toEqual(want.map((idx, i) => idx.map((j) => rows(x)[i][j])));
    }), { numRuns: 150 });
  });

  it("topk along another axis, and its argument errors", () => {
    const x = dh.tensor([[1, 9], [7, 3], [5, 5]]);
    const { values, indices } = x.topk(2, { axis: 0, sorted: false });
    expect(values.toArray()).toEqual([[7, 9], [5, 5]]);
    expect(indices.toArray()).toEqual([[1, 0], [2, 2]]);
    expect(() => dh.topk(x, 3)).toThrow(/k must be an integer in \[1, 2\]/);
    expect(() => dh.topk(x, 0)).toThrow(dh.ArgumentError);
    expect(() => dh.topk(x, 1, { axis: 2 })).toThrow(/axis/);
    expect(() => dh.topk(x, 1, { sort: true } as never)).toThrow(/sort.*sorted/);
    expect(() => dh.argmax(dh.zeros([2, 0]), 1)).toThrow(/empty/);
    expect(() => dh.argmax([1, 2] as never)).toThrow(/x must be a Tensor/);
  });

  it("topk values are differentiable: the gradient reaches x at the picked positions only", () => {
    const x = dh.tensor([[0.3, -1.2, 2.5, 0.9, 1.7], [4.1, 0.2, -0.5, 3.3, 1.1]], { dtype: "float64" });
    checkOpGrad((a) => dh.topk(a, 3).values, [x]);
    const g = dh.grad((a: dh.Tensor) => dh.topk(a, 2).values.sum())(x);
    expect(g.toArray()).toEqual([[0, 0, 1, 0, 1], [1, 0, 0, 1, 0]]);
    // an Infinity elsewhere in the row does not poison the values or the gradient (no 0 * Infinity)
    const inf = dh.tensor([[1, Infinity, 2]], { dtype: "float64" });
    expect(dh.topk(inf, 2).values.toArray()).toEqual([[Infinity, 2]]);
    expect(dh.grad((a: dh.Tensor) => dh.topk(a, 2).values.slice([0, 1]).sum())(inf).toArray()).toEqual([[0, 0, 1]]);
    // second order: hvp of sum(topk^3) is 6 x v at the picked positions (takeAlong/putAlong are each other's adjoints)
    const f = (a: dh.Tensor) => dh.topk(a, 2).values.pow(3).sum();
    const v = dh.randn([2, 5], { seed: 3, dtype: "float64" });
    const hv = dh.hvp(f, x, v).toArray() as number[][];
    const picked = [[2, 4], [0, 3]];
    const xv = x.toArray() as number[][], vv = v.toArray() as number[][];
    hv.forEach((row, i) => row.forEach((h, j) => expect(h).toBeCloseTo(picked[i].includes(j) ? 6 * xv[i][j] * vv[i][j] : 0, 10)));
    // argmax has no gradient
    expect(dh.argmax(x.add(0), 1).requiresGrad).toBe(false);
  });

  it("under dh.jit: compiled, the same bits as eager, the gradient too", () => {
    const f = (a: dh.Tensor) => {
      const { values, indices } = dh.topk(a, 3);
      return { am: dh.argmax(a, -1), values, indices, g: dh.grad((b: dh.Tensor) => dh.topk(b, 2).values.square().sum())(a) };
    };
    const c = dh.jit(f);
    for (const seed of [1, 2]) {
      const x = dh.randn([4, 6], { seed, dtype: "float32" });
      const e = f(x), j = c(x);
      for (const k of ["am", "values", "indices", "g"] as const) expect(Array.from(vals(j[k])), k).toEqual(Array.from(vals(e[k])));
    }
    expect(c.stats).toMatchObject({ traces: 1, compiledCalls: 2, eagerCalls: 0 });
  });
});
