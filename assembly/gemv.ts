// Matrix-vector products y = op(A) x, for the n == 1 matmuls of logistic regression, Newton-CG's
// Hessian-vector products and every linear model's gradient. Memory-bound: each A element is used
// once, so the loops are arranged to read A exactly once, contiguously, with as few extra loads
// and stores of x and y as possible.
//   transA = 0, A stored [m,k]:  y[i] = A[i,:] . x      four rows at a time: each x load feeds 4 FMAs
//   transA = 1, A stored [k,m]:  y[j] = sum_p x[p] A[p,j]  four rows p at a time: y is loaded and
//                                                           stored once per 4 rows of A, not per row
// Only outputs y[start..end) are computed, so threads can split the work by output range with no
// reduction afterwards, or share chunks through a ticket (gemvShared*, below; used by
// src/backend/wasm/matmulKernel.ts). x, y and A must not overlap.

import { hsumF32x4, hsumF64x2, maddF32x4, maddF64x2 } from "./simd";
import { claimChunk, finishChunk } from "./claim";

export function gemvF32(aPtr: usize, xPtr: usize, yPtr: usize, m: i32, k: i32, transA: i32, start: i32, end: i32): void {
  if (transA == 0) {
    const rowBytes = <usize>k << 2;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const a0 = aPtr + <usize>i * rowBytes, a1 = a0 + rowBytes, a2 = a1 + rowBytes, a3 = a2 + rowBytes;
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      let p = 0;
      if (ASC_FEATURE_SIMD) {
        let v0 = f32x4.splat(0), v1 = f32x4.splat(0), v2 = f32x4.splat(0), v3 = f32x4.splat(0);
        for (; p + 4 <= k; p += 4) {
          const off = <usize>p << 2;
          const xV = v128.load(xPtr + off);
          v0 = maddF32x4(v128.load(a0 + off), xV, v0);
          v1 = maddF32x4(v128.load(a1 + off), xV, v1);
          v2 = maddF32x4(v128.load(a2 + off), xV, v2);
          v3 = maddF32x4(v128.load(a3 + off), xV, v3);
        }
        s0 = hsumF32x4(v0); s1 = hsumF32x4(v1); s2 = hsumF32x4(v2); s3 = hsumF32x4(v3);
      }
      for (; p < k; p++) {
        const off = <usize>p << 2;
        const xs = load<f32>(xPtr + off);
        s0 += load<f32>(a0 + off) * xs; s1 += load<f32>(a1 + off) * xs;
        s2 += load<f32>(a2 + off) * xs; s3 += load<f32>(a3 + off) * xs;
      }
      const yOff = yPtr + (<usize>i << 2);
      store<f32>(yOff, s0); store<f32>(yOff, s1, 4); store<f32>(yOff, s2, 8); store<f32>(yOff, s3, 12);
    }
    for (; i < end; i++) {
      const a0 = aPtr + <usize>i * rowBytes;
      let s: f32 = 0;
      let p = 0;
      if (ASC_FEATURE_SIMD) {
        let v0 = f32x4.splat(0);
        for (; p + 4 <= k; p += 4) v0 = maddF32x4(v128.load(a0 + (<usize>p << 2)), v128.load(xPtr + (<usize>p << 2)), v0);
        s = hsumF32x4(v0);
      }
      for (; p < k; p++) s += load<f32>(a0 + (<usize>p << 2)) * load<f32>(xPtr + (<usize>p << 2));
      store<f32>(yPtr + (<usize>i << 2), s);
    }
    return;
  }
  // y[start..end) = sum_p x[p] * A[p, start..end), A stored [k, m].
  memory.fill(yPtr + (<usize>start << 2), 0, <usize>(end - start) << 2);
  gemvTAccF32(aPtr, xPtr, yPtr, m, 0, k, start, end);
}

