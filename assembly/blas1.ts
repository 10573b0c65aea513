// BLAS-1 vector primitives (f32 and f64) for the second-order loops (L-BFGS, Newton-CG, trust
// region), which call them a few times per iteration on flat parameter vectors of n elements.
//
//   dot(x, y)        = sum_i x[i] * y[i]
//   nrm2(x)          = sqrt(sum_i x[i]^2), computed as s * sqrt(sum_i (x[i]/s)^2) with s = max|x[i]|
//                      so it neither overflows nor underflows (two passes, like LAPACK's dnrm2 intent)
//   axpy(alpha, x, y): y[i] <- alpha * x[i] + y[i]
//   scal(alpha, x):    x[i] <- alpha * x[i]
//
// Layout: xPtr/yPtr point to n contiguous elements. The v128 body takes 8 (f32) or 4 (f64)
// elements per step with two independent accumulators; a scalar tail finishes the rest.

import { maddF32x4, maddF64x2, hsumF32x4, hsumF64x2 } from "./simd";

export function dotF32(xPtr: usize, yPtr: usize, n: i32): f64 {
  let i = 0;
  let sum: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let s0V = f32x4.splat(0), s1V = f32x4.splat(0);
    for (; i + 8 <= n; i += 8) {
      const off = <usize>i << 2;
      s0V = maddF32x4(v128.load(xPtr + off), v128.load(yPtr + off), s0V);
      s1V = maddF32x4(v128.load(xPtr + off, 16), v128.load(yPtr + off, 16), s1V);
    }
    sum = hsumF32x4(f32x4.add(s0V, s1V));
  }
  for (; i < n; i++) sum += load<f32>(xPtr + (<usize>i << 2)) * load<f32>(yPtr + (<usize>i << 2));
  return <f64>sum;
}

export function dotF64(xPtr: usize, yPtr: usize, n: i32): f64 {
  let i = 0;
  let sum: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let s0V = f64x2.splat(0), s1V = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 3;
      s0V = maddF64x2(v128.load(xPtr + off), v128.load(yPtr + off), s0V);
      s1V = maddF64x2(v128.load(xPtr + off, 16), v128.load(yPtr + off, 16), s1V);
    }
    sum = hsumF64x2(f64x2.add(s0V, s1V));
  }
  for (; i < n; i++) sum += load<f64>(xPtr + (<usize>i << 3)) * load<f64>(yPtr + (<usize>i << 3));
  return sum;
}

/** max_i |x[i]| for f32 (first pass of nrm2). */
function amaxF32(xPtr: usize, n: i32): f32 {
  let i = 0;
  let m: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let mV = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) mV = f32x4.max(mV, f32x4.abs(v128.load(xPtr + (<usize>i << 2))));
    m = max(max(f32x4.extract_lane(mV, 0), f32x4.extract_lane(mV, 1)), max(f32x4.extract_lane(mV, 2), f32x4.extract_lane(mV, 3)));
  }
  for (; i < n; i++) m = max(m, abs(load<f32>(xPtr + (<usize>i << 2))));
  return m;
}

/** ||x||_2 for f32, accumulated in f32 after scaling by 1/max|x|. */
export function nrm2F32(xPtr: usize, n: i32): f64 {
  const scale = amaxF32(xPtr, n);
  if (scale == 0 || !isFinite(scale)) return <f64>scale;
  const inv: f32 = 1 / scale;
  let i = 0;
  let ssq: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    const invV = f32x4.splat(inv);
    let s0V = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const tV = f32x4.mul(v128.load(xPtr + (<usize>i << 2)), invV);
      s0V = maddF32x4(tV, tV, s0V);
    }
    ssq = hsumF32x4(s0V);
  }
  for (; i < n; i++) {
    const t = load<f32>(xPtr + (<usize>i << 2)) * inv;
    ssq += t * t;
  }
  return <f64>scale * Math.sqrt(<f64>ssq);
}

/** ||x||_2 for f64, scaled by 1/max|x|. */
export function nrm2F64(xPtr: usize, n: i32): f64 {
  let i = 0;
  let scale: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let mV = f64x2.splat(0);
    for (; i + 2 <= n; i += 2) mV = f64x2.max(mV, f64x2.abs(v128.load(xPtr + (<usize>i << 3))));
    scale = max(f64x2.extract_lane(mV, 0), f64x2.extract_lane(mV, 1));
  }
  for (; i < n; i++) scale = max(scale, abs(load<f64>(xPtr + (<usize>i << 3))));
  if (scale == 0 || !isFinite(scale)) return scale;
  const inv = 1 / scale;
  i = 0;
  let ssq: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const invV = f64x2.splat(inv);
    let s0V = f64x2.splat(0);
    for (; i + 2 <= n; i += 2) {
      const tV = f64x2.mul(v128.load(xPtr + (<usize>i << 3)), invV);
      s0V = maddF64x2(tV, tV, s0V);
    }
    ssq = hsumF64x2(s0V);
  }
  for (; i < n; i++) {
    const t = load<f64>(xPtr + (<usize>i << 3)) * inv;
    ssq += t * t;
  }
  return scale * Math.sqrt(ssq);
}

export function axpyF32(alpha: f32, xPtr: usize, yPtr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const alphaV = f32x4.splat(alpha);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(yPtr + off, maddF32x4(alphaV, v128.load(xPtr + off), v128.load(yPtr + off)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(yPtr + off, alpha * load<f32>(xPtr + off) + load<f32>(yPtr + off));
  }
}

export function axpyF64(alpha: f64, xPtr: usize, yPtr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const alphaV = f64x2.splat(alpha);
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i << 3;
      v128.store(yPtr + off, maddF64x2(alphaV, v128.load(xPtr + off), v128.load(yPtr + off)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    store<f64>(yPtr + off, alpha * load<f64>(xPtr + off) + load<f64>(yPtr + off));
  }
}

export function scalF32(alpha: f32, xPtr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const alphaV = f32x4.splat(alpha);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(xPtr + off, f32x4.mul(alphaV, v128.load(xPtr + off)));
    }
  }
  for (; i < n; i++) store<f32>(xPtr + (<usize>i << 2), alpha * load<f32>(xPtr + (<usize>i << 2)));
}

export function scalF64(alpha: f64, xPtr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const alphaV = f64x2.splat(alpha);
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i << 3;
      v128.store(xPtr + off, f64x2.mul(alphaV, v128.load(xPtr + off)));
    }
  }
  for (; i < n; i++) store<f64>(xPtr + (<usize>i << 3), alpha * load<f64>(xPtr + (<usize>i << 3)));
}
