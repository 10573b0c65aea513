// Automatic selection, `ready({ backend: "auto" })`: a software adapter is refused (ops stay on
// the WebAssembly core, the reason kept); a hardware adapter is taken and kernels on CPU values go
// to it only from the crossover on, while work on GPU values stays there. This machine has only
// SwiftShader, so "hardware" is SwiftShader behind an adapter that reports an NVIDIA device and no
// fallback flag: what is tested is the selection and the routing, not the speed. The crossover's
// reading (crossoverOf) is tested on hand-made timings; measureCrossover's run on the adapter.
// `jit` places a whole program on one side (src/jit/autoPlacement.ts): tested last.
import { beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/core.js";
import { backendNamed } from "../../src/backend/select.js";
import { crossoverOf, measureCrossover, type CrossoverSample } from "../../src/backend/webgpu/autoSelect.js";
import { isSoftwareAdapter } from "../../src/backend/webgpu/device.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/entry.js";
import { BackendError } from "../../src/errors.js";
import { jit, TraceError } from "../../src/jit/jit.js";
import * as nn from "../../src/nn/index.js";
import { fit } from "../../src/train/fit.js";

// One Dawn instance for the whole file, kept reachable (device.ts: collecting it crashes Dawn).
const dawn = (await import("webgpu")) as unknown as { create(flags: string[]): GPU; globals: Record<string, unknown> };
for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
const realGpu = dawn.create([]);

/** A GPU whose adapters are the real ones (SwiftShader) reporting `info` instead of their own. */
function dressed(info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }): GPU {
  return {
    async requestAdapter(o?: GPURequestAdapterOptions) {
      const a = await realGpu.requestAdapter(o);
      if (!a) return null;
      return new Proxy(a, {
        get(t, k) {
          if (k === "info") return info;
          if (k === "isFallbackAdapter") return info.isFallbackAdapter;
          const v = Reflect.get(t, k, t);
          return typeof v === "function" ? v.bind(t) : v;
        },
      });
    },
  } as unknown as GPU;
}
const hardware = () => dressed({ vendor: "nvidia", architecture: "hopper", device: "mock-h200", description: "a dressed test adapter", isFallbackAdapter: false });

const gpuBackend = () => backendNamed("webgpu") as WebGpuBackend;
const onGpu = (t: dh.Tensor) => gpuBackend().holds(t._storage);

/** The same computation on the JS reference backend, then back to automatic selection. */
function onJs<T>(f: () => T): T {
  dh.setBackend("js");
  try {
    return f();
  } finally {
    dh.setBackend("auto");
  }
}

describe("ready({ backend: \"auto\" }): options", () => {
  it("crossover belongs to backend: \"auto\" and must be positive numbers with known keys", async () => {
    await expect(dh.ready({ crossover: { elements: 10 } })).rejects.toThrow(/crossover is an option of backend: "auto"/);
    await expect(dh.ready({ backend: "auto", crossover: { matmulFlops: -1 } })).rejects.toThrow(/crossover.matmulFlops must be a positive number/);
    await expect(dh.ready({ backend: "auto", crossover: { flops: 5 } as never })).rejects.toThrow(/flops/);
    await expect(dh.ready({ backend: "gpu" as never })).rejects.toThrow(/"wasm", "js", "webgpu" or "auto"/);
    expect(() => dh.setBackend("auto")).toThrow(/automatic selection has no device/);
  });
  it("software adapters are recognised by the flag and by name", () => {
    expect(isSoftwareAdapter({ vendor: "google", architecture: "swiftshader", isFallbackAdapter: false } as never)).toBe(true);
    expect(isSoftwareAdapter({ vendor: "mesa", description: "llvmpipe (LLVM 15.0.7, 256 bits)" })).toBe(true);
    expect(isSoftwareAdapter({ vendor: "microsoft", description: "Microsoft Basic Render Driver" })).toBe(true);
    expect(isSoftwareAdapter({ vendor: "nvidia", isFallbackAdapter: true } as never)).toBe(true);
    expect(isSoftwareAdapter({ vendor: "nvidia", architecture: "hopper" }, true)).toBe(true);
    expect(isSoftwareAdapter({ vendor: "nvidia", architecture: "hopper", description: "NVIDIA H200" })).toBe(false);
    expect(isSoftwareAdapter({ vendor: "apple", architecture: "metal-3" })).toBe(false);
  });
});

