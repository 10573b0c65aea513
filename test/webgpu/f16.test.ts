// Mixed precision on WebGPU (precision: "mixed"): binary16 storage packed two to a u32 word, float32
// arithmetic. The rounding is checked against an f16 reference written here by arithmetic (not the
// bit operations of halfStorage.ts and kernels/halfFormat.wgsl): to nearest, ties to even,
// subnormals, overflow to infinity. Products over packed operands must stay within the bound that
// rounding the inputs (and the stored result) predicts, and be measurably worse than float32's, which
// proves the inputs really are rounded. An MLP's loss and gradients under mixed precision stay
// close to float32's; parameters and the fused optimizer's state stay float32.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import * as dh from "../../src/index.js";
import { backendNamed, ready } from "../../src/backend/select.js";
import { f16Bits, f16Value, packHalves, unpackHalves } from "../../src/backend/webgpu/halfStorage.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/entry.js";
import type { Storage } from "../../src/backend/backend.js";
import type { GpuStorage } from "../../src/backend/webgpu/storage.js";
import { startGpu } from "./gpu.js";
import { buildGraph, graphNode } from "./elementwiseGraphs.js";

/** The binary16 value nearest to x (ties to even), by arithmetic on doubles. */
function refHalf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const sign = x < 0 || Object.is(x, -0) ? -1 : 1;
  const a = Math.abs(x);
  if (a >= 65520) return sign * Infinity; // halfway between 65504 and 2^16 rounds to even: 2^16, out of range
  let e = -14; // the subnormals share the smallest normal exponent's spacing
  while (e < 15 && 2 ** (e + 1) <= a) e++;
  const ulp = 2 ** (e - 10);
  const q = a / ulp; // exact: a power-of-two scaling
  let r = Math.floor(q);
  const frac = q - r;
  if (frac > 0.5 || (frac === 0.5 && r % 2 === 1)) r++;
  return sign * r * ulp;
}

/** The value of binary16 bits, from the format's definition. */
function refDecode(h: number): number {
  const s = h >> 15 ? -1 : 1, e = (h >> 10) & 31, m = h & 1023;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return e === 0 ? s * (m / 1024) * 2 ** -14 : s * (1 + m / 1024) * 2 ** (e - 15);
}

const same = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);

/** Float32 values that exercise the rounding: specials, ties, the subnormal range, overflow, then random ones. */
function probeValues(): Float32Array {
  const v: number[] = [0, -0, 1, -1, 0.5, 65504, -65504, 65519.99, 65520, -65520, 65536, 1e5, Infinity, -Infinity, NaN,
    2 ** -14, -(2 ** -14), 2 ** -14 - 2 ** -24, 2 ** -24, 2 ** -25, 1.5 * 2 ** -25, 2 ** -25 + 2 ** -40, 2 ** -26, 3 * 2 ** -25, 5 * 2 ** -25, 2 ** -30,
    1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 1 - 2 ** -12, 2047.5, 2048.5, 2049, 4097, 0.1, -0.3, 3.14159, 1e-5, -6.1e-5];
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  while (v.length < 4096) v.push((rnd() < 0.5 ? -1 : 1) * 2 ** (rnd() * 50 - 30) * (1 + rnd()));
  return Float32Array.from(v);
}

describe("binary16 conversion on the CPU (halfStorage.ts)", () => {
  it("rounds as the reference does: ties to even, subnormals, overflow to infinity, NaN", () => {
    for (const x of probeValues()) expect(same(f16Value(f16Bits(x)), refHalf(x)), `x = ${x}: ${f16Value(f16Bits(x))} vs ${refHalf(x)}`).toBe(true);
  });
  it("decodes all 65,536 bit patterns as the format defines, and bits round-trip", () => {
    for (let h = 0; h < 65536; h++) {
      expect(same(f16Value(h), refDecode(h)), `bits ${h.toString(16)}`).toBe(true);
      if (!Number.isNaN(refDecode(h))) expect(f16Bits(f16Value(h))).toBe(h);
    }
  });
  it("packs two values a word, an odd count leaving the last high half zero", () => {
    const w = packHalves([1, -2, 0.5], 3);
    expect(Array.from(w)).toEqual([(0x3c00 | (0xc000 << 16)) >>> 0, 0x3800]);
    expect(Array.from(unpackHalves(w, 3))).toEqual([1, -2, 0.5]);
  });
});

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await startGpu();
});
afterAll(() => {
  gpu.precision = "f32";
});

