import { describe, it, expect } from "vitest";
import * as dh from "../../src/index.js";
import { ShapeError, ArgumentError, DTypeError, randn, checkGrad, type Tensor, type Tree } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { vals } from "../helpers.js";

/** Direct loops: each sample's trailing `m` values normalized with the biased variance, then gamma and beta. */
function refLayerNorm(x: Tensor, m: number, gamma: Float64Array | null, beta: Float64Array | null, eps: number): Float64Array {
  const xv = vals(x), y = new Float64Array(x.size);
  for (let r = 0; r < x.size / m; r++) {
    let mu = 0; for (let i = 0; i < m; i++) mu += xv[r * m + i]; mu /= m;
    let v = 0; for (let i = 0; i < m; i++) v += (xv[r * m + i] - mu) ** 2; v /= m;
    for (let i = 0; i < m; i++) y[r * m + i] = ((xv[r * m + i] - mu) / Math.sqrt(v + eps)) * (gamma ? gamma[i] : 1) + (beta ? beta[i] : 0);
  }
  return y;
}

describe("nn.layerNorm", () => {
  it("normalizes over the last dimension(s) with eps 1e-5 and an elementwise affine", () => {
    const x = randn([3, 4, 5], { seed: 1, dtype: "float64" }).mul(3).add(2);
    const ln = nn.layerNorm(5, { dtype: "float64" });
    expect(ln.params.gamma!.shape).toEqual([5]);
    expect(ln.apply(ln.params, x)).toBeAllclose(dh.tensor(refLayerNorm(x, 5, null, null, 1e-5), { shape: [3, 4, 5] }), { atol: 1e-12 });
    const g = randn([4, 5], { seed: 2, dtype: "float64" }), b = randn([4, 5], { seed: 3, dtype: "float64" });
    const ln2 = nn.layerNorm([4, 5], { dtype: "float64" });
    expect(ln2.apply({ gamma: g, beta: b }, x)).toBeAllclose(dh.tensor(refLayerNorm(x, 20, vals(g) as Float64Array, vals(b) as Float64Array, 1e-5), { shape: [3, 4, 5] }), { atol: 1e-12 });
    // the same in training and evaluation (no running statistics), and no params without the affine
    expect(ln.forward(ln.params, ln.state, x, { training: true, rng: null, path: "" }).y).toBeAllclose(ln.apply(ln.params, x), { atol: 0 });
    expect(Object.keys(nn.layerNorm(5, { elementwiseAffine: false }).params)).toEqual([]);
    expect(Object.keys(nn.layerNorm(5, { bias: false }).params)).toEqual(["gamma"]);
    // eps matters for a constant row: (x - mean) = 0 stays 0, not NaN
    expect(ln.apply(ln.params, dh.full([1, 5], 7, { dtype: "float64" }))).toBeAllclose([[0, 0, 0, 0, 0]], { atol: 0 });
  });

  it("gradients with respect to input, gamma and beta match finite differences (float64)", () => {
    const x = randn([3, 2, 4], { seed: 4, dtype: "float64" });
    const ln = nn.layerNorm([2, 4], { dtype: "float64" });
    const p = { gamma: randn([2, 4], { seed: 5, dtype: "float64" }), beta: randn([2, 4], { seed: 6, dtype: "float64" }) };
    const r = randn([3, 2, 4], { seed: 7, dtype: "float64" });
    const f = (t: Tree) => { const { x: X, ...q } = t as { x: Tensor; gamma: Tensor; beta: Tensor }; return ln.apply(q, X).mul(r).sum(); };
    expect(checkGrad(f, { x, ...p }).maxError).toBeLessThan(1e-7);
  });

  it("bad input names the layer and the shape", () => {
    const m = nn.sequential([nn.linear(3, 4), nn.layerNorm(5)]);
    expect(() => m.apply(m.params, randn([2, 3]))).toThrow(ShapeError);
    expect(() => m.apply(m.params, randn([2, 3]))).toThrow(/nn.layerNorm \(layer 1\): input of shape \[2, 4\] does not end in the normalized shape \[5\]/);
    expect(() => nn.layerNorm(4).apply(nn.layerNorm(4).params, randn([2, 4], { dtype: "float64" }))).toThrow(DTypeError);
    expect(() => nn.layerNorm([])).toThrow(ArgumentError);
    expect(() => nn.layerNorm(4, { eps: -1 })).toThrow(/eps must be non-negative/);
    expect(() => nn.layerNorm(4, { epsilon: 1 } as never)).toThrow(/epsilon/);
  });
});
