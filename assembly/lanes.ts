// The last 1-3 f32 values (or the last f64 value) of an array as one v128, loaded and stored lane
// by lane: the kernels of trig.ts and log1pExpm1.ts run their tail through the same v128 body as
// the loop (the same bits, and no scalar copy of the algorithm in the SIMD binaries). Lanes past
// the end are 0 (every body maps 0 to a finite value) and are not stored.

/** The last k values at ptr (k < 4 for f32, k = 1 for f64) as a vector; the other lanes 0. */
export function loadTail<T>(ptr: usize, k: i32): v128 {
  let v = i64x2.splat(0);
  if (sizeof<T>() == 8) return v128.load64_lane(ptr, v, 0);
  v = v128.load32_lane(ptr, v, 0);
  if (k > 1) v = v128.load32_lane(ptr + 4, v, 1);
  if (k > 2) v = v128.load32_lane(ptr + 8, v, 2);
  return v;
}

/** Stores the first k lanes of v at ptr. */
export function storeTail<T>(ptr: usize, v: v128, k: i32): void {
  if (sizeof<T>() == 8) {
    v128.store64_lane(ptr, v, 0);
    return;
  }
  v128.store32_lane(ptr, v, 0);
  if (k > 1) v128.store32_lane(ptr + 4, v, 1);
  if (k > 2) v128.store32_lane(ptr + 8, v, 2);
}
