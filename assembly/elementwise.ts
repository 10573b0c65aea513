// Elementwise transcendental kernels, f32 and f64, in place or out of place (outPtr may equal xPtr).
// Called by src/backend/select.ts `unary` for float32 and float64 tensors above a measured length,
// once per op: V8's Math-based loops (src/backend/js.ts) take 7-28 ns a value; these v128 loops
// 2-5 ns (f32) and 3-8 ns (f64), softplus the slowest. Each kernel: a v128 loop (4 f32 / 2 f64
// lanes) under ASC_FEATURE_SIMD, then a scalar tail that is the whole kernel in the scalar binary.
// No tables, no branches in the v128 loops (both sides computed, then selected); the f64 v128
// polynomials are in Estrin's form (short dependency chains), the scalar ones in Horner's.
//
// Layout of this file: the primitives whose arithmetic differs by type (exp, tanh, log's range
// reduction, the polynomials) are written per type, f32 then f64; everything built on them (the
// log core, log1p, sigmoid, softplus, the cross-entropy pairs) and the loops are generic over
// T = f32 | f64, written once (`sizeof<T>() == 4` picks a primitive at compile time, so each
// exported kernel compiles to what its hand-written twin did: test/wasm/kernelBits.test.ts pins
// the bits).
//
// Memory layout: x[0..n) and out[0..n), contiguous f32 (4 bytes) or f64 (8 bytes), any alignment.
//
// exp (f32: Cephes expf extended to the whole float32 range; f64: same scheme, own fit):
//   k = nearest(x / ln 2),  r = x - k ln2_hi - k ln2_lo   (Cody-Waite: k ln2_hi exact, |r| <= ln2/2)
//   e^r = 1 + r + r^2 P(r)     f32: P degree 5 minimax (Cephes);  f64: P degree 10, fitted here
//                              (Chebyshev, near-minimax, |error| 1.4e-18 on |r| <= ln2/2)
//   e^x = e^r * 2^(k - k/2) * 2^(k/2)   two factors, so neither exponent field overflows and results
//        from the smallest subnormal to the largest finite value come out right (x is clamped
//        first, f64 to [-746, 710]: the arithmetic itself then gives +inf and 0 beyond).
// log (f32 and f64 alike; fdlibm's method, own coefficients):
//   x = 2^e m, m in [sqrt(1/2), sqrt(2)) by one integer subtraction on the bits (subnormals are
//   scaled by 2^54 / 2^25 first);  f = m - 1 (exact),  s = f / (2 + f),  z = s^2
//   log(1 + f) = 2 atanh(s) = f - f^2/2 + s (f^2/2 + z L(z)),  L fitted to (2 atanh(s)/s - 2)/z on
//   z <= 0.0401 (f64 degree 7, |error| 2.6e-17; f32 degree 3, 4.1e-9);  log x = e ln2_hi +
//   (log(1 + f) + e ln2_lo).  0 -> -inf, < 0 or NaN -> NaN, +inf -> +inf.
// softplus(x) = max(x, 0) + log1p(t), t = e^-|x| in (0, 1]: 1 + t = 2^e (1 + f) with f = t
//   (t < 1/2) or f = (t - 1)/2 (t >= 1/2), both exact, then the log core above. No cancellation:
//   for x < -37 this is t (= e^x to double precision), for x > 37 it is x. softplus(-inf) = 0.
// sigmoid(x) = 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0, with e = e^-|x|
//              (one exp, no overflow, subnormal results for very negative x)
// tanh f32: a = |x|:  a + a z Q(z), z = a^2  for a < 0.625 (Cephes tanhf; no cancellation near 0),
//           else 1 - 2 / (e^{2a} + 1);  then x's sign bit (tanh(-0) = -0)
// tanh f64: a = |x|:  a + a z T(z) (T degree 11 fitted on a < 0.625, |error| 3.9e-18), else
//           1 - 2 / (e^{2 min(a, 20)} + 1);  then x's sign bit (tanh(-0) = -0).
//
// Accuracy, measured (test/wasm/suite.ts, every binary; the relaxed binary may fuse the polynomial
// multiply-adds): f32 within 2 ulp of the correctly rounded value (exp, log, tanh: within 1);
// f64 within 2 ulp of the JS reference formulas (exp and log within 1), and against a 40-digit
// reference (mpmath, ~30,000 points over wide and narrow ranges): exp 0.93 ulp, log 0.82,
// softplus 1.56, tanh 1.26, sigmoid 2.17 (the float64 formula itself, evaluated with a correctly
// rounded exp, is as far off: the two roundings of e / (1 + e)).

import { maddF64x2 } from "./simd";

// ==== float32 primitives ========================================================================

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_HI: f32 = 88.72283905206835; // ln(largest float32): above it e^x is +inf
const EXP_LO: f32 = -103.97208; //       below it e^x rounds to 0
const P0: f32 = 1.9875691500e-4, P1: f32 = 1.3981999507e-3, P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2, P4: f32 = 1.6666665459e-1, P5: f32 = 5.0000001201e-1;
const T0: f32 = -5.70498872745e-3, T1: f32 = 2.06390887954e-2, T2: f32 = -5.37397155531e-2;
const T3: f32 = 1.33314422036e-1, T4: f32 = -3.33332819422e-1;

