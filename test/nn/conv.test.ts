import { describe, it, expect } from "vitest";
import * as dh from "../../src/index.js";
import { Rng, ShapeError, ArgumentError, DTypeError, randn, checkGrad, hvp, grad, jit, treeLeaves, treeMap, type Tensor, type Tree } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { vals, BACKENDS, useBackend } from "../helpers.js";

/** Direct loops: y[n, o, i, j] = b[o] + sum w[ky, kx, c, o] x[n, c, i s + ky d - p, j s + kx d - p]. */
function refConv(x: Tensor, w: Tensor, b: Tensor | null, s: [number, number], p: [number, number], d: [number, number]): { y: Float64Array; shape: number[] } {
  const [N, C, H, W] = x.shape, [kh, kw, , O] = w.shape;
  const xv = vals(x), wv = vals(w), bv = b ? vals(b) : null;
  const ho = Math.floor((H + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0]) + 1, wo = Math.floor((W + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1]) + 1;
  const y = new Float64Array(N * O * ho * wo);
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) for (let i = 0; i < ho; i++) for (let j = 0; j < wo; j++) {
    let acc = bv ? bv[o] : 0;
    for (let c = 0; c < C; c++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const iy = i * s[0] + ky * d[0] - p[0], ix = j * s[1] + kx * d[1] - p[1];
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      acc += wv[((ky * kw + kx) * C + c) * O + o] * xv[((n * C + c) * H + iy) * W + ix];
    }
    y[((n * O + o) * ho + i) * wo + j] = acc;
  }
  return { y, shape: [N, O, ho, wo] };
}

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: "float64" });

describe.each(BACKENDS)("conv2d on %s", (backend) => {
  it("matches the direct loops: stride 2, padding 1, non-square kernel and input, 3 channels, dilation", async () => {
    await useBackend(backend);
    const cases: Array<{ x: number[]; k: [number, number]; o: number; s: [number, number]; p: [number, number]; d: [number, number] }> = [
      { x: [2, 3, 7, 6], k: [3, 2], o: 4, s: [2, 2], p: [1, 1], d: [1, 1] },
      { x: [1, 3, 9, 8], k: [3, 3], o: 5, s: [1, 2], p: [2, 0], d: [2, 1] },
      { x: [3, 1, 5, 5], k: [5, 5], o: 2, s: [1, 1], p: [0, 0], d: [1, 1] },
      { x: [2, 2, 4, 11], k: [1, 4], o: 3, s: [3, 1], p: [0, 2], d: [1, 3] },
    ];
    for (const [ci, c] of cases.entries()) {
      const x = f64(c.x, 10 + ci), w = f64([c.k[0], c.k[1], c.x[1], c.o], 20 + ci), b = f64([c.o], 30 + ci);
      const ref = refConv(x, w, b, c.s, c.p, c.d);
      const y = dh.conv2d(x, w, b, { stride: c.s, padding: c.p, dilation: c.d });
      expect(y.shape).toEqual(ref.shape);
      expect(y).toBeAllclose(dh.tensor(ref.y, { shape: ref.shape }), { atol: 1e-12 });
      // the layer computes the same with its own params
      const layer = nn.conv2d(c.x[1], c.o, c.k, { stride: c.s, padding: c.p, dilation: c.d, dtype: "float64" });
      expect(layer.apply({ w, b }, x)).toBeAllclose(y, { atol: 1e-12 });
    }
    // float32 through the layer's default dtype and the SIMD matmul
    const x32 = randn([2, 3, 8, 7], { seed: 5 }), layer = nn.conv2d(3, 6, 3, { padding: 1, stride: 2 });
    const ref = refConv(x32, layer.params.w, layer.params.b!, [2, 2], [1, 1], [1, 1]);
    expect(layer.apply(layer.params, x32)).toBeAllclose(dh.tensor(ref.y, { shape: ref.shape }), { atol: 1e-5 });
  });

  it("gradients with respect to input, weight and bias match finite differences (float64)", async () => {
    await useBackend(backend);
    const x = f64([2, 3, 6, 5], 1), w = f64([3, 2, 3, 4], 2), b = f64([4], 3);
    const opts = { stride: 2, padding: 1 } as const;
    const r = f64(dh.conv2d(x, w, b, opts).shape as number[], 4);
    const f = (t: Tree) => { const [X, W, B] = t as Tensor[]; return dh.conv2d(X, W, B, opts).mul(r).sum(); };
    expect(checkGrad(f, [x, w, b]).maxError).toBeLessThan(1e-7);
    const d = { dilation: [2, 1] as [number, number], padding: [0, 2] as [number, number] };
    const r2 = f64(dh.conv2d(x, w, null, d).shape as number[], 5);
    expect(checkGrad((t: Tree) => { const [X, W] = t as Tensor[]; return dh.conv2d(X, W, null, d).mul(r2).sum(); }, [x, w]).maxError).toBeLessThan(1e-7);
  });

  it("hvp (exact, reverse over reverse) matches finite differences of the gradient", async () => {
    await useBackend(backend);
    const x = f64([2, 3, 6, 5], 6);
    const p0 = { w: f64([3, 3, 3, 2], 7).mul(0.3), b: f64([2], 8), x };
    const v = { w: f64([3, 3, 3, 2], 9), b: f64([2], 10), x: f64([2, 3, 6, 5], 11) };
    const r = f64([2, 2, 3, 3], 12);
    // a non-quadratic loss so the Hessian has input-weight and weight-weight terms
    const f = (p: { w: Tensor; b: Tensor; x: Tensor }) => dh.tanh(dh.conv2d(p.x, p.w, p.b, { stride: 2, padding: 1 })).mul(r).sum();
    const hv = hvp(f, p0, v);
    const h = 1e-5;
    const at = (sgn: number) => grad(f)(treeMap((a: Tensor, dv: Tensor) => a.add(dv.mul(sgn * h)), p0, v) as typeof p0);
    const gp = treeLeaves(at(1)), gm = treeLeaves(at(-1)), got = treeLeaves(hv);
    got.forEach((t, i) => expect(t).toBeAllclose(gp[i].sub(gm[i]).div(2 * h), { atol: 1e-6, rtol: 1e-5 }));
  });
});

