/**
 * Slices and placements as precomputed row copies: a box copy between row-major arrays is a list
 * of contiguous runs, the same every call, so a compiled program computes the runs once (the
 * eager kernel walks the box with an odometer, allocating its strides, every call).
 */
import type { FloatArray } from "../tensor/dtype.js";
import { stridesOf, type Shape } from "../tensor/shape.js";

/** The runs (source offset, destination offset, length) of copying `box` from src at srcBegin to dst at dstBegin; adjacent runs merged. */
export function boxRuns(srcShape: Shape, srcBegin: readonly number[], dstShape: Shape, dstBegin: readonly number[], box: Shape): Int32Array {
  const rank = box.length;
  let total = 1;
  for (let d = 0; d < rank; d++) total *= box[d];
  if (total === 0) return new Int32Array(0);
  const ss = stridesOf(srcShape), ds = stridesOf(dstShape);
  let si = 0, di = 0;
  for (let d = 0; d < rank; d++) { si += srcBegin[d] * ss[d]; di += dstBegin[d] * ds[d]; }
  const inner = rank ? box[rank - 1] : 1;
  const runs: number[] = [];
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < total / inner; o++) {
    const r = runs.length;
    if (r && runs[r - 3] + runs[r - 1] === si && runs[r - 2] + runs[r - 1] === di) runs[r - 1] += inner;
    else runs.push(si, di, inner);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++; si += ss[d]; di += ds[d];
      if (idx[d] < box[d]) break;
      si -= ss[d] * box[d]; di -= ds[d] * box[d]; idx[d] = 0;
    }
  }
  return Int32Array.from(runs);
}

/** Copies the runs from src to dst. */
export function copyRuns(runs: Int32Array, src: FloatArray, dst: FloatArray): void {
  for (let r = 0; r < runs.length; r += 3) {
    const s = runs[r], d = runs[r + 1], len = runs[r + 2];
    if (len >= 64) dst.set(src.subarray(s, s + len), d); // a view costs ~60 ns: worth it for long runs only
    else for (let j = 0; j < len; j++) dst[d + j] = src[s + j];
  }
}
