// Sine and cosine, f32 and f64, in place or out of place (outPtr may equal xPtr). Called by
// src/backend/wasm/backend.ts `unary` for tensors above the measured break-even length (the
// `wasm: true` rows of src/backend/ops.ts), once per op. One run per element type (`<T>`, with
// `sizeof<T>() == 4` choosing the f32x4 body and the f32 polynomials) serves sin and cos (a
// runtime flag: the quadrant shifts by one), so each binary holds one copy of each body. The last
// 1-3 values go through the same v128 body, loaded and stored lane by lane (assembly/lanes.ts), so
// the tail has the loop's bits. The scalar binary (engines without SIMD) calls the host's
// Math.sin / Math.cos for every value instead of carrying a scalar copy of the method: it would be
// no faster than the engine's own Math there, and it cost 1.2 KiB of every bundle; the WebAssembly
// backend sends these ops to the JS loops when the scalar binary is the one running.
//
// Memory layout: x[0..n) and out[0..n), contiguous f32 (4 bytes) or f64 (8 bytes), any alignment.
//
// Method (the textbook one: Cody-Waite reduction by pi/2, then minimax polynomials on [-pi/4, pi/4]):
//   n = nearest(x 2/pi), computed as (x 2/pi + 1.5 2^52) - 1.5 2^52, whose low mantissa bits are n
//       itself in two's complement: the quadrant n mod 4 is read from them without a conversion.
//   r = x - n pi/2 with pi/2 = P1 + P2 + P3 + P4: P1..P3 have 33 significant bits, so n Pk is
//       exact for |n| < 2^20; x - n P1 is exact (Sterbenz). f64: r0 = (x - n P1) - n (pi/2 - P1)
//       with its rounding error as a tail r1 is good to 2^-69 relative while |r0| >= 2^-16 |x|;
//       for a vector where a lane is closer to a multiple of pi/2, x - n P1 - n P2 - n P3 - n P4 as
//       error-free sums (TwoSum) with their errors carried into the tail: good to about 2^-100
//       relative (every double is at least 2^-61 away from a multiple of pi/2). f32: the
//       reduction runs in f64 on the promoted lanes (two f64x2 halves), r = ((x - n P1) - n P2) -
//       n (pi/2 - P1 - P2), then r is rounded to f32.
//   sin r = r + r z S(z), cos r = 1 - z/2 + z^2 C(z), z = r^2: S and C fitted here (weighted
//       Lawson-Chebyshev, near-minimax on the relative error of sin and cos over [0, pi/4]): f64
//       degree 5 each, relative error 6.2e-18 (sin) and 1.3e-18 (cos) with the coefficients as
//       rounded; f32 degree 2 each, 6.1e-9 and 7.0e-10. f64 adds the tail: sin(r0 + r1) =
//       sin r0 + r1 (1 - z/2), cos(r0 + r1) = cos r0 - r0 r1; cos r0's 1 - z/2 keeps its rounding
//       error ((1 - w) - z/2, exact) so the sum rounds once.
//   quadrant n mod 4 = 0, 1, 2, 3 gives sin x = sin r, cos r, -sin r, -cos r (cos x: quadrant n + 1);
//       sin(+-0) = +-0 is kept by selecting x where x == 0.
//   |x| >= 2^19 (and +-inf) lanes are rare, so the v128 loop tests for any such lane and recomputes
//   only those with the host's Math.sin / Math.cos (`hostMath` below).
//
// Accuracy, measured (test/wasm/suite.ts, every SIMD binary, against Math.sin / Math.cos over wide
// and narrow ranges, near multiples of pi/2 and huge arguments): f64 within 1 ulp of Math.sin and
// Math.cos (V8's fdlibm, itself within 1 ulp); f32 within 1 ulp of the correctly rounded value.

import { loadTail, storeTail } from "./lanes";

