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
 */
import type { DType, FloatArray } from "../../tensor/dtype.js";
import { arrayFor } from "../../tensor/dtype.js";
import { sizeOf, stridesOf, type Shape } from "../../tensor/shape.js";
import type { Backend, Placement, Storage } from "../backend.js";
import type { FusedEngineRequest, FusedEngine } from "../fused/spec.js";
import type { BinaryOp, UnaryOp } from "../ops.js";
import { BINARY_CODES, REDUCE_CODES, UNARY_CODES } from "./codes.js";
import type { Binding, GpuContext } from "./context.js";
import { GpuStorage, knownLineage, resolveLineage, type Lineage } from "./storage.js";
import { chooseMatmul, type Epilogue, type MatmulFlavor } from "./matmul.js";
import { WebGpuEngine } from "./fused.js";

/** What the core hands the backend (the chunk bundles none of the core's state). */
export interface Host {
  /** The backend float64 work and the lost-device fallback run on. */
  cpu: Backend;
  BackendError: new (message: string) => Error;
}

const WG = 256;
/** A lineage chain this long gets a snapshot (an asynchronous read) that cuts it. */
const SNAPSHOT_DEPTH = 256;
/** Fills of at most this many values stay CPU arrays (uploaded with their first use). */
const CPU_FILL_MAX = 1024;

const cpuArray = (s: Storage): FloatArray => s as unknown as FloatArray;
const cpuStorage = (a: FloatArray): Storage => a as unknown as Storage;
const asStorage = (g: GpuStorage): Storage => g as unknown as Storage;
const isGpu = (s: Storage): boolean => (s as unknown) instanceof GpuStorage;
const gpuOf = (s: Storage): GpuStorage => s as unknown as GpuStorage;

function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const s = stridesOf(shape);
  const r = new Array<number>(outShape.length).fill(0);
  const off = outShape.length - shape.length;
  for (let i = 0; i < shape.length; i++) r[off + i] = shape[i] === 1 ? 0 : s[i];
  return r;
}

export interface WebGpuBackend extends Backend {
  readonly ctx: GpuContext;
  readonly adapter: string;
  /** Why the backend runs on the host now (device lost), or null. */
  lostReason: string | null;
  /** C = act(A B + bias), the tiled product with its fused epilogue (bias of n values or null). */
  matmulEpilogue(a: Storage, b: Storage, bias: Storage | null, m: number, k: number, n: number, transA: boolean, transB: boolean, act: "none" | "relu"): Storage;
  /** Which product kernels run: "tiled" (hardware adapters) or "direct" (CPU-backed ones); settable for tests. */
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
}