// ---- scalar versions (the tail of each SIMD loop, and the whole scalar binary) ----------------

// @ts-ignore: decorator
@inline function expScalar(x: f32): f32 {
  if (x != x) return x;
  if (x > EXP_HI) return Infinity;
  if (x < EXP_LO) return 0;
  const k = nearest<f32>(x * LOG2E);
  const r = x - k * LN2_HI - k * LN2_LO;
  const z = r * r;
  const y = (((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5) * z + r + 1;
  const ki = <i32>k, kh = ki >> 1, kl = ki - kh;
  return y * reinterpret<f32>((kh + 127) << 23) * reinterpret<f32>((kl + 127) << 23);
}

// @ts-ignore: decorator
@inline function tanhScalar(x: f32): f32 {
  // On a = |x|, then x's sign: odd in x, and tanh(-0) = -0 (x + x z Q(z) gave +0, Q(0) < 0).
  const a = abs<f32>(x);
  let t: f32;
  if (a < 0.625) {
    const z = a * a;
    t = a + a * z * ((((T0 * z + T1) * z + T2) * z + T3) * z + T4);
  } else t = <f32>1 - <f32>2 / (expScalar(a + a) + 1);
  return copysign<f32>(t, x);
}

// ---- v128 versions ----------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function expV(xV: v128): v128 {
  const c = f32x4.max(f32x4.min(xV, f32x4.splat(EXP_HI)), f32x4.splat(EXP_LO)); // NaN propagates
  const kV = f32x4.nearest(f32x4.mul(c, f32x4.splat(LOG2E)));
  const rV = f32x4.sub(f32x4.sub(c, f32x4.mul(kV, f32x4.splat(LN2_HI))), f32x4.mul(kV, f32x4.splat(LN2_LO)));
  const zV = f32x4.mul(rV, rV);
  let pV = f32x4.add(f32x4.mul(f32x4.splat(P0), rV), f32x4.splat(P1));
  pV = f32x4.add(f32x4.mul(pV, rV), f32x4.splat(P2));
  pV = f32x4.add(f32x4.mul(pV, rV), f32x4.splat(P3));
  pV = f32x4.add(f32x4.mul(pV, rV), f32x4.splat(P4));
  pV = f32x4.add(f32x4.mul(pV, rV), f32x4.splat(P5));
  const yV = f32x4.add(f32x4.add(f32x4.mul(pV, zV), rV), f32x4.splat(1));
  const ki = i32x4.trunc_sat_f32x4_s(kV);
  const kh = i32x4.shr_s(ki, 1), kl = i32x4.sub(ki, kh);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(kh, bias), 23), s2 = i32x4.shl(i32x4.add(kl, bias), 23);
  let eV = f32x4.mul(f32x4.mul(yV, s1), s2);
  // Beyond the clamp the answer is exactly +inf or 0.
  eV = v128.bitselect(f32x4.splat(Infinity), eV, f32x4.gt(xV, f32x4.splat(EXP_HI)));
  return v128.bitselect(f32x4.splat(0), eV, f32x4.lt(xV, f32x4.splat(EXP_LO)));
}

// @ts-ignore: decorator
@inline function tanhV(xV: v128): v128 {
  const aV = f32x4.abs(xV);
  const zV = f32x4.mul(aV, aV);
  let qV = f32x4.add(f32x4.mul(f32x4.splat(T0), zV), f32x4.splat(T1));
  qV = f32x4.add(f32x4.mul(qV, zV), f32x4.splat(T2));
  qV = f32x4.add(f32x4.mul(qV, zV), f32x4.splat(T3));
  qV = f32x4.add(f32x4.mul(qV, zV), f32x4.splat(T4));
  const smallV = f32x4.add(aV, f32x4.mul(f32x4.mul(aV, zV), qV));
  const largeV = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(expV(f32x4.add(aV, aV)), f32x4.splat(1))));
  // tanh(|x|) (the polynomial where |x| < 0.625), then x's sign bit: tanh(-0) = -0.
  const tV = v128.bitselect(smallV, largeV, f32x4.lt(aV, f32x4.splat(0.625)));
  const signMask = i32x4.splat(0x80000000);
  return v128.or(v128.andnot(tV, signMask), v128.and(xV, signMask));
}

// ---- float32 log (same reduction as the float64 log below, in f32; the core is generic) ---------

const SQRT_HALF_BITS_F: i32 = 0x3f3504f3; // sqrt(1/2) as f32
const MIN_NORMAL_F: f32 = 1.17549435e-38; // 2^-126
const TWO25: f32 = 33554432; // 2^25
// 2 atanh(s) = 2s + s z L(z), z = s^2 <= 0.0401: L of degree 3 fitted to (2 atanh(s)/s - 2)/z, max error 4.1e-9.
const LF3: f32 = 0.23751342296600342, LF2: f32 = 0.28532543778419495, LF1: f32 = 0.4000031352043152, LF0: f32 = 0.6666666865348816;

