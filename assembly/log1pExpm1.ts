// log1p(x) = log(1 + x) and expm1(x) = e^x - 1, f32 and f64, in place or out of place (outPtr may
// equal xPtr): accurate where log(1 + x) and exp(x) - 1 lose the digits of a small x. Called by
// src/backend/wasm/backend.ts `unary` above the measured break-even length, once per op. Written
// once for both element types (`<T>`, `sizeof<T>() == 4` choosing the f32x4 body); the last
// values go through the v128 body lane by lane (assembly/lanes.ts). The scalar binary calls the
// host's Math.log1p / Math.expm1 instead (`hostMath`, assembly/trig.ts, which says why).
//
// Memory layout: x[0..n) and out[0..n), contiguous f32 (4 bytes) or f64 (8 bytes), any alignment.
//
// log1p: u = 1 + x (rounded) and its rounding error c, exactly: c = 1 - (u - x) when u >= 2, else
//   c = x - (u - 1). Then u = 2^e m, m in [sqrt(1/2), sqrt(2)), by one integer subtraction on the
//   bits (u is never subnormal: u >= 2^-53 for every x > -1), f = m - 1 (exact), and
//   log1p(x) = log u + c/u = e ln2_hi + (f - (f^2/2 - (s (f^2/2 + z L(z)) + (e ln2_lo + c/u)))),
//   s = f / (2 + f), z = s^2, with the log kernel of assembly/elementwise.ts (the same fitted L: f64
//   degree 7, f32 degree 3). -1 -> -inf, below -1 or NaN -> NaN, +inf -> +inf, +-0 -> +-0.
// expm1: k = nearest(x / ln 2), r = x - k ln2_hi - k ln2_lo (|r| <= ln2/2; r = x exactly when
//   k = 0), expm1(r) = r + r^2 Q(r) with Q fitted here (weighted Lawson-Chebyshev on the relative
//   error of expm1 over |r| <= ln2/2: f64 degree 10, 9.3e-19; f32 degree 5, 2.2e-9, coefficients as
//   rounded), then e^x - 1 = 2^k expm1(r) + (2^k - 1): 2^k - 1 is exact for |k| <= 53 (24 in f32)
//   and negligible beside 2^k beyond, so the sum rounds once. f64 also carries the rounding errors
//   of r and of r + r^2 Q(r) (error-free splits) into a low part added last: at k = 1 and r < 0
//   (x just above ln2/2) 2 expm1(r) + 1 cancels, and without it the result was 2 ulp off. x is clamped to [-40, 710] (f32
//   [-20, 89]): below, e^x - 1 rounds to -1; at k = 1024 (128), where 2^k overflows, the result is
//   ((1 + expm1(r)) 2^(k/2)) 2^(k - k/2) - 1, which is +inf past the largest finite value. +-0 ->
//   +-0, NaN -> NaN.
//
// Accuracy, measured (test/wasm/suite.ts, every SIMD binary): f64 within 1 ulp of Math.log1p and
// Math.expm1 (which are within 1 ulp themselves); f32 within 1 ulp of the correctly rounded value.

import { loadTail, storeTail } from "./lanes";
import { hostMath } from "./trig";

// ---- f64 constants --------------------------------------------------------------------------------
const LN2_HI_D: f64 = 0.6931471805598903; //  ln 2 cut to 42 bits: k * LN2_HI_D is exact for |k| < 2^11
const LN2_LO_D: f64 = 5.497923018708371e-14; // ln 2 - LN2_HI_D
const LOG2E_D: f64 = 1.4426950408889634;
const SQRT_HALF_BITS: i64 = 0x3fe6a09e667f3bcd; // sqrt(1/2)
const MAGIC_D: f64 = 6755399441055744; // 1.5 * 2^52: the low bits of (k + 1023 + MAGIC_D) are k + 1023
// the log kernel: 2 atanh(s) = 2s + s z L(z), z = s^2 <= 0.0401 (assembly/elementwise.ts's fit)
const L7: f64 = 0.13609030262858499, L6: f64 = 0.13209708242059462, L5: f64 = 0.15388867805613718;
const L4: f64 = 0.18181737626302938, L3: f64 = 0.2222222304835159, L2: f64 = 0.28571428567275936;
const L1: f64 = 0.4000000000000794, L0: f64 = 0.6666666666666666;
// expm1(r) = r + r^2 Q(r): Q(r) = Q0 + Q1 r + ... + Q10 r^10
const Q0: f64 = 0.5, Q1: f64 = 0.16666666666666677, Q2: f64 = 0.04166666666666651, Q3: f64 = 0.0083333333333217;
const Q4: f64 = 0.0013888888888962331, Q5: f64 = 0.000198412698859422, Q6: f64 = 2.4801587172582097e-5;
const Q7: f64 = 2.7557244401128526e-6, Q8: f64 = 2.755740263601791e-7, Q9: f64 = 2.5108968525610817e-8;
const Q10: f64 = 2.087532264637877e-9;
const EXPM1_LO_D: f64 = -40, EXPM1_HI_D: f64 = 710;