export function createBackend(ctx: GpuContext, adapter: string, host: Host, fallback = false): WebGpuBackend {
  const cpu = host.cpu;
  const registry = new FinalizationRegistry<GPUBuffer>((buf) => {
    if (!ctx.lost) ctx.pool.release(buf);
  });
  /** Uploads of CPU arrays, kept with the array (tensors are immutable; in-place writers call `written`). */
  let uploads = new WeakMap<object, GpuStorage>();

  function newStorage(n: number, lin: Lineage): GpuStorage {
    const buf = ctx.pool.acquire(n * 4);
    const g = new GpuStorage(buf, n, lin);
    registry.register(g, buf, g);
    return g;
  }

  /** A kernel's output of `n` values, recomputed on the CPU by `replay` should the device be lost. */
  function output(n: number, inputs: Lineage[], replay: () => FloatArray): GpuStorage {
    let depth = 0;
    for (const l of inputs) if (l.cpu === null && l.depth + 1 > depth) depth = l.depth + 1;
    const g = newStorage(n, { cpu: null, replay, depth });
    if (depth >= SNAPSHOT_DEPTH) snapshot(g);
    return g;
  }

  /** Reads `g`'s values back in the background; once there they cut its lineage. */
  function snapshot(g: GpuStorage): void {
    const lin = g.lin;
    lin.depth = 0;
    ctx.read(g.buffer!, g.n * 4).then(
      (ab) => {
        if (lin.cpu === null) {
          lin.cpu = new Float32Array(ab);
          lin.replay = null;
        }
      },
      () => {},
    );
  }

  const lineageOf = (s: Storage): Lineage => (isGpu(s) ? gpuOf(s).lin : knownLineage(cpuArray(s)));
  /** The values on the CPU as storage of the host backend: recomputed where only the lineage knows them. */
  const onCpu = (s: Storage): Storage => (isGpu(s) ? cpuStorage(resolveLineage(gpuOf(s).lin)) : s);
  /** A CPU replay helper: the host kernel over the inputs' lineages. */
  const hostOf = (ls: Lineage[]) => ls.map((l) => cpuStorage(resolveLineage(l)));

  /** The device buffer of a float32 operand, uploading a CPU array once. */
  function bufferOf(s: Storage): GPUBuffer {
    if (isGpu(s)) return gpuOf(s).buffer!;
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

  const gpuPath = (dtype: DType): boolean => dtype === "float32" && !ctx.lost;
  const groups1 = (n: number): [number, number] => ctx.grid(Math.ceil(n / WG));
  let dummy: GPUBuffer | null = null;
  const dummyBuffer = (): GPUBuffer => (dummy ??= ctx.pool.acquire(256));

  function fillGpu(n: number, value: number): GpuStorage {
    const g = output(n, [], () => new Float32Array(n).fill(value));
    if (n > 0) ctx.dispatch(ctx.pipeline("elementwise", "fill"), [g.buffer!, new Uint32Array([n, new Uint32Array(new Float32Array([value]).buffer)[0]])], groups1(n), [1, 2]);
    return g;
  }

  /** Y[box] = X[box] through per-dimension strides (the layout family's `copy`). */
  function copyBox(src: GPUBuffer, dst: GPUBuffer, box: Shape, srcOff: number, srcStrides: readonly number[], dstOff: number, dstStrides: readonly number[]): void {
    const n = sizeOf(box);
    if (n === 0) return;
    const r = box.length;
    const meta = new Uint32Array(4 + 3 * r);
    meta[0] = n; meta[1] = r; meta[2] = srcOff; meta[3] = dstOff;
    for (let d = 0; d < r; d++) {
      meta[4 + d] = box[d];
      meta[4 + r + d] = srcStrides[d];
      meta[4 + 2 * r + d] = dstStrides[d];
    }
    ctx.dispatch(ctx.pipeline("layout", "copy"), [src, dst, meta], groups1(n));
  }

  function matmulGpu(a: Storage, b: Storage, bias: Storage | null, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, epi: Epilogue): GpuStorage {
    const la = lineageOf(a), lb = lineageOf(b), lbias = bias ? lineageOf(bias) : null;
    const out = output(batch * m * n, lbias ? [la, lb, lbias] : [la, lb], () => {
      const [ca, cb] = hostOf([la, lb]);
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
    });
    if (batch * m * n === 0) return out;
    const A = bufferOf(a), B = bufferOf(b), C = out.buffer!;
    if (k === 0) {
      ctx.dispatch(ctx.pipeline("elementwise", "fill"), [C, new Uint32Array([batch * m * n, 0])], groups1(batch * m * n), [1, 2]);
      return out;
    }
    const plan = chooseMatmul(m, k, n, transA, transB, epi, backend.matmulFlavor);
    if (plan.kind === "direct") {
      const pipe = ctx.pipeline("matmul", "direct", { TRANS_A: transA ? 1 : 0, TRANS_B: transB ? 1 : 0, EPI: epi });
      if (batch > ctx.maxGroups) throw new host.BackendError(`matmul: a batch of ${batch} exceeds this adapter's ${ctx.maxGroups} workgroups per dimension`);
      ctx.dispatch(pipe, [A, B, C, new Uint32Array([m, k, n]), bias ? bufferOf(bias) : dummyBuffer()], [Math.ceil(n / 32), Math.ceil(m / 32), batch]);
    } else if (plan.kind === "dot") {
      const [U, V] = plan.uIsA ? [A, B] : [B, A];
      const meta = new Uint32Array([plan.outN, k, batch, plan.us, plan.uo, plan.up, plan.vs, plan.vp]);
      const total = plan.outN * batch;
      const g = plan.entry === "dotGroup" ? ctx.grid(total) : groups1(total);
      ctx.dispatch(ctx.pipeline("matmul", plan.entry), [U, V, C, meta], g);
    } else {
      const bm = 16 * plan.r, bn = 16 * plan.r;
      const constants = { TRANS_A: transA ? 1 : 0, TRANS_B: transB ? 1 : 0, EPI: epi, RM: plan.r, RN: plan.r, BK: plan.bk };
      const pipe = ctx.pipeline("matmul", "tiled", constants);
      const maxZ = ctx.maxGroups;
      for (let b0 = 0; b0 < batch; b0 += maxZ) {
        // batches beyond one dispatch's z-extent: offset views are not possible on whole-buffer
        // bindings, so a larger batch is split into dispatches over copied slices (rare)
        if (b0 > 0 || batch > maxZ) throw new host.BackendError(`matmul: a batch of ${batch} exceeds this adapter's ${maxZ} workgroups per dimension`);
        ctx.dispatch(pipe, [A, B, C, new Uint32Array([m, k, n]), bias ? bufferOf(bias) : dummyBuffer()], [Math.ceil(n / bn), Math.ceil(m / bm), batch]);
      }
    }
    return out;
  }

  const backend: WebGpuBackend = {
    name: "webgpu",
    ctx,
    adapter,
    lostReason: null,
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
          const values = new Float32Array(await ctx.read(g.buffer, n * 4));
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
      const out = output(n, [lx], () => cpuArray(cpu.unary(op, cpuStorage(resolveLineage(lx)), dtype, n)));
      if (n > 0) ctx.dispatch(ctx.pipeline("elementwise", "unary", { OP: UNARY_CODES[op] }), [bufferOf(x), out.buffer!, new Uint32Array([n])], groups1(n));
      return asStorage(out);
    },
    binary(op, a, aShape, b, bShape, outShape, dtype) {
      if (!gpuPath(dtype)) return cpu.binary(op, onCpu(a), aShape, onCpu(b), bShape, outShape, dtype);
      const n = sizeOf(outShape), la = lineageOf(a), lb = lineageOf(b);
      const out = output(n, [la, lb], () => {
        const [ca, cb] = hostOf([la, lb]);
        return cpuArray(cpu.binary(op, ca, aShape, cb, bShape, outShape, dtype));
      });
      if (n > 0) {
        const r = outShape.length, sa = broadcastStrides(aShape, outShape), sb = broadcastStrides(bShape, outShape);
        const meta = new Uint32Array(2 + 3 * r);
        meta[0] = n; meta[1] = r;
        for (let d = 0; d < r; d++) { meta[2 + d] = outShape[d]; meta[2 + r + d] = sa[d]; meta[2 + 2 * r + d] = sb[d]; }
        ctx.dispatch(ctx.pipeline("elementwise", "binary", { OP: BINARY_CODES[op] }), [bufferOf(a), bufferOf(b), out.buffer!, meta], groups1(n));
      }
      return asStorage(out);
    },
    where(cond, cShape, a, aShape, b, bShape, outShape, dtype) {
      if (!gpuPath(dtype)) return cpu.where(onCpu(cond), cShape, onCpu(a), aShape, onCpu(b), bShape, outShape, dtype);
      const n = sizeOf(outShape), lc = lineageOf(cond), la = lineageOf(a), lb = lineageOf(b);
      const out = output(n, [lc, la, lb], () => {
        const [cc, ca, cb] = hostOf([lc, la, lb]);
        return cpuArray(cpu.where(cc, cShape, ca, aShape, cb, bShape, outShape, dtype));
      });
      if (n > 0) {
        const r = outShape.length, sc = broadcastStrides(cShape, outShape), sa = broadcastStrides(aShape, outShape), sb = broadcastStrides(bShape, outShape);
        const meta = new Uint32Array(2 + 4 * r);
        meta[0] = n; meta[1] = r;
        for (let d = 0; d < r; d++) { meta[2 + d] = outShape[d]; meta[2 + r + d] = sc[d]; meta[2 + 2 * r + d] = sa[d]; meta[2 + 3 * r + d] = sb[d]; }
        ctx.dispatch(ctx.pipeline("elementwise", "where_"), [bufferOf(cond), bufferOf(a), bufferOf(b), out.buffer!, meta], groups1(n));
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
      if (n > 0) ctx.dispatch(ctx.pipeline("elementwise", "crossEntropy"), [bufferOf(x), bufferOf(t), out.buffer!, dummyBuffer(), new Uint32Array([n, 0])], groups1(n));
      return asStorage(out);
    },
    crossEntropyResidual(x, t, dtype, n) {
      if (!gpuPath(dtype)) return cpu.crossEntropyResidual(onCpu(x), onCpu(t), dtype, n);
      const lx = lineageOf(x), lt = lineageOf(t);
      let both: [Storage, Storage] | null = null;
      const pair = () => (both ??= cpu.crossEntropyResidual(...(hostOf([lx, lt]) as [Storage, Storage]), dtype, n));
      const loss = output(n, [lx, lt], () => cpuArray(pair()[0]));
      const res = output(n, [lx, lt], () => cpuArray(pair()[1]));
      if (n > 0) ctx.dispatch(ctx.pipeline("elementwise", "crossEntropy"), [bufferOf(x), bufferOf(t), loss.buffer!, res.buffer!, new Uint32Array([n, 1])], groups1(n));
      return [asStorage(loss), asStorage(res)];
    },

    reduce(op, x, shape, axes, dtype) {
      if (!gpuPath(dtype)) return cpu.reduce(op, onCpu(x), shape, axes, dtype);
      const strides = stridesOf(shape);
      const kept: number[] = [], keptS: number[] = [], red: number[] = [], redS: number[] = [];
      shape.forEach((d, i) => (axes.includes(i) ? (red.push(d), redS.push(strides[i])) : (kept.push(d), keptS.push(strides[i]))));
      const nOut = sizeOf(kept), count = sizeOf(red);
      const lx = lineageOf(x);
      const out = output(nOut, [lx], () => cpuArray(cpu.reduce(op, cpuStorage(resolveLineage(lx)), shape, axes, dtype)));
      if (nOut > 0) {
        const meta = new Uint32Array([nOut, count, kept.length, red.length, ...kept, ...keptS, ...red, ...redS]);
        // a workgroup per output for long reductions on hardware; one invocation per output for
        // short ones, and on CPU-backed adapters unless an output has a great many values
        const lane = count <= (backend.matmulFlavor === "direct" ? 1 << 16 : 256) || backend.reduceFlavor === "lane";
        if (lane) ctx.dispatch(ctx.pipeline("reduce", "reduceLane", { OP: REDUCE_CODES[op] }), [bufferOf(x), out.buffer!, meta], groups1(nOut));
        else ctx.dispatch(ctx.pipeline("reduce", "reduce", { OP: REDUCE_CODES[op] }), [bufferOf(x), out.buffer!, meta], ctx.grid(nOut));
      }
      return asStorage(out);
    },
    cumsum(x, shape, axis, reverse, dtype) {
      if (!gpuPath(dtype)) return cpu.cumsum(onCpu(x), shape, axis, reverse, dtype);
      const n = sizeOf(shape), len = shape[axis], inner = sizeOf(shape.slice(axis + 1)), lines = len === 0 ? 0 : n / len;
      const lx = lineageOf(x);
      const out = output(n, [lx], () => cpuArray(cpu.cumsum(cpuStorage(resolveLineage(lx)), shape, axis, reverse, dtype)));
      if (lines > 0) ctx.dispatch(ctx.pipeline("layout", "cumsum"), [bufferOf(x), out.buffer!, new Uint32Array([lines, len, inner, reverse ? 1 : 0])], groups1(lines));
      return asStorage(out);
    },
    broadcast(x, shape, outShape, dtype) {
      if (!gpuPath(dtype)) return cpu.broadcast(onCpu(x), shape, outShape, dtype);
      const lx = lineageOf(x);
      const out = output(sizeOf(outShape), [lx], () => cpuArray(cpu.broadcast(cpuStorage(resolveLineage(lx)), shape, outShape, dtype)));
      copyBox(bufferOf(x), out.buffer!, outShape, 0, broadcastStrides(shape, outShape), 0, stridesOf(outShape));
      return asStorage(out);
    },
    transpose(x, shape, perm, dtype) {
      if (!gpuPath(dtype)) return cpu.transpose(onCpu(x), shape, perm, dtype);
      const lx = lineageOf(x);
      const out = output(sizeOf(shape), [lx], () => cpuArray(cpu.transpose(cpuStorage(resolveLineage(lx)), shape, perm, dtype)));
      const s = stridesOf(shape), outShape = perm.map((p) => shape[p]);
      copyBox(bufferOf(x), out.buffer!, outShape, 0, perm.map((p) => s[p]), 0, stridesOf(outShape));
      return asStorage(out);
    },
    slice(x, shape, begin, size, dtype) {
      if (!gpuPath(dtype)) return cpu.slice(onCpu(x), shape, begin, size, dtype);
      const lx = lineageOf(x);
      const out = output(sizeOf(size), [lx], () => cpuArray(cpu.slice(cpuStorage(resolveLineage(lx)), shape, begin, size, dtype)));
      const s = stridesOf(shape);
      copyBox(bufferOf(x), out.buffer!, size, begin.reduce((o, b, d) => o + b * s[d], 0), s, 0, stridesOf(size));
      return asStorage(out);
    },
    place(parts, outShape, dtype) {
      if (!gpuPath(dtype)) return cpu.place(parts.map((p) => ({ ...p, x: onCpu(p.x) })), outShape, dtype);
      const n = sizeOf(outShape), lins = parts.map((p) => lineageOf(p.x));
      const out = output(n, lins, () => {
        const xs = hostOf(lins);
        return cpuArray(cpu.place(parts.map((p, i): Placement => ({ x: xs[i], shape: p.shape, begin: p.begin })), outShape, dtype));
      });
      if (n === 0) return asStorage(out);
      ctx.dispatch(ctx.pipeline("elementwise", "fill"), [out.buffer!, new Uint32Array([n, 0])], groups1(n), [1, 2]);
      const os = stridesOf(outShape);
      for (const p of parts) copyBox(bufferOf(p.x), out.buffer!, p.shape, 0, stridesOf(p.shape), p.begin.reduce((o, b, d) => o + b * os[d], 0), os);
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
      if (n > 0) ctx.dispatch(ctx.pipeline("layout", "gather"), [bufferOf(x), keep, out.buffer!, new Uint32Array([n, dim, idx.length, inner])], groups1(n));
      return asStorage(out);
    },
    scatterAdd(g, outer, dim, inner, idx, dtype) {
      if (!gpuPath(dtype)) return cpu.scatterAdd(onCpu(g), outer, dim, inner, idx, dtype);
      const n = outer * dim * inner, lg = lineageOf(g), keep = idx.slice();
      const out = output(n, [lg], () => cpuArray(cpu.scatterAdd(cpuStorage(resolveLineage(lg)), outer, dim, inner, keep, dtype)));
      if (n > 0) ctx.dispatch(ctx.pipeline("layout", "scatterAdd"), [idx.length > 0 ? bufferOf(g) : dummyBuffer(), keep.length > 0 ? keep : new Int32Array(1), out.buffer!, new Uint32Array([n, dim, idx.length, inner])], groups1(n));
      return asStorage(out);
    },
    oneHot(idx, depth, dtype) {
      if (!gpuPath(dtype) || idx.length * depth <= CPU_FILL_MAX) return cpu.oneHot(idx, depth, dtype);
      const n = idx.length * depth, keep = idx.slice();
      const out = output(n, [], () => cpuArray(cpu.oneHot(keep, depth, dtype)));
      ctx.dispatch(ctx.pipeline("layout", "oneHot"), [keep, out.buffer!, new Uint32Array([n, depth])], groups1(n), [1, 2, 3]);
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
      if (rows * len > 0) ctx.dispatch(ctx.pipeline("reduce", "softmax"), [bufferOf(x), out.buffer!, new Uint32Array([rows, len, log ? 1 : 0])], ctx.grid(rows));
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