// @ts-ignore: decorator
// @ts-ignore: decorator
@inline function logScalarF(x: f32): f32 {
  if (!(x >= 0)) return NaN;
  if (x == 0) return -Infinity;
  if (x == Infinity) return x;
  let bias = 0;
  if (x < MIN_NORMAL_F) { x *= TWO25; bias = 25; }
  const ix = reinterpret<i32>(x);
  const e = (ix - SQRT_HALF_BITS_F) >> 23;
  return logCore<f32>(reinterpret<f32>(ix - (e << 23)) - 1, <f32>(e - bias));
}

// @ts-ignore: decorator
// @ts-ignore: decorator
@inline function logFV(xV: v128): v128 {
  const subV = f32x4.lt(xV, f32x4.splat(MIN_NORMAL_F));
  const ix = v128.bitselect(f32x4.mul(xV, f32x4.splat(TWO25)), xV, subV);
  const eI = i32x4.shr_s(i32x4.sub(ix, i32x4.splat(SQRT_HALF_BITS_F)), 23);
  const mV = i32x4.sub(ix, i32x4.shl(eI, 23));
  const eV = f32x4.convert_i32x4_s(i32x4.sub(eI, v128.and(subV, i32x4.splat(25))));
  let yV = logCoreV<f32>(f32x4.sub(mV, f32x4.splat(1)), eV);
  yV = v128.bitselect(f32x4.splat(-Infinity), yV, f32x4.eq(xV, f32x4.splat(0)));
  yV = v128.bitselect(xV, yV, f32x4.eq(xV, f32x4.splat(Infinity)));
  return v128.bitselect(f32x4.splat(NaN), yV, v128.not(f32x4.ge(xV, f32x4.splat(0))));
}

// ==== float64 primitives ========================================================================

const LOG2E_D: f64 = 1.4426950408889634;
const LN2_HI_D: f64 = 0.6931471805598903; //  ln 2 cut to 42 bits: k * LN2_HI_D is exact for |k| < 2^11
const LN2_LO_D: f64 = 5.497923018708371e-14; // ln 2 - LN2_HI_D
const EXP_HI_D: f64 = 710; //  clamp: e^710 overflows to +inf and e^-746 rounds to 0 through the
const EXP_LO_D: f64 = -746; // ordinary arithmetic below, with k inside [-1076, 1024]
const MAGIC_D: f64 = 6755399441055744; // 1.5 * 2^52: (k + MAGIC_D)'s low bits are the integer k
const MAGIC_BITS: i64 = 0x4338000000000000;
const SQRT_HALF_BITS: i64 = 0x3fe6a09e667f3bcd; // sqrt(1/2)
const MIN_NORMAL_D: f64 = 2.2250738585072014e-308; // 2^-1022
const TWO54: f64 = 18014398509481984; // 2^54
const TANH_SMALL_D: f64 = 0.625;
const TANH_CLAMP_D: f64 = 20; // tanh(x) rounds to 1 from x = 19.06 on; e^40 stays finite
// e^r = 1 + r + r^2 E(r) on |r| <= ln2/2: E of degree 10, fitted (Chebyshev, near-minimax) to
// (e^r - 1 - r) / r^2, max error 1.4e-18.
const E10: f64 = 2.0914685161418067e-9, E9: f64 = 2.5105214474751413e-8, E8: f64 = 2.7557273647451087e-7;
const E7: f64 = 2.7557255406285044e-6, E6: f64 = 2.480158732554432e-5, E5: f64 = 1.9841269874815834e-4;
const E4: f64 = 1.388888888888375e-3, E3: f64 = 8.333333333326136e-3, E2: f64 = 4.166666666666667e-2;
const E1: f64 = 1.666666666666667e-1, E0: f64 = 0.5;
// 2 atanh(s) = 2s + s z L(z), z = s^2 <= 0.0401: L of degree 7 fitted to (2 atanh(s)/s - 2)/z,
// max error 2.6e-17 (the series is 2/3 + 2z/5 + 2z^2/7 + ...).
const L7: f64 = 0.13609030262858499, L6: f64 = 0.13209708242059462, L5: f64 = 0.15388867805613718;
const L4: f64 = 0.18181737626302938, L3: f64 = 0.2222222304835159, L2: f64 = 0.28571428567275936;
const L1: f64 = 0.4000000000000794, L0: f64 = 0.6666666666666666;
// tanh(a) = a + a z T(z), z = a^2 <= 0.625^2: T of degree 11 fitted to (tanh(a) - a)/a^3, max error 3.9e-18.
const TD11: f64 = 6.485163482793113e-6, TD10: f64 = -3.12011014257974e-5, TD9: f64 = 9.257116129556769e-5;
const TD8: f64 = -2.375906496055562e-4, TD7: f64 = 5.896606577757043e-4, TD6: f64 = -1.4557754120478055e-3;
const TD5: f64 = 3.5921217511549622e-3, TD4: f64 = -8.863235103240878e-3, TD3: f64 = 2.1869488519008305e-2;
const TD2: f64 = -5.396825396789699e-2, TD1: f64 = 0.13333333333333042, TD0: f64 = -0.3333333333333333;

