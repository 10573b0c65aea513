export type DType = "float32" | "float64";
export type FloatArray = Float32Array | Float64Array;

export const DEFAULT_DTYPE: DType = "float32";

/*
 * Small arrays are carved out of shared 128 KiB slabs: a typed-array view on an existing buffer
 * costs ~60 ns, a fresh ArrayBuffer ~500 ns plus GC bookkeeping, and small tensors dominate
 * second-order loops on modest dimensions (allocation was a third of Rosenbrock-100 time). A slab
 * is freed by the GC once no view into it is alive; never-reused memory stays zero-filled. Views
 * have a byteOffset: code that reinterprets `.buffer` must use byteOffset/byteLength.
 */
const SLAB_BYTES = 128 * 1024;
const MAX_SLAB_ALLOC = 8 * 1024;
let slab: ArrayBuffer = new ArrayBuffer(0);
let slabOffset = 0;

/** A zero-filled array of `n` elements of `dtype`. */
export function arrayFor(dtype: DType, n: number): FloatArray {
  const f64 = dtype === "float64";
  const bytes = n * (f64 ? 8 : 4);
  if (bytes === 0 || bytes > MAX_SLAB_ALLOC) return f64 ? new Float64Array(n) : new Float32Array(n);
  if (slabOffset + bytes > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const off = slabOffset;
  slabOffset += (bytes + 7) & ~7; // keep every view 8-byte aligned
  return f64 ? new Float64Array(slab, off, n) : new Float32Array(slab, off, n);
}

export function dtypeOf(a: FloatArray): DType {
  return a instanceof Float64Array ? "float64" : "float32";
}

/** Machine epsilon of a dtype (the gap between 1 and the next representable number). */
export function epsOf(dtype: DType): number {
  return dtype === "float64" ? 2.220446049250313e-16 : 1.1920928955078125e-7;
}
