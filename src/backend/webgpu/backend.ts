/// <reference types="@webgpu/types" />
/**
 * The WebGPU backend: float32 tensors live in device buffers (GpuStorage) and every kernel of the
 * interface is a WGSL dispatch (kernels/*.wgsl); float64 tensors, which WGSL cannot hold, stay on
 * the host backend (the WebAssembly core) and run there. Inputs that are CPU arrays (tensors made
 * by `tensor()`, small fills) are uploaded on first use and the upload is kept with the array.
 * Values come back only through `read()` (`await t.data()`); a synchronous read of a value that
 * exists only on the device is a BackendError naming the op. When the device is lost every later
 * call runs on the host backend, and each GPU-held value is recomputed there from its lineage
 * (storage.ts), so no tensor's values are lost.
 *
 * Mixed precision (`precision: "mixed"`, halfStorage.ts): products read both operands as packed
 * binary16 (an operand held in float32, such as a parameter, is packed into a temporary for the
 * call) and accumulate in float32; their results, and the results of elementwise ops whose
 * full-size operands are all binary16, are stored as binary16 (activations and their
 * gradients). Every other kernel reads a binary16 operand through a float32 temporary (unpacked
 * for the call) and writes float32, so float32 wins wherever it meets binary16 at full size:
 * parameters, the optimizer's state and its update stay float32, and the fused optimizer reads
 * binary16 gradients as float32. Compiled programs (src/jit/webgpuLowering.ts) store their values
 * by the same rule.
 */
import type { DType, FloatArray } from "../../tensor/dtype.js";
import { arrayFor } from "../../tensor/dtype.js";
import { sizeOf } from "../../tensor/shape.js";
import type { Backend, Placement, Storage } from "../backend.js";
import type { FusedEngineRequest, FusedEngine } from "../fused/spec.js";
import type { BinaryOp, UnaryOp } from "../ops.js";
import type { Binding, GpuContext } from "./context.js";
import { GpuStorage, knownLineage, resolveLineage, type Lineage } from "./storage.js";
import type { Epilogue, MatmulFlavor } from "./matmul.js";
import { WebGpuEngine } from "./fused.js";
import { gpuKernels, type GpuKernels, type Sink } from "./kernels.js";
import { fusedPassInvocations, fusedPassWgsl, type FusedPass } from "./fusedPass.js";
import { halfWords, roundToHalves, unpackHalves, type Precision } from "./halfStorage.js";
import commonSrc from "../../../kernels/common.wgsl";
import elementwiseSrc from "../../../kernels/elementwise.wgsl";
import halfFormatSrc from "../../../kernels/halfFormat.wgsl";

/** What the core hands the backend (the chunk bundles none of the core's state). */
export interface Host {
  /** The backend float64 work and the lost-device fallback run on. */
  cpu: Backend;
  BackendError: new (message: string) => Error;
}

/** A lineage chain this long gets a snapshot (an asynchronous read) that cuts it. */
const SNAPSHOT_DEPTH = 256;
/** Fills of at most this many values stay CPU arrays (uploaded with their first use). */
const CPU_FILL_MAX = 1024;

/**
 * A replay whose values are rounded to binary16. Made here, at module level, so the closure holds
 * only `replay` (one made inside `output` would share its context, and keep the new storage and
 * its buffer alive from every lineage downstream).
 */
const roundedReplay = (replay: () => FloatArray) => (): FloatArray => roundToHalves(replay());

const cpuArray = (s: Storage): FloatArray => s as unknown as FloatArray;
const cpuStorage = (a: FloatArray): Storage => a as unknown as Storage;
const asStorage = (g: GpuStorage): Storage => g as unknown as Storage;
const isGpu = (s: Storage): boolean => (s as unknown) instanceof GpuStorage;
const gpuOf = (s: Storage): GpuStorage => s as unknown as GpuStorage;

