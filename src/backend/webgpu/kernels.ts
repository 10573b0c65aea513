/// <reference types="@webgpu/types" />
/**
 * The WebGPU kernels as into-kernels: each writes an output buffer it is given, and encodes its
 * dispatches into a `Sink`. The eager backend (backend.ts) gives them device buffers and a sink
 * that encodes at once; a compiled program (src/jit/webgpuLowering.ts) gives them references to
 * its planned buffers and a sink that records, so both run the same dispatches with the same
 * pipelines and metadata. `B` is what a buffer operand is: a GPUBuffer, or a program's reference.
 */
import { sizeOf, stridesOf, type Shape } from "../../tensor/shape.js";
import type { BinaryOp, UnaryOp } from "../ops.js";
import { BINARY_CODES, REDUCE_CODES, UNARY_CODES } from "./codes.js";
import type { GpuContext } from "./context.js";
import { chooseMatmul, WIDE_TILE, type Epilogue, type MatmulFlavor } from "./matmul.js";
import { halfWords } from "./halfStorage.js";

/** Metadata words or an index table, uploaded with the dispatch (or once, by a program). */
export type Words = Uint32Array | Int32Array;

export interface Sink<B> {
  /** One dispatch: `bindings[i]` at binding `slots[i]` (default 0, 1, ...). */
  dispatch(pipe: GPUComputePipeline, bindings: Array<B | Words>, groups: [number, number, number?], slots?: number[]): void;
  /** A buffer copy of `bytes` from the start of `src` to the start of `dst`. */
  copy(src: B, dst: B, bytes: number): void;
  /** A small buffer for bindings a kernel names but does not read. */
  placeholder(): B;
}

/** Which kernel variants run (the backend's settable flavors, read at each call). */
export interface Flavors {
  matmulFlavor: MatmulFlavor;
  reduceFlavor: "lane" | null;
}

export const WG = 256;

export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const s = stridesOf(shape);
  const r = new Array<number>(outShape.length).fill(0);
  const off = outShape.length - shape.length;
  for (let i = 0; i < shape.length; i++) r[off + i] = shape[i] === 1 ? 0 : s[i];
  return r;
}

export type GpuKernels<B> = ReturnType<typeof gpuKernels<B>>;