// ---- scalar f64 ----

// @ts-ignore: decorator
@inline function expPolyD(r: f64): f64 {
  let p = E10 * r + E9;
  p = p * r + E8; p = p * r + E7; p = p * r + E6; p = p * r + E5; p = p * r + E4;
  p = p * r + E3; p = p * r + E2; p = p * r + E1; p = p * r + E0;
  return p;
}

// @ts-ignore: decorator
@inline function logPolyD(z: f64): f64 {
  let p = L7 * z + L6;
  p = p * z + L5; p = p * z + L4; p = p * z + L3; p = p * z + L2; p = p * z + L1; p = p * z + L0;
  return p;
}

// @ts-ignore: decorator
@inline function tanhPolyD(z: f64): f64 {
  let p = TD11 * z + TD10;
  p = p * z + TD9; p = p * z + TD8; p = p * z + TD7; p = p * z + TD6; p = p * z + TD5;
  p = p * z + TD4; p = p * z + TD3; p = p * z + TD2; p = p * z + TD1; p = p * z + TD0;
  return p;
}

// @ts-ignore: decorator
@inline function expScalarD(x: f64): f64 {
  if (x != x) return x;
  const c = max<f64>(min<f64>(x, EXP_HI_D), EXP_LO_D);
  const k = nearest<f64>(c * LOG2E_D);
  const r = (c - k * LN2_HI_D) - k * LN2_LO_D;
  const y = <f64>1 + (r + r * r * expPolyD(r));
  const ki = reinterpret<i64>(k + MAGIC_D) - MAGIC_BITS, kh = ki >> 1, kl = ki - kh;
  return y * reinterpret<f64>((kh + 1023) << 52) * reinterpret<f64>((kl + 1023) << 52);
}

// @ts-ignore: decorator
@inline function logScalarD(x: f64): f64 {
  if (!(x >= 0)) return NaN; // negative or NaN
  if (x == 0) return -Infinity;
  if (x == Infinity) return x;
  let bias: i64 = 0;
  if (x < MIN_NORMAL_D) { x *= TWO54; bias = 54; }
  const ix = reinterpret<i64>(x);
  const e = (ix - SQRT_HALF_BITS) >> 52; // x = m 2^e, m in [sqrt(1/2), sqrt(2))
  const m = reinterpret<f64>(ix - (e << 52));
  return logCore<f64>(m - 1, <f64>(e - bias));
}

// @ts-ignore: decorator
@inline function tanhScalarD(x: f64): f64 {
  const a = abs<f64>(x);
  let t: f64;
  if (a < TANH_SMALL_D) {
    const z = a * a;
    t = a + a * (z * tanhPolyD(z));
  } else {
    t = <f64>1 - <f64>2 / (expScalarD(<f64>2 * min<f64>(a, TANH_CLAMP_D)) + 1); // NaN stays NaN
  }
  return copysign<f64>(t, x);
}

// ---- v128 f64 ----

/** E(r) in Estrin's form (short dependency chains; the terms past E0 are small, so the order of the
 *  additions barely matters for accuracy). r2 = r^2 is passed in: the caller needs it too. */
// @ts-ignore: decorator
@inline function expPolyDV(rV: v128, r2V: v128): v128 {
  const r4V = f64x2.mul(r2V, r2V), r8V = f64x2.mul(r4V, r4V);
  const a01 = maddF64x2(f64x2.splat(E1), rV, f64x2.splat(E0));
  const a23 = maddF64x2(f64x2.splat(E3), rV, f64x2.splat(E2));
  const a45 = maddF64x2(f64x2.splat(E5), rV, f64x2.splat(E4));
  const a67 = maddF64x2(f64x2.splat(E7), rV, f64x2.splat(E6));
  const a89 = maddF64x2(f64x2.splat(E9), rV, f64x2.splat(E8));
  const a03 = maddF64x2(a23, r2V, a01);
  const a47 = maddF64x2(a67, r2V, a45);
  const a810 = maddF64x2(f64x2.splat(E10), r2V, a89);
  return maddF64x2(a810, r8V, maddF64x2(a47, r4V, a03));
}

// @ts-ignore: decorator
@inline function logPolyDV(zV: v128): v128 {
  const z2V = f64x2.mul(zV, zV);
  const a01 = maddF64x2(f64x2.splat(L1), zV, f64x2.splat(L0));
  const a23 = maddF64x2(f64x2.splat(L3), zV, f64x2.splat(L2));
  const a45 = maddF64x2(f64x2.splat(L5), zV, f64x2.splat(L4));
  const a67 = maddF64x2(f64x2.splat(L7), zV, f64x2.splat(L6));
  return maddF64x2(maddF64x2(a67, z2V, a45), f64x2.mul(z2V, z2V), maddF64x2(a23, z2V, a01));
}