/** A sink that encodes at once, for calling the into-kernels directly. */
const direct = () => gpu.programs.kernels<GPUBuffer>({ dispatch: (p, b, g, s) => gpu.ctx.dispatch(p, b as never, g, s), copy: (a, b, n) => gpu.ctx.copy(a, b, n), placeholder: () => gpu.ctx.upload(new Uint32Array(64), true) });

describe("binary16 pack and unpack kernels (kernels/half.wgsl)", () => {
  it(`the adapter's features (shader-f16 is not needed, and is not used)`, () => {
    const features = [...gpu.ctx.device.features].sort();
    console.log(`[f16] adapter ${gpu.adapter}; device features: ${features.join(", ") || "none"}; shader-f16 ${features.includes("shader-f16") ? "offered" : "not offered"}`);
    expect(gpu.ctx.errors).toEqual([]);
  });
  it("pack rounds every probe value as the reference does", async () => {
    const x = probeValues(), n = x.length - 1; // an odd count
    const src = gpu.ctx.upload(x.subarray(0, n), false), dst = gpu.ctx.upload(new Uint32Array(Math.ceil(n / 2)), false);
    direct().pack(src, dst, n);
    const words = new Uint32Array(await gpu.ctx.read(dst, Math.ceil(n / 2) * 4));
    for (let i = 0; i < n; i++) {
      const h = (words[i >>> 1] >>> ((i & 1) * 16)) & 0xffff;
      expect(same(refDecode(h), refHalf(x[i])), `x = ${x[i]}: got bits ${h.toString(16)}`).toBe(true);
    }
    expect(words[words.length - 1] >>> 16).toBe(0);
  });
  it("unpack gives every bit pattern's value", async () => {
    const n = 65536, bits = new Uint32Array(n / 2);
    for (let h = 0; h < n; h++) bits[h >>> 1] |= h << ((h & 1) * 16);
    const src = gpu.ctx.upload(bits, false), dst = gpu.ctx.upload(new Float32Array(n), false);
    direct().unpack(src, dst, n);
    const got = new Float32Array(await gpu.ctx.read(dst, n * 4));
    for (let h = 0; h < n; h++) if (!same(got[h], refDecode(h))) expect(got[h], `bits ${h.toString(16)}`).toBe(refDecode(h));
    expect(gpu.ctx.errors).toEqual([]);
  });
});

/**
 * C = op(A) op(B) in float64 from the float32 inputs, and sum |a||b| per output; c16 and mag16 the
 * same from the inputs rounded to binary16 (what the kernels multiply).
 */
function reference(a: Float32Array, b: Float32Array, batch: number, m: number, k: number, n: number, ta: boolean, tb: boolean) {
  const c = new Float64Array(batch * m * n), mag = new Float64Array(batch * m * n);
  const c16 = new Float64Array(batch * m * n), mag16 = new Float64Array(batch * m * n);
  for (let z = 0; z < batch; z++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, t = 0, s16 = 0, t16 = 0;
        for (let p = 0; p < k; p++) {
          const av = a[z * m * k + (ta ? p * m + i : i * k + p)], bv = b[z * k * n + (tb ? j * k + p : p * n + j)];
          s += av * bv;
          t += Math.abs(av * bv);
          s16 += refHalf(av) * refHalf(bv);
          t16 += Math.abs(refHalf(av) * refHalf(bv));
        }
        c[z * m * n + i * n + j] = s;
        mag[z * m * n + i * n + j] = t;
        c16[z * m * n + i * n + j] = s16;
        mag16[z * m * n + i * n + j] = t16;
      }
    }
  }
  return { c, mag, c16, mag16 };
}

const U = 2 ** -11; // binary16's unit roundoff