export function gemvF64(aPtr: usize, xPtr: usize, yPtr: usize, m: i32, k: i32, transA: i32, start: i32, end: i32): void {
  if (transA == 0) {
    const rowBytes = <usize>k << 3;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const a0 = aPtr + <usize>i * rowBytes, a1 = a0 + rowBytes, a2 = a1 + rowBytes, a3 = a2 + rowBytes;
      let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
      let p = 0;
      if (ASC_FEATURE_SIMD) {
        let v0 = f64x2.splat(0), v1 = f64x2.splat(0), v2 = f64x2.splat(0), v3 = f64x2.splat(0);
        for (; p + 2 <= k; p += 2) {
          const off = <usize>p << 3;
          const xV = v128.load(xPtr + off);
          v0 = maddF64x2(v128.load(a0 + off), xV, v0);
          v1 = maddF64x2(v128.load(a1 + off), xV, v1);
          v2 = maddF64x2(v128.load(a2 + off), xV, v2);
          v3 = maddF64x2(v128.load(a3 + off), xV, v3);
        }
        s0 = hsumF64x2(v0); s1 = hsumF64x2(v1); s2 = hsumF64x2(v2); s3 = hsumF64x2(v3);
      }
      for (; p < k; p++) {
        const off = <usize>p << 3;
        const xs = load<f64>(xPtr + off);
        s0 += load<f64>(a0 + off) * xs; s1 += load<f64>(a1 + off) * xs;
        s2 += load<f64>(a2 + off) * xs; s3 += load<f64>(a3 + off) * xs;
      }
      const yOff = yPtr + (<usize>i << 3);
      store<f64>(yOff, s0); store<f64>(yOff, s1, 8); store<f64>(yOff, s2, 16); store<f64>(yOff, s3, 24);
    }
    for (; i < end; i++) {
      const a0 = aPtr + <usize>i * rowBytes;
      let s: f64 = 0;
      let p = 0;
      if (ASC_FEATURE_SIMD) {
        let v0 = f64x2.splat(0);
        for (; p + 2 <= k; p += 2) v0 = maddF64x2(v128.load(a0 + (<usize>p << 3)), v128.load(xPtr + (<usize>p << 3)), v0);
        s = hsumF64x2(v0);
      }
      for (; p < k; p++) s += load<f64>(a0 + (<usize>p << 3)) * load<f64>(xPtr + (<usize>p << 3));
      store<f64>(yPtr + (<usize>i << 3), s);
    }
    return;
  }
  // y[start..end) = sum_p x[p] * A[p, start..end), A stored [k, m].
  memory.fill(yPtr + (<usize>start << 3), 0, <usize>(end - start) << 3);
  gemvTAccF64(aPtr, xPtr, yPtr, m, 0, k, start, end);
}

/** y[start..end) += sum over p in [p0, p1) of x[p] * A[p, start..end), A stored [k, m] (no zeroing). */
// @ts-ignore: decorator
@inline function gemvTAccF32(aPtr: usize, xPtr: usize, yPtr: usize, m: i32, p0: i32, p1: i32, start: i32, end: i32): void {
  const rowBytes = <usize>m << 2;
  const y0 = yPtr + (<usize>start << 2);
  const len = end - start;
  let p = p0;
  for (; p + 4 <= p1; p += 4) {
    const a0 = aPtr + <usize>p * rowBytes + (<usize>start << 2), a1 = a0 + rowBytes, a2 = a1 + rowBytes, a3 = a2 + rowBytes;
    const x0 = load<f32>(xPtr + (<usize>p << 2)), x1 = load<f32>(xPtr + (<usize>p << 2), 4);
    const x2 = load<f32>(xPtr + (<usize>p << 2), 8), x3 = load<f32>(xPtr + (<usize>p << 2), 12);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const x0V = f32x4.splat(x0), x1V = f32x4.splat(x1), x2V = f32x4.splat(x2), x3V = f32x4.splat(x3);
      for (; j + 4 <= len; j += 4) {
        const off = <usize>j << 2;
        let yV = v128.load(y0 + off);
        yV = maddF32x4(v128.load(a0 + off), x0V, yV);
        yV = maddF32x4(v128.load(a1 + off), x1V, yV);
        yV = maddF32x4(v128.load(a2 + off), x2V, yV);
        yV = maddF32x4(v128.load(a3 + off), x3V, yV);
        v128.store(y0 + off, yV);
      }
    }
    for (; j < len; j++) {
      const off = <usize>j << 2;
      store<f32>(y0 + off, load<f32>(y0 + off) + load<f32>(a0 + off) * x0 + load<f32>(a1 + off) * x1 + load<f32>(a2 + off) * x2 + load<f32>(a3 + off) * x3);
    }
  }
  for (; p < p1; p++) {
    const a0 = aPtr + <usize>p * rowBytes + (<usize>start << 2);
    const x0 = load<f32>(xPtr + (<usize>p << 2));
    for (let j = 0; j < len; j++) {
      const off = <usize>j << 2;
      store<f32>(y0 + off, load<f32>(y0 + off) + load<f32>(a0 + off) * x0);
    }
  }
}