// @ts-ignore: decorator
@inline function tanhPolyDV(zV: v128): v128 {
  const z2V = f64x2.mul(zV, zV), z4V = f64x2.mul(z2V, z2V), z8V = f64x2.mul(z4V, z4V);
  const a01 = maddF64x2(f64x2.splat(TD1), zV, f64x2.splat(TD0));
  const a23 = maddF64x2(f64x2.splat(TD3), zV, f64x2.splat(TD2));
  const a45 = maddF64x2(f64x2.splat(TD5), zV, f64x2.splat(TD4));
  const a67 = maddF64x2(f64x2.splat(TD7), zV, f64x2.splat(TD6));
  const a89 = maddF64x2(f64x2.splat(TD9), zV, f64x2.splat(TD8));
  const a1011 = maddF64x2(f64x2.splat(TD11), zV, f64x2.splat(TD10));
  const a07 = maddF64x2(maddF64x2(a67, z2V, a45), z4V, maddF64x2(a23, z2V, a01));
  return maddF64x2(maddF64x2(a1011, z2V, a89), z8V, a07);
}

// @ts-ignore: decorator
@inline function expDV(xV: v128): v128 {
  // pmin/pmax (one instruction each, unlike min/max) keep a NaN x: pmin(x, c) = c < x ? c : x.
  // A NaN lane gives y = NaN and garbage (finite) scale factors.
  const cV = f64x2.pmax(f64x2.pmin(xV, f64x2.splat(EXP_HI_D)), f64x2.splat(EXP_LO_D));
  const kV = f64x2.nearest(f64x2.mul(cV, f64x2.splat(LOG2E_D)));
  const rV = f64x2.sub(f64x2.sub(cV, f64x2.mul(kV, f64x2.splat(LN2_HI_D))), f64x2.mul(kV, f64x2.splat(LN2_LO_D)));
  const r2V = f64x2.mul(rV, rV);
  const yV = f64x2.add(f64x2.splat(1), f64x2.add(rV, f64x2.mul(r2V, expPolyDV(rV, r2V))));
  // 2^kh and 2^kl, kh = floor(k/2), kl = k - kh, built in the float domain (x86 has no 64-bit
  // arithmetic shift): the low 12 bits of (kh + 1023 + MAGIC_D) are kh + 1023, shifted into the exponent.
  const khV = f64x2.floor(f64x2.mul(kV, f64x2.splat(0.5))), klV = f64x2.sub(kV, khV);
  const biasV = f64x2.splat(MAGIC_D + 1023);
  const s1 = i64x2.shl(f64x2.add(khV, biasV), 52), s2 = i64x2.shl(f64x2.add(klV, biasV), 52);
  return f64x2.mul(f64x2.mul(yV, s1), s2);
}

// @ts-ignore: decorator
@inline function logDV(xV: v128): v128 {
  const subV = f64x2.lt(xV, f64x2.splat(MIN_NORMAL_D)); // subnormal (and 0 / negative: fixed below)
  const ix = v128.bitselect(f64x2.mul(xV, f64x2.splat(TWO54)), xV, subV);
  // u = bits(x) - bits(sqrt(1/2)): e = u >> 52 (arithmetic), m = bits(x) - (e << 52). x86 has no
  // 64-bit arithmetic shift, so e comes from the high 32-bit halves and e << 52 = u with the low 52 bits cleared.
  const uV = i64x2.sub(ix, i64x2.splat(SQRT_HALF_BITS));
  const mV = i64x2.sub(ix, v128.and(uV, i64x2.splat(<i64>0xfff0000000000000)));
  const hiV = i32x4.shr_s(uV, 20);
  const eI = f64x2.convert_low_i32x4_s(v128.shuffle<i32>(hiV, hiV, 1, 3, 1, 3));
  const eV = f64x2.sub(eI, v128.and(subV, f64x2.splat(54)));
  let yV = logCoreV<f64>(f64x2.sub(mV, f64x2.splat(1)), eV);
  yV = v128.bitselect(f64x2.splat(-Infinity), yV, f64x2.eq(xV, f64x2.splat(0)));
  yV = v128.bitselect(xV, yV, f64x2.eq(xV, f64x2.splat(Infinity)));
  return v128.bitselect(f64x2.splat(NaN), yV, v128.not(f64x2.ge(xV, f64x2.splat(0)))); // x < 0 or NaN
}

// @ts-ignore: decorator
@inline function tanhDV(xV: v128): v128 {
  const aV = f64x2.abs(xV);
  const zV = f64x2.mul(aV, aV);
  const smallV = f64x2.add(aV, f64x2.mul(aV, f64x2.mul(zV, tanhPolyDV(zV))));
  const eV = expDV(f64x2.mul(f64x2.splat(2), f64x2.pmin(aV, f64x2.splat(TANH_CLAMP_D)))); // NaN stays
  const largeV = f64x2.sub(f64x2.splat(1), f64x2.div(f64x2.splat(2), f64x2.add(eV, f64x2.splat(1))));
  const tV = v128.bitselect(smallV, largeV, f64x2.lt(aV, f64x2.splat(TANH_SMALL_D)));
  // t >= 0 (or NaN): give it x's sign, so tanh(-0) = -0.
  return v128.or(tV, v128.and(xV, i64x2.splat(i64.MIN_VALUE)));
}

