/**
 * The JS reference backend: storage is a plain typed array in the JS heap (so the garbage
 * collector frees it), and every kernel is a readable loop (kernels.ts, in the "into" form of
 * cpuKernels.ts). The WebAssembly backend shares this storage and replaces the hot kernels
 * (src/backend/wasm/backend.ts); both are built by `cpuBackend` from their into-kernels.
 */
import { arrayFor, type FloatArray } from "../../tensor/dtype.js";
import { sizeOf } from "../../tensor/shape.js";
import type { Backend, BackendName, Storage } from "../backend.js";
import { jsCpuKernels, type CpuKernels } from "./cpuKernels.js";
import * as linalg from "./linalg.js";
import { JsEngine } from "./fusedSteps.js";

/** The typed array behind CPU storage (only the CPU backends may look inside storage). */
export const arrayOf = (s: Storage): FloatArray => s as unknown as FloatArray;
/** CPU storage over `a`. */
export const storageOf = (a: FloatArray): Storage => a as unknown as Storage;

/** What a CPU backend adds to its into-kernels: linear algebra, BLAS-1, dense matrices, fused optimizer. */
type Extras = Pick<Backend, "linalg" | "blas1" | "denseSymmetric" | "fusedOptimizer">;

/**
 * A backend over typed-array storage whose kernels allocate their result and run the matching
 * into-kernel on it; `cpu` exposes the into-kernels themselves for compiled programs.
 */
export function cpuBackend(name: BackendName, cpu: CpuKernels, extras: Extras): Backend & { readonly cpu: CpuKernels } {
  return {
    name,
    cpu,
    zeros: (dtype, n) => storageOf(arrayFor(dtype, n)),
    adopt: (values) => storageOf(values),
    read: (s) => Promise.resolve(arrayOf(s).slice()),
    readSync: (s) => arrayOf(s),
    unary(op, x, dtype, n) {
      const out = arrayFor(dtype, n);
      cpu.unary(op, arrayOf(x), out);
      return storageOf(out);
    },
    binary(op, a, aShape, b, bShape, outShape, dtype) {
      const out = arrayFor(dtype, sizeOf(outShape));
      cpu.binary(op, arrayOf(a), aShape, arrayOf(b), bShape, out, outShape);
      return storageOf(out);
    },
    where(cond, cShape, a, aShape, b, bShape, outShape, dtype) {
      const out = arrayFor(dtype, sizeOf(outShape));
      cpu.where(arrayOf(cond), cShape, arrayOf(a), aShape, arrayOf(b), bShape, out, outShape);
      return storageOf(out);
    },
    fill(dtype, n, value) {
      const out = arrayFor(dtype, n); // zero-filled already
      if (value !== 0) cpu.fill(out, value);
      return storageOf(out);
    },
    cast(x, n, to) {
      const out = arrayFor(to, n);
      cpu.cast(arrayOf(x), out);
      return storageOf(out);
    },
    crossEntropyLogits(x, t, dtype, n) {
      const out = arrayFor(dtype, n);
      cpu.crossEntropyLogits(arrayOf(x), arrayOf(t), out);
      return storageOf(out);
    },
    crossEntropyResidual(x, t, dtype, n) {
      const loss = arrayFor(dtype, n), res = arrayFor(dtype, n);
      cpu.crossEntropyResidual(arrayOf(x), arrayOf(t), loss, res);
      return [storageOf(loss), storageOf(res)];
    },
    reduce(op, x, shape, axes, dtype) {
      let n = 1;
      for (let i = 0; i < shape.length; i++) if (!axes.includes(i)) n *= shape[i];
      const out = arrayFor(dtype, n);
      cpu.reduce(op, arrayOf(x), shape, axes, out);
      return storageOf(out);
    },
    cumsum(x, shape, axis, reverse, dtype) {
      const out = arrayFor(dtype, sizeOf(shape));
      cpu.cumsum(arrayOf(x), shape, axis, reverse, out);
      return storageOf(out);
    },
    broadcast(x, shape, outShape, dtype) {
      const out = arrayFor(dtype, sizeOf(outShape));
      cpu.broadcast(arrayOf(x), shape, out, outShape);
      return storageOf(out);
    },
    transpose(x, shape, perm, dtype) {
      const out = arrayFor(dtype, sizeOf(shape));
      cpu.transpose(arrayOf(x), shape, perm, out);
      return storageOf(out);
    },
    slice(x, shape, begin, size, dtype) {
      const out = arrayFor(dtype, sizeOf(size));
      cpu.slice(arrayOf(x), shape, begin, size, out);
      return storageOf(out);
    },
    place(parts, outShape, dtype) {
      const out = arrayFor(dtype, sizeOf(outShape));
      cpu.place(parts.map((p) => ({ x: arrayOf(p.x), shape: p.shape, begin: p.begin })), out, outShape);
      return storageOf(out);
    },
    gather(x, outer, dim, inner, idx, dtype) {
      const out = arrayFor(dtype, outer * idx.length * inner);
      cpu.gather(arrayOf(x), outer, dim, inner, idx, out);
      return storageOf(out);
    },
    scatterAdd(g, outer, dim, inner, idx, dtype) {
      const out = arrayFor(dtype, outer * dim * inner);
      cpu.scatterAdd(arrayOf(g), outer, dim, inner, idx, out);
      return storageOf(out);
    },
    topk(x, outer, dim, inner, k, dtype) {
      const values = arrayFor(dtype, outer * k * inner), indices = arrayFor(dtype, outer * k * inner);
      cpu.topk(arrayOf(x), outer, dim, inner, k, values, indices);
      return [storageOf(values), storageOf(indices)];
    },
    takeAlong(x, idx, outer, dim, inner, k, dtype) {
      const out = arrayFor(dtype, outer * k * inner);
      cpu.takeAlong(arrayOf(x), arrayOf(idx), outer, dim, inner, k, out);
      return storageOf(out);
    },
    putAlong(g, idx, outer, dim, inner, k, dtype) {
      const out = arrayFor(dtype, outer * dim * inner);
      cpu.putAlong(arrayOf(g), arrayOf(idx), outer, dim, inner, k, out);
      return storageOf(out);
    },
    oneHot(idx, depth, dtype) {
      const out = arrayFor(dtype, idx.length * depth);
      cpu.oneHot(idx, depth, out);
      return storageOf(out);
    },
    matmul(a, b, batch, m, k, n, transA, transB, dtype) {
      const out = arrayFor(dtype, batch * m * n);
      cpu.matmul(arrayOf(a), arrayOf(b), out, batch, m, k, n, transA, transB);
      return storageOf(out);
    },
    ...extras,
  };
}

export const jsBackend = cpuBackend("js", jsCpuKernels, {
  linalg: { cholesky: linalg.cholesky, choleskySolve: linalg.choleskySolve, triangularSolve: linalg.triangularSolve, symEig: linalg.symEig, qr: linalg.qr, fromEigen: linalg.fromEigen },
  fusedOptimizer: (request) => new JsEngine(request),
});
