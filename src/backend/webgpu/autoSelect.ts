/**
 * Automatic backend selection (`ready({ backend: "auto" })`): a Backend that sends each kernel to
 * the GPU or to the SIMD core. Work whose inputs are already on the GPU stays there (reading them
 * back synchronously is impossible, and moving them costs more than the kernel); work on CPU
 * values goes to the GPU only from the measured crossover on: matrix products from
 * `crossover.matmulFlops` flops (2 b m k n), every other kernel from `crossover.elements` values.
 * The crossover is measured once per device by `measureCrossover`, which times the same products
 * and sums on both sides with the transfers counted (upload of the operands, read of the result),
 * sides alternating, best of rounds. Only a hardware adapter gets this far (device.ts refuses
 * software ones under automatic selection). It is part of the WebGPU chunk (entry.ts), so the
 * core's bundle carries none of it. `jit` places a whole compiled program by the same rule
 * (src/jit/autoPlacement.ts) through the router's `routed` field: the GPU's program host, the
 * core, and the crossover.
 */
import { sizeOf } from "../../tensor/shape.js";
import type { Backend, Storage } from "../backend.js";
import type { FusedEngine, FusedEngineRequest } from "../fused/spec.js";
import type { ProgramHost } from "./backend.js";
import type { Crossover, CrossoverSample } from "../select.js";

export type { Crossover, CrossoverSample } from "../select.js";

/** A measured crossover and the timings it was read from. */
export interface MeasuredCrossover extends Crossover {
  samples: CrossoverSample[];
}

/** What the router needs of the WebGPU backend (select.ts's `DeviceBackend`). */
export interface RoutedDevice extends Backend {
  readonly lostReason: string | null;
  holds(s: Storage): boolean;
  /** What a program lowered to WGSL runs on (src/jit/webgpuLowering.ts). */
  readonly programs: ProgramHost;
}

/** What `jit` needs of the router to place and lower a compiled program (src/jit/jit.ts `loweringFor`). */
export interface RoutedPrograms {
  readonly gpu: RoutedDevice;
  /** The core, whose `cpu` into-kernels run programs placed on the CPU. */
  readonly cpu: Backend;
  readonly crossover: Crossover;
}

/** The router: a Backend named "auto", with what `jit` needs. */
export interface AutoBackend extends Backend {
  readonly name: "auto";
  readonly routed: RoutedPrograms;
}

/**
 * The threshold read from timings of one kind, smallest work first: the work of the smallest
 * size from which the GPU wins at that size and at every larger one measured; Infinity when it
 * does not win at the largest (so a GPU that only wins at a size in the middle is not trusted).
 */
export function crossoverOf(samples: readonly CrossoverSample[]): number {
  let from = Infinity;
  for (let i = samples.length - 1; i >= 0; i--) {
    if (samples[i].gpuMs < samples[i].cpuMs) from = samples[i].work;
    else break;
  }
  return from;
}

export interface MeasureOptions {
  /** Square product sizes n (n x n x n), ascending; default 64 to 1024. */
  matmulSizes?: readonly number[];
  /** Elementwise lengths, ascending; default 2^14 to 2^22. */
  elementSizes?: readonly number[];
  /** Stop a family at the first size where one call on either side takes longer (default 250 ms). */
  callBudgetMs?: number;
  /** Rounds per size, sides alternating, best kept (default 3). */
  rounds?: number;
}

/** Values that are not all equal (the sum must do work) and cheap to make. */
function filled(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ((i * 7 + seed * 13) % 17) / 17 - 0.5;
  return a;
}

/**
 * Times square products and elementwise sums on `gpu` and `cpu`, inputs fresh CPU arrays each
 * call (so every GPU call pays the upload) and each GPU result read back, and returns the
 * crossover. The first GPU call of each family (pipeline compilation) is not timed.
 */