describe("conv2d under jit and errors", () => {
  it("a compiled loss and gradient give the eager bits", () => {
    const x = randn([4, 3, 9, 8], { seed: 1 });
    const layer = nn.conv2d(3, 5, [3, 2], { stride: 2, padding: 1 });
    const loss = (p: Tree, X: Tensor) => dh.tanh(layer.apply(p as never, X)).square().mean();
    const vg = dh.valueAndGrad(loss);
    const c = jit(vg);
    for (let i = 0; i < 2; i++) {
      const X = i === 0 ? x : randn([4, 3, 9, 8], { seed: 2 });
      const e = vg(layer.params, X), j = c(layer.params, X);
      expect(Array.from(j.value.dataSync())).toEqual(Array.from(e.value.dataSync()));
      treeLeaves(j.grad).forEach((t, k) => expect(Array.from(t.dataSync())).toEqual(Array.from(treeLeaves(e.grad)[k].dataSync())));
    }
    expect(c.stats.traces).toBe(1);
  });

  it("bad input: wrong rank, wrong channels, kernel larger than input, bad options and dtypes", () => {
    const l = nn.sequential([nn.conv2d(3, 4, 5)]);
    const p = l.params;
    expect(() => l.apply(p, randn([3, 8, 8]))).toThrow(ShapeError);
    expect(() => l.apply(p, randn([3, 8, 8]))).toThrow(/nn.conv2d \(layer 0\): input of shape \[3, 8, 8\] must be \[batch, 3 channels, height, width\]/);
    expect(() => l.apply(p, randn([2, 1, 8, 8]))).toThrow(/nn.conv2d \(layer 0\): input of shape \[2, 1, 8, 8\]/);
    expect(() => l.apply(p, randn([2, 3, 4, 9]))).toThrow(ShapeError);
    expect(() => l.apply(p, randn([2, 3, 4, 9]))).toThrow(/nn.conv2d \(layer 0\): kernel 5x5 .* is larger than the input 4x9 of shape \[2, 3, 4, 9\]/);
    expect(() => l.apply(p, randn([2, 3, 8, 8], { dtype: "float64" }))).toThrow(DTypeError);
    expect(() => nn.conv2d(3, 4, 0)).toThrow(ArgumentError);
    expect(() => nn.conv2d(3, 4, 3, { stride: 0 })).toThrow(/nn.conv2d: stride must be an integer >= 1/);
    expect(() => nn.conv2d(3, 4, 3, { padding: [1, 2, 3] as never })).toThrow(/padding must be/);
    expect(() => nn.conv2d(0, 4, 3)).toThrow(/inChannels must be a positive integer/);
    expect(() => nn.conv2d(3, 4, 3, { strides: 2 } as never)).toThrow(/strides/);
    expect(() => dh.conv2d(randn([1, 2, 5, 5]), randn([3, 3, 3, 1]))).toThrow(/conv2d: input of shape \[1, 2, 5, 5\] has 2 channels, expected 3/);
    expect(() => dh.conv2d(randn([1, 3, 5, 5]), randn([3, 3, 3]))).toThrow(/weight must be \[kernelHeight, kernelWidth, inChannels, outChannels\]/);
    expect(() => dh.conv2d(randn([1, 3, 5, 5]), randn([3, 3, 3, 2]), randn([3]))).toThrow(/bias must be \[2\]/);
  });

  it("initializes over the receptive field (fanIn = kh kw in) from a seeded generator", () => {
    const a = nn.conv2d(4, 8, 3, { init: "heNormal", rng: new Rng(1) }), b = nn.conv2d(4, 8, 3, { init: "heNormal", rng: new Rng(1) });
    expect(Array.from(a.params.w.dataSync())).toEqual(Array.from(b.params.w.dataSync()));
    expect(a.params.w.shape).toEqual([3, 3, 4, 8]);
    const v = a.params.w.dataSync();
    const std = Math.sqrt(Array.from(v).reduce((s, t) => s + t * t, 0) / v.length);
    expect(std).toBeGreaterThan(Math.sqrt(2 / 36) * 0.8);
    expect(std).toBeLessThan(Math.sqrt(2 / 36) * 1.2);
    expect(nn.conv2d(4, 8, 3, { bias: false }).params.b).toBeUndefined();
  });
});