const TWO_OVER_PI: f64 = 0.6366197723675814;
const MAGIC: f64 = 6755399441055744; // 1.5 * 2^52
// pi/2 = PIO2_1 + PIO2_2 + PIO2_3 + PIO2_4: 33 + 33 + 33 + 53 significant bits
const PIO2_1: f64 = 1.5707963267341256; //  0x3ff921fb54400000
const PIO2_2: f64 = 6.077100506303966e-11; // 0x3dd0b4611a600000
const PIO2_3: f64 = 2.0222662487111665e-21; // 0x3ba3198a2e000000
const PIO2_4: f64 = 8.4784276603689e-32; //   0x397b839a252049c1
const PIO2_3R: f64 = 2.0222662487959506e-21; // pi/2 - PIO2_1 - PIO2_2, rounded (the f32 kernels' third part)
const PIO2_1T: f64 = 6.077100506506192e-11; //  pi/2 - PIO2_1, rounded (the f64 short reduction)
const CANCEL: f64 = 1.52587890625e-5; //        2^-16
const LIMIT: f64 = 524288; // 2^19: |n| < 2^19 here, so n PIO2_k is exact
const LIMIT_F: f32 = 524288;
// sin r = r + r z S(z): S(z) = S0 + S1 z + ... + S5 z^5
const S0: f64 = -0.16666666666666632, S1: f64 = 0.008333333333322424, S2: f64 = -0.00019841269829816335;
const S3: f64 = 2.7557313695042797e-6, S4: f64 = -2.505075862787833e-8, S5: f64 = 1.5896826603836806e-10;
// cos r = 1 - z/2 + z^2 C(z)
const C0: f64 = 0.0416666666666666, C1: f64 = -0.0013888888888874136, C2: f64 = 2.4801587289490655e-5;
const C3: f64 = -2.755731435493554e-7, C4: f64 = 2.087572364626845e-9, C5: f64 = -1.1359668037014036e-11;
// f32: degree 2 each
const SF0: f32 = -0.16666655242443085, SF1: f32 = 0.008332177996635437, SF2: f32 = -0.00019517293549142778;
const CF0: f32 = 0.04166664555668831, CF1: f32 = -0.001388736767694354, CF2: f32 = 2.4438440959784202e-5;

// ---- the host's Math --------------------------------------------------------------------------------

/**
 * The host's Math.sin (op 0), Math.cos (1), Math.log1p (2) or Math.expm1 (3) of x (`hostMath` in
 * src/backend/wasm/abi.ts): for the rare sin / cos arguments |x| >= 2^19 (or infinite), whose
 * Payne-Hanek reduction would cost more code than the rest of the kernel (the AssemblyScript
 * library's sincos: 1.3 KiB of the bundle), and for every value in the scalar binary.
 */
@external("env", "hostMath")
export declare function hostMath(op: i32, x: f64): f64;