/** y[start..end) += sum over p in [p0, p1) of x[p] * A[p, start..end), A stored [k, m] (no zeroing). */
// @ts-ignore: decorator
@inline function gemvTAccF64(aPtr: usize, xPtr: usize, yPtr: usize, m: i32, p0: i32, p1: i32, start: i32, end: i32): void {
  const rowBytes = <usize>m << 3;
  const y0 = yPtr + (<usize>start << 3);
  const len = end - start;
  let p = p0;
  for (; p + 4 <= p1; p += 4) {
    const a0 = aPtr + <usize>p * rowBytes + (<usize>start << 3), a1 = a0 + rowBytes, a2 = a1 + rowBytes, a3 = a2 + rowBytes;
    const x0 = load<f64>(xPtr + (<usize>p << 3)), x1 = load<f64>(xPtr + (<usize>p << 3), 8);
    const x2 = load<f64>(xPtr + (<usize>p << 3), 16), x3 = load<f64>(xPtr + (<usize>p << 3), 24);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const x0V = f64x2.splat(x0), x1V = f64x2.splat(x1), x2V = f64x2.splat(x2), x3V = f64x2.splat(x3);
      for (; j + 2 <= len; j += 2) {
        const off = <usize>j << 3;
        let yV = v128.load(y0 + off);
        yV = maddF64x2(v128.load(a0 + off), x0V, yV);
        yV = maddF64x2(v128.load(a1 + off), x1V, yV);
        yV = maddF64x2(v128.load(a2 + off), x2V, yV);
        yV = maddF64x2(v128.load(a3 + off), x3V, yV);
        v128.store(y0 + off, yV);
      }
    }
    for (; j < len; j++) {
      const off = <usize>j << 3;
      store<f64>(y0 + off, load<f64>(y0 + off) + load<f64>(a0 + off) * x0 + load<f64>(a1 + off) * x1 + load<f64>(a2 + off) * x2 + load<f64>(a3 + off) * x3);
    }
  }
  for (; p < p1; p++) {
    const a0 = aPtr + <usize>p * rowBytes + (<usize>start << 3);
    const x0 = load<f64>(xPtr + (<usize>p << 3));
    for (let j = 0; j < len; j++) {
      const off = <usize>j << 3;
      store<f64>(y0 + off, load<f64>(y0 + off) + load<f64>(a0 + off) * x0);
    }
  }
}

// ---- work sharing between threads ---------------------------------------------------------------
// Each participating thread calls gemvShared* with the same arguments and takes chunks of `chunk`
// rows from the ticket at ctrPtr (assembly/claim.ts) until none are left, so a thread that runs
// slower (a busier core, a farther cache, a worker woken late) simply takes fewer chunks:
//   transA = 0: chunks of output rows, written straight into y.
//   transA = 1: chunks of depth (rows of A stored [k, m]); chunk c writes its own partial sum to
//               y + c * yStride bytes, and the caller adds the partials in chunk order. Which
//               thread computed a chunk does not matter, so the result is the same bits for any
//               number of threads (and the same as one thread running all chunks).
// Without the threads feature (the single-threaded binaries) the calling thread runs every chunk.

// @ts-ignore: decorator
@inline function gemvShared<T>(aPtr: usize, xPtr: usize, yPtr: usize, m: i32, k: i32, transA: i32, ctrPtr: usize, job: i32, chunk: i32, yStride: usize): void {
  const total = transA != 0 ? k : m;
  const chunks = (total + chunk - 1) / chunk;
  for (;;) {
    const c = claimChunk(ctrPtr, job, chunks);
    if (c < 0) return;
    const s = c * chunk, e = min(total, s + chunk);
    if (transA != 0) {
      const part = yPtr + <usize>c * yStride;
      memory.fill(part, 0, <usize>m << alignof<T>());
      if (sizeof<T>() == 4) gemvTAccF32(aPtr, xPtr, part, m, s, e, 0, m);
      else gemvTAccF64(aPtr, xPtr, part, m, s, e, 0, m);
    } else if (sizeof<T>() == 4) gemvF32(aPtr, xPtr, yPtr, m, k, 0, s, e);
    else gemvF64(aPtr, xPtr, yPtr, m, k, 0, s, e);
    finishChunk(ctrPtr);
  }
}

export function gemvSharedF32(aPtr: usize, xPtr: usize, yPtr: usize, m: i32, k: i32, transA: i32, ctrPtr: usize, job: i32, chunk: i32, yStride: usize): void {
  gemvShared<f32>(aPtr, xPtr, yPtr, m, k, transA, ctrPtr, job, chunk, yStride);
}

export function gemvSharedF64(aPtr: usize, xPtr: usize, yPtr: usize, m: i32, k: i32, transA: i32, ctrPtr: usize, job: i32, chunk: i32, yStride: usize): void {
  gemvShared<f64>(aPtr, xPtr, yPtr, m, k, transA, ctrPtr, job, chunk, yStride);
}