// ---- f32 constants --------------------------------------------------------------------------------
const LN2_HI_F: f32 = 0.693359375; // 9 bits: k * LN2_HI_F is exact
const LN2_LO_F: f32 = -2.12194440e-4;
const LOG2E_F: f32 = 1.44269504088896341;
const SQRT_HALF_BITS_F: i32 = 0x3f3504f3;
const LF3: f32 = 0.23751342296600342, LF2: f32 = 0.28532543778419495, LF1: f32 = 0.4000031352043152, LF0: f32 = 0.6666666865348816;
const QF0: f32 = 0.5, QF1: f32 = 0.1666666567325592, QF2: f32 = 0.041666362434625626, QF3: f32 = 0.008333388715982437;
const QF4: f32 = 0.0013940627686679363, QF5: f32 = 0.00019846238137688488;
const EXPM1_LO_F: f32 = -20, EXPM1_HI_F: f32 = 89;

// ---- v128 -----------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function log1pDV(xV: v128): v128 {
  const oneV = f64x2.splat(1);
  const uV = f64x2.add(oneV, xV);
  const cV = v128.bitselect(f64x2.sub(oneV, f64x2.sub(uV, xV)), f64x2.sub(xV, f64x2.sub(uV, oneV)), f64x2.ge(uV, f64x2.splat(2)));
  // e = (bits(u) - bits(sqrt(1/2))) >> 52 from the high words (x86 has no 64-bit arithmetic shift)
  const dV = i64x2.sub(uV, i64x2.splat(SQRT_HALF_BITS));
  const mV = i64x2.sub(uV, v128.and(dV, i64x2.splat(<i64>0xfff0000000000000)));
  const hiV = i32x4.shr_s(dV, 20);
  const eV = f64x2.convert_low_i32x4_s(v128.shuffle<i32>(hiV, hiV, 1, 3, 1, 3));
  const fV = f64x2.sub(mV, oneV);
  const sV = f64x2.div(fV, f64x2.add(f64x2.splat(2), fV));
  const zV = f64x2.mul(sV, sV), z2V = f64x2.mul(zV, zV);
  const hfsqV = f64x2.mul(f64x2.mul(f64x2.splat(0.5), fV), fV);
  // L(z) in Estrin's form
  const a01 = f64x2.add(f64x2.mul(f64x2.splat(L1), zV), f64x2.splat(L0));
  const a23 = f64x2.add(f64x2.mul(f64x2.splat(L3), zV), f64x2.splat(L2));
  const a45 = f64x2.add(f64x2.mul(f64x2.splat(L5), zV), f64x2.splat(L4));
  const a67 = f64x2.add(f64x2.mul(f64x2.splat(L7), zV), f64x2.splat(L6));
  const lV = f64x2.add(f64x2.add(a01, f64x2.mul(a23, z2V)), f64x2.mul(f64x2.add(a45, f64x2.mul(a67, z2V)), f64x2.mul(z2V, z2V)));
  const loV = f64x2.add(f64x2.mul(eV, f64x2.splat(LN2_LO_D)), f64x2.div(cV, uV));
  const tV = f64x2.add(f64x2.mul(sV, f64x2.add(hfsqV, f64x2.mul(zV, lV))), loV);
  let yV = f64x2.add(f64x2.mul(eV, f64x2.splat(LN2_HI_D)), f64x2.sub(fV, f64x2.sub(hfsqV, tV)));
  // +-0 and +inf are their own log1p; -1 -> -inf; below -1 or NaN -> NaN
  yV = v128.bitselect(xV, yV, v128.or(f64x2.eq(xV, f64x2.splat(0)), f64x2.eq(xV, f64x2.splat(Infinity))));
  yV = v128.bitselect(f64x2.splat(-Infinity), yV, f64x2.eq(xV, f64x2.splat(-1)));
  return v128.bitselect(f64x2.splat(NaN), yV, v128.not(f64x2.ge(xV, f64x2.splat(-1))));
}