describe("automatic selection refuses software adapters", () => {
  it("SwiftShader as Dawn reports it: ops stay on the WebAssembly core, backendInfo says why", async () => {
    await dh.ready({ backend: "auto", gpu: realGpu });
    const info = dh.backendInfo();
    expect(info).toMatchObject({ backend: "wasm", adapter: null });
    expect(info.crossover).toBeUndefined();
    expect(info.error).toMatch(/ready\(\{ backend: "auto" \}\): no WebGPU device taken, ops run on the WebAssembly core: only a software adapter is available \(.*swiftshader.*\(fallback\)\)/i);
    expect(backendNamed("webgpu")).toBeNull();
    expect(dh.matmul(dh.ones([64, 64]), dh.ones([64, 64])).sum().item()).toBe(64 ** 3);
  });
  it("a software adapter that does not set the flag is refused by its name (llvmpipe)", async () => {
    await dh.ready({ backend: "auto", gpu: dressed({ vendor: "mesa", architecture: "", device: "", description: "llvmpipe (LLVM 15.0.7, 256 bits)", isFallbackAdapter: false }) });
    expect(dh.backendInfo()).toMatchObject({ backend: "wasm", adapter: null });
    expect(dh.backendInfo().error).toMatch(/only a software adapter is available \(mesa llvmpipe/);
    expect(() => dh.setBackend("auto")).toThrow(/automatic selection has no device/);
  });
  it("an explicit request still takes the software adapter", async () => {
    await dh.ready({ backend: "webgpu", gpu: realGpu });
    expect(dh.backendInfo()).toMatchObject({ backend: "webgpu" });
    expect(dh.backendInfo().adapter).toMatch(/swiftshader.*\(fallback\)/i);
    dh.setBackend("wasm");
  });
});

describe("the crossover, read from timings", () => {
  const s = (work: number, gpuMs: number, cpuMs: number): CrossoverSample => ({ kind: "matmul", work, gpuMs, cpuMs });
  it("the smallest size from which the GPU wins at every larger size measured", () => {
    expect(crossoverOf([s(1, 5, 1), s(8, 5, 4), s(64, 5, 30), s(512, 6, 200)])).toBe(64);
    expect(crossoverOf([s(1, 0.5, 1), s(8, 5, 4), s(64, 5, 30)])).toBe(64); // a win below a loss is noise
    expect(crossoverOf([s(1, 0.5, 1), s(8, 1, 4)])).toBe(1);
    expect(crossoverOf([s(1, 5, 1), s(8, 3, 4), s(64, 50, 30)])).toBe(Infinity); // loses at the largest
    expect(crossoverOf([s(1, 5, 5)])).toBe(Infinity); // a tie is not a win
    expect(crossoverOf([])).toBe(Infinity);
  });
});

describe("automatic selection on a hardware adapter", () => {
  // products from 16 x 16 x 16 (8,192 flops) and other kernels from 4,096 values go to the GPU
  const crossover = { matmulFlops: 2 * 16 ** 3, elements: 4096 };

  it("is taken, named, and its crossover is the one given", async () => {
    await dh.ready({ backend: "auto", gpu: hardware(), crossover });
    const info = dh.backendInfo();
    expect(info).toMatchObject({ backend: "auto", adapter: "nvidia hopper mock-h200 a dressed test adapter", error: null, crossover });
    expect(info.variant).not.toBeNull();
  });

  it("products and sums go to the GPU from the crossover on, smaller ones stay on the core", async () => {
    const a = dh.randn([16, 16], { seed: 1 }), b = dh.randn([16, 16], { seed: 2 });
    const small = dh.matmul(a.slice([0, 0], [15, 16]), b); // 15 x 16 x 16: 7,680 flops
    const large = dh.matmul(a, b); // 8,192 flops
    expect(onGpu(small)).toBe(false);
    expect(small.dataSync().length).toBe(15 * 16);
    expect(onGpu(large)).toBe(true);
    expect(await large.data()).toBeAllclose(onJs(() => dh.matmul(a, b)).dataSync(), { atol: 1e-5 });
    // batched: the flops of all the batch count
    const batched = dh.matmul(dh.randn([2, 16, 8], { seed: 3 }), dh.randn([2, 8, 16], { seed: 4 }));
    expect(onGpu(batched)).toBe(true);

    const x = dh.randn([4095], { seed: 5 }), y = dh.randn([4096], { seed: 6 });
    expect(onGpu(x.mul(2))).toBe(false);
    expect(onGpu(x.exp())).toBe(false);
    expect(onGpu(y.mul(2))).toBe(true);
    expect(onGpu(y.exp())).toBe(true);
    expect(await y.exp().data()).toBeAllclose(onJs(() => y.exp()).dataSync(), { rtol: 1e-5 });
    expect(onGpu(dh.sum(y))).toBe(true); // a reduction by its input's size
    expect(onGpu(dh.sum(x))).toBe(false);
    // float64 never goes to the GPU (WGSL has no float64), however large
    const a64 = dh.randn([32, 32], { seed: 7, dtype: "float64" });
    expect(onGpu(dh.matmul(a64, a64))).toBe(false);
  });

  it("work on GPU values stays on the GPU, however small, and reads are asynchronous", async () => {
    const a = dh.randn([16, 16], { seed: 1 }), b = dh.randn([16, 16], { seed: 2 });
    const p = dh.matmul(a, b);
    const s = p.sum();
    const tiny = dh.add(p.slice([0, 0], [1, 2]), dh.tensor([1, 2]));
    expect(onGpu(s)).toBe(true);
    expect(onGpu(tiny)).toBe(true);
    expect(() => s.item()).toThrow(BackendError);
    expect(() => s.item()).toThrow(/holds this tensor's values on the GPU; read them with `await t.data\(\)`/);
    const ref = onJs(() => dh.matmul(a, b));
    expect((await s.data())[0]).toBeCloseTo(ref.sum().item(), 3);
    expect(await tiny.data()).toBeAllclose(onJs(() => dh.add(ref.slice([0, 0], [1, 2]), dh.tensor([1, 2]))).dataSync(), { atol: 1e-5 });
  });

  it("the fused optimizer starts on the core for small parameters and moves to the GPU when the gradients do", async () => {
    // a 4 x 8 x 8 MLP layer: 72 parameters (< 4,096), but a batch of 64 makes its products
    // (2 * 64 * 8 * 8 = 8,192 flops) large, so the gradients come from the GPU
    const x = dh.randn([64, 8], { seed: 11 }), target = dh.randn([64, 8], { seed: 12 });
    const paths: string[] = [];
    const run = (steps: number) => {
      const p = { w: dh.randn([8, 8], { seed: 13 }).mul(0.3), b: dh.zeros([8]) };
      const opt = dh.optimizer(dh.adam({ lr: 0.05 }), p);
      const loss = (q: typeof p) => dh.mean(dh.square(dh.sub(dh.add(dh.matmul(x, q.w), q.b), target)));
      paths.push(opt.path);
      for (let i = 0; i < steps; i++) {
        opt.step(dh.grad(loss)(p));
        paths.push(opt.path);
      }
      return { p, opt };
    };
    const { p, opt } = run(5);
    // chosen at construction for parameters on the CPU, then the GPU's from the first step (its gradients came from the GPU)
    expect(paths).toEqual(["wasm", "webgpu", "webgpu", "webgpu", "webgpu", "webgpu"]);
    expect(opt.path).toBe("webgpu");
    expect(onGpu(p.w)).toBe(true); // moved with the first GPU gradients
    expect(onGpu(p.b)).toBe(true);
    const ref = onJs(() => run(5).p);
    expect(await p.w.data()).toBeAllclose(ref.w.dataSync(), { atol: 1e-5, rtol: 1e-4 });
    expect(await p.b.data()).toBeAllclose(ref.b.dataSync(), { atol: 1e-5, rtol: 1e-4 });
    expect(gpuBackend().ctx.errors).toEqual([]);
  });

  it("measureCrossover times both sides on the adapter and reads its crossover from the timings", async () => {
    const m = await measureCrossover(gpuBackend(), backendNamed("wasm")!, { matmulSizes: [8, 16], elementSizes: [256, 1024], rounds: 1 });
    expect(m.samples.map((s) => [s.kind, s.work])).toEqual([["matmul", 1024], ["matmul", 8192], ["elementwise", 256], ["elementwise", 1024]]);
    for (const s of m.samples) expect(s.gpuMs > 0 && s.cpuMs >= 0 && Number.isFinite(s.gpuMs)).toBe(true);
    expect(m.matmulFlops).toBe(crossoverOf(m.samples.filter((s) => s.kind === "matmul")));
    expect(m.elements).toBe(crossoverOf(m.samples.filter((s) => s.kind === "elementwise")));
    console.log(`[auto] SwiftShader dressed as hardware: crossover ${m.matmulFlops} flops, ${m.elements} values; ${m.samples.map((s) => `${s.kind} ${s.work}: gpu ${s.gpuMs.toFixed(2)} ms, cpu ${s.cpuMs.toFixed(3)} ms`).join("; ")}`);
  });

  it("a lost device: ops go back to the core, GPU values are kept, the reason is in backendInfo", async () => {
    const a = dh.randn([16, 16], { seed: 1 }), b = dh.randn([16, 16], { seed: 2 });
    const p = dh.matmul(a, b).add(1);
    expect(onGpu(p)).toBe(true);
    const g = gpuBackend();
    g.ctx.device.destroy();
    g.markLost("the WebGPU device was lost (destroyed: by the test)");
    expect(dh.backendInfo()).toMatchObject({ backend: "wasm", adapter: null, error: "the WebGPU device was lost (destroyed: by the test)" });
    expect(dh.backendInfo().crossover).toBeUndefined();
    expect(await p.data()).toBeAllclose(onJs(() => dh.matmul(a, b).add(1)).dataSync(), { atol: 1e-5 });
    const q = dh.matmul(a, b);
    expect(onGpu(q)).toBe(false); // large, but the device is gone
    expect(q.dataSync()).toBeAllclose(onJs(() => dh.matmul(a, b)).dataSync(), { atol: 1e-5 });
    expect(p.sum().item()).toBeCloseTo(onJs(() => dh.matmul(a, b).add(1).sum().item()), 3);
  });

  it("an explicit WebGPU start afterwards replaces the device, and automatic selection with it", async () => {
    await dh.ready({ backend: "webgpu", gpu: realGpu });
    expect(dh.backendInfo().backend).toBe("webgpu");
    expect(() => dh.setBackend("auto")).toThrow(/automatic selection has no device/);
  });
});

describe("jit under automatic selection: a program placed whole, on the core or the GPU", () => {
  // as above: products from 8,192 flops and other kernels from 4,096 values go to the GPU
  const crossover = { matmulFlops: 2 * 16 ** 3, elements: 4096 };
  beforeAll(async () => {
    await dh.ready({ backend: "auto", gpu: hardware(), crossover });
    expect(dh.backendInfo().backend).toBe("auto");
  });
  /** Command buffers submitted by `f` and the task's flush after it. */
  async function submitsOf<T>(f: () => T): Promise<{ result: T; submits: number }> {
    const before = gpuBackend().ctx.submits;
    const result = f();
    await new Promise((r) => setTimeout(r, 0));
    return { result, submits: gpuBackend().ctx.submits - before };
  }
  type P = { w: dh.Tensor; b: dh.Tensor };
  const mse = (p: P, x: dh.Tensor, y: dh.Tensor) => dh.mean(dh.square(dh.sub(dh.tanh(dh.add(dh.matmul(x, p.w), p.b)), y)));
  const vg = (p: P, x: dh.Tensor, y: dh.Tensor) => dh.valueAndGrad((q: P) => mse(q, x, y))(p);
  const params = (k: number, n: number): P => ({ w: dh.randn([k, n], { seed: 21 }).mul(0.3), b: dh.randn([n], { seed: 22 }).mul(0.1) });

  it("a small program stays compiled on the core: the CPU lowering, no GPU work, the eager values", async () => {
    const f = jit(vg);
    const p = params(8, 4), x = dh.randn([6, 8], { seed: 23 }), y = dh.randn([6, 4], { seed: 24 });
    const { result, submits } = await submitsOf(() => [f(p, x, y), f(p, x, y)]);
    expect(submits).toBe(0);
    expect(f.stats).toMatchObject({ traces: 1, compiledCalls: 2, eagerCalls: 0, fallbackReason: null });
    expect(f.stats.lastProgram).toMatchObject({ lowering: "cpu" });
    expect(f.stats.lastProgram!.placement).toBe("on the CPU: every kernel is below the crossover (the largest product 384 flops < 8,192; the largest other kernel (binary) 24 values < 4,096)");
    const want = onJs(() => vg(p, x, y));
    for (const r of result) {
      expect(onGpu(r.value) || onGpu(r.grad.w) || onGpu(r.grad.b)).toBe(false);
      expect(r.value.item()).toBeCloseTo(want.value.item(), 5);
      expect(r.grad.w.dataSync()).toBeAllclose(want.grad.w.dataSync(), { atol: 1e-6, rtol: 1e-5 });
      expect(r.grad.b.dataSync()).toBeAllclose(want.grad.b.dataSync(), { atol: 1e-6, rtol: 1e-5 });
    }
  });

  it("a program with a product at the crossover runs on the GPU, one command buffer a call, the eager values", async () => {
    const f = jit(vg);
    const p = params(16, 16), x = dh.randn([16, 16], { seed: 25 }), y = dh.randn([16, 16], { seed: 26 }); // 16 x 16 x 16: 8,192 flops
    await f(p, x, y).value.data(); // traced, lowered, pipelines built
    const { result: r, submits } = await submitsOf(() => f(p, x, y));
    expect(submits).toBe(1);
    expect(f.stats).toMatchObject({ traces: 1, compiledCalls: 2, eagerCalls: 0, fallbackReason: null });
    expect(f.stats.lastProgram).toMatchObject({ lowering: "webgpu", placement: "on the GPU: a product of 8,192 flops is at or above the crossover (8,192 flops)" });
    expect(onGpu(r.value) && onGpu(r.grad.w) && onGpu(r.grad.b)).toBe(true);
    const want = onJs(() => vg(p, x, y));
    expect((await r.value.data())[0]).toBeCloseTo(want.value.item(), 5);
    expect(await r.grad.w.data()).toBeAllclose(want.grad.w.dataSync(), { atol: 1e-6, rtol: 1e-4 });
    expect(await r.grad.b.data()).toBeAllclose(want.grad.b.dataSync(), { atol: 1e-6, rtol: 1e-4 });
    // one less flop stays on the core
    const g = jit(vg);
    const q = params(15, 16);
    g(q, x.slice([0, 0], [16, 15]), y);
    expect(g.stats.lastProgram).toMatchObject({ lowering: "cpu" });
    expect(gpuBackend().ctx.errors).toEqual([]);
  });

  it("an elementwise program from crossover.elements values runs on the GPU", async () => {
    const f = jit((x: dh.Tensor) => dh.exp(x).mul(2).sub(dh.sin(x)));
    const big = dh.randn([4096], { seed: 27 }), small = dh.randn([4095], { seed: 28 });
    const rb = f(big), rs = f(small);
    expect(f.stats.traces).toBe(2);
    expect(onGpu(rb)).toBe(true);
    expect(onGpu(rs)).toBe(false);
    expect(await rb.data()).toBeAllclose(onJs(() => dh.exp(big).mul(2).sub(dh.sin(big))).dataSync(), { atol: 1e-6, rtol: 1e-5 });
    expect(rs.dataSync()).toBeAllclose(onJs(() => dh.exp(small).mul(2).sub(dh.sin(small))).dataSync(), { atol: 1e-6, rtol: 1e-5 });
    expect(f.stats.lastProgram!.lowering).toBe("cpu"); // the last traced: the small one
  });

  it("inputs on the GPU: lowered to WGSL however small, and where the inputs are is part of the cache key", async () => {
    const f = jit((x: dh.Tensor) => x.mul(2).add(1).sum());
    const onCpu = dh.randn([8], { seed: 29 });
    const big = dh.matmul(dh.randn([16, 16], { seed: 30 }), dh.randn([16, 16], { seed: 31 }));
    const onDevice = big.slice([3, 0], [1, 8]).reshape([8]); // 8 values, on the GPU
    expect(onGpu(onDevice)).toBe(true);
    expect(f(onCpu).item()).toBeCloseTo(onJs(() => onCpu.mul(2).add(1).sum().item()), 4);
    expect(f.stats.lastProgram).toMatchObject({ lowering: "cpu" });
    const r = f(onDevice);
    expect(onGpu(r)).toBe(true);
    expect(f.stats.traces).toBe(2);
    expect(f.stats.lastProgram).toMatchObject({ lowering: "webgpu", placement: "on the GPU: an input is on the GPU" });
    const want = onJs(() => dh.matmul(dh.randn([16, 16], { seed: 30 }), dh.randn([16, 16], { seed: 31 })).slice([3, 0], [1, 8]).mul(2).add(1).sum().item());
    expect((await r.data())[0]).toBeCloseTo(want, 3);
    // both cached: alternating placements retrace nothing and each call runs its own lowering
    for (let i = 0; i < 2; i++) {
      expect(onGpu(f(onCpu))).toBe(false);
      expect(onGpu(f(onDevice))).toBe(true);
    }
    expect(f.stats).toMatchObject({ traces: 2, compiledCalls: 6, eagerCalls: 0 });
  });

  it("what does not lower to WGSL: on the core when the inputs are on the CPU, eagerly (reason kept) when one is on the GPU", async () => {
    const f = jit((x: dh.Tensor) => dh.topk(x.mul(2), 3).values.add(1));
    const large = dh.randn([8, 512], { seed: 32 }); // 4,096 values: placed on the GPU by size
    const want = onJs(() => dh.topk(large.mul(2), 3).values.add(1)).dataSync();
    expect(f(large).dataSync()).toBeAllclose(want, { atol: 1e-6 });
    expect(f.stats.eagerCalls).toBe(0);
    expect(f.stats.lastProgram!.lowering).toBe("cpu");
    expect(f.stats.lastProgram!.placement).toMatch(/^on the CPU: a binary over 4,096 values is at or above the crossover \(4,096 values\), but it does not lower to WGSL: topk has no WGSL kernel/);
    const onDevice = large.mul(1); // 4,096 values: the router puts this on the GPU
    expect(onGpu(onDevice)).toBe(true);
    expect(await f(onDevice).data()).toBeAllclose(want, { atol: 1e-6 });
    expect(f.stats.eagerCalls).toBe(1);
    expect(f.stats.fallbackReason).toMatch(/does not lower to WGSL: topk has no WGSL kernel.*an input is on the GPU, so it cannot be compiled for the CPU either/);
  });

  it("a captured tensor on the GPU is a TraceError naming it (a program's constants are CPU arrays), eager with fallback", async () => {
    const w = dh.matmul(dh.randn([16, 16], { seed: 33 }), dh.randn([16, 16], { seed: 34 })).slice([0, 0], [1, 4]).reshape([4]);
    expect(onGpu(w)).toBe(true);
    const x = dh.tensor([1, 2, 3, 4]);
    expect(() => jit((x: dh.Tensor) => x.add(w))(x)).toThrow(TraceError);
    expect(() => jit((x: dh.Tensor) => x.add(w))(x)).toThrow(/captures a tensor whose values are on the GPU.*pass it as an argument/);
    const f = jit((x: dh.Tensor) => x.add(w), { fallback: "eager" });
    const got = await f(x).data();
    expect(f.stats.eagerCalls).toBe(1);
    expect(got).toBeAllclose(Float32Array.from(await w.data(), (v, i) => v + i + 1), { atol: 1e-6 });
    // as an argument it compiles, on the GPU
    const g = jit((x: dh.Tensor, w: dh.Tensor) => x.add(w));
    expect(await g(x, w).data()).toBeAllclose(got, { atol: 1e-6 });
    expect(g.stats.lastProgram).toMatchObject({ lowering: "webgpu", placement: "on the GPU: an input is on the GPU" });
  });

  it("a compiled gradient and the optimizer: the loop follows the eager one, its path turns to the GPU with the gradients", async () => {
    const x = dh.randn([64, 8], { seed: 11 }), target = dh.randn([64, 8], { seed: 12 }); // products of 8,192 flops
    const loss = (q: P) => dh.mean(dh.square(dh.sub(dh.add(dh.matmul(x, q.w), q.b), target)));
    const run = (g: (p: P) => P, steps: number) => {
      const p = { w: dh.randn([8, 8], { seed: 13 }).mul(0.3), b: dh.zeros([8]) };
      const opt = dh.optimizer(dh.adam({ lr: 0.05 }), p);
      for (let i = 0; i < steps; i++) opt.step(g(p));
      return { p, opt };
    };
    const g = jit(dh.grad(loss));
    const { p, opt } = run(g, 5);
    expect(g.stats).toMatchObject({ traces: 2, compiledCalls: 5, eagerCalls: 0 }); // parameters on the CPU, then on the GPU
    expect(g.stats.lastProgram).toMatchObject({ lowering: "webgpu", placement: "on the GPU: an input is on the GPU" });
    expect(opt.path).toBe("webgpu");
    const ref = onJs(() => run(dh.grad(loss), 5).p);
    expect(await p.w.data()).toBeAllclose(ref.w.dataSync(), { atol: 1e-5, rtol: 1e-4 });
    expect(await p.b.data()).toBeAllclose(ref.b.dataSync(), { atol: 1e-5, rtol: 1e-4 });
    expect(gpuBackend().ctx.errors).toEqual([]);
  });

  it("fit trains through the device loop (reads at read points), as the same fit on the JS reference", async () => {
    // Products of this model pass the crossover, so its values move to the GPU: the CPU loop's
    // per-step item() would fail there (it did, mid-epoch, before fit chose the device loop under "auto").
    const make = () => {
      const rng = new dh.Rng(5);
      return nn.sequential([nn.linear(16, 32, { rng }), nn.relu(), nn.linear(32, 3, { rng })]);
    };
    const x = dh.randn([64, 16], { seed: 31 }), y = dh.tensor(Float32Array.from({ length: 64 }, (_, i) => i % 3));
    const opts = { optimizer: dh.adam({ lr: 0.01 }), loss: "crossEntropy" as const, epochs: 3, batchSize: 16, seed: 2, progress: "none" as const };
    const model = make();
    const r = await fit(model, { x, y }, opts);
    const refModel = make();
    dh.setBackend("js");
    let ref: Awaited<ReturnType<typeof fit>>;
    try {
      ref = await fit(refModel, { x, y }, opts);
    } finally {
      dh.setBackend("auto");
    }
    expect(r.history.epochs.map((e) => e.values.loss)).toBeAllclose(ref.history.epochs.map((e) => e.values.loss), { rtol: 1e-4 });
    expect(r.step).toBe(ref.step);
    const w = (model.params as { "0": { w: dh.Tensor } })["0"].w;
    expect(onGpu(w)).toBe(true); // the parameters did move
    expect(await w.data()).toBeAllclose((refModel.params as { "0": { w: dh.Tensor } })["0"].w.dataSync(), { atol: 1e-5, rtol: 1e-4 });
  });

  it("after a lost device, programs are compiled for the core, GPU inputs included (recomputed on the host)", async () => {
    const f = jit((x: dh.Tensor) => x.mul(3).exp());
    const x = dh.randn([16, 16], { seed: 35 });
    const onDevice = dh.matmul(x, x);
    expect(onGpu(onDevice)).toBe(true);
    const before = await f(onDevice).data();
    expect(f.stats.lastProgram!.lowering).toBe("webgpu");
    const g = gpuBackend();
    g.ctx.device.destroy();
    g.markLost("the WebGPU device was lost (destroyed: by the test)");
    const h = jit((x: dh.Tensor) => x.mul(3).exp());
    expect(h(onDevice).dataSync()).toBeAllclose(before, { rtol: 1e-4 });
    expect(h.stats.lastProgram).toMatchObject({ lowering: "cpu", placement: "on the CPU: the GPU device was lost (its values are recomputed on the host)" });
    expect(await f(onDevice).data()).toBeAllclose(before, { rtol: 1e-4 }); // the GPU program replays on the host
  });
});