export function gpuKernels<B>(ctx: GpuContext, sink: Sink<B>, flavors: Flavors, BackendError: new (message: string) => Error) {
  const groups1 = (n: number): [number, number] => ctx.grid(Math.ceil(n / WG));

  function fill(y: B, n: number, value: number): void {
    if (n > 0) sink.dispatch(ctx.pipeline("elementwise", "fill"), [y, new Uint32Array([n, new Uint32Array(new Float32Array([value]).buffer)[0]])], groups1(n), [1, 2]);
  }

  /** Y[box] = X[box] through per-dimension strides (the layout family's `copy`). */
  function copyBox(src: B, dst: B, box: Shape, srcOff: number, srcStrides: readonly number[], dstOff: number, dstStrides: readonly number[]): void {
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
    sink.dispatch(ctx.pipeline("layout", "copy"), [src, dst, meta], groups1(n));
  }

  return {
    fill,
    copyBox,
    unary(op: UnaryOp, x: B, y: B, n: number): void {
      if (n > 0) sink.dispatch(ctx.pipeline("elementwise", "unary", { OP: UNARY_CODES[op] }), [x, y, new Uint32Array([n])], groups1(n));
    },
    binary(op: BinaryOp, a: B, aShape: Shape, b: B, bShape: Shape, y: B, outShape: Shape): void {
      const n = sizeOf(outShape);
      if (n === 0) return;
      const r = outShape.length, sa = broadcastStrides(aShape, outShape), sb = broadcastStrides(bShape, outShape);
      const meta = new Uint32Array(2 + 3 * r);
      meta[0] = n; meta[1] = r;
      for (let d = 0; d < r; d++) { meta[2 + d] = outShape[d]; meta[2 + r + d] = sa[d]; meta[2 + 2 * r + d] = sb[d]; }
      sink.dispatch(ctx.pipeline("elementwise", "binary", { OP: BINARY_CODES[op] }), [a, b, y, meta], groups1(n));
    },
    where(cond: B, cShape: Shape, a: B, aShape: Shape, b: B, bShape: Shape, y: B, outShape: Shape): void {
      const n = sizeOf(outShape);
      if (n === 0) return;
      const r = outShape.length, sc = broadcastStrides(cShape, outShape), sa = broadcastStrides(aShape, outShape), sb = broadcastStrides(bShape, outShape);
      const meta = new Uint32Array(2 + 4 * r);
      meta[0] = n; meta[1] = r;
      for (let d = 0; d < r; d++) { meta[2 + d] = outShape[d]; meta[2 + r + d] = sc[d]; meta[2 + 2 * r + d] = sa[d]; meta[2 + 3 * r + d] = sb[d]; }
      sink.dispatch(ctx.pipeline("elementwise", "where_"), [cond, a, b, y, meta], groups1(n));
    },
    /** A float32 copy (cast to float32). */
    copy(x: B, y: B, n: number): void {
      sink.copy(x, y, n * 4);
    },
    /** The logistic loss on logits, and with `res` the residual sigmoid(x) - t. */
    crossEntropy(x: B, t: B, loss: B, res: B | null, n: number): void {
      if (n > 0) sink.dispatch(ctx.pipeline("elementwise", "crossEntropy"), [x, t, loss, res ?? sink.placeholder(), new Uint32Array([n, res ? 1 : 0])], groups1(n));
    },
    reduce(op: keyof typeof REDUCE_CODES, x: B, shape: Shape, axes: readonly number[], y: B): void {
      const strides = stridesOf(shape);
      const kept: number[] = [], keptS: number[] = [], red: number[] = [], redS: number[] = [];
      shape.forEach((d, i) => (axes.includes(i) ? (red.push(d), redS.push(strides[i])) : (kept.push(d), keptS.push(strides[i]))));
      const nOut = sizeOf(kept), count = sizeOf(red);
      if (nOut === 0) return;
      const meta = new Uint32Array([nOut, count, kept.length, red.length, ...kept, ...keptS, ...red, ...redS]);
      // a workgroup per output for long reductions on hardware; one invocation per output for
      // short ones, and on CPU-backed adapters unless an output has a great many values
      const lane = count <= (flavors.matmulFlavor === "direct" ? 1 << 16 : 256) || flavors.reduceFlavor === "lane";
      if (lane) sink.dispatch(ctx.pipeline("reduce", "reduceLane", { OP: REDUCE_CODES[op] }), [x, y, meta], groups1(nOut));
      else sink.dispatch(ctx.pipeline("reduce", "reduce", { OP: REDUCE_CODES[op] }), [x, y, meta], ctx.grid(nOut));
    },
    cumsum(x: B, shape: Shape, axis: number, reverse: boolean, y: B): void {
      const n = sizeOf(shape), len = shape[axis], inner = sizeOf(shape.slice(axis + 1)), lines = len === 0 ? 0 : n / len;
      if (lines > 0) sink.dispatch(ctx.pipeline("layout", "cumsum"), [x, y, new Uint32Array([lines, len, inner, reverse ? 1 : 0])], groups1(lines));
    },
    broadcast(x: B, shape: Shape, y: B, outShape: Shape): void {
      copyBox(x, y, outShape, 0, broadcastStrides(shape, outShape), 0, stridesOf(outShape));
    },
    transpose(x: B, shape: Shape, perm: readonly number[], y: B): void {
      const s = stridesOf(shape), outShape = perm.map((p) => shape[p]);
      copyBox(x, y, outShape, 0, perm.map((p) => s[p]), 0, stridesOf(outShape));
    },
    slice(x: B, shape: Shape, begin: readonly number[], size: Shape, y: B): void {
      const s = stridesOf(shape);
      copyBox(x, y, size, begin.reduce((o, b, d) => o + b * s[d], 0), s, 0, stridesOf(size));
    },
    place(parts: ReadonlyArray<{ x: B; shape: Shape; begin: readonly number[] }>, outShape: Shape, y: B): void {
      const n = sizeOf(outShape);
      if (n === 0) return;
      fill(y, n, 0);
      const os = stridesOf(outShape);
      for (const p of parts) copyBox(p.x, y, p.shape, 0, stridesOf(p.shape), p.begin.reduce((o, b, d) => o + b * os[d], 0), os);
    },
    gather(x: B, dim: number, inner: number, idx: Int32Array, y: B, n: number): void {
      if (n > 0) sink.dispatch(ctx.pipeline("layout", "gather"), [x, idx, y, new Uint32Array([n, dim, idx.length, inner])], groups1(n));
    },
    scatterAdd(g: B, dim: number, inner: number, idx: Int32Array, y: B, n: number): void {
      if (n > 0) sink.dispatch(ctx.pipeline("layout", "scatterAdd"), [idx.length > 0 ? g : sink.placeholder(), idx.length > 0 ? idx : new Int32Array(1), y, new Uint32Array([n, dim, idx.length, inner])], groups1(n));
    },
    oneHot(idx: Int32Array, depth: number, y: B): void {
      const n = idx.length * depth;
      if (n > 0) sink.dispatch(ctx.pipeline("layout", "oneHot"), [idx, y, new Uint32Array([n, depth])], groups1(n), [1, 2, 3]);
    },
    /** C = epi(A B + bias) for `batch` products. */
    matmul(a: B, b: B, bias: B | null, c: B, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, epi: Epilogue): void {
      if (batch * m * n === 0) return;
      if (k === 0) return fill(c, batch * m * n, 0);
      const plan = chooseMatmul(m, k, n, transA, transB, epi, flavors.matmulFlavor, batch);
      const tooMany = () => new BackendError(`matmul: a batch of ${batch} exceeds this adapter's ${ctx.maxGroups} workgroups per dimension`);
      if (plan.kind === "direct") {
        if (batch > ctx.maxGroups) throw tooMany();
        const pipe = ctx.pipeline("matmul", "direct", { TRANS_A: transA ? 1 : 0, TRANS_B: transB ? 1 : 0, EPI: epi });
        sink.dispatch(pipe, [a, b, c, new Uint32Array([m, k, n]), bias ?? sink.placeholder()], [Math.ceil(n / 32), Math.ceil(m / 32), batch]);
      } else if (plan.kind === "dot") {
        const [U, V] = plan.uIsA ? [a, b] : [b, a];
        const meta = new Uint32Array([plan.outN, k, batch, plan.us, plan.uo, plan.up, plan.vs, plan.vp]);
        const total = plan.outN * batch;
        sink.dispatch(ctx.pipeline("matmul", plan.entry), [U, V, c, meta], plan.entry === "dotGroup" ? ctx.grid(total) : groups1(total));
      } else if (plan.kind === "wide") {
        if (batch > ctx.maxGroups) throw tooMany();
        const pipe = ctx.pipeline("matmul", "wide", { TRANS_A: transA ? 1 : 0, TRANS_B: transB ? 1 : 0, EPI: epi });
        sink.dispatch(pipe, [a, b, c, new Uint32Array([m, k, n]), bias ?? sink.placeholder()], [Math.ceil(n / WIDE_TILE), Math.ceil(m / WIDE_TILE), batch]);
      } else {
        const bm = 16 * plan.r, bn = 16 * plan.r;
        // offset views are not possible on whole-buffer bindings, so a batch beyond one
        // dispatch's z-extent would need copied slices (rare; refused)
        if (batch > ctx.maxGroups) throw tooMany();
        const constants = { TRANS_A: transA ? 1 : 0, TRANS_B: transB ? 1 : 0, EPI: epi, RM: plan.r, RN: plan.r, BK: plan.bk };
        sink.dispatch(ctx.pipeline("matmul", "tiled", constants), [a, b, c, new Uint32Array([m, k, n]), bias ?? sink.placeholder()], [Math.ceil(n / bn), Math.ceil(m / bm), batch]);
      }
    },
    /** Packs n float32 values of x into ceil(n / 2) binary16 words of y (halfStorage.ts). */
    pack(x: B, y: B, n: number): void {
      if (n > 0) sink.dispatch(ctx.pipeline("half", "pack"), [x, y, new Uint32Array([n])], groups1(Math.ceil(n / 2)));
    },
    /** Unpacks n binary16 values of h into float32 values of y. */
    unpack(h: B, y: B, n: number): void {
      if (n > 0) sink.dispatch(ctx.pipeline("half", "unpack"), [h, y, new Uint32Array([n])], groups1(n));
    },
    /**
     * C = epi(A B + bias) over packed binary16 operands, accumulated in float32 and stored packed
     * binary16: the tiled, wide or direct product of the float32 path with loads that unpack and a
     * store that rounds and or-s into C, which is cleared first (matrix-vector shapes take the
     * tiled kernel with one register per invocation: the dot kernels are float32 only).
     */
    matmulHalf(a: B, b: B, bias: B | null, c: B, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, epi: Epilogue): void {
      if (batch * m * n === 0) return;
      if (batch > ctx.maxGroups) throw new BackendError(`matmul: a batch of ${batch} exceeds this adapter's ${ctx.maxGroups} workgroups per dimension`);
      fill(c, halfWords(batch * m * n), 0); // zero bits: binary16 zeros (the product's store or-s into them)
      if (k === 0) return;
      const plan = chooseMatmul(m, k, n, transA, transB, epi, flavors.matmulFlavor, batch);
      const meta = new Uint32Array([m, k, n]);
      if (plan.kind === "direct" || plan.kind === "wide") {
        const pipe = ctx.pipeline("matmulHalf", plan.kind, { TRANS_A: transA ? 1 : 0, TRANS_B: transB ? 1 : 0, EPI: epi });
        const tile = plan.kind === "wide" ? WIDE_TILE : 32;
        sink.dispatch(pipe, [a, b, c, meta, bias ?? sink.placeholder()], [Math.ceil(n / tile), Math.ceil(m / tile), batch]);
        return;
      }
      const r = plan.kind === "tiled" ? plan.r : 1, bm = 16 * r, bn = 16 * r;
      const constants = { TRANS_A: transA ? 1 : 0, TRANS_B: transB ? 1 : 0, EPI: epi, RM: r, RN: r, BK: 16 };
      sink.dispatch(ctx.pipeline("matmulHalf", "tiled", constants), [a, b, c, meta, bias ?? sink.placeholder()], [Math.ceil(n / bn), Math.ceil(m / bm), batch]);
    },
    softmax(x: B, y: B, rows: number, len: number, log: boolean): void {
      if (rows * len > 0) sink.dispatch(ctx.pipeline("reduce", "softmax"), [x, y, new Uint32Array([rows, len, log ? 1 : 0])], ctx.grid(rows));
    },
  };
}