// ==== both types ================================================================================

// ---- the per-type primitives behind one name ----

// @ts-ignore: decorator
@inline function expS<T>(x: T): T {
  if (sizeof<T>() == 4) return <T>expScalar(<f32>x);
  return <T>expScalarD(<f64>x);
}
// @ts-ignore: decorator
@inline function expVec<T>(xV: v128): v128 {
  if (sizeof<T>() == 4) return expV(xV);
  return expDV(xV);
}
// @ts-ignore: decorator
@inline function tanhS<T>(x: T): T {
  if (sizeof<T>() == 4) return <T>tanhScalar(<f32>x);
  return <T>tanhScalarD(<f64>x);
}
// @ts-ignore: decorator
@inline function tanhVec<T>(xV: v128): v128 {
  if (sizeof<T>() == 4) return tanhV(xV);
  return tanhDV(xV);
}
// @ts-ignore: decorator
@inline function logS<T>(x: T): T {
  if (sizeof<T>() == 4) return <T>logScalarF(<f32>x);
  return <T>logScalarD(<f64>x);
}
// @ts-ignore: decorator
@inline function logVec<T>(xV: v128): v128 {
  if (sizeof<T>() == 4) return logFV(xV);
  return logDV(xV);
}
/** L(z) of the log core: f32 degree 3, f64 degree 7 (Horner's form in both scalar loops). */
// @ts-ignore: decorator
@inline function logPoly<T>(z: T): T {
  if (sizeof<T>() == 4) {
    const zf = <f32>z;
    return <T>(((LF3 * zf + LF2) * zf + LF1) * zf + LF0);
  }
  return <T>logPolyD(<f64>z);
}
/** L(z) on lanes: f32 in Horner's form, f64 in Estrin's. */
// @ts-ignore: decorator
@inline function logPolyV<T>(zV: v128): v128 {
  if (sizeof<T>() == 4) {
    let pV = f32x4.add(f32x4.mul(f32x4.splat(LF3), zV), f32x4.splat(LF2));
    pV = f32x4.add(f32x4.mul(pV, zV), f32x4.splat(LF1));
    return f32x4.add(f32x4.mul(pV, zV), f32x4.splat(LF0));
  }
  return logPolyDV(zV);
}
// @ts-ignore: decorator
@inline function ln2Hi<T>(): T {
  return sizeof<T>() == 4 ? <T>LN2_HI : <T>LN2_HI_D;
}
// @ts-ignore: decorator
@inline function ln2Lo<T>(): T {
  return sizeof<T>() == 4 ? <T>LN2_LO : <T>LN2_LO_D;
}
/**
 * max(x, 0) on lanes, NaN kept: f32x4.max for f32, pmax (x < 0 ? 0 : x, one x86 instruction) for
 * f64, the ops each type's kernels used before they were generic. (The two differ only at x = -0,
 * where softplus and the loss then add log 2, so pmax would give f32 the same bits as well.)
 */
// @ts-ignore: decorator
@inline function maxZeroV<T>(xV: v128): v128 {
  if (sizeof<T>() == 4) return f32x4.max(xV, f32x4.splat(0));
  return f64x2.pmax(xV, f64x2.splat(0));
}

// ---- log core and log1p, the same steps in both types ----

/** log(1 + f) + e ln 2 for |f| small (f = m - 1, m in [sqrt(1/2), sqrt(2)), or the log1p reduction). */
// @ts-ignore: decorator
@inline function logCore<T>(f: T, e: T): T {
  const s = f / (<T>2 + f), z = s * s;
  const hfsq = <T>0.5 * f * f, R = z * logPoly<T>(z);
  return e * ln2Hi<T>() + (f - (hfsq - (s * (hfsq + R) + e * ln2Lo<T>())));
}

/** log(1 + t) for t in [0, 1] (or NaN): 1 + t = 2^e (1 + f) with f exact. */
// @ts-ignore: decorator
@inline function log1pUnit<T>(t: T): T {
  return t >= <T>0.5 ? logCore<T>((t - <T>1) * <T>0.5, 1) : logCore<T>(t, 0);
}

// @ts-ignore: decorator
@inline function logCoreV<T>(fV: v128, eV: v128): v128 {
  const sV = v128.div<T>(fV, v128.add<T>(v128.splat<T>(2), fV));
  const zV = v128.mul<T>(sV, sV);
  const hfsqV = v128.mul<T>(v128.mul<T>(v128.splat<T>(0.5), fV), fV);
  const rV = v128.mul<T>(zV, logPolyV<T>(zV));
  const tV = v128.add<T>(v128.mul<T>(sV, v128.add<T>(hfsqV, rV)), v128.mul<T>(eV, v128.splat<T>(ln2Lo<T>())));
  return v128.add<T>(v128.mul<T>(eV, v128.splat<T>(ln2Hi<T>())), v128.sub<T>(fV, v128.sub<T>(hfsqV, tV)));
}

