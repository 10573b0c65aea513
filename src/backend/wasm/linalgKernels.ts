// BLAS-1 and dense float64 linear algebra in the WebAssembly core (assembly/blas1.ts,
// assembly/linalg.ts): operands copied into scratch, results copied out.
import type { FloatArray, Kernels } from "./kernels.js";
import { sortEigenpairs } from "../js/linalg.js";
import { al } from "./align.js";

export function dot(host: Kernels, x: FloatArray, y: FloatArray): number {
  const n = Math.min(x.length, y.length);
  const size = x instanceof Float32Array ? 4 : 8;
  if (size !== (y instanceof Float32Array ? 4 : 8)) throw new TypeError("downhill dot: x and y must share one dtype");
  const xPtr = host.scratch(al(n * size) * 2), yPtr = xPtr + al(n * size);
  host.put(xPtr, x.subarray(0, n));
  host.put(yPtr, y.subarray(0, n));
  return size === 4 ? host.core.dotF32(xPtr, yPtr, n) : host.core.dotF64(xPtr, yPtr, n);
}

export function nrm2(host: Kernels, x: FloatArray): number {
  const xPtr = host.scratch(x.length * x.BYTES_PER_ELEMENT);
  host.put(xPtr, x);
  return x instanceof Float32Array ? host.core.nrm2F32(xPtr, x.length) : host.core.nrm2F64(xPtr, x.length);
}

export function axpy(host: Kernels, alpha: number, x: FloatArray, y: FloatArray): void {
  const n = Math.min(x.length, y.length);
  const size = y.BYTES_PER_ELEMENT;
  if (size !== x.BYTES_PER_ELEMENT) throw new TypeError("downhill axpy: x and y must share one dtype");
  const xPtr = host.scratch(al(n * size) * 2), yPtr = xPtr + al(n * size);
  host.put(xPtr, x.subarray(0, n));
  host.put(yPtr, y.subarray(0, n));
  if (size === 4) host.core.axpyF32(alpha, xPtr, yPtr, n);
  else host.core.axpyF64(alpha, xPtr, yPtr, n);
  host.get(yPtr, y.subarray(0, n));
}

export function scal(host: Kernels, alpha: number, x: FloatArray): void {
  const xPtr = host.scratch(x.length * x.BYTES_PER_ELEMENT);
  host.put(xPtr, x);
  if (x instanceof Float32Array) host.core.scalF32(alpha, xPtr, x.length);
  else host.core.scalF64(alpha, xPtr, x.length);
  host.get(xPtr, x);
}

export function cholesky(host: Kernels, a: Float64Array, n: number): Float64Array | null {
  const aPtr = host.scratch(n * n * 8);
  host.put(aPtr, a.subarray(0, n * n));
  if (host.core.choleskyF64(aPtr, n) === 0) return null;
  const l = new Float64Array(n * n);
  host.get(aPtr, l);
  return l;
}

export function choleskySolve(host: Kernels, l: Float64Array, n: number, b: Float64Array): Float64Array {
  const lPtr = host.scratch(al(n * n * 8) + n * 8), bPtr = lPtr + al(n * n * 8);
  host.put(lPtr, l.subarray(0, n * n));
  host.put(bPtr, b.subarray(0, n));
  host.core.choleskySolveF64(lPtr, n, bPtr);
  const x = new Float64Array(n);
  host.get(bPtr, x);
  return x;
}

export function symEig(host: Kernels, a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const aPtr = host.scratch(al(n * n * 8) * 2), vPtr = aPtr + al(n * n * 8);
  host.put(aPtr, a.subarray(0, n * n));
  host.core.symEigF64(aPtr, vPtr, n, 100);
  const d = new Float64Array(n * n), v = new Float64Array(n * n);
  host.get(aPtr, d);
  host.get(vPtr, v);
  return sortEigenpairs(d, v, n);
}
