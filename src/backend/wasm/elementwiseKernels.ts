// Elementwise passes in the WebAssembly core (assembly/elementwise.ts): the transcendental ops of
// the ops table and the fused cross-entropy pair, in place in scratch, the second half on a pool
// worker for long arrays (elementwise results do not depend on the split).
import type { FloatArray, Kernels } from "./kernels.js";
import type { WasmUnaryOp } from "../ops.js";
import { al } from "./align.js";

/**
 * Elementwise kernels (exp, softplus, the loss pairs, ...) are split over two threads from this
 * many values: they cost 2-8 ns a value, a worker's wake-up 5-40 us.
 */
const ELEMENTWISE_THREAD_MIN = 8192;

export function unaryOn(host: Kernels, op: WasmUnaryOp, x: FloatArray, out: FloatArray): void {
  const f32 = x instanceof Float32Array;
  if (f32 !== out instanceof Float32Array) throw new TypeError("downhill unary: x and out must share one dtype");
  const n = Math.min(x.length, out.length);
  const ptr = host.scratch(al(n * x.BYTES_PER_ELEMENT));
  host.put(ptr, n === x.length ? x : x.subarray(0, n));
  const name = kernelName(op, f32);
  const kernel = host.exports[name] as (xPtr: number, outPtr: number, n: number) => void;
  const size = f32 ? 4 : 8;
  // in place in scratch; halves over two threads for long arrays (elementwise: the same bits)
  halves(host, n, name, (i0, len) => [ptr + i0 * size, ptr + i0 * size, len], (i0, len) => kernel(ptr + i0 * size, ptr + i0 * size, len));
  host.get(ptr, n === out.length ? out : out.subarray(0, n));
}

export function crossEntropyLogitsOn(host: Kernels, x: FloatArray, t: FloatArray, out: FloatArray): void {
  const f32 = x instanceof Float32Array;
  if (f32 !== t instanceof Float32Array || f32 !== out instanceof Float32Array) throw new TypeError("downhill crossEntropyLogits: x, t and out must share one dtype");
  const n = out.length;
  if (x.length < n || t.length < n) throw new RangeError("downhill crossEntropyLogits: x and t must be as long as out");
  const size = f32 ? 4 : 8;
  const bytes = al(n * size);
  const xPtr = host.scratch(2 * bytes), tPtr = xPtr + bytes;
  host.put(xPtr, x.length === n ? x : x.subarray(0, n));
  host.put(tPtr, t.length === n ? t : t.subarray(0, n));
  const name = kernelName("crossEntropyLogits", f32);
  const kernel = host.exports[name] as (xPtr: number, tPtr: number, outPtr: number, n: number) => void;
  // in place over x in scratch, halves over two threads for long arrays
  halves(host, n, name, (i0, len) => [xPtr + i0 * size, tPtr + i0 * size, xPtr + i0 * size, len], (i0, len) => kernel(xPtr + i0 * size, tPtr + i0 * size, xPtr + i0 * size, len));
  host.get(xPtr, out);
}

export function crossEntropyResidualOn(host: Kernels, x: FloatArray, t: FloatArray, loss: FloatArray, res: FloatArray): void {
  const f32 = x instanceof Float32Array;
  if (f32 !== t instanceof Float32Array || f32 !== loss instanceof Float32Array || f32 !== res instanceof Float32Array) throw new TypeError("downhill crossEntropyResidual: x, t, loss and res must share one dtype");
  const n = loss.length;
  if (x.length < n || t.length < n || res.length < n) throw new RangeError("downhill crossEntropyResidual: x, t and res must be as long as loss");
  const size = f32 ? 4 : 8;
  const bytes = al(n * size);
  const xPtr = host.scratch(2 * bytes), tPtr = xPtr + bytes;
  host.put(xPtr, x.length === n ? x : x.subarray(0, n));
  host.put(tPtr, t.length === n ? t : t.subarray(0, n));
  const name = kernelName("crossEntropyResidual", f32);
  const kernel = host.exports[name] as (xPtr: number, tPtr: number, lossPtr: number, resPtr: number, n: number) => void;
  // the loss in place over x, the residual over t; halves over two threads for long arrays
  halves(host, n, name, (i0, len) => [xPtr + i0 * size, tPtr + i0 * size, xPtr + i0 * size, tPtr + i0 * size, len], (i0, len) => kernel(xPtr + i0 * size, tPtr + i0 * size, xPtr + i0 * size, tPtr + i0 * size, len));
  host.get(xPtr, loss);
  host.get(tPtr, res.length === n ? res : res.subarray(0, n));
}

/**
 * An elementwise kernel over n values: from ELEMENTWISE_THREAD_MIN values on, pool worker 0
 * takes the second half (`op(...args(i0, len))`) while the calling thread runs the first; below
 * it, or without a pool, the calling thread runs all of it.
 */
function halves(host: Kernels, n: number, op: string, args: (i0: number, len: number) => number[], own: (i0: number, len: number) => void): void {
  const pool = n < ELEMENTWISE_THREAD_MIN ? null : host.live();
  if (!pool) {
    own(0, n);
    return;
  }
  const h = Math.ceil(n / 2 / 16) * 16; // v128-aligned split: both halves start on a 64-byte line
  pool.dispatch(0, op, args(h, n - h));
  try {
    own(0, h);
  } finally {
    pool.wait(1);
  }
}


/** Export names of the elementwise kernels, built once (these run per op, from 64 values on). */
const KERNEL_NAMES = new Map<string, readonly [string, string]>();
function kernelName(op: string, f32: boolean): string {
  let names = KERNEL_NAMES.get(op);
  if (!names) KERNEL_NAMES.set(op, (names = [`${op}F32`, `${op}F64`]));
  return names[f32 ? 0 : 1];
}