// ---- v128 -----------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function sinCosDV(xV: v128, cos: i32): v128 {
  const tV = f64x2.add(f64x2.mul(xV, f64x2.splat(TWO_OVER_PI)), f64x2.splat(MAGIC));
  const nV = f64x2.sub(tV, f64x2.splat(MAGIC));
  const aV = f64x2.sub(xV, f64x2.mul(nV, f64x2.splat(PIO2_1))); // exact
  // The short reduction first: r = a - n (pi/2 - P1), 86 bits of pi/2, good to 2^-69 relative
  // while r keeps at least 2^-16 of |x| (no lane sits next to a multiple of pi/2); else the full one.
  const wV = f64x2.mul(nV, f64x2.splat(PIO2_1T));
  let y0V = f64x2.sub(aV, wV);
  let y1V = f64x2.sub(f64x2.sub(aV, y0V), wV);
  if (v128.any_true(f64x2.lt(f64x2.abs(y0V), f64x2.mul(f64x2.abs(xV), f64x2.splat(CANCEL))))) {
    // a - n P2 - n P3 as error-free sums (TwoSum), their errors and n P4 carried into the tail
    const bV = f64x2.neg(f64x2.mul(nV, f64x2.splat(PIO2_2)));
    const r1V = f64x2.add(aV, bV);
    const a1V = f64x2.sub(r1V, bV), b1V = f64x2.sub(r1V, a1V);
    const e1V = f64x2.add(f64x2.sub(aV, a1V), f64x2.sub(bV, b1V));
    const cV = f64x2.neg(f64x2.mul(nV, f64x2.splat(PIO2_3)));
    const r2V = f64x2.add(r1V, cV);
    const a2V = f64x2.sub(r2V, cV), b2V = f64x2.sub(r2V, a2V);
    const e2V = f64x2.add(f64x2.sub(r1V, a2V), f64x2.sub(cV, b2V));
    const tailV = f64x2.sub(f64x2.add(e1V, e2V), f64x2.mul(nV, f64x2.splat(PIO2_4)));
    y0V = f64x2.add(r2V, tailV);
    y1V = f64x2.add(f64x2.sub(r2V, y0V), tailV);
  }
  const zV = f64x2.mul(y0V, y0V), z2V = f64x2.mul(zV, zV), z4V = f64x2.mul(z2V, z2V);
  // Estrin's form: (c0 + c1 z) + z^2 (c2 + c3 z) + z^4 (c4 + c5 z)
  const sPV = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f64x2.splat(S1), zV), f64x2.splat(S0)),
    f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(S3), zV), f64x2.splat(S2)), z2V)),
    f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(S5), zV), f64x2.splat(S4)), z4V));
  const cPV = f64x2.add(f64x2.add(f64x2.add(f64x2.mul(f64x2.splat(C1), zV), f64x2.splat(C0)),
    f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(C3), zV), f64x2.splat(C2)), z2V)),
    f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(C5), zV), f64x2.splat(C4)), z4V));
  const oneV = f64x2.splat(1), halfV = f64x2.splat(0.5);
  const sinV = f64x2.add(y0V, f64x2.add(f64x2.mul(f64x2.mul(y0V, zV), sPV), f64x2.mul(y1V, f64x2.sub(oneV, f64x2.mul(halfV, zV)))));
  const hzV = f64x2.mul(halfV, zV), vV = f64x2.sub(oneV, hzV);
  const cosV = f64x2.add(vV, f64x2.add(f64x2.sub(f64x2.sub(oneV, vV), hzV), f64x2.sub(f64x2.mul(z2V, cPV), f64x2.mul(y0V, y1V))));
  const qV = i64x2.add(tV, i64x2.splat(cos));
  const oddV = i64x2.eq(v128.and(qV, i64x2.splat(1)), i64x2.splat(1));
  // quadrant bit 1 -> the sign bit (bit 63)
  const yV = v128.xor(v128.bitselect(cosV, sinV, oddV), v128.and(i64x2.shl(qV, 62), i64x2.splat(i64.MIN_VALUE)));
  // sin(+-0) = +-0: x itself where x == 0 (for sin only)
  return v128.bitselect(xV, yV, v128.and(f64x2.eq(xV, f64x2.splat(0)), i64x2.splat(cos - 1)));
}

/** r = x - n pi/2 on two f64 lanes for the f32 kernels (t = x 2/pi + MAGIC). */
// @ts-ignore: decorator
@inline function reduceShortV(hV: v128, tV: v128): v128 {
  const nV = f64x2.sub(tV, f64x2.splat(MAGIC));
  const aV = f64x2.sub(hV, f64x2.mul(nV, f64x2.splat(PIO2_1)));
  return f64x2.sub(f64x2.sub(aV, f64x2.mul(nV, f64x2.splat(PIO2_2))), f64x2.mul(nV, f64x2.splat(PIO2_3R)));
}

// @ts-ignore: decorator
@inline function sinCosFV(xV: v128, cos: i32): v128 {
  const loV = f64x2.promote_low_f32x4(xV);
  const hiV = f64x2.promote_low_f32x4(v128.shuffle<i32>(xV, xV, 2, 3, 2, 3));
  const tLoV = f64x2.add(f64x2.mul(loV, f64x2.splat(TWO_OVER_PI)), f64x2.splat(MAGIC));
  const tHiV = f64x2.add(f64x2.mul(hiV, f64x2.splat(TWO_OVER_PI)), f64x2.splat(MAGIC));
  const rV = v128.shuffle<i32>(f32x4.demote_f64x2_zero(reduceShortV(loV, tLoV)), f32x4.demote_f64x2_zero(reduceShortV(hiV, tHiV)), 0, 1, 4, 5);
  const qV = i32x4.add(v128.shuffle<i32>(tLoV, tHiV, 0, 2, 4, 6), i32x4.splat(cos)); // the low words of t: n
  const zV = f32x4.mul(rV, rV);
  const sPV = f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(f32x4.splat(SF2), zV), f32x4.splat(SF1)), zV), f32x4.splat(SF0));
  const cPV = f32x4.add(f32x4.mul(f32x4.add(f32x4.mul(f32x4.splat(CF2), zV), f32x4.splat(CF1)), zV), f32x4.splat(CF0));
  const oneV = f32x4.splat(1);
  const sinV = f32x4.add(rV, f32x4.mul(f32x4.mul(rV, zV), sPV));
  const hzV = f32x4.mul(f32x4.splat(0.5), zV), vV = f32x4.sub(oneV, hzV);
  const cosV = f32x4.add(vV, f32x4.add(f32x4.sub(f32x4.sub(oneV, vV), hzV), f32x4.mul(f32x4.mul(zV, zV), cPV)));
  const oddV = i32x4.eq(v128.and(qV, i32x4.splat(1)), i32x4.splat(1));
  const yV = v128.xor(v128.bitselect(cosV, sinV, oddV), v128.and(i32x4.shl(qV, 30), i32x4.splat(0x80000000)));
  return v128.bitselect(xV, yV, v128.and(f32x4.eq(xV, f32x4.splat(0)), i32x4.splat(cos - 1)));
}

