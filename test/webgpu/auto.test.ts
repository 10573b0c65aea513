// Automatic selection, `ready({ backend: "auto" })`: a software adapter is refused (ops stay on
// the WebAssembly core, the reason kept); a hardware adapter is taken and kernels on CPU values go
// to it only from the crossover on, while work on GPU values stays there. This machine has only
// SwiftShader, so "hardware" is SwiftShader behind an adapter that reports an NVIDIA device and no
// fallback flag: what is tested is the selection and the routing, not the speed. The crossover's
// reading (crossoverOf) is tested on hand-made timings; measureCrossover's run on the adapter.
import { describe, expect, it } from "vitest";
import * as dh from "../../src/core.js";
import { backendNamed } from "../../src/backend/select.js";
import { crossoverOf, measureCrossover, type CrossoverSample } from "../../src/backend/webgpu/autoSelect.js";
import { isSoftwareAdapter } from "../../src/backend/webgpu/device.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/entry.js";
import { BackendError } from "../../src/errors.js";

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
