/**
 * The CPU backends' kernels in "into" form: each writes its result into an array the caller
 * provides (of the right dtype and size, any previous contents), so both the allocating backend
 * methods (backend.ts) and compiled programs (src/jit, which plan and reuse their buffers) run the
 * very same code, and a compiled function gives the eager bits. The WebAssembly backend overrides
 * the hot entries (src/backend/wasm/backend.ts).
 */
import type { FloatArray } from "../../tensor/dtype.js";
import type { Shape } from "../../tensor/shape.js";
import type { BinaryOp, UnaryOp } from "../ops.js";
import * as k from "./kernels.js";

export interface CpuKernels {
  unary(op: UnaryOp, x: FloatArray, out: FloatArray): void;
  binary(op: BinaryOp, a: FloatArray, aShape: Shape, b: FloatArray, bShape: Shape, out: FloatArray, outShape: Shape): void;
  where(cond: FloatArray, cShape: Shape, a: FloatArray, aShape: Shape, b: FloatArray, bShape: Shape, out: FloatArray, outShape: Shape): void;
  fill(out: FloatArray, value: number): void;
  /** out = x converted to out's element type. */
  cast(x: FloatArray, out: FloatArray): void;
  crossEntropyLogits(x: FloatArray, t: FloatArray, out: FloatArray): void;
  crossEntropyResidual(x: FloatArray, t: FloatArray, loss: FloatArray, res: FloatArray): void;
  reduce(op: "sum" | "max" | "mean" | "prod", x: FloatArray, shape: Shape, axes: readonly number[], out: FloatArray): void;
  cumsum(x: FloatArray, shape: Shape, axis: number, reverse: boolean, out: FloatArray): void;
  broadcast(x: FloatArray, shape: Shape, out: FloatArray, outShape: Shape): void;
  transpose(x: FloatArray, shape: Shape, perm: readonly number[], out: FloatArray): void;
  slice(x: FloatArray, shape: Shape, begin: readonly number[], size: Shape, out: FloatArray): void;
  place(parts: ReadonlyArray<{ x: FloatArray; shape: Shape; begin: readonly number[] }>, out: FloatArray, outShape: Shape): void;
  gather(x: FloatArray, outer: number, dim: number, inner: number, idx: Int32Array, out: FloatArray): void;
  scatterAdd(g: FloatArray, outer: number, dim: number, inner: number, idx: Int32Array, out: FloatArray): void;
  oneHot(idx: Int32Array, depth: number, out: FloatArray): void;
  /** The k largest along the middle axis of [outer, dim, inner] (NaN largest, ties to the lower position) and their positions, [outer, k, inner] each. */
  topk(x: FloatArray, outer: number, dim: number, inner: number, k: number, values: FloatArray, indices: FloatArray): void;
  /** out[o, m, j] = x[o, idx[o, m, j], j] (x [outer, dim, inner], idx and out [outer, k, inner]). */
  takeAlong(x: FloatArray, idx: FloatArray, outer: number, dim: number, inner: number, k: number, out: FloatArray): void;
  /** takeAlong's adjoint: out [outer, dim, inner] zeros, out[o, idx[o, m, j], j] += g[o, m, j]. */
  putAlong(g: FloatArray, idx: FloatArray, outer: number, dim: number, inner: number, k: number, out: FloatArray): void;
  matmul(a: FloatArray, b: FloatArray, out: FloatArray, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean): void;
}

const zerosOf = (shape: Shape): number[] => new Array<number>(shape.length).fill(0);
const ONE = { float32: new Float32Array([1]), float64: new Float64Array([1]) };
const ZERO = { float32: new Float32Array([0]), float64: new Float64Array([0]) };

/** Runs `one` on each of `batch` matrix pairs stored one after another (views, no copies). */
export function batched(a: FloatArray, b: FloatArray, c: FloatArray, batch: number, m: number, kk: number, n: number, one: (a: FloatArray, b: FloatArray, c: FloatArray) => void): void {
  if (batch === 1) {
    one(a, b, c);
    return;
  }
  const sa = m * kk, sb = kk * n, sc = m * n;
  for (let i = 0; i < batch; i++) one(a.subarray(i * sa, (i + 1) * sa), b.subarray(i * sb, (i + 1) * sb), c.subarray(i * sc, (i + 1) * sc));
}

export const jsCpuKernels: CpuKernels = {
  unary: k.unary,
  binary: k.binary,
  where: k.where,
  fill: (out, value) => void out.fill(value),
  cast: (x, out) => void out.set(x),
  crossEntropyLogits: k.crossEntropyLogits,
  crossEntropyResidual: k.crossEntropyResidual,
  reduce: k.reduce,
  cumsum: k.cumsum,
  broadcast(x, shape, out, outShape) {
    // A single value (the backward of a full reduction) is a fill; otherwise out = 1 ? x : 0,
    // using the broadcasting ternary kernel as a copy.
    if (x.length === 1) out.fill(x[0]);
    else {
      const f64 = out instanceof Float64Array;
      k.where(f64 ? ONE.float64 : ONE.float32, [], x, shape, f64 ? ZERO.float64 : ZERO.float32, [], out, outShape);
    }
  },
  transpose: k.transpose,
  slice: (x, shape, begin, size, out) => k.copyBox(x, shape, begin, out, size, zerosOf(size), size),
  place(parts, out, outShape) {
    out.fill(0);
    for (const p of parts) k.copyBox(p.x, p.shape, zerosOf(p.shape), out, outShape, p.begin, p.shape);
  },
  gather: k.gather,
  scatterAdd(g, outer, dim, inner, idx, out) {
    out.fill(0);
    k.scatterAdd(g, outer, dim, inner, idx, out);
  },
  oneHot(idx, depth, out) {
    out.fill(0);
    for (let i = 0; i < idx.length; i++) out[i * depth + idx[i]] = 1;
  },
  topk: k.topk,
  takeAlong: k.takeAlong,
  putAlong(g, idx, outer, dim, inner, kk, out) {
    out.fill(0);
    k.putAlong(g, idx, outer, dim, inner, kk, out);
  },
  matmul: (a, b, out, batch, m, kk, n, transA, transB) => batched(a, b, out, batch, m, kk, n, (ad, bd, cd) => k.matmul(ad, bd, cd, m, kk, n, transA, transB)),
};
