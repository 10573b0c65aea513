// Small @inline v128 helpers shared by the kernel families. Every binary (scalar, simd,
// relaxed-simd) is built from the same sources; `ASC_FEATURE_*` are compile-time constants, so the
// untaken branch is never compiled and the scalar binary contains no v128 instructions.

/** a*b + c on four f32 lanes: one fused `relaxed_madd` where relaxed SIMD is enabled, else mul+add. */
// @ts-ignore: decorator
@inline export function maddF32x4(aV: v128, bV: v128, cV: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(aV, bV, cV);
  return f32x4.add(f32x4.mul(aV, bV), cV);
}

/** a*b + c on two f64 lanes. */
// @ts-ignore: decorator
@inline export function maddF64x2(aV: v128, bV: v128, cV: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(aV, bV, cV);
  return f64x2.add(f64x2.mul(aV, bV), cV);
}

/** Sum of the four f32 lanes. */
// @ts-ignore: decorator
@inline export function hsumF32x4(xV: v128): f32 {
  return f32x4.extract_lane(xV, 0) + f32x4.extract_lane(xV, 1) + f32x4.extract_lane(xV, 2) + f32x4.extract_lane(xV, 3);
}

/** Sum of the two f64 lanes. */
// @ts-ignore: decorator
@inline export function hsumF64x2(xV: v128): f64 {
  return f64x2.extract_lane(xV, 0) + f64x2.extract_lane(xV, 1);
}