// @ts-ignore: decorator
@inline function log1pUnitV<T>(tV: v128): v128 {
  const bigV = v128.ge<T>(tV, v128.splat<T>(0.5));
  const fV = v128.bitselect(v128.mul<T>(v128.sub<T>(tV, v128.splat<T>(1)), v128.splat<T>(0.5)), tV, bigV);
  return logCoreV<T>(fV, v128.and(bigV, v128.splat<T>(1))); // e = 1 or 0
}

// ---- the ops, from e = e^-|x| where they need it ----

const OP_EXP = 0, OP_SIGMOID = 1, OP_TANH = 2, OP_SOFTPLUS = 3, OP_LOG = 4, OP_SIGMOID_SLOPE = 5;

/** sigmoid(x) = 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0 (NaN takes e, a NaN). */
// @ts-ignore: decorator
@inline function sigmoidFromE<T>(x: T, e: T): T {
  return (x >= 0 ? <T>1 : e) / (<T>1 + e);
}
// @ts-ignore: decorator
@inline function sigmoidFromEV<T>(xV: v128, eV: v128): v128 {
  const oneV = v128.splat<T>(1);
  return v128.div<T>(v128.bitselect(oneV, eV, v128.ge<T>(xV, v128.splat<T>(0))), v128.add<T>(oneV, eV));
}
/** Cross-entropy on logits: (max(x, 0) - x t) + log1p(e), no cancellation when x t ~ x (confident and right). */
// @ts-ignore: decorator
@inline function crossEntropyFromE<T>(x: T, t: T, e: T): T {
  return (max<T>(x, 0) - x * t) + log1pUnit<T>(e);
}
// @ts-ignore: decorator
@inline function crossEntropyFromEV<T>(xV: v128, tV: v128, eV: v128): v128 {
  return v128.add<T>(v128.sub<T>(maxZeroV<T>(xV), v128.mul<T>(xV, tV)), log1pUnitV<T>(eV));
}

/** One unary op on one value (`op` is a compile-time constant of each kernel). */
// @ts-ignore: decorator
@inline function unaryS<T>(op: i32, x: T): T {
  if (op == OP_EXP) return expS<T>(x);
  if (op == OP_TANH) return tanhS<T>(x);
  if (op == OP_LOG) return logS<T>(x);
  const e = expS<T>(-abs<T>(x));
  if (op == OP_SIGMOID) return sigmoidFromE<T>(x, e);
  if (op == OP_SOFTPLUS) return max<T>(x, 0) + log1pUnit<T>(e);
  return e / ((<T>1 + e) * (<T>1 + e)); // OP_SIGMOID_SLOPE: s (1 - s), even in x
}

/** One unary op on a v128 of values. */
// @ts-ignore: decorator
@inline function unaryV<T>(op: i32, xV: v128): v128 {
  if (op == OP_EXP) return expVec<T>(xV);
  if (op == OP_TANH) return tanhVec<T>(xV);
  if (op == OP_LOG) return logVec<T>(xV);
  const eV = expVec<T>(v128.neg<T>(v128.abs<T>(xV)));
  if (op == OP_SIGMOID) return sigmoidFromEV<T>(xV, eV);
  if (op == OP_SOFTPLUS) return v128.add<T>(maxZeroV<T>(xV), log1pUnitV<T>(eV));
  const dV = v128.add<T>(v128.splat<T>(1), eV); // OP_SIGMOID_SLOPE
  return v128.div<T>(eV, v128.mul<T>(dV, dV));
}

// ---- the loops ----

