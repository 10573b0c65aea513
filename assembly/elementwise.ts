// Elementwise transcendental kernels, f32, in place or out of place (outPtr may equal xPtr).
// Called by src/backend/select.ts `unary` for float32 tensors of >= 1024 values, once per op:
// V8 evaluates Math.exp at ~10 ns per value; these v128 loops take ~1 ns.
//
// Memory layout: x[0..n) and out[0..n), contiguous f32 (4 bytes each), any alignment.
//
// exp (Cephes expf, extended to the whole float32 range):
//   k = nearest(x / ln 2),  r = x - k ln2_hi - k ln2_lo            (|r| <= ln 2 / 2)
//   e^r = 1 + r + r^2 P(r),  P a degree-5 minimax polynomial       (about 1 ulp)
//   e^x = e^r * 2^(k - k/2) * 2^(k/2)   two factors, so neither exponent field overflows and results
//                                        from 2^-149 (subnormal) to the largest float come out right.
// sigmoid(x) = 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0, with e = e^-|x|
//              (one exp, no overflow, subnormal results for very negative x)
// tanh(x)    = x + x z Q(z), z = x^2     for |x| < 0.625 (Cephes tanhf; no cancellation near 0)
//            = sign(x) (1 - 2 / (e^{2|x|} + 1))  otherwise

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
  const a = abs<f32>(x);
  if (a < 0.625) {
    const z = x * x;
    return x + x * z * ((((T0 * z + T1) * z + T2) * z + T3) * z + T4);
  }
  const t = <f32>1 - <f32>2 / (expScalar(a + a) + 1);
  return x < 0 ? -t : t;
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
  const zV = f32x4.mul(xV, xV);
  let qV = f32x4.add(f32x4.mul(f32x4.splat(T0), zV), f32x4.splat(T1));
  qV = f32x4.add(f32x4.mul(qV, zV), f32x4.splat(T2));
  qV = f32x4.add(f32x4.mul(qV, zV), f32x4.splat(T3));
  qV = f32x4.add(f32x4.mul(qV, zV), f32x4.splat(T4));
  const smallV = f32x4.add(xV, f32x4.mul(f32x4.mul(xV, zV), qV));
  const tV = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(expV(f32x4.add(aV, aV)), f32x4.splat(1))));
  // Copy x's sign onto t (t >= 0), then pick the polynomial where |x| < 0.625.
  const signMask = i32x4.splat(0x80000000);
  const largeV = v128.or(v128.andnot(tV, signMask), v128.and(xV, signMask));
  return v128.bitselect(smallV, largeV, f32x4.lt(aV, f32x4.splat(0.625)));
}

// ---- exported kernels ---------------------------------------------------------------------------

/** out[i] = e^x[i] */
export function expF32(xPtr: usize, outPtr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(outPtr + off, expV(v128.load(xPtr + off)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(outPtr + off, expScalar(load<f32>(xPtr + off)));
  }
}

/** out[i] = 1 / (1 + e^-x[i]) */
export function sigmoidF32(xPtr: usize, outPtr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const oneV = f32x4.splat(1), zeroV = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const xV = v128.load(xPtr + off);
      const eV = expV(f32x4.neg(f32x4.abs(xV)));
      const numV = v128.bitselect(oneV, eV, f32x4.ge(xV, zeroV)); // NaN takes e (NaN)
      v128.store(outPtr + off, f32x4.div(numV, f32x4.add(oneV, eV)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const x = load<f32>(xPtr + off);
    const e = expScalar(-abs<f32>(x));
    store<f32>(outPtr + off, (x >= 0 ? <f32>1 : e) / (<f32>1 + e));
  }
}

/** out[i] = tanh(x[i]) */
export function tanhF32(xPtr: usize, outPtr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v128.store(outPtr + off, tanhV(v128.load(xPtr + off)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(outPtr + off, tanhScalar(load<f32>(xPtr + off)));
  }
}