describe.each(["tiled", "direct", "wide"] as const)("products over binary16 operands: %s kernels", (flavor) => {
  beforeAll(() => {
    gpu.matmulFlavor = flavor;
  });
  afterAll(() => {
    gpu.matmulFlavor = gpu.adapter.includes("(fallback)") ? "direct" : "tiled";
    gpu.precision = "f32";
  });
  const cases: Array<[number, number, number, number, boolean, boolean]> = [
    // batch, m, k, n, transA, transB
    [1, 37, 53, 29, false, false], [1, 96, 70, 80, false, false], [1, 33, 41, 17, true, false], [1, 19, 64, 35, false, true],
    [1, 70, 67, 65, true, true], [1, 131, 45, 133, false, false], [3, 9, 21, 13, false, false], [2, 5, 255, 7, true, true], [1, 1, 200, 37, false, false], [1, 41, 150, 1, false, true],
  ];
  for (const [batch, m, k, n, ta, tb] of cases) {
    it(`batch ${batch}, ${m}x${k} @ ${k}x${n}${ta ? ", A^T" : ""}${tb ? ", B^T" : ""}: within the f16 rounding bound, worse than f32`, async () => {
      const a = dh.randn([batch * m * k], { seed: m * 7 + k }), b = dh.randn([batch * k * n], { seed: n + 11 });
      const av = a._storage as unknown as Float32Array, bv = b._storage as unknown as Float32Array;
      const { c, mag, c16, mag16 } = reference(av, bv, batch, m, k, n, ta, tb);
      const run = async (p: "f32" | "mixed") => {
        gpu.precision = p;
        const s = gpu.matmul(a._storage, b._storage, batch, m, k, n, ta, tb, "float32");
        expect(gpu.isHalf(s)).toBe(p === "mixed");
        return gpu.read(s, "float32", batch * m * n);
      };
      const half = await run("mixed"), full = await run("f32");
      let errHalf = 0, errFull = 0;
      for (let i = 0; i < c.length; i++) {
        // inputs rounded (each product off by at most 2u + u^2 relative), float32 accumulation
        // (k + 2 roundings of 2^-24 each, generously), then the stored result rounded to binary16
        const pre = (2 * U + U * U + (k + 2) * 2 ** -24) * mag[i];
        const bound = pre + U * (Math.abs(c[i]) + pre) + 2 ** -25;
        const e = Math.abs(half[i] - c[i]);
        expect(e, `output ${i}: ${half[i]} vs ${c[i]} (bound ${bound})`).toBeLessThanOrEqual(bound);
        // the stored result is a binary16 value, within one binary16 spacing (plus float32
        // accumulation) of the exact product of the rounded inputs
        expect(refHalf(half[i])).toBe(half[i]);
        const spacing = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(c16[i]) || 2 ** -24)), -14) - 10);
        expect(Math.abs(half[i] - c16[i]), `output ${i} against the rounded inputs' product ${c16[i]}`).toBeLessThanOrEqual(spacing + (k + 2) * 2 ** -24 * mag16[i]);
        errHalf = Math.max(errHalf, e / (mag[i] || 1));
        errFull = Math.max(errFull, Math.abs(full[i] - c[i]) / (mag[i] || 1));
      }
      expect(errHalf, `mixed ${errHalf} vs f32 ${errFull}`).toBeGreaterThan(8 * errFull);
      expect(gpu.ctx.errors).toEqual([]);
    });
  }
  it("a binary16 operand is read as it is stored (a product of products: no second rounding of the packed input)", async () => {
    gpu.precision = "mixed";
    const m = 20, k = 30, n = 10;
    const a = dh.randn([m * k], { seed: 5 }), b = dh.randn([k * n], { seed: 6 }), eye = new Float32Array(n * n);
    for (let i = 0; i < n; i++) eye[i * n + i] = 1;
    const ab = gpu.matmul(a._storage, b._storage, 1, m, k, n, false, false, "float32");
    expect(gpu.isHalf(ab)).toBe(true);
    const abI = gpu.matmul(ab, eye as unknown as Storage, 1, m, n, n, false, false, "float32");
    expect(Array.from(await gpu.read(abI, "float32", m * n))).toEqual(Array.from(await gpu.read(ab, "float32", m * n)));
  });
});