// @ts-ignore: decorator
@inline function log1pFV(xV: v128): v128 {
  const oneV = f32x4.splat(1);
  const uV = f32x4.add(oneV, xV);
  const cV = v128.bitselect(f32x4.sub(oneV, f32x4.sub(uV, xV)), f32x4.sub(xV, f32x4.sub(uV, oneV)), f32x4.ge(uV, f32x4.splat(2)));
  const eI = i32x4.shr_s(i32x4.sub(uV, i32x4.splat(SQRT_HALF_BITS_F)), 23);
  const fV = f32x4.sub(i32x4.sub(uV, i32x4.shl(eI, 23)), oneV);
  const eV = f32x4.convert_i32x4_s(eI);
  const sV = f32x4.div(fV, f32x4.add(f32x4.splat(2), fV));
  const zV = f32x4.mul(sV, sV);
  const hfsqV = f32x4.mul(f32x4.mul(f32x4.splat(0.5), fV), fV);
  let pV = f32x4.add(f32x4.mul(f32x4.splat(LF3), zV), f32x4.splat(LF2));
  pV = f32x4.add(f32x4.mul(pV, zV), f32x4.splat(LF1));
  pV = f32x4.add(f32x4.mul(pV, zV), f32x4.splat(LF0));
  const loV = f32x4.add(f32x4.mul(eV, f32x4.splat(LN2_LO_F)), f32x4.div(cV, uV));
  const tV = f32x4.add(f32x4.mul(sV, f32x4.add(hfsqV, f32x4.mul(zV, pV))), loV);
  let yV = f32x4.add(f32x4.mul(eV, f32x4.splat(LN2_HI_F)), f32x4.sub(fV, f32x4.sub(hfsqV, tV)));
  yV = v128.bitselect(xV, yV, v128.or(f32x4.eq(xV, f32x4.splat(0)), f32x4.eq(xV, f32x4.splat(Infinity))));
  yV = v128.bitselect(f32x4.splat(-Infinity), yV, f32x4.eq(xV, f32x4.splat(-1)));
  return v128.bitselect(f32x4.splat(NaN), yV, v128.not(f32x4.ge(xV, f32x4.splat(-1))));
}

// @ts-ignore: decorator
@inline function expm1DV(xV: v128): v128 {
  // pmin/pmax keep a NaN x (pmin(x, c) = c < x ? c : x)
  const cxV = f64x2.pmax(f64x2.pmin(xV, f64x2.splat(EXPM1_HI_D)), f64x2.splat(EXPM1_LO_D));
  const kV = f64x2.nearest(f64x2.mul(cxV, f64x2.splat(LOG2E_D)));
  // r = hi - lo rounded, and its rounding error c (exact: |hi| >= |lo|)
  const hiV = f64x2.sub(cxV, f64x2.mul(kV, f64x2.splat(LN2_HI_D))), loV = f64x2.mul(kV, f64x2.splat(LN2_LO_D));
  const rV = f64x2.sub(hiV, loV);
  const cV = f64x2.sub(f64x2.sub(hiV, rV), loV);
  const r2V = f64x2.mul(rV, rV), r4V = f64x2.mul(r2V, r2V), r8V = f64x2.mul(r4V, r4V);
  // Q(r) in Estrin's form
  const a01 = f64x2.add(f64x2.mul(f64x2.splat(Q1), rV), f64x2.splat(Q0));
  const a23 = f64x2.add(f64x2.mul(f64x2.splat(Q3), rV), f64x2.splat(Q2));
  const a45 = f64x2.add(f64x2.mul(f64x2.splat(Q5), rV), f64x2.splat(Q4));
  const a67 = f64x2.add(f64x2.mul(f64x2.splat(Q7), rV), f64x2.splat(Q6));
  const a89 = f64x2.add(f64x2.mul(f64x2.splat(Q9), rV), f64x2.splat(Q8));
  const a03 = f64x2.add(a01, f64x2.mul(a23, r2V));
  const a47 = f64x2.add(a45, f64x2.mul(a67, r2V));
  const a810 = f64x2.add(a89, f64x2.mul(f64x2.splat(Q10), r2V));
  const qV = f64x2.add(f64x2.add(a03, f64x2.mul(a47, r4V)), f64x2.mul(a810, r8V));
  // expm1(r + c) = pHi + pLo: r + t split exactly (|r| >= |t|), plus c e^r = c (1 + p)
  const tV = f64x2.mul(r2V, qV);
  const pV = f64x2.add(rV, tV);
  const pLoV = f64x2.add(f64x2.add(f64x2.sub(rV, pV), tV), f64x2.mul(cV, f64x2.add(f64x2.splat(1), pV)));
  // 2^kh and 2^kl, kh = floor(k/2), kl = k - kh, built in the float domain (as exp does)
  const khV = f64x2.floor(f64x2.mul(kV, f64x2.splat(0.5))), klV = f64x2.sub(kV, khV);
  const biasV = f64x2.splat(MAGIC_D + 1023);
  const s1V = i64x2.shl(f64x2.add(khV, biasV), 52), s2V = i64x2.shl(f64x2.add(klV, biasV), 52);
  const sV = f64x2.mul(s1V, s2V), oneV = f64x2.splat(1);
  // 2^k p + (2^k - 1): both terms exact, one rounding, then the low part (at k = 1, x ~ 0.35,
  // where 2p + 1 cancels, pLo is what keeps the result within 1 ulp)
  const smallV = f64x2.add(f64x2.add(f64x2.mul(pV, sV), f64x2.sub(sV, oneV)), f64x2.mul(pLoV, sV));
  const largeV = f64x2.sub(f64x2.mul(f64x2.mul(f64x2.add(oneV, pV), s1V), s2V), oneV);
  const yV = v128.bitselect(largeV, smallV, f64x2.ge(kV, f64x2.splat(1024)));
  return v128.bitselect(xV, yV, f64x2.eq(xV, f64x2.splat(0))); // expm1(-0) = -0
}