/** out[i] = op(x[i]): the v128 body, then the scalar tail (the whole loop in the scalar binary). */
// @ts-ignore: decorator
@inline function unaryRun<T>(xPtr: usize, outPtr: usize, n: i32, op: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const lanes = <i32>(16 / sizeof<T>());
    for (; i + lanes <= n; i += lanes) {
      const off = <usize>i << alignof<T>();
      v128.store(outPtr + off, unaryV<T>(op, v128.load(xPtr + off)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << alignof<T>();
    store<T>(outPtr + off, unaryS<T>(op, load<T>(xPtr + off)));
  }
}

/**
 * loss[i] = softplus(x[i]) - x[i] t[i]; with RES also res[i] = sigmoid(x[i]) - t[i], from the same
 * e^-|x|. Each element's x and t are read before its loss and res are written (so loss may alias x
 * and res may alias t).
 */
// @ts-ignore: decorator
@inline function crossEntropyRun<T>(xPtr: usize, tPtr: usize, lossPtr: usize, resPtr: usize, n: i32, RES: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const lanes = <i32>(16 / sizeof<T>());
    for (; i + lanes <= n; i += lanes) {
      const off = <usize>i << alignof<T>();
      const xV = v128.load(xPtr + off), tV = v128.load(tPtr + off);
      const eV = expVec<T>(v128.neg<T>(v128.abs<T>(xV)));
      v128.store(lossPtr + off, crossEntropyFromEV<T>(xV, tV, eV));
      if (RES) v128.store(resPtr + off, v128.sub<T>(sigmoidFromEV<T>(xV, eV), tV));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << alignof<T>();
    const x = load<T>(xPtr + off), t = load<T>(tPtr + off);
    const e = expS<T>(-abs<T>(x));
    store<T>(lossPtr + off, crossEntropyFromE<T>(x, t, e));
    if (RES) store<T>(resPtr + off, sigmoidFromE<T>(x, e) - t);
  }
}

// ---- exported kernels (the ABI: src/backend/wasm/index.ts calls them by these names) -------------
// x[0..n) in, out[0..n) out, f32 or f64, out may equal x.

/** out[i] = e^x[i] */
export function expF32(xPtr: usize, outPtr: usize, n: i32): void {
  unaryRun<f32>(xPtr, outPtr, n, OP_EXP);
}
export function expF64(xPtr: usize, outPtr: usize, n: i32): void {
  unaryRun<f64>(xPtr, outPtr, n, OP_EXP);
}

/** out[i] = 1 / (1 + e^-x[i]) */
export function sigmoidF32(xPtr: usize, outPtr: usize, n: i32): void {
  unaryRun<f32>(xPtr, outPtr, n, OP_SIGMOID);
}
export function sigmoidF64(xPtr: usize, outPtr: usize, n: i32): void {
  unaryRun<f64>(xPtr, outPtr, n, OP_SIGMOID);
}

/** out[i] = tanh(x[i]) */
export function tanhF32(xPtr: usize, outPtr: usize, n: i32): void {
  unaryRun<f32>(xPtr, outPtr, n, OP_TANH);
}
export function tanhF64(xPtr: usize, outPtr: usize, n: i32): void {
  unaryRun<f64>(xPtr, outPtr, n, OP_TANH);
}

/** out[i] = log(1 + e^x[i]) = max(x, 0) + log1p(e^-|x|) */
export function softplusF32(xPtr: usize, outPtr: usize, n: i32): void {
  unaryRun<f32>(xPtr, outPtr, n, OP_SOFTPLUS);
}
export function softplusF64(xPtr: usize, outPtr: usize, n: i32): void {
  unaryRun<f64>(xPtr, outPtr, n, OP_SOFTPLUS);
}

/** out[i] = log(x[i]) (natural log; -inf at 0, NaN below 0) */
export function logF32(xPtr: usize, outPtr: usize, n: i32): void {
  unaryRun<f32>(xPtr, outPtr, n, OP_LOG);
}
export function logF64(xPtr: usize, outPtr: usize, n: i32): void {
  unaryRun<f64>(xPtr, outPtr, n, OP_LOG);
}

/** out[i] = sigmoid'(x[i]) = s (1 - s) = e / (1 + e)^2 with e = e^-|x| (even in x; no cancellation) */
export function sigmoidSlopeF32(xPtr: usize, outPtr: usize, n: i32): void {
  unaryRun<f32>(xPtr, outPtr, n, OP_SIGMOID_SLOPE);
}
export function sigmoidSlopeF64(xPtr: usize, outPtr: usize, n: i32): void {
  unaryRun<f64>(xPtr, outPtr, n, OP_SIGMOID_SLOPE);
}

// ---- fused pairs for cross-entropy on logits (src/ops/logisticLoss.ts) --------------------------
// Two inputs x (logits) and t (targets), same length; each saves a tensor-sized pass and an
// allocation over composing the ops in JS. The same inline helpers as above, so the same accuracy
// per step; the final subtraction adds at most half an ulp of the result.

/** out[i] = softplus(x[i]) - x[i] t[i], as (max(x, 0) - x t) + log1p(e^-|x|) */
export function crossEntropyLogitsF32(xPtr: usize, tPtr: usize, outPtr: usize, n: i32): void {
  crossEntropyRun<f32>(xPtr, tPtr, outPtr, 0, n, false);
}
export function crossEntropyLogitsF64(xPtr: usize, tPtr: usize, outPtr: usize, n: i32): void {
  crossEntropyRun<f64>(xPtr, tPtr, outPtr, 0, n, false);
}

/**
 * loss[i] as above and res[i] = sigmoid(x[i]) - t[i] (the gradient of the loss with respect to x)
 * from one e^-|x|; the loss has the same bits as crossEntropyLogits (the same helpers in the same
 * order). The forward pass of a loss whose gradient will be taken computes both, which saves the
 * backward its own exp pass. loss may alias x and res may alias t.
 */
export function crossEntropyResidualF32(xPtr: usize, tPtr: usize, lossPtr: usize, resPtr: usize, n: i32): void {
  crossEntropyRun<f32>(xPtr, tPtr, lossPtr, resPtr, n, true);
}
export function crossEntropyResidualF64(xPtr: usize, tPtr: usize, lossPtr: usize, resPtr: usize, n: i32): void {
  crossEntropyRun<f64>(xPtr, tPtr, lossPtr, resPtr, n, true);
}
