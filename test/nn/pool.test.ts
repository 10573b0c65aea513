import { describe, it, expect } from "vitest";
import * as dh from "../../src/index.js";
import { ShapeError, ArgumentError, randn, checkGrad, grad, hvp, jit, type Tensor, type Tree } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { vals } from "../helpers.js";

type P2 = [number, number];
/** Direct loops over each window; max ignores padding (-Infinity), avg divides by kh kw or by the in-image count. */
function refPool(x: Tensor, kind: "max" | "avg", k: P2, s: P2, p: P2, d: P2 = [1, 1], includePad = true) {
  const [N, C, H, W] = x.shape, xv = vals(x);
  const ho = Math.floor((H + 2 * p[0] - d[0] * (k[0] - 1) - 1) / s[0]) + 1, wo = Math.floor((W + 2 * p[1] - d[1] * (k[1] - 1) - 1) / s[1]) + 1;
  const y = new Float64Array(N * C * ho * wo);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
    let m = -Infinity, sum = 0, cnt = 0;
    for (let ky = 0; ky < k[0]; ky++) for (let kx = 0; kx < k[1]; kx++) {
      const iy = i * s[0] + ky * d[0] - p[0], ix = j * s[1] + kx * d[1] - p[1];
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      const v = xv[((n * C + c) * H + iy) * W + ix];
      m = Math.max(m, v); sum += v; cnt++;
    }
    y[((n * C + c) * ho + i) * wo + j] = kind === "max" ? m : sum / (includePad ? k[0] * k[1] : cnt);
  }
  return dh.tensor(y, { shape: [N, C, ho, wo] });
}

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: "float64" });

describe("maxPool2d and avgPool2d", () => {
  it("match the direct loops: stride 2, padding 1, non-square windows and inputs, 3 channels, dilation", () => {
    const x = f64([2, 3, 7, 6], 1);
    const cases: Array<{ k: P2; s?: P2; p?: P2; d?: P2 }> = [
      { k: [2, 2] }, { k: [3, 3], s: [2, 2], p: [1, 1] }, { k: [3, 2], s: [2, 1], p: [1, 0] }, { k: [2, 3], s: [1, 2], p: [0, 1], d: [2, 2] },
    ];
    for (const c of cases) {
      const s = c.s ?? c.k, p = c.p ?? [0, 0], d = c.d ?? [1, 1];
      expect(dh.maxPool2d(x, c.k, { stride: s, padding: p, dilation: d })).toBeAllclose(refPool(x, "max", c.k, s, p, d), { atol: 0 });
      if (!c.d) {
        expect(dh.avgPool2d(x, c.k, { stride: s, padding: p })).toBeAllclose(refPool(x, "avg", c.k, s, p), { atol: 1e-14 });
        expect(dh.avgPool2d(x, c.k, { stride: s, padding: p, countIncludePad: false })).toBeAllclose(refPool(x, "avg", c.k, s, p, [1, 1], false), { atol: 1e-14 });
      }
    }
    // the layers, with stride defaulting to the kernel size (torch)
    expect(nn.maxPool2d(2).apply({}, x).shape).toEqual([2, 3, 3, 3]);
    expect(nn.avgPool2d([3, 2], { stride: 2, padding: 1 }).apply({}, x)).toBeAllclose(refPool(x, "avg", [3, 2], [2, 2], [1, 1]), { atol: 1e-14 });
  });

  it("max pooling's gradient goes to the first maximum of each window, not shared among ties", () => {
    // one 2x4 plane, two 2x2 windows: the first all zeros (a ReLU's dead window), the second max 5 twice
    const x = dh.tensor([[[[0, 0, 5, 1], [0, 0, 2, 5]]]], { dtype: "float64" });
    const g = grad((t: Tensor) => dh.maxPool2d(t, 2).mul(dh.tensor([[[[3, 7]]]], { dtype: "float64" })).sum())(x);
    expect(g).toBeAllclose([[[[3, 0, 7, 0], [0, 0, 0, 0]]]], { atol: 0 });
    // overlapping windows add their cotangents at a shared maximum
    const x2 = dh.tensor([[[[1, 9, 2]]]], { dtype: "float64" });
    expect(grad((t: Tensor) => dh.maxPool2d(t, [1, 2], { stride: 1 }).sum())(x2)).toBeAllclose([[[[0, 2, 0]]]], { atol: 0 });
  });

  it("gradients match finite differences (float64, no ties); hvp through pooling is exact", () => {
    const x = f64([2, 3, 7, 6], 2);
    for (const opts of [{ stride: 2 as const, padding: 1 as const }, { stride: [1, 2] as P2 }]) {
      const r = f64(dh.maxPool2d(x, [3, 2], opts).shape as number[], 3);
      expect(checkGrad((t: Tree) => dh.maxPool2d(t as Tensor, [3, 2], opts).mul(r).sum(), x).maxError).toBeLessThan(1e-7);
      const ra = f64(dh.avgPool2d(x, [3, 2], opts).shape as number[], 4);
      expect(checkGrad((t: Tree) => dh.avgPool2d(t as Tensor, [3, 2], { ...opts, countIncludePad: false }).mul(ra).sum(), x).maxError).toBeLessThan(1e-7);
    }
    // f(x) = sum maxPool(x)^2: H v = 2 v at each window's maximum
    const f = (t: Tensor) => dh.maxPool2d(t, 2).square().sum();
    const v = f64([2, 3, 7, 6], 5);
    const mask = grad((t: Tensor) => dh.maxPool2d(t, 2).sum())(x);
    expect(hvp(f, x, v)).toBeAllclose(v.mul(mask).mul(2), { atol: 1e-12 });
  });

  it("compile under jit to the eager bits", () => {
    const f = (t: Tensor) => dh.valueAndGrad((u: Tensor) => dh.maxPool2d(u, 3, { stride: 2, padding: 1 }).add(dh.avgPool2d(u, 3, { stride: 2, padding: 1, countIncludePad: false })).square().sum())(t);
    const c = jit(f);
    for (const seed of [1, 2]) {
      const x = randn([2, 3, 9, 8], { seed }), e = f(x), j = c(x);
      expect(Array.from(j.grad.dataSync())).toEqual(Array.from(e.grad.dataSync()));
      expect(j.value.item()).toBe(e.value.item());
    }
  });

  it("bad input: wrong rank, window larger than the input, too much padding, bad options", () => {
    const m = nn.sequential([nn.maxPool2d(3)]);
    expect(() => m.apply([{}] as never, randn([3, 8]))).toThrow(ShapeError);
    expect(() => m.apply([{}] as never, randn([3, 8, 8]))).toThrow(/nn.maxPool2d \(layer 0\): input must be \[batch, channels, height, width\] \(NCHW\), got shape \[3, 8, 8\]/);
    expect(() => m.apply([{}] as never, randn([1, 2, 2, 8]))).toThrow(/nn.maxPool2d \(layer 0\): kernel 3x3 .* larger than the input 2x8 of shape \[1, 2, 2, 8\]/);
    expect(() => nn.avgPool2d(2, { padding: 2 })).toThrow(/nn.avgPool2d: padding 2 must be at most half the kernel size 2/);
    expect(() => nn.maxPool2d(0)).toThrow(ArgumentError);
    expect(() => nn.avgPool2d(2, { dilation: 2 } as never)).toThrow(/dilation/);
    expect(() => dh.avgPool2d(randn([1, 1, 4, 4]), 2, { countIncludePad: 1 as never })).toThrow(/countIncludePad must be a boolean/);
  });
});