export interface WebGpuBackend extends Backend {
  readonly ctx: GpuContext;
  readonly adapter: string;
  /** Why the backend runs on the host now (device lost), or null. */
  lostReason: string | null;
  /** C = act(A B + bias), the tiled product with its fused epilogue (bias of n values or null). */
  matmulEpilogue(a: Storage, b: Storage, bias: Storage | null, m: number, k: number, n: number, transA: boolean, transB: boolean, act: "none" | "relu"): Storage;
  /** "f32", or "mixed": activations stored as binary16 (the header; settable, for tests). */
  precision: Precision;
  /** Whether `s` is device storage holding packed binary16 values. */
  isHalf(s: Storage): boolean;
  /** Which product kernels run: "tiled" (hardware adapters), "direct" (CPU-backed ones) or "wide" (forced; matmul.ts MatmulFlavor); settable for tests. */
  matmulFlavor: MatmulFlavor;
  /** Forces the one-invocation-per-output reduction ("lane"), or leaves the choice by size (null); for tests. */
  reduceFlavor: "lane" | null;
  /** Softmax (or log-softmax) over contiguous rows of `len` values. */
  softmax(x: Storage, rows: number, len: number, log: boolean): Storage;
  /** Marks the device lost (the `device.lost` handler; tests call it after `device.destroy()`). */
  markLost(reason: string): void;
  /** Buffers and bytes held: live (tensors' buffers) and pooled. */
  stats(): { liveBuffers: number; liveBytes: number; pooledBytes: number; pipelines: number; submits: number };
  /** Forgets the upload of a CPU array written in place (select.ts `dataWritten`). */
  written(a: unknown): void;
  /** Whether `s` is this backend's device storage. */
  holds(s: Storage): boolean;
  /** What a compiled program (src/jit/webgpuLowering.ts) runs on: the into-kernels and the buffers. */
  readonly programs: ProgramHost;
}

/**
 * The backend's side of a compiled program: its kernels over any buffer references (the program
 * records their dispatches once and replays them), generated fused passes, and buffers.
 */
export interface ProgramHost {
  readonly ctx: GpuContext;
  kernels<B>(sink: Sink<B>): GpuKernels<B>;
  /** The pipeline of a generated fused pass (cached by its WGSL text), that text, and the invocations its dispatch covers. */
  fusedPipeline(pass: FusedPass): { pipe: GPUComputePipeline; wgsl: string; invocations: number };
  /** The device buffer of an operand as float32 (a CPU array is uploaded once; binary16 is unpacked into a temporary). */
  bufferOf(s: Storage): GPUBuffer;
  /** The device buffer of an operand of `n` values as packed binary16 (float32 is packed into a temporary). */
  halfBufferOf(s: Storage, n: number): GPUBuffer;
  /**
   * A tensor's storage over a new pooled buffer of `n` values (back to the pool when collected),
   * recomputed by `replay` from the `inputs`' lineages if the device is lost.
   */
  output(n: number, inputs: Lineage[], replay: () => FloatArray, half?: boolean): { storage: Storage; buffer: GPUBuffer };
  /** The lineage of an operand (its CPU values, or the recipe for them). */
  lineageOf(s: Storage): Lineage;
  /** The host backend (float64, and everything once the device is lost). */
  readonly cpu: Backend;
  /** The backend's precision mode now: a program lowered under "mixed" stores values as eager mixed precision does. */
  readonly precision: Precision;
}

