// sigmoidCrossEntropy: binary cross-entropy on logits as one primitive (src/ops/logisticLoss.ts).
import { beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { BACKENDS, checkOpGrad, useBackend } from "../helpers.js";

const t = (x: number[], dtype: dh.DType = "float64") => dh.tensor(x, { dtype });

describe.each(BACKENDS)("sigmoidCrossEntropy on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("equals -t log s(x) - (1 - t) log(1 - s(x)), stably for large |x|", () => {
    const x = [0, 2, -3, 40, -40, 800, -800], y = [1, 0, 1, 1, 0, 0, 1];
    // Written without cancellation: x = 40 with t = 1 is log1p(e^-40) = 4.2e-18, not 0.
    const want = x.map((v, i) => Math.max(v, 0) - v * y[i] + Math.log1p(Math.exp(-Math.abs(v))));
    expect(want[3]).toBeGreaterThan(4e-18);
    expect(dh.sigmoidCrossEntropy(t(x), t(y), { reduction: "none" })).toBeAllclose(want, { rtol: 1e-14, atol: 1e-300 });
    expect(want[5]).toBe(800);
    expect(want[6]).toBe(800);
    // The same on the fused WebAssembly path (large input), every value checked relative to itself.
    const big = Array.from({ length: 600 }, (_, i) => x[i % x.length]), bigY = Array.from({ length: 600 }, (_, i) => y[i % y.length]);
    expect(dh.sigmoidCrossEntropy(t(big), t(bigY), { reduction: "none" })).toBeAllclose(big.map((_, i) => want[i % want.length]), { rtol: 1e-14, atol: 1e-300 });
    expect(dh.sigmoidCrossEntropy(t(big, "float32"), t(bigY, "float32"), { reduction: "none" })).toBeAllclose(big.map((_, i) => want[i % want.length]), { rtol: 1e-6, atol: 1e-40 });
  });

  it("takes the WebAssembly softplus for large inputs and still matches the formula", () => {
    const x = dh.randn([2000], { seed: 3, dtype: "float64" }).mul(5);
    const y = dh.rand([2000], { seed: 4, dtype: "float64" });
    const got = dh.sigmoidCrossEntropy(x, y, { reduction: "none" });
    const ref = dh.relu(x).sub(x.mul(y)).add(dh.softplus(x.abs().neg()));
    expect(got).toBeAllclose(ref, { rtol: 1e-14, atol: 1e-15 });
    // and its gradient, sigmoid(x) - t, fused too
    expect(dh.grad((a: dh.Tensor) => dh.sigmoidCrossEntropy(a, y, { reduction: "none" }).sum())(x)).toBeAllclose(dh.sigmoid(x).sub(y), { rtol: 1e-14, atol: 1e-16 });
  });

  it("has gradients sigmoid(x) - t and -x (central differences), also for soft targets", () => {
    const x = dh.randn([3, 4], { seed: 1, dtype: "float64" }).mul(3);
    const y = dh.rand([3, 4], { seed: 2, dtype: "float64" });
    checkOpGrad((a, b) => dh.sigmoidCrossEntropy(a, b, { reduction: "none" }), [x, y]);
    const g = dh.grad((a: dh.Tensor) => dh.sigmoidCrossEntropy(a, y, { reduction: "none" }).sum())(x);
    expect(g).toBeAllclose(dh.sigmoid(x).sub(y), { rtol: 1e-14, atol: 1e-15 });
  });

  it("has exact Hessian-vector products (its backward is differentiable)", () => {
    const X = dh.randn([50, 4], { seed: 5, dtype: "float64" });
    const y = dh.tensor(Array.from({ length: 50 }, (_, i) => i % 2), { dtype: "float64", shape: [50, 1] });
    const f = (w: dh.Tensor) => dh.sigmoidCrossEntropy(X.matmul(w.reshape([4, 1])), y, { reduction: "none" }).mean();
    const w = dh.randn([4], { seed: 6, dtype: "float64" }), v = dh.randn([4], { seed: 7, dtype: "float64" });
    // H = X^T diag(s (1 - s)) X / N
    const s = dh.sigmoid(X.matmul(w.reshape([4, 1])));
    const H = X.transpose().matmul(X.mul(s.mul(dh.sub(1, s)))).div(50);
    expect(dh.hvp(f, w, v)).toBeAllclose(H.matmul(v.reshape([4, 1])).reshape([4]), { rtol: 1e-12, atol: 1e-15 });
  });

  it("Hessian-vector products and third derivatives on 1000 samples (the fused kernels' path)", () => {
    const N = 1000;
    const X = dh.randn([N, 3], { seed: 8, dtype: "float64" }).mul(2);
    const y = dh.tensor(Array.from({ length: N }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0), { dtype: "float64", shape: [N, 1] });
    const f = (w: dh.Tensor) => dh.sigmoidCrossEntropy(X.matmul(w.reshape([3, 1])), y, { reduction: "none" }).mean();
    const w = dh.randn([3], { seed: 9, dtype: "float64" }), v = dh.randn([3], { seed: 10, dtype: "float64" });
    const s = dh.sigmoid(X.matmul(w.reshape([3, 1])));
    const H = X.transpose().matmul(X.mul(s.mul(dh.sub(1, s)))).div(N);
    expect(dh.hvp(f, w, v)).toBeAllclose(H.matmul(v.reshape([3, 1])).reshape([3]), { rtol: 1e-12, atol: 1e-15 });
    // d/dw of (H(w) v) . u: differentiates sigmoid'(x) itself (checked against central differences)
    const u = dh.randn([3], { seed: 11, dtype: "float64" });
    const r = dh.checkGrad((ww: dh.Tree) => dh.hvp(f, ww as dh.Tensor, v).mul(u).sum(), w);
    expect(r.maxError).toBeLessThan(1e-6);
  });

  it("the gradient on 30,001 logits (residual from the forward pass, two threads on wasm) is sigmoid(x) - t, in float32 and float64", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const n = 30_001;
      const x = dh.randn([n], { seed: 21, dtype }).mul(8), y = dh.rand([n], { seed: 22, dtype });
      const { value, grad } = dh.valueAndGrad((z: dh.Tensor) => dh.sigmoidCrossEntropy(z, y, { reduction: "sum" }))(x);
      const want = dh.sub(dh.sigmoid(x), y);
      expect(grad).toBeAllclose(want, { rtol: dtype === "float32" ? 1e-6 : 1e-14, atol: dtype === "float32" ? 1e-7 : 1e-16 });
      // the same loss value as the forward pass without a gradient graph (crossEntropyLogits alone)
      expect(value.item()).toBe(dh.sigmoidCrossEntropy(x, y, { reduction: "sum" }).item());
    }
  });

  it("reduction mean/sum: same value as reducing the elementwise loss, same gradients and hvp", () => {
    const N = 700; // above the fused-kernel threshold
    const X = dh.randn([N, 3], { seed: 12, dtype: "float64" });
    const y = dh.rand([N, 1], { seed: 13, dtype: "float64" });
    const w = dh.randn([3], { seed: 14, dtype: "float64" }), v = dh.randn([3], { seed: 15, dtype: "float64" });
    const z = (ww: dh.Tensor) => X.matmul(ww.reshape([3, 1]));
    for (const red of ["mean", "sum"] as const) {
      const fused = (ww: dh.Tensor) => dh.sigmoidCrossEntropy(z(ww), y, { reduction: red });
      const composed = (ww: dh.Tensor) => dh.sigmoidCrossEntropy(z(ww), y, { reduction: "none" })[red]();
      expect(fused(w).shape).toEqual([]);
      expect(fused(w).item()).toBe(composed(w).item()); // sequential sum either way: the same bits
      expect(dh.grad(fused)(w)).toBeAllclose(dh.grad(composed)(w), { rtol: 1e-13, atol: 1e-15 });
      expect(dh.hvp(fused, w, v)).toBeAllclose(dh.hvp(composed, w, v), { rtol: 1e-13, atol: 1e-15 });
      checkOpGrad((a, b) => dh.sigmoidCrossEntropy(a, b, { reduction: red }), [dh.randn([4, 2], { seed: 16, dtype: "float64" }), dh.rand([4, 2], { seed: 17, dtype: "float64" })]);
    }
    expect(() => dh.sigmoidCrossEntropy(t([1]), t([1]), { reduction: "avg" as "mean" })).toThrow(/reduction/);
  });

  it("takes { reduction } with the default \"mean\", as every loss; the old positional string is refused with the new spelling", () => {
    const x = t([0.5, -2, 3]), y = t([1, 0, 0.25]);
    expect(dh.sigmoidCrossEntropy(x, y).item()).toBe(dh.sigmoidCrossEntropy(x, y, { reduction: "mean" }).item());
    expect(dh.sigmoidCrossEntropy(x, y).shape).toEqual([]);
    expect(dh.sigmoidCrossEntropy(x, y).item()).toBe(dh.binaryCrossEntropy(x, y).item());
    expect(() => dh.sigmoidCrossEntropy(x, y, "sum" as never)).toThrow(/the reduction is an option now.*\{ reduction: "sum" \}/);
    expect(() => dh.sigmoidCrossEntropy(x, y, { reduce: "sum" } as never)).toThrow(/unknown option "reduce"/);
  });

  it("rejects mismatched shapes and dtypes, naming both", () => {
    expect(() => dh.sigmoidCrossEntropy(t([1, 2]), t([1, 2, 3]), { reduction: "none" })).toThrow(/\[2\].*\[3\]/);
    expect(() => dh.sigmoidCrossEntropy(t([1, 2]), t([1, 0], "float32"), { reduction: "none" })).toThrow(dh.DTypeError);
  });
});
