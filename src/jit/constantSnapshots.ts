/**
 * The trace-time copy of a captured array (a program's constant), shared between traces while the
 * array's bits have not changed. minimize traces its evaluations afresh on every call, and a
 * logistic regression's 10000 x 100 data matrix was copied (8 MB) at each trace, and each new
 * copy, a new array to the WebAssembly backend's resident cache (wasm/resident.ts), was copied
 * into linear memory twice more before it became resident: ~11 ms of a 75 ms solve (CPU time,
 * one thread). Reusing the snapshot keeps its identity, so the cache hits from the first product.
 *
 * Safe by comparison: a snapshot is reused only when its bits equal the array's now (compared as
 * integers, so -0 and NaN payloads count); a reading costs one pass over both, and no allocation.
 * Snapshots are held through WeakRefs: a snapshot lives as long as some program holds it, the map
 * entry as long as the captured array. Small arrays are copied each time (the copy is cheaper).
 */
import type { FloatArray } from "../tensor/dtype.js";

/** From this size on a snapshot is looked up before copying (the resident cache's lower bound). */
const SHARE_MIN_BYTES = 256 * 1024;

const shared = typeof WeakRef === "function" ? new WeakMap<FloatArray, WeakRef<FloatArray>>() : null;

/** A copy of `a` that nothing writes: the previous one when `a` still holds the same bits. */
export function snapshot(a: FloatArray): FloatArray {
  if (!shared || a.byteLength < SHARE_MIN_BYTES) return a.slice();
  const prev = shared.get(a)?.deref();
  if (prev && sameBits(prev, a)) return prev;
  const copy = a.slice();
  shared.set(a, new WeakRef(copy));
  return copy;
}

function sameBits(x: FloatArray, y: FloatArray): boolean {
  if (x.constructor !== y.constructor || x.length !== y.length) return false;
  const a = new Int32Array(x.buffer, x.byteOffset, x.byteLength >> 2), b = new Int32Array(y.buffer, y.byteOffset, y.byteLength >> 2);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