export function createBackend(ctx: GpuContext, adapter: string, host: Host, fallback = false, precision: Precision = "f32"): WebGpuBackend {
  const cpu = host.cpu;
  const registry = new FinalizationRegistry<GPUBuffer>((buf) => {
    if (!ctx.lost) ctx.pool.release(buf);
  });
  /** Uploads of CPU arrays, kept with the array (tensors are immutable; in-place writers call `written`). */
  let uploads = new WeakMap<object, GpuStorage>();

  function newStorage(n: number, lin: Lineage, half = false): GpuStorage {
    const buf = ctx.pool.acquire(half ? halfWords(n) * 4 : n * 4);
    const g = new GpuStorage(buf, n, lin, half);
    registry.register(g, buf, g);
    return g;
  }

  /**
   * A kernel's output of `n` values, recomputed on the CPU by `replay` should the device be lost
   * (a binary16 output's replayed values rounded to binary16, as the device stored them).
   */
  function output(n: number, inputs: Lineage[], replay: () => FloatArray, half = false): GpuStorage {
    let depth = 0;
    for (const l of inputs) if (l.cpu === null && l.depth + 1 > depth) depth = l.depth + 1;
    const g = newStorage(n, { cpu: null, replay: half ? roundedReplay(replay) : replay, depth }, half);
    if (depth >= SNAPSHOT_DEPTH) {
      // after the caller has encoded the kernel that writes g (a read now would copy the buffer
      // before it is written: seen as zeros from a chain of 257 adds)
      g.lin.depth = 0;
      queueMicrotask(() => snapshot(g));
    }
    return g;
  }

  /** Reads `g`'s values back in the background; once there they cut its lineage. */
  function snapshot(g: GpuStorage): void {
    const lin = g.lin;
    lin.depth = 0;
    readValues(g).then(
      (values) => {
        if (lin.cpu === null) {
          lin.cpu = values;
          lin.replay = null;
        }
      },
      () => {},
    );
  }

  /** The values of `g`'s buffer on the CPU (binary16 unpacked). */
  async function readValues(g: GpuStorage): Promise<Float32Array> {
    if (!g.half) return new Float32Array(await ctx.read(g.buffer!, g.n * 4));
    return unpackHalves(new Uint32Array(await ctx.read(g.buffer!, halfWords(g.n) * 4)), g.n);
  }

  const lineageOf = (s: Storage): Lineage => (isGpu(s) ? gpuOf(s).lin : knownLineage(cpuArray(s)));
  /** The values on the CPU as storage of the host backend: recomputed where only the lineage knows them. */
  const onCpu = (s: Storage): Storage => (isGpu(s) ? cpuStorage(resolveLineage(gpuOf(s).lin)) : s);
  /** A CPU replay helper: the host kernel over the inputs' lineages. */
  const hostOf = (ls: Lineage[]) => ls.map((l) => cpuStorage(resolveLineage(l)));

  /**
   * The device buffer of an operand as float32 values, uploading a CPU array once; binary16
   * storage is unpacked into a temporary (`ctx.temporary`: valid until the op's dispatches are submitted).
   */
  function bufferOf(s: Storage): GPUBuffer {
    if (isGpu(s)) {
      const g = gpuOf(s);
      if (!g.half) return g.buffer!;
      const t = ctx.temporary(g.n * 4);
      kern.unpack(g.buffer!, t, g.n);
      return t;
    }
    const a = cpuArray(s);
    let g = uploads.get(a);
    if (!g) {
      const f = a instanceof Float32Array ? a : Float32Array.from(a);
      g = newStorage(a.length, knownLineage(a));
      if (f.byteLength > 0) ctx.device.queue.writeBuffer(g.buffer!, 0, f.buffer, f.byteOffset, f.byteLength);
      uploads.set(a, g);
    }
    return g.buffer!;
  }

  /** The device buffer of a product's operand as packed binary16: float32 values are packed into a temporary. */
  function halfBufferOf(s: Storage, n: number): GPUBuffer {
    if (isGpu(s) && gpuOf(s).half) return gpuOf(s).buffer!;
    const t = ctx.temporary(halfWords(n) * 4);
    kern.pack(bufferOf(s), t, n);
    return t;
  }

  /**
   * Whether an elementwise result of `n` values is stored as binary16: in mixed precision, when
   * every operand of the result's full size is binary16 (broadcast operands such as a bias row
   * or a scalar do not decide; a full-size float32 operand keeps the result float32).
   */
  function halfResult(n: number, operands: ReadonlyArray<readonly [Storage, number]>): boolean {
    if (backend.precision !== "mixed") return false;
    let full = 0;
    for (const [s, size] of operands) {
      if (size !== n) continue;
      if (!(isGpu(s) && gpuOf(s).half)) return false;
      full++;
    }
    return full > 0;
  }

  // A kernel writes float32 into `target(out)`: out's buffer, or for binary16 `out` a temporary
  // that `settle` then packs into it. (No closure over the operands here: one created next to a
  // lineage's replay shares its context and would keep the operands' buffers alive with it.)
  const target = (out: GpuStorage): GPUBuffer => (out.half ? ctx.temporary(out.n * 4) : out.buffer!);
  function settle(out: GpuStorage, y: GPUBuffer): void {
    if (out.half) kern.pack(y, out.buffer!, out.n);
  }

  const gpuPath = (dtype: DType): boolean => dtype === "float32" && !ctx.lost;
  let dummy: GPUBuffer | null = null;
  const dummyBuffer = (): GPUBuffer => (dummy ??= ctx.pool.acquire(256));
  // the into-kernels, encoding at once (a compiled program records the same calls: ProgramHost)
  const flavors = { get matmulFlavor() { return backend.matmulFlavor; }, get reduceFlavor() { return backend.reduceFlavor; } };
  const kernelsFor = <B>(sink: Sink<B>): GpuKernels<B> => gpuKernels(ctx, sink, flavors, host.BackendError);
  const kern = kernelsFor<GPUBuffer>({ dispatch: (pipe, b, g, slots) => ctx.dispatch(pipe, b, g, slots), copy: (src, dst, bytes) => ctx.copy(src, dst, bytes), placeholder: dummyBuffer });

  function fillGpu(n: number, value: number): GpuStorage {
    const g = output(n, [], () => new Float32Array(n).fill(value));
    kern.fill(g.buffer!, n, value);
    return g;
  }

  function matmulGpu(a: Storage, b: Storage, bias: Storage | null, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, epi: Epilogue): GpuStorage {
    const la = lineageOf(a), lb = lineageOf(b), lbias = bias ? lineageOf(bias) : null;
    const mixed = backend.precision === "mixed";
    const out = output(batch * m * n, lbias ? [la, lb, lbias] : [la, lb], () => {
      // under mixed precision the device multiplies the operands rounded to binary16
      const [ca, cb] = mixed ? [la, lb].map((l) => cpuStorage(roundToHalves(resolveLineage(l)))) : hostOf([la, lb]);
      const c = cpuArray(cpu.matmul(ca, cb, batch, m, k, n, transA, transB, "float32"));
      if (lbias || epi !== 0) {
        const bv = lbias ? resolveLineage(lbias) : null;
        for (let i = 0; i < c.length; i++) {
          let v = c[i] + (bv ? bv[i % n] : 0);
          if (epi >= 2) v = v < 0 ? 0 : v;
          c[i] = v;
        }
      }
      return c;
    }, mixed);
    if (batch * m * n === 0) return out;
    if (!mixed) kern.matmul(bufferOf(a), bufferOf(b), bias ? bufferOf(bias) : null, out.buffer!, batch, m, k, n, transA, transB, epi);
    else kern.matmulHalf(halfBufferOf(a, batch * m * k), halfBufferOf(b, batch * k * n), bias ? bufferOf(bias) : null, out.buffer!, batch, m, k, n, transA, transB, epi);
    return out;
  }

  const fusedPipelines = new Map<string, GPUComputePipeline>();
  const programs: ProgramHost = {
    ctx,
    cpu,
    kernels: kernelsFor,
    fusedPipeline(pass) {
      const wgsl = fusedPassWgsl(pass);
      let pipe = fusedPipelines.get(wgsl);
      if (!pipe) {
        const module = ctx.device.createShaderModule({ code: commonSrc + elementwiseSrc + halfFormatSrc + wgsl, label: "fused" });
        pipe = ctx.device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "fused" }, label: "fused" });
        fusedPipelines.set(wgsl, pipe);
      }
      return { pipe, wgsl, invocations: fusedPassInvocations(pass) };
    },
    bufferOf,
    halfBufferOf,
    get precision() {
      return backend.precision;
    },
    output(n, inputs, replay, half = false) {
      const g = output(n, inputs, replay, half);
      return { storage: asStorage(g), buffer: g.buffer! };
    },
    lineageOf,
  };

  const backend: WebGpuBackend = {
    name: "webgpu",
    ctx,
    adapter,
    lostReason: null,
    precision,
    isHalf: (s) => isGpu(s) && gpuOf(s).half,
    matmulFlavor: fallback ? "direct" : "tiled",
    reduceFlavor: null,

    zeros: (dtype, n) => cpuStorage(arrayFor(dtype, n)),
    adopt: (values) => cpuStorage(values),
    async read(s, dtype, n) {
      if (!isGpu(s)) return cpuArray(s).slice();
      const g = gpuOf(s);
      if (g.lin.cpu) return g.lin.cpu.slice();
      if (!ctx.lost && g.buffer) {
        try {
          const values = await readValues(g);
          g.lin.cpu ??= values.slice();
          g.lin.replay = null;
          return values;
        } catch (e) {
          if (!ctx.lost) throw e;
        }
      }
      return resolveLineage(g.lin).slice();
    },
    readSync(s, op) {
      if (!isGpu(s)) return cpuArray(s);
      const g = gpuOf(s);
      if (g.lin.cpu) return g.lin.cpu;
      if (ctx.lost) return resolveLineage(g.lin);
      throw new host.BackendError(`${op}: the webgpu backend holds this tensor's values on the GPU; read them with \`await t.data()\``);
    },
    valuesAvailable: (s) => !isGpu(s) || gpuOf(s).lin.cpu !== null || ctx.lost,

    unary(op, x, dtype, n) {
      if (!gpuPath(dtype)) return cpu.unary(op, onCpu(x), dtype, n);
      const lx = lineageOf(x);
      const out = output(n, [lx], () => cpuArray(cpu.unary(op, cpuStorage(resolveLineage(lx)), dtype, n)), halfResult(n, [[x, n]]));
      const y = target(out);
      kern.unary(op, bufferOf(x), y, n);
      settle(out, y);
      return asStorage(out);
    },
    binary(op, a, aShape, b, bShape, outShape, dtype) {
      if (!gpuPath(dtype)) return cpu.binary(op, onCpu(a), aShape, onCpu(b), bShape, outShape, dtype);
      const n = sizeOf(outShape), la = lineageOf(a), lb = lineageOf(b);
      const out = output(n, [la, lb], () => {
        const [ca, cb] = hostOf([la, lb]);
        return cpuArray(cpu.binary(op, ca, aShape, cb, bShape, outShape, dtype));
      }, halfResult(n, [[a, sizeOf(aShape)], [b, sizeOf(bShape)]]));
      if (n > 0) {
        const y = target(out);
        kern.binary(op, bufferOf(a), aShape, bufferOf(b), bShape, y, outShape);
        settle(out, y);
      }
      return asStorage(out);
    },
    where(cond, cShape, a, aShape, b, bShape, outShape, dtype) {
      if (!gpuPath(dtype)) return cpu.where(onCpu(cond), cShape, onCpu(a), aShape, onCpu(b), bShape, outShape, dtype);
      const n = sizeOf(outShape), lc = lineageOf(cond), la = lineageOf(a), lb = lineageOf(b);
      const out = output(n, [lc, la, lb], () => {
        const [cc, ca, cb] = hostOf([lc, la, lb]);
        return cpuArray(cpu.where(cc, cShape, ca, aShape, cb, bShape, outShape, dtype));
      }, halfResult(n, [[cond, sizeOf(cShape)], [a, sizeOf(aShape)], [b, sizeOf(bShape)]]));
      if (n > 0) {
        const y = target(out);
        kern.where(bufferOf(cond), cShape, bufferOf(a), aShape, bufferOf(b), bShape, y, outShape);
        settle(out, y);
      }
      return asStorage(out);
    },
    fill(dtype, n, value) {
      if (!gpuPath(dtype) || n <= CPU_FILL_MAX) return cpu.fill(dtype, n, value);
      return asStorage(fillGpu(n, value));
    },
    cast(x, n, to) {
      if (!isGpu(x)) return cpu.cast(x, n, to);
      if (to === "float64") {
        const g = gpuOf(x);
        if (g.lin.cpu || ctx.lost) return cpu.cast(cpuStorage(resolveLineage(g.lin)), n, to);
        throw new host.BackendError(`cast: float64 values cannot live on the GPU (WGSL has no float64), and this float32 tensor's values are on the GPU; read them with \`await t.data()\` and make a float64 tensor of them`);
      }
      if (ctx.lost) return cpu.cast(onCpu(x), n, to);
      const lx = lineageOf(x);
      const out = output(n, [lx], () => resolveLineage(lx).slice());
      ctx.copy(bufferOf(x), out.buffer!, n * 4);
      return asStorage(out);
    },
    crossEntropyLogits(x, t, dtype, n) {
      if (!gpuPath(dtype)) return cpu.crossEntropyLogits(onCpu(x), onCpu(t), dtype, n);
      const lx = lineageOf(x), lt = lineageOf(t);
      const out = output(n, [lx, lt], () => cpuArray(cpu.crossEntropyLogits(...(hostOf([lx, lt]) as [Storage, Storage]), dtype, n)));
      if (n > 0) kern.crossEntropy(bufferOf(x), bufferOf(t), out.buffer!, null, n);
      return asStorage(out);
    },
    crossEntropyResidual(x, t, dtype, n) {
      if (!gpuPath(dtype)) return cpu.crossEntropyResidual(onCpu(x), onCpu(t), dtype, n);
      const lx = lineageOf(x), lt = lineageOf(t);
      let both: [Storage, Storage] | null = null;
      const pair = () => (both ??= cpu.crossEntropyResidual(...(hostOf([lx, lt]) as [Storage, Storage]), dtype, n));
      const loss = output(n, [lx, lt], () => cpuArray(pair()[0]));
      const res = output(n, [lx, lt], () => cpuArray(pair()[1]));
      if (n > 0) kern.crossEntropy(bufferOf(x), bufferOf(t), loss.buffer!, res.buffer!, n);
      return [asStorage(loss), asStorage(res)];
    },

    reduce(op, x, shape, axes, dtype) {
      if (!gpuPath(dtype)) return cpu.reduce(op, onCpu(x), shape, axes, dtype);
      let nOut = 1;
      for (let i = 0; i < shape.length; i++) if (!axes.includes(i)) nOut *= shape[i];
      const lx = lineageOf(x);
      const out = output(nOut, [lx], () => cpuArray(cpu.reduce(op, cpuStorage(resolveLineage(lx)), shape, axes, dtype)));
      if (nOut > 0) kern.reduce(op, bufferOf(x), shape, axes, out.buffer!);
      return asStorage(out);
    },
    cumsum(x, shape, axis, reverse, dtype) {
      if (!gpuPath(dtype)) return cpu.cumsum(onCpu(x), shape, axis, reverse, dtype);
      const n = sizeOf(shape);
      const lx = lineageOf(x);
      const out = output(n, [lx], () => cpuArray(cpu.cumsum(cpuStorage(resolveLineage(lx)), shape, axis, reverse, dtype)));
      if (n > 0) kern.cumsum(bufferOf(x), shape, axis, reverse, out.buffer!);
      return asStorage(out);
    },
    broadcast(x, shape, outShape, dtype) {
      if (!gpuPath(dtype)) return cpu.broadcast(onCpu(x), shape, outShape, dtype);
      const lx = lineageOf(x);
      const out = output(sizeOf(outShape), [lx], () => cpuArray(cpu.broadcast(cpuStorage(resolveLineage(lx)), shape, outShape, dtype)));
      kern.broadcast(bufferOf(x), shape, out.buffer!, outShape);
      return asStorage(out);
    },
    transpose(x, shape, perm, dtype) {
      if (!gpuPath(dtype)) return cpu.transpose(onCpu(x), shape, perm, dtype);
      const lx = lineageOf(x);
      const out = output(sizeOf(shape), [lx], () => cpuArray(cpu.transpose(cpuStorage(resolveLineage(lx)), shape, perm, dtype)));
      kern.transpose(bufferOf(x), shape, perm, out.buffer!);
      return asStorage(out);
    },
    slice(x, shape, begin, size, dtype) {
      if (!gpuPath(dtype)) return cpu.slice(onCpu(x), shape, begin, size, dtype);
      const lx = lineageOf(x);
      const out = output(sizeOf(size), [lx], () => cpuArray(cpu.slice(cpuStorage(resolveLineage(lx)), shape, begin, size, dtype)));
      kern.slice(bufferOf(x), shape, begin, size, out.buffer!);
      return asStorage(out);
    },
    place(parts, outShape, dtype) {
      if (!gpuPath(dtype)) return cpu.place(parts.map((p) => ({ ...p, x: onCpu(p.x) })), outShape, dtype);
      const n = sizeOf(outShape), lins = parts.map((p) => lineageOf(p.x));
      const out = output(n, lins, () => {
        const xs = hostOf(lins);
        return cpuArray(cpu.place(parts.map((p, i): Placement => ({ x: xs[i], shape: p.shape, begin: p.begin })), outShape, dtype));
      });
      if (n > 0) kern.place(parts.map((p) => ({ x: bufferOf(p.x), shape: p.shape, begin: p.begin })), outShape, out.buffer!);
      return asStorage(out);
    },
    // topk and its gather/scatter pair have no WGSL kernel yet: they run on the CPU over the
    // operands' values (recomputed from their lineage when only the GPU holds them), and the
    // results start on the CPU (uploaded when a GPU op reads them)
    topk: (x, outer, dim, inner, k, dtype) => cpu.topk(onCpu(x), outer, dim, inner, k, dtype),
    takeAlong: (x, idx, outer, dim, inner, k, dtype) => cpu.takeAlong(onCpu(x), onCpu(idx), outer, dim, inner, k, dtype),
    putAlong: (g, idx, outer, dim, inner, k, dtype) => cpu.putAlong(onCpu(g), onCpu(idx), outer, dim, inner, k, dtype),
    gather(x, outer, dim, inner, idx, dtype) {
      if (!gpuPath(dtype)) return cpu.gather(onCpu(x), outer, dim, inner, idx, dtype);
      const n = outer * idx.length * inner, lx = lineageOf(x), keep = idx.slice();
      const out = output(n, [lx], () => cpuArray(cpu.gather(cpuStorage(resolveLineage(lx)), outer, dim, inner, keep, dtype)));
      if (n > 0) kern.gather(bufferOf(x), dim, inner, keep, out.buffer!, n);
      return asStorage(out);
    },
    scatterAdd(g, outer, dim, inner, idx, dtype) {
      if (!gpuPath(dtype)) return cpu.scatterAdd(onCpu(g), outer, dim, inner, idx, dtype);
      const n = outer * dim * inner, lg = lineageOf(g), keep = idx.slice();
      const out = output(n, [lg], () => cpuArray(cpu.scatterAdd(cpuStorage(resolveLineage(lg)), outer, dim, inner, keep, dtype)));
      if (n > 0) kern.scatterAdd(idx.length > 0 ? bufferOf(g) : dummyBuffer(), dim, inner, keep, out.buffer!, n);
      return asStorage(out);
    },
    oneHot(idx, depth, dtype) {
      if (!gpuPath(dtype) || idx.length * depth <= CPU_FILL_MAX) return cpu.oneHot(idx, depth, dtype);
      const n = idx.length * depth, keep = idx.slice();
      const out = output(n, [], () => cpuArray(cpu.oneHot(keep, depth, dtype)));
      kern.oneHot(keep, depth, out.buffer!);
      return asStorage(out);
    },
    matmul(a, b, batch, m, k, n, transA, transB, dtype) {
      if (!gpuPath(dtype)) return cpu.matmul(onCpu(a), onCpu(b), batch, m, k, n, transA, transB, dtype);
      return asStorage(matmulGpu(a, b, null, batch, m, k, n, transA, transB, 0));
    },
    matmulEpilogue(a, b, bias, m, k, n, transA, transB, act) {
      const epi: Epilogue = bias ? (act === "relu" ? 2 : 1) : act === "relu" ? 3 : 0;
      if (ctx.lost) {
        const c = cpuArray(cpu.matmul(onCpu(a), onCpu(b), 1, m, k, n, transA, transB, "float32")).slice();
        const bv = bias ? cpuArray(onCpu(bias)) : null;
        for (let i = 0; i < c.length; i++) { let v = c[i] + (bv ? bv[i % n] : 0); if (epi >= 2) v = v < 0 ? 0 : v; c[i] = v; }
        return cpuStorage(c);
      }
      return asStorage(matmulGpu(a, b, bias, 1, m, k, n, transA, transB, epi));
    },
    softmax(x, rows, len, log) {
      const ref = (v: FloatArray): FloatArray => {
        const y = new Float32Array(v.length);
        for (let r = 0; r < rows; r++) {
          let mx = -Infinity, s = 0;
          for (let j = 0; j < len; j++) mx = Math.max(mx, v[r * len + j]);
          for (let j = 0; j < len; j++) s += Math.exp(v[r * len + j] - mx);
          for (let j = 0; j < len; j++) y[r * len + j] = log ? v[r * len + j] - mx - Math.log(s) : Math.exp(v[r * len + j] - mx) / s;
        }
        return y;
      };
      if (ctx.lost) return cpuStorage(ref(cpuArray(onCpu(x))));
      const lx = lineageOf(x);
      const out = output(rows * len, [lx], () => ref(resolveLineage(lx)));
      kern.softmax(bufferOf(x), out.buffer!, rows, len, log);
      return asStorage(out);
    },

    linalg: cpu.linalg,
    blas1: cpu.blas1,
    denseSymmetric: cpu.denseSymmetric ? (n) => cpu.denseSymmetric!(n) : undefined,
    fusedOptimizer(request: FusedEngineRequest): FusedEngine | null {
      if (request.dtype !== "float32" || ctx.lost) return cpu.fusedOptimizer(request);
      return WebGpuEngine.create(request, engineHost);
    },

    markLost(reason) {
      if (ctx.lost) return;
      ctx.lost = true;
      backend.lostReason = reason;
      uploads = new WeakMap();
    },
    stats: () => ({ liveBuffers: ctx.pool.liveBuffers, liveBytes: ctx.pool.liveBytes, pooledBytes: ctx.pool.pooledBytes, pipelines: ctx.pipelineCount, submits: ctx.submits }),
    holds: isGpu,
    programs,
    written(a) {
      if (a && typeof a === "object") uploads.delete(a);
    },
  };

  const engineHost = { ctx, cpu, bufferOf, lineageOf, newStorage, snapshot, BackendError: host.BackendError, isGpu, gpuOf, placeholder: dummyBuffer };
  return backend;
}

export type EngineHost = {
  ctx: GpuContext;
  cpu: Backend;
  bufferOf(s: Storage): GPUBuffer;
  lineageOf(s: Storage): Lineage;
  newStorage(n: number, lin: Lineage): GpuStorage;
  snapshot(g: GpuStorage): void;
  BackendError: new (message: string) => Error;
  isGpu(s: Storage): boolean;
  gpuOf(s: Storage): GpuStorage;
  /** A small buffer for bindings a kernel names but does not use. */
  placeholder(): GPUBuffer;
};
export type { Binding };
