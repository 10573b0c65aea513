/**
 * The JS reference backend: storage is a plain typed array in the JS heap (so the garbage
 * collector frees it), and every kernel is a readable loop from kernels.ts. The WebAssembly
 * backend shares this storage and replaces the hot kernels (src/backend/wasm/backend.ts).
 */
import { arrayFor, type DType, type FloatArray } from "../../tensor/dtype.js";
import { sizeOf, type Shape } from "../../tensor/shape.js";
import type { Backend, Storage } from "../backend.js";
import * as k from "./kernels.js";
import * as linalg from "./linalg.js";
import { JsEngine } from "./fusedSteps.js";

/** The typed array behind CPU storage (only the CPU backends may look inside storage). */
export const arrayOf = (s: Storage): FloatArray => s as unknown as FloatArray;
/** CPU storage over `a`. */
export const storageOf = (a: FloatArray): Storage => a as unknown as Storage;

/** A one-element array of `dtype` holding `v` (kernel scratch). */
function scalar(dtype: DType, v: number): FloatArray {
  const a = arrayFor(dtype, 1);
  a[0] = v;
  return a;
}

export const jsBackend: Backend = {
  name: "js",
  zeros: (dtype, n) => storageOf(arrayFor(dtype, n)),
  adopt: (values) => storageOf(values),
  read: (s) => Promise.resolve(arrayOf(s).slice()),
  readSync: (s) => arrayOf(s),

  unary(op, x, dtype, n) {
    const out = arrayFor(dtype, n);
    k.unary(op, arrayOf(x), out);
    return storageOf(out);
  },
  binary(op, a, aShape, b, bShape, outShape, dtype) {
    const out = arrayFor(dtype, sizeOf(outShape));
    k.binary(op, arrayOf(a), aShape, arrayOf(b), bShape, out, outShape);
    return storageOf(out);
  },
  where(cond, cShape, a, aShape, b, bShape, outShape, dtype) {
    const out = arrayFor(dtype, sizeOf(outShape));
    k.where(arrayOf(cond), cShape, arrayOf(a), aShape, arrayOf(b), bShape, out, outShape);
    return storageOf(out);
  },
  fill(dtype, n, value) {
    const out = arrayFor(dtype, n);
    if (value !== 0) out.fill(value);
    return storageOf(out);
  },
  cast(x, n, to) {
    const out = arrayFor(to, n);
    out.set(arrayOf(x));
    return storageOf(out);
  },
  crossEntropyLogits(x, t, dtype, n) {
    const out = arrayFor(dtype, n);
    k.crossEntropyLogits(arrayOf(x), arrayOf(t), out);
    return storageOf(out);
  },
  crossEntropyResidual(x, t, dtype, n) {
    const loss = arrayFor(dtype, n), res = arrayFor(dtype, n);
    k.crossEntropyResidual(arrayOf(x), arrayOf(t), loss, res);
    return [storageOf(loss), storageOf(res)];
  },

  reduce(op, x, shape, axes, dtype) {
    let n = 1;
    for (let i = 0; i < shape.length; i++) if (!axes.includes(i)) n *= shape[i];
    const out = arrayFor(dtype, n);
    k.reduce(op, arrayOf(x), shape, axes, out);
    return storageOf(out);
  },
  cumsum(x, shape, axis, reverse, dtype) {
    const out = arrayFor(dtype, sizeOf(shape));
    k.cumsum(arrayOf(x), shape, axis, reverse, out);
    return storageOf(out);
  },
  broadcast(x, shape, outShape, dtype) {
    const out = arrayFor(dtype, sizeOf(outShape));
    const xs = arrayOf(x);
    // A single value (the backward of a full reduction) is a fill; otherwise out = 1 ? x : 0,
    // using the broadcasting ternary kernel as a copy.
    if (xs.length === 1) out.fill(xs[0]);
    else k.where(scalar(dtype, 1), [], xs, shape, scalar(dtype, 0), [], out, outShape);
    return storageOf(out);
  },
  transpose(x, shape, perm, dtype) {
    const out = arrayFor(dtype, sizeOf(shape));
    k.transpose(arrayOf(x), shape, perm, out);
    return storageOf(out);
  },
  slice(x, shape, begin, size, dtype) {
    const out = arrayFor(dtype, sizeOf(size));
    k.copyBox(arrayOf(x), shape, begin, out, size, zerosLike(size), size);
    return storageOf(out);
  },
  place(parts, outShape, dtype) {
    const out = arrayFor(dtype, sizeOf(outShape));
    for (const p of parts) k.copyBox(arrayOf(p.x), p.shape, zerosLike(p.shape), out, outShape, p.begin, p.shape);
    return storageOf(out);
  },
  gather(x, outer, dim, inner, idx, dtype) {
    const out = arrayFor(dtype, outer * idx.length * inner);
    k.gather(arrayOf(x), outer, dim, inner, idx, out);
    return storageOf(out);
  },
  scatterAdd(g, outer, dim, inner, idx, dtype) {
    const out = arrayFor(dtype, outer * dim * inner);
    k.scatterAdd(arrayOf(g), outer, dim, inner, idx, out);
    return storageOf(out);
  },
  oneHot(idx, depth, dtype) {
    const out = arrayFor(dtype, idx.length * depth);
    for (let i = 0; i < idx.length; i++) out[i * depth + idx[i]] = 1;
    return storageOf(out);
  },

  matmul(a, b, batch, m, kk, n, transA, transB, dtype) {
    const out = arrayFor(dtype, batch * m * n);
    batched(arrayOf(a), arrayOf(b), out, batch, m, kk, n, (ad, bd, cd) => k.matmul(ad, bd, cd, m, kk, n, transA, transB));
    return storageOf(out);
  },

  linalg: { cholesky: linalg.cholesky, choleskySolve: linalg.choleskySolve, symEig: linalg.symEig },
  fusedOptimizer: (request) => new JsEngine(request),
};

function zerosLike(shape: Shape): number[] {
  return new Array<number>(shape.length).fill(0);
}

/** Runs `one` on each of `batch` matrix pairs stored one after another (views, no copies). */
export function batched(a: FloatArray, b: FloatArray, c: FloatArray, batch: number, m: number, k: number, n: number, one: (a: FloatArray, b: FloatArray, c: FloatArray) => void): void {
  if (batch === 1) {
    one(a, b, c);
    return;
  }
  const sa = m * k, sb = k * n, sc = m * n;
  for (let i = 0; i < batch; i++) one(a.subarray(i * sa, (i + 1) * sa), b.subarray(i * sb, (i + 1) * sb), c.subarray(i * sc, (i + 1) * sc));
}