export async function measureCrossover(gpu: Backend, cpu: Backend, options: MeasureOptions = {}): Promise<MeasuredCrossover> {
  const budget = options.callBudgetMs ?? 250, rounds = options.rounds ?? 3;
  const samples: CrossoverSample[] = [];
  /** `prepare(b, s)` makes the inputs (not timed) and returns the kernel call (timed, with the read). */
  const family = async (kind: CrossoverSample["kind"], sizes: readonly number[], work: (s: number) => number, prepare: (b: Backend, s: number) => () => Storage, outLen: (s: number) => number): Promise<number> => {
    const mine: CrossoverSample[] = [];
    if (sizes.length === 0) return Infinity;
    const time = async (b: Backend, s: number): Promise<number> => {
      const call = prepare(b, s);
      const t = performance.now();
      await b.read(call(), "float32", outLen(s));
      return performance.now() - t;
    };
    await time(gpu, sizes[0]); // compiles the pipelines
    for (const s of sizes) {
      let g = Infinity, c = Infinity;
      for (let r = 0; r < rounds; r++) {
        g = Math.min(g, await time(gpu, s));
        c = Math.min(c, await time(cpu, s));
        if (g > budget || c > budget) break;
      }
      mine.push({ kind, work: work(s), gpuMs: g, cpuMs: c });
      if (g > budget || c > budget) break;
    }
    samples.push(...mine);
    return crossoverOf(mine);
  };
  const matmulFlops = await family(
    "matmul",
    options.matmulSizes ?? [64, 128, 256, 512, 1024],
    (n) => 2 * n ** 3,
    (b, n) => {
      const x = b.adopt(filled(n * n, 1)), y = b.adopt(filled(n * n, 2));
      return () => b.matmul(x, y, 1, n, n, n, false, false, "float32");
    },
    (n) => n * n,
  );
  const elements = await family(
    "elementwise",
    options.elementSizes ?? [1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22],
    (n) => n,
    (b, n) => {
      const x = b.adopt(filled(n, 1)), y = b.adopt(filled(n, 2));
      return () => b.binary("add", x, [n], y, [n], [n], "float32");
    },
    (n) => n,
  );
  return { matmulFlops, elements, samples };
}

/**
 * The routing backend. Kernels on float32 CPU values at or above the crossover, and kernels any of
 * whose inputs the GPU holds, go to `gpu`; the rest to `cpu`. Creation (zeros, adopt, fills, one-hot
 * rows) stays on the CPU: the GPU backend uploads a CPU array on its first GPU use. Linear algebra
 * and BLAS-1 are the core's. It has no compiled (`cpu`) kernels of its own: `jit` lowers each
 * program for one side (`routed`; a CPU program never reads a value the router sent to the GPU).
 */
