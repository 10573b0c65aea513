export type DType = "float32" | "float64";
export type FloatArray = Float32Array | Float64Array;

export const DEFAULT_DTYPE: DType = "float32";

/*
 * Small arrays: fast, and a kept one holds little. A typed-array view on an existing buffer costs
 * ~25 ns, a fresh ArrayBuffer ~350 ns plus zero-filling plus GC bookkeeping, and small tensors
 * dominate second-order loops on modest dimensions (allocation was a third of Rosenbrock-100
 * time), so most small arrays are views into shared slabs. But a slab is freed only when no view
 * into it lives: one kept array holds its whole slab (a scalar loss kept per step used to hold
 * the 128 KiB slab it shared with that step's temporaries: ~33 KiB a scalar). So:
 * - up to 64 bytes (16 float32 or 8 float64 values: scalars, small vectors): a plain
 *   `new Float32Array(n)`. V8 keeps typed arrays this small inside the JS heap, with no
 *   ArrayBuffer until someone reads `.buffer`; that costs about what a view costs, and each is
 *   collected on its own, so a kept scalar holds only itself.
 * - 65 bytes to 8 KiB: seven size classes by powers of two (65-128 B, 129-256 B, ... 4-8 KiB),
 *   each carving from its own 128 KiB slab. A kept array holds at most one slab, which it shares
 *   only with arrays of its own class: in a loop, at most the bytes of that class allocated
 *   between two kept arrays, and never more than 128 KiB. Smaller slabs would bound that lower
 *   but cost time: an ArrayBuffer below 128 KiB costs more per byte (4-32 KiB slabs made 68 B
 *   and 400 B arrays 20-100% slower, bench/probes/arrayFor.mjs).
 * - larger: its own array.
 * Never-reused slab memory stays zero-filled. Views have a byteOffset: code that reinterprets
 * `.buffer` must use byteOffset/byteLength.
 */
const HEAP_MAX_BYTES = 64;
const MAX_SLAB_ALLOC = 8 * 1024;
const SLAB_BYTES = 128 * 1024;

/** The slab a size class carves from and how much of it is used. */
class SlabPool {
  slab = new ArrayBuffer(0);
  used = 0;
  size = 0;
}
/** Pool k holds arrays of 2^(k+6) + 1 .. 2^(k+7) bytes, k = 0..6 (65 B .. 8 KiB). */
const pools: SlabPool[] = Array.from({ length: 7 }, () => new SlabPool());

/** A zero-filled array of `n` elements of `dtype`. */
export function arrayFor(dtype: DType, n: number): FloatArray {
  const f64 = dtype === "float64";
  const bytes = n * (f64 ? 8 : 4);
  if (bytes <= HEAP_MAX_BYTES || bytes > MAX_SLAB_ALLOC) return f64 ? new Float64Array(n) : new Float32Array(n);
  const p = pools[25 - Math.clz32(bytes - 1)]; // ceil(log2(bytes)) - 7
  let off = p.used;
  if (off + bytes > p.size) {
    p.slab = new ArrayBuffer(SLAB_BYTES);
    p.size = SLAB_BYTES;
    off = 0;
  }
  p.used = off + ((bytes + 7) & ~7); // keep every view 8-byte aligned
  return f64 ? new Float64Array(p.slab, off, n) : new Float32Array(p.slab, off, n);
}

export function dtypeOf(a: FloatArray): DType {
  return a instanceof Float64Array ? "float64" : "float32";
}

/** Machine epsilon of a dtype (the gap between 1 and the next representable number). */
export function epsOf(dtype: DType): number {
  return dtype === "float64" ? 2.220446049250313e-16 : 1.1920928955078125e-7;
}