describe("an MLP under mixed precision", () => {
  type Params = { w1: dh.Tensor; b1: dh.Tensor; w2: dh.Tensor; b2: dh.Tensor };
  const batch = 32, nIn = 48, nHidden = 64, nOut = 10;
  const x = dh.randn([batch, nIn], { seed: 1 });
  const y = dh.oneHot(Array.from({ length: batch }, (_, i) => (i * 7) % nOut), nOut);
  const fresh = (): Params => ({ w1: dh.randn([nIn, nHidden], { seed: 2 }).mul(0.25), b1: dh.randn([nHidden], { seed: 4 }).mul(0.1), w2: dh.randn([nHidden, nOut], { seed: 3 }).mul(0.12), b2: dh.zeros([nOut]) });
  const hidden = (p: Params) => dh.relu(dh.add(dh.matmul(x, p.w1), p.b1));
  const loss = (p: Params) => dh.neg(dh.mean(dh.sum(dh.mul(y, dh.logSoftmax(dh.add(dh.matmul(hidden(p), p.w2), p.b2))), -1)));
  afterAll(() => {
    gpu.precision = "f32";
  });

  it("loss and gradients close to float32's, activations stored as binary16", async () => {
    const p = fresh();
    gpu.precision = "f32";
    const ref = dh.valueAndGrad(loss)(p);
    const refLoss = (await ref.value.data())[0];
    gpu.precision = "mixed";
    const h = hidden(p);
    expect(gpu.isHalf(h._storage), "relu(x W1 + b1)").toBe(true);
    expect(gpu.isHalf(dh.matmul(x, p.w1)._storage)).toBe(true);
    const got = dh.valueAndGrad(loss)(p);
    const gotLoss = (await got.value.data())[0];
    expect(Math.abs(gotLoss - refLoss) / Math.abs(refLoss)).toBeLessThan(5e-3);
    let anyDiff = false;
    for (const key of ["w1", "b1", "w2", "b2"] as const) {
      const g = await got.grad[key].data(), r = await ref.grad[key].data();
      let num = 0, den = 0;
      for (let i = 0; i < r.length; i++) {
        num += (g[i] - r[i]) ** 2;
        den += r[i] ** 2;
        if (g[i] !== r[i]) anyDiff = true;
      }
      expect(Math.sqrt(num / den), `gradient of ${key}`).toBeLessThan(1e-2);
    }
    expect(anyDiff, "mixed precision changed some gradient value").toBe(true);
    expect(gpu.ctx.errors).toEqual([]);
  });

  it("parameters, the fused Adam state and its update stay float32; the update reads the binary16 gradients' values", async () => {
    gpu.precision = "mixed";
    const p = fresh();
    const before = { w1: await p.w1.data(), b1: await p.b1.data(), w2: await p.w2.data(), b2: await p.b2.data() };
    let request: { params: Array<{ _storage: Storage; size: number }>; slots: Array<Array<{ _storage: Storage; size: number }>> } | null = null;
    const original = gpu.fusedOptimizer;
    gpu.fusedOptimizer = (r) => ((request = r as never), original(r));
    const opt = (() => {
      try {
        return dh.optimizer(dh.adam({ lr: 0.01 }), p);
      } finally {
        gpu.fusedOptimizer = original;
      }
    })();
    const { grad } = dh.valueAndGrad(loss)(p);
    expect(gpu.isHalf(grad.w1._storage), "the gradient of W1 is a product: stored as binary16").toBe(true);
    opt.step(grad);
    expect(request, "the fused engine ran").not.toBeNull();
    const cells = [...request!.params, ...request!.slots.flat()];
    expect(cells.length).toBe(12); // four parameters, two moments each
    for (const c of cells) {
      expect(gpu.holds(c._storage)).toBe(true);
      expect(gpu.isHalf(c._storage)).toBe(false);
      expect((c._storage as unknown as GpuStorage).buffer!.size).toBeGreaterThanOrEqual(c.size * 4);
    }
    // the same step on the JS reference, from the binary16 gradients' values as float32
    const gradValues = { w1: await grad.w1.data(), b1: await grad.b1.data(), w2: await grad.w2.data(), b2: await grad.b2.data() };
    for (const key of ["w1", "w2"] as const) for (const v of gradValues[key]) expect(refHalf(v)).toBe(v);
    dh.setBackend("js");
    const want = (() => {
      const q = { w1: dh.tensor(before.w1, { shape: p.w1.shape }), b1: dh.tensor(before.b1, { shape: p.b1.shape }), w2: dh.tensor(before.w2, { shape: p.w2.shape }), b2: dh.tensor(before.b2, { shape: p.b2.shape }) };
      const g = { w1: dh.tensor(gradValues.w1, { shape: p.w1.shape }), b1: dh.tensor(gradValues.b1, { shape: p.b1.shape }), w2: dh.tensor(gradValues.w2, { shape: p.w2.shape }), b2: dh.tensor(gradValues.b2, { shape: p.b2.shape }) };
      dh.optimizer(dh.adam({ lr: 0.01 }), q).step(g);
      return { w1: q.w1.dataSync(), b1: q.b1.dataSync(), w2: q.w2.dataSync(), b2: q.b2.dataSync() };
    })();
    dh.setBackend("webgpu");
    for (const key of ["w1", "b1", "w2", "b2"] as const) expect(await p[key].data()).toBeAllclose(want[key], { atol: 1e-6, rtol: 1e-5 });
    expect(gpu.ctx.errors).toEqual([]);
  });

  it("the tensor-op update p - lr g stays float32 (a full-size float32 operand decides)", async () => {
    gpu.precision = "mixed";
    const p = fresh();
    const { grad } = dh.valueAndGrad(loss)(p);
    const step = grad.w1.mul(0.05);
    expect(gpu.isHalf(step._storage)).toBe(true);
    const next = p.w1.sub(step);
    expect(gpu.isHalf(next._storage)).toBe(false);
    const pv = await p.w1.data(), sv = await step.data(), nv = await next.data();
    for (let i = 0; i < nv.length; i++) expect(nv[i]).toBe(Math.fround(pv[i] - sv[i]));
  });

  it("trains: 30 fused Adam steps under mixed precision follow the float32 run's losses", async () => {
    const run = async (precision: "f32" | "mixed") => {
      gpu.precision = precision;
      const p = fresh();
      const opt = dh.optimizer(dh.adam({ lr: 0.01 }), p);
      const losses: number[] = [];
      for (let s = 0; s < 30; s++) {
        const { value, grad } = dh.valueAndGrad(loss)(p);
        opt.step(grad);
        losses.push((await value.data())[0]);
      }
      return losses;
    };
    const full = await run("f32"), mixed = await run("mixed");
    console.log(`[f16] 30 Adam steps: loss f32 ${full[0].toFixed(4)} -> ${full[29].toFixed(4)}, mixed ${mixed[0].toFixed(4)} -> ${mixed[29].toFixed(4)}`);
    expect(mixed[29]).toBeLessThan(mixed[0] * 0.5);
    for (let s = 0; s < 30; s++) expect(Math.abs(mixed[s] - full[s]), `step ${s}`).toBeLessThan(0.02 * full[s] + 1e-3);
    expect(gpu.ctx.errors).toEqual([]);
  });

  it("a compiled (jit) loss and gradient: eager mixed precision's values, products' gradients as binary16, fewer buffer bytes", async () => {
    const p = fresh();
    const vg = (q: Params) => dh.valueAndGrad(loss)(q);
    const f = dh.jit(vg);
    gpu.precision = "f32";
    const full = f(p);
    const fullBytes = f.stats.lastProgram!.bufferBytes;
    expect(f.stats.lastProgram!.halfValues).toBe(0);
    gpu.precision = "mixed";
    const got = f(p), eager = vg(p);
    expect(f.stats.traces, "lowered again for mixed precision").toBe(2);
    expect(f.stats.lastProgram!.halfValues).toBeGreaterThan(4);
    const mixedBytes = f.stats.lastProgram!.bufferBytes;
    console.log(`[f16] compiled MLP loss and gradient (batch ${batch}, ${nIn}-${nHidden}-${nOut}): intermediate buffer bytes f32 ${fullBytes}, mixed ${mixedBytes}`);
    expect(mixedBytes).toBeLessThan(fullBytes * 0.9); // 0.81x: activations and products' results in binary16, beside the packed copies of float32 operands
    for (const key of ["w1", "w2"] as const) expect(gpu.isHalf(got.grad[key]._storage), `gradient of ${key}`).toBe(gpu.isHalf(eager.grad[key]._storage));
    expect(gpu.isHalf(got.grad.w1._storage)).toBe(true);
    expect(await got.value.data()).toBeAllclose(await eager.value.data(), { atol: 1e-6, rtol: 1e-6 });
    let anyDiff = false;
    for (const key of ["w1", "b1", "w2", "b2"] as const) {
      const g = await got.grad[key].data(), e = await eager.grad[key].data(), r = await full.grad[key].data();
      expect(g, `gradient of ${key} against eager mixed`).toBeAllclose(e, { atol: 2e-6, rtol: 1e-5 });
      for (let i = 0; i < g.length; i++) if (g[i] !== r[i]) anyDiff = true;
    }
    expect(anyDiff, "the compiled mixed-precision gradient differs from the float32 one").toBe(true);
    expect(gpu.ctx.errors).toEqual([]);
  });

  it("loss scaling (lossScaler) keeps the gradients that binary16 storage flushes: a loss 2^-20 times the MLP's", async () => {
    const p = fresh();
    const tiny = (q: Params) => loss(q).mul(2 ** -20);
    gpu.precision = "f32";
    const ref = dh.grad(tiny)(p);
    gpu.precision = "mixed";
    const raw = dh.grad(tiny)(p);
    const scaler = dh.lossScaler();
    const scaled = dh.grad((q: Params) => scaler.scale(tiny(q)))(p);
    expect(gpu.isHalf(scaled.w1._storage), "the scaled gradient of W1 is a product: binary16").toBe(true);
    const unscaled = scaler.unscale(scaled);
    expect(gpu.isHalf(unscaled.w1._storage), "unscaled in float32, where 2^-16 of it cannot flush").toBe(false);
    const relErr = async (a: dh.Tensor, b: dh.Tensor) => {
      const u = await a.data(), v = await b.data();
      let num = 0, den = 0;
      for (let i = 0; i < v.length; i++) {
        num += (u[i] - v[i]) ** 2;
        den += v[i] ** 2;
      }
      return Math.sqrt(num / den);
    };
    const errRaw = await relErr(raw.w1, ref.w1), errScaled = await relErr(unscaled.w1, ref.w1);
    console.log(`[f16] gradient of W1 for a loss of 2^-20 x the MLP's, relative error against float32: unscaled ${errRaw.toExponential(2)}, loss-scaled (2^16) ${errScaled.toExponential(2)}`);
    expect(errRaw).toBeGreaterThan(0.2);
    expect(errScaled).toBeLessThan(1e-2);
    // a step through the scaler: one read, applied, the parameters moved on the GPU
    const before = await p.w1.data();
    const opt = dh.optimizer(dh.adam({ lr: 0.01 }), p);
    expect(await scaler.step(opt, scaled)).toBe(true);
    expect(await p.w1.data()).not.toEqual(before);
    expect(gpu.ctx.errors).toEqual([]);
  });

  it("an MLP forward holds half the buffer bytes in mixed precision (pool stats)", async () => {
    const classOf = (bytes: number) => Math.max(256, 2 ** Math.ceil(Math.log2(bytes)));
    for (const [b, i, h, o] of [[batch, nIn, nHidden, nOut], [128, 256, 256, 10]]) {
      const xs = dh.randn([b, i], { seed: 1 }), w1 = dh.randn([i, h], { seed: 2 }).mul(0.1), b1 = dh.randn([h], { seed: 3 }), w2 = dh.randn([h, o], { seed: 4 }).mul(0.1), b2 = dh.randn([o], { seed: 5 });
      const held = async (precision: "f32" | "mixed") => {
        gpu.precision = precision;
        for (const t of [xs, w1, b1, w2, b2]) await t.add(0).data(); // inputs uploaded before the count
        const settle = () => { gpu.ctx.flush(); gpu.ctx.flush(); }; // conversion temporaries back to the pool
        settle();
        const before = gpu.stats().liveBytes;
        const z1 = dh.matmul(xs, w1), a1 = dh.add(z1, b1), h1 = dh.relu(a1), z2 = dh.matmul(h1, w2), logits = dh.add(z2, b2);
        await logits.data();
        settle();
        const kept = [z1, a1, h1, z2, logits];
        // the pool's count moves with collections of earlier garbage too: the exact figure is the
        // five results' own buffers, the pool's difference is logged beside it
        const own = kept.reduce((sum, t) => sum + (t._storage as unknown as GpuStorage).buffer!.size, 0);
        return { bytes: own, pool: gpu.stats().liveBytes - before, half: kept.map((t) => gpu.isHalf(t._storage)) };
      };
      const f = await held("f32"), m = await held("mixed");
      console.log(`[f16] MLP forward (batch ${b}, ${i}-${h}-${o}): buffer bytes of its five results: f32 ${f.bytes}, mixed ${m.bytes} (${(m.bytes / f.bytes).toFixed(2)}x); pool live bytes added: f32 ${f.pool}, mixed ${m.pool}`);
      expect(f.half).toEqual([false, false, false, false, false]);
      expect(m.half).toEqual([true, true, true, true, true]);
      expect(f.bytes).toBe(3 * classOf(4 * b * h) + 2 * classOf(4 * b * o));
      expect(m.bytes).toBe(3 * classOf(4 * Math.ceil((b * h) / 2)) + 2 * classOf(4 * Math.ceil((b * o) / 2)));
    }
  });
});