// @ts-ignore: decorator
@inline function expm1FV(xV: v128): v128 {
  const cxV = f32x4.pmax(f32x4.pmin(xV, f32x4.splat(EXPM1_HI_F)), f32x4.splat(EXPM1_LO_F));
  const kV = f32x4.nearest(f32x4.mul(cxV, f32x4.splat(LOG2E_F)));
  const rV = f32x4.sub(f32x4.sub(cxV, f32x4.mul(kV, f32x4.splat(LN2_HI_F))), f32x4.mul(kV, f32x4.splat(LN2_LO_F)));
  let qV = f32x4.add(f32x4.mul(f32x4.splat(QF5), rV), f32x4.splat(QF4));
  qV = f32x4.add(f32x4.mul(qV, rV), f32x4.splat(QF3));
  qV = f32x4.add(f32x4.mul(qV, rV), f32x4.splat(QF2));
  qV = f32x4.add(f32x4.mul(qV, rV), f32x4.splat(QF1));
  qV = f32x4.add(f32x4.mul(qV, rV), f32x4.splat(QF0));
  const pV = f32x4.add(rV, f32x4.mul(f32x4.mul(rV, rV), qV));
  const kI = i32x4.trunc_sat_f32x4_s(kV);
  const khI = i32x4.shr_s(kI, 1), klI = i32x4.sub(kI, khI);
  const biasI = i32x4.splat(127);
  const s1V = i32x4.shl(i32x4.add(khI, biasI), 23), s2V = i32x4.shl(i32x4.add(klI, biasI), 23);
  const sV = f32x4.mul(s1V, s2V), oneV = f32x4.splat(1);
  const smallV = f32x4.add(f32x4.mul(pV, sV), f32x4.sub(sV, oneV));
  const largeV = f32x4.sub(f32x4.mul(f32x4.mul(f32x4.add(oneV, pV), s1V), s2V), oneV);
  const yV = v128.bitselect(largeV, smallV, f32x4.ge(kV, f32x4.splat(128)));
  return v128.bitselect(xV, yV, f32x4.eq(xV, f32x4.splat(0)));
}

// ---- runs and exported kernels --------------------------------------------------------------------

// @ts-ignore: decorator
@inline function bodyV<T>(xV: v128, EXPM1: bool): v128 {
  if (sizeof<T>() == 4) return EXPM1 ? expm1FV(xV) : log1pFV(xV);
  return EXPM1 ? expm1DV(xV) : log1pDV(xV);
}

// @ts-ignore: decorator
@inline function run<T>(xPtr: usize, outPtr: usize, n: i32, EXPM1: bool): void {
  if (ASC_FEATURE_SIMD) {
    const lanes = 16 / sizeof<T>();
    for (let i = 0; i < n; i += lanes) {
      const off = <usize>i * sizeof<T>();
      const full = i + lanes <= n; // one body for the loop and the tail (half the code)
      const yV = bodyV<T>(full ? v128.load(xPtr + off) : loadTail<T>(xPtr + off, n - i), EXPM1);
      if (full) v128.store(outPtr + off, yV);
      else storeTail<T>(outPtr + off, yV, n - i);
    }
    return;
  }
  const sh = alignof<T>();
  for (let i = 0; i < n; i++) {
    const off = <usize>i << sh;
    store<T>(outPtr + off, <T>hostMath(EXPM1 ? 3 : 2, <f64>load<T>(xPtr + off)));
  }
}

/** out[i] = log(1 + x[i]) */
export function log1pF32(xPtr: usize, outPtr: usize, n: i32): void { run<f32>(xPtr, outPtr, n, false); }
export function log1pF64(xPtr: usize, outPtr: usize, n: i32): void { run<f64>(xPtr, outPtr, n, false); }
/** out[i] = e^x[i] - 1 */
export function expm1F32(xPtr: usize, outPtr: usize, n: i32): void { run<f32>(xPtr, outPtr, n, true); }
export function expm1F64(xPtr: usize, outPtr: usize, n: i32): void { run<f64>(xPtr, outPtr, n, true); }