export function createAutoBackend(gpu: RoutedDevice, cpu: Backend, crossover: Crossover, BackendError: new (message: string) => Error): AutoBackend {
  const onGpu = (s: Storage): boolean => gpu.holds(s);
  /** The backend for a kernel over `inputs` doing `work` (values, or flops when `flops`). */
  const pick = (inputs: readonly Storage[], work: number, flops = false): Backend => {
    if (inputs.some(onGpu)) return gpu;
    if (gpu.lostReason !== null) return cpu;
    return work >= (flops ? crossover.matmulFlops : crossover.elements) ? gpu : cpu;
  };
  const f32 = (dtype: string, b: () => Backend): Backend => (dtype === "float32" ? b() : cpu);

  const backend: AutoBackend = {
    name: "auto",
    routed: { gpu, cpu, crossover },
    zeros: (dtype, n) => cpu.zeros(dtype, n),
    adopt: (values) => cpu.adopt(values),
    read: (s, dtype, n) => (onGpu(s) ? gpu : cpu).read(s, dtype, n),
    readSync: (s, op) => (onGpu(s) ? gpu : cpu).readSync!(s, op),
    valuesAvailable: (s) => (onGpu(s) ? (gpu.valuesAvailable?.(s) ?? true) : (cpu.valuesAvailable?.(s) ?? true)),
    unary: (op, x, dtype, n) => f32(dtype, () => pick([x], n)).unary(op, x, dtype, n),
    binary: (op, a, aShape, b, bShape, outShape, dtype) => f32(dtype, () => pick([a, b], sizeOf(outShape))).binary(op, a, aShape, b, bShape, outShape, dtype),
    where: (c, cShape, a, aShape, b, bShape, outShape, dtype) => f32(dtype, () => pick([c, a, b], sizeOf(outShape))).where(c, cShape, a, aShape, b, bShape, outShape, dtype),
    fill: (dtype, n, value) => cpu.fill(dtype, n, value),
    cast: (x, n, to) => (onGpu(x) ? gpu : cpu).cast(x, n, to),
    crossEntropyLogits: (x, t, dtype, n) => f32(dtype, () => pick([x, t], n)).crossEntropyLogits(x, t, dtype, n),
    crossEntropyResidual: (x, t, dtype, n) => f32(dtype, () => pick([x, t], n)).crossEntropyResidual(x, t, dtype, n),
    reduce: (op, x, shape, axes, dtype) => f32(dtype, () => pick([x], sizeOf(shape))).reduce(op, x, shape, axes, dtype),
    cumsum: (x, shape, axis, reverse, dtype) => f32(dtype, () => pick([x], sizeOf(shape))).cumsum(x, shape, axis, reverse, dtype),
    broadcast: (x, shape, outShape, dtype) => f32(dtype, () => pick([x], sizeOf(outShape))).broadcast(x, shape, outShape, dtype),
    transpose: (x, shape, perm, dtype) => f32(dtype, () => pick([x], sizeOf(shape))).transpose(x, shape, perm, dtype),
    slice: (x, shape, begin, size, dtype) => f32(dtype, () => pick([x], sizeOf(size))).slice(x, shape, begin, size, dtype),
    place: (parts, outShape, dtype) => f32(dtype, () => pick(parts.map((p) => p.x), sizeOf(outShape))).place(parts, outShape, dtype),
    gather: (x, outer, dim, inner, idx, dtype) => f32(dtype, () => pick([x], outer * idx.length * inner)).gather(x, outer, dim, inner, idx, dtype),
    scatterAdd: (g, outer, dim, inner, idx, dtype) => f32(dtype, () => pick([g], outer * dim * inner)).scatterAdd(g, outer, dim, inner, idx, dtype),
    // topk and its pair have no GPU kernel: the GPU backend runs them on the host over GPU operands
    topk: (x, outer, dim, inner, k, dtype) => (onGpu(x) ? gpu : cpu).topk(x, outer, dim, inner, k, dtype),
    takeAlong: (x, idx, outer, dim, inner, k, dtype) => (onGpu(x) || onGpu(idx) ? gpu : cpu).takeAlong(x, idx, outer, dim, inner, k, dtype),
    putAlong: (g, idx, outer, dim, inner, k, dtype) => (onGpu(g) || onGpu(idx) ? gpu : cpu).putAlong(g, idx, outer, dim, inner, k, dtype),
    oneHot: (idx, depth, dtype) => cpu.oneHot(idx, depth, dtype),
    matmul: (a, b, batch, m, k, n, transA, transB, dtype) => f32(dtype, () => pick([a, b], 2 * batch * m * k * n, true)).matmul(a, b, batch, m, k, n, transA, transB, dtype),
    linalg: cpu.linalg,
    blas1: cpu.blas1,
    denseSymmetric: cpu.denseSymmetric ? (n) => cpu.denseSymmetric!(n) : undefined,
    fusedOptimizer: (request) => routedEngine(request, gpu, cpu, crossover, BackendError),
  };
  return backend;
}

/**
 * The optimizer's fused step under automatic selection: on the GPU when the parameters are there
 * or are at least `crossover.elements` values together; else on the core, moving to the GPU (one
 * way: the moments synced out, the GPU engine made over the same cells) at the first step whose
 * gradients the GPU holds (large products sent them there), which the core cannot read.
 */
function routedEngine(request: FusedEngineRequest, gpu: RoutedDevice, cpu: Backend, crossover: Crossover, BackendError: new (message: string) => Error): FusedEngine | null {
  if (request.dtype !== "float32") return cpu.fusedOptimizer(request);
  const total = request.params.reduce((s, c) => s + c.size, 0);
  if (request.params.some((c) => gpu.holds(c._storage)) || (gpu.lostReason === null && total >= crossover.elements)) return gpu.fusedOptimizer(request);
  let engine = cpu.fusedOptimizer(request);
  if (engine === null) return null;
  let moved = false;
  return {
    get path() {
      return engine!.path;
    },
    get threads() {
      return engine!.threads;
    },
    step(grads, count, lr) {
      if (!moved && grads.some((g) => gpu.holds(g))) {
        // the core's engine gives the parameters their own arrays back and the moments to the
        // state's cells; the GPU engine then copies both to the device
        engine!.dispose();
        const onDevice = gpu.fusedOptimizer(request);
        if (onDevice === null) throw new BackendError(`optimizer.step: the gradients are on the GPU (automatic selection sent their products there) and the WebGPU backend has no fused ${request.step.kind} step${request.step.clipNorm !== undefined ? " with a global-norm clip" : ""}; pass { fused: "pure" } to optimizer()`);
        engine = onDevice;
        moved = true;
      }
      engine!.step(grads, count, lr);
    },
    syncOut: () => engine!.syncOut(),
    syncIn: () => engine!.syncIn(),
    dispose: () => engine!.dispose(),
  };
}