describe("compiled programs under mixed precision (src/jit/webgpuLowering.ts)", () => {
  afterAll(() => {
    gpu.precision = "f32";
  });
  /** Each output's values and whether it is stored as binary16: compiled (two calls), then eager. */
  async function both(f: (...a: dh.Tensor[]) => dh.Tensor[], args: dh.Tensor[]) {
    const c = dh.jit(f);
    const run = async (outs: dh.Tensor[]) => Promise.all(outs.map(async (t) => ({ half: gpu.isHalf(t._storage), values: Array.from(await t.data()) })));
    const compiled = await run(c(...args)), again = await run(c(...args)), eager = await run(f(...args));
    expect(c.stats.fallbackReason).toBeNull();
    expect(c.stats.compiledCalls).toBe(2);
    return { compiled, again, eager };
  }

  it("an elementwise chain over a product (odd sizes): stored as eager stores it, eager's values bit for bit", async () => {
    gpu.precision = "mixed";
    const x = dh.randn([7, 5], { seed: 21 }), w = dh.randn([5, 13], { seed: 22 }), b = dh.randn([13], { seed: 23 }), q = dh.randn([7, 13], { seed: 24 });
    const f = (x: dh.Tensor, w: dh.Tensor, b: dh.Tensor, q: dh.Tensor) => {
      const h = dh.relu(dh.add(dh.matmul(x, w), b)); // binary16: a product, then a broadcast bias
      const s = h.mul(h).sub(0.5).exp(); // binary16 (every full-size operand is)
      return [h, s, s.add(q), dh.sum(s, -1), dh.transpose(s)]; // float32: q is a full-size float32 operand; a reduction; a layout kernel
    };
    const { compiled, again, eager } = await both(f as never, [x, w, b, q]);
    expect(eager.map((o) => o.half)).toEqual([true, true, false, false, false]);
    expect(compiled.map((o) => o.half)).toEqual(eager.map((o) => o.half));
    for (let i = 0; i < eager.length; i++) {
      expect(compiled[i].values, `output ${i}`).toEqual(eager[i].values);
      expect(again[i].values, `output ${i}, second call`).toEqual(eager[i].values);
    }
    for (const v of compiled[1].values) expect(refHalf(v)).toBe(v);
    expect(gpu.ctx.errors).toEqual([]);
  });

  it("an input held as binary16 is read as stored (a new program for a float32 one of the same shape)", async () => {
    gpu.precision = "mixed";
    const h = dh.matmul(dh.randn([9, 4], { seed: 31 }), dh.randn([4, 11], { seed: 32 })); // binary16
    const hf = dh.randn([9, 11], { seed: 33 }); // float32
    const q = dh.randn([9, 11], { seed: 34 });
    expect(gpu.isHalf(h._storage)).toBe(true);
    const f = (h: dh.Tensor, q: dh.Tensor) => [h.tanh(), h.add(q), dh.max(h, 0), dh.matmul(h, dh.transpose(q))];
    const c = dh.jit(f);
    for (const input of [h, hf, h]) {
      const got = c(input, q), want = f(input, q);
      for (let i = 0; i < want.length; i++) {
        expect(gpu.isHalf(got[i]._storage), `output ${i}`).toBe(gpu.isHalf(want[i]._storage));
        expect(Array.from(await got[i].data()), `output ${i}`).toEqual(Array.from(await want[i].data()));
      }
    }
    expect(c.stats.traces).toBe(2);
    expect(c.stats.compiledCalls).toBe(3);
    expect(gpu.ctx.errors).toEqual([]);
  });

  it("random elementwise graphs over binary16 and float32 inputs: eager's storage and values bit for bit (fast-check)", async () => {
    gpu.precision = "mixed";
    await fc.assert(
      fc.asyncProperty(fc.array(graphNode, { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 4 }), fc.nat({ max: 1000 }), async (nodes, outs, seed) => {
        const f = (hx: dh.Tensor, x: dh.Tensor, r: dh.Tensor, hs: dh.Tensor) => buildGraph(nodes, [hx, x, r, hs], outs);
        // binary16 inputs: a [3, 5] product and a [3, 1] one (broadcast); float32 ones: [3, 5] and a [5] row
        const hx = dh.matmul(dh.randn([3, 2], { seed }), dh.randn([2, 5], { seed: seed + 1 }));
        const hs = dh.matmul(dh.randn([3, 2], { seed: seed + 2 }), dh.randn([2, 1], { seed: seed + 3 }));
        const x = dh.randn([3, 5], { seed: seed + 4 }), r = dh.randn([5], { seed: seed + 5 });
        const { compiled, eager } = await both(f as never, [hx, x, r, hs]);
        for (let i = 0; i < eager.length; i++) {
          expect(compiled[i].half, `output ${i}`).toBe(eager[i].half);
          expect(compiled[i].values, `output ${i}`).toEqual(eager[i].values);
        }
      }),
      { numRuns: 16, seed: 20261203 },
    );
  });

});