describe("conv2d in a compiled training step", () => {
  it("replays correctly when large planned buffers feed the wasm matmul (its resident-operand cache)", async () => {
    await useBackend("wasm");
    // patches of [64 * 24 * 24, 25] float32 values (3.7 MB): well above the resident cache's 256 KiB
    const model = nn.sequential([nn.conv2d(1, 8, 5, { init: "heNormal", seed: 1 }), nn.relu(), nn.maxPool2d(2), nn.flatten(), nn.linear(8 * 144, 10, { seed: 2 })]);
    const loss = (p: Tree, X: Tensor) => dh.logSoftmax(model.apply(p as never, X), -1).mean().neg();
    const vg = dh.valueAndGrad(loss), c = jit(vg);
    let p = model.params as Tree;
    for (let i = 0; i < 4; i++) {
      const X = dh.rand([64, 1, 28, 28], { seed: 10 + i });
      const e = vg(p, X), j = c(p, X);
      expect(j.value.item()).toBe(e.value.item());
      treeLeaves(j.grad).forEach((t, k) => expect(Array.from(t.dataSync())).toEqual(Array.from(treeLeaves(e.grad)[k].dataSync())));
      p = treeMap((a: Tensor, g: Tensor) => a.sub(g.mul(0.1)), p, e.grad);
    }
  });
});