/** The lanes with |x| >= 2^19 (or infinite), recomputed by the host: rare, kept out of line. */
function hugeLanesF(xV: v128, yV: v128, cos: i32): v128 {
  const x0 = f32x4.extract_lane(xV, 0), x1 = f32x4.extract_lane(xV, 1), x2 = f32x4.extract_lane(xV, 2), x3 = f32x4.extract_lane(xV, 3);
  if (!(abs<f32>(x0) < LIMIT_F)) yV = f32x4.replace_lane(yV, 0, <f32>hostMath(cos, <f64>x0));
  if (!(abs<f32>(x1) < LIMIT_F)) yV = f32x4.replace_lane(yV, 1, <f32>hostMath(cos, <f64>x1));
  if (!(abs<f32>(x2) < LIMIT_F)) yV = f32x4.replace_lane(yV, 2, <f32>hostMath(cos, <f64>x2));
  if (!(abs<f32>(x3) < LIMIT_F)) yV = f32x4.replace_lane(yV, 3, <f32>hostMath(cos, <f64>x3));
  return yV;
}

function hugeLanesD(xV: v128, yV: v128, cos: i32): v128 {
  const x0 = f64x2.extract_lane(xV, 0), x1 = f64x2.extract_lane(xV, 1);
  if (!(abs<f64>(x0) < LIMIT)) yV = f64x2.replace_lane(yV, 0, hostMath(cos, x0));
  if (!(abs<f64>(x1) < LIMIT)) yV = f64x2.replace_lane(yV, 1, hostMath(cos, x1));
  return yV;
}

/** out[i] = sin(x[i]) (cos = 0) or cos(x[i]) (cos = 1). */
function sinCosRun<T>(xPtr: usize, outPtr: usize, n: i32, cos: i32): void {
  if (ASC_FEATURE_SIMD) {
    const lanes = 16 / sizeof<T>();
    for (let i = 0; i < n; i += lanes) {
      const off = <usize>i * sizeof<T>();
      const full = i + lanes <= n;
      const xV = full ? v128.load(xPtr + off) : loadTail<T>(xPtr + off, n - i);
      let yV: v128;
      if (sizeof<T>() == 4) {
        yV = sinCosFV(xV, cos);
        if (v128.any_true(f32x4.ge(f32x4.abs(xV), f32x4.splat(LIMIT_F)))) yV = hugeLanesF(xV, yV, cos);
      } else {
        yV = sinCosDV(xV, cos);
        if (v128.any_true(f64x2.ge(f64x2.abs(xV), f64x2.splat(LIMIT)))) yV = hugeLanesD(xV, yV, cos);
      }
      if (full) v128.store(outPtr + off, yV);
      else storeTail<T>(outPtr + off, yV, n - i);
    }
    return;
  }
  const sh = alignof<T>();
  for (let i = 0; i < n; i++) {
    const off = <usize>i << sh;
    store<T>(outPtr + off, <T>hostMath(cos, <f64>load<T>(xPtr + off)));
  }
}

// ---- exported kernels -------------------------------------------------------------------------------

/** out[i] = sin(x[i]) */
export function sinF32(xPtr: usize, outPtr: usize, n: i32): void { sinCosRun<f32>(xPtr, outPtr, n, 0); }
export function sinF64(xPtr: usize, outPtr: usize, n: i32): void { sinCosRun<f64>(xPtr, outPtr, n, 0); }
/** out[i] = cos(x[i]) */
export function cosF32(xPtr: usize, outPtr: usize, n: i32): void { sinCosRun<f32>(xPtr, outPtr, n, 1); }
export function cosF64(xPtr: usize, outPtr: usize, n: i32): void { sinCosRun<f64>(xPtr, outPtr, n, 1); }