describe("a deep chain's snapshot (backend.ts) holds the values its kernel wrote", () => {
  for (const precision of ["f32", "mixed"] as const) {
    it(precision, async () => {
      gpu.precision = precision;
      let x = dh.relu(dh.matmul(dh.randn([40, 50], { seed: 9 }), dh.randn([50, 40], { seed: 8 })));
      const x0 = await x.data();
      const chain: dh.Tensor[] = [];
      for (let i = 0; i < 300; i++) chain.push((x = dh.mul(x, 1)));
      await x.data();
      await new Promise((r) => setTimeout(r, 50)); // the background snapshots land
      for (const i of [254, 255, 256, 257, 299]) expect(await chain[i].data(), `step ${i + 1}`).toEqual(x0);
      gpu.precision = "f32";
    });
  }
});

describe("ready's precision option", () => {
  it("refuses an unknown value, naming the option", async () => {
    await expect(ready({ backend: "webgpu", precision: "f16" as never })).rejects.toThrow(/ready: precision must be "f32" or "mixed", got "f16"/);
    await expect(ready({ backend: "webgpu", precision: 16 as never })).rejects.toThrow(/precision must be "f32" or "mixed", got/);
  });
  it("is an option of backend: \"webgpu\" only", async () => {
    await expect(ready({ precision: "mixed" })).rejects.toThrow(/precision is an option of backend: "webgpu"/);
    await expect(ready({ backend: "wasm", precision: "mixed" })).rejects.toThrow(/precision is an option of backend: "webgpu"/);
  });
  it("a misspelt key names it", async () => {
    await expect(ready({ backend: "webgpu", precison: "mixed" } as never)).rejects.toThrow(/unknown option "precison"; did you mean "precision"/);
  });
  it("reaches the backend it starts (last: this replaces the device the file used)", async () => {
    await ready({ backend: "webgpu", precision: "mixed" });
    const started = backendNamed("webgpu") as WebGpuBackend;
    expect(started).not.toBe(gpu);
    expect(started.precision).toBe("mixed");
    expect(dh.backendInfo()).toMatchObject({ backend: "webgpu", precision: "mixed" });
    const h = dh.relu(dh.matmul(dh.randn([8, 8], { seed: 1 }), dh.randn([8, 8], { seed: 2 })));
    expect(started.isHalf(h._storage)).toBe(true);
    expect(Array.from(await h.data()).every((v) => refHalf(v) === v)).toBe(true);
  });

  // eager ops replay as the device computed (products of operands rounded to binary16, results
  // rounded): within a binary16 step, the host summing in another order; a compiled program
  // replays its CPU lowering (float32 throughout) with binary16 outputs rounded: within binary16's
  // rounding of the inputs
  it("a lost device: eager and compiled binary16 values are replayed on the host rounded to binary16 (after the test above: its device)", async () => {
    const started = backendNamed("webgpu") as WebGpuBackend;
    const x = dh.randn([12, 9], { seed: 41 }), w = dh.randn([9, 7], { seed: 42 }), b = dh.randn([7], { seed: 43 });
    const chain = dh.jit((x: dh.Tensor, w: dh.Tensor, b: dh.Tensor) => dh.relu(dh.matmul(x, w).add(b)).mul(0.5).tanh());
    const eagerWant = await dh.relu(dh.matmul(x, w).add(b)).data(), jitWant = await chain(x, w, b).data();
    const eager = dh.relu(dh.matmul(x, w).add(b)), compiled = chain(x, w, b); // on the GPU, never read
    expect(started.isHalf(eager._storage) && started.isHalf(compiled._storage)).toBe(true);
    started.ctx.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(dh.backendInfo().backend).not.toBe("webgpu");
    for (const [name, t, want] of [["eager", eager, eagerWant], ["compiled", compiled, jitWant]] as const) {
      const got = await t.data();
      for (const v of got) expect(refHalf(v), `${name}: ${v} is a binary16 value`).toBe(v);
      expect(got, name).toBeAllclose(want, name === "eager" ? { atol: 2 ** -14, rtol: 2 ** -10 } : { atol: 2e-3, rtol: 1e-2 });
    }
  });
});
