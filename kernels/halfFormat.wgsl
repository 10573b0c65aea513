// binary16 in u32 words, converted by bit operations (prepended to the `half` and `matmulHalf`
// families): WGSL's pack2x16float leaves rounding and out-of-range results to the implementation,
// so the rounding is written out: to nearest, ties to even, subnormals kept, overflow to
// infinity, NaN kept as a quiet NaN. The JS twin is src/backend/webgpu/halfStorage.ts.
fn f16Bits(x: f32) -> u32 {
  let u = bitcast<u32>(x);
  let sign = (u >> 16u) & 0x8000u;
  let a = u & 0x7fffffffu;
  if (a > 0x7f800000u) { return sign | 0x7e00u; }
  if (a >= 0x477ff000u) { return sign | 0x7c00u; } // |x| >= 65520 rounds to infinity
  if (a >= 0x38800000u) { return sign | ((a - 0x38000000u + 0xfffu + ((a >> 13u) & 1u)) >> 13u); }
  if (a <= 0x33000000u) { return sign; } // at most 2^-25: the tie rounds to even (zero)
  // subnormal: the 24-bit significand shifted right by 126 - e, rounded to nearest even
  let e = a >> 23u;
  let m = (a & 0x7fffffu) | 0x800000u;
  let s = 126u - e;
  var h = m >> s;
  let rem = m & ((1u << s) - 1u);
  let mid = 1u << (s - 1u);
  if (rem > mid || (rem == mid && (h & 1u) == 1u)) { h = h + 1u; }
  return sign | h;
}

fn f16Value(h: u32) -> f32 {
  let sign = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) {
    let v = f32(m) * 5.9604644775390625e-8; // m 2^-24, exact
    return bitcast<f32>(bitcast<u32>(v) | sign);
  }
  if (e == 31u) { return bitcast<f32>(sign | 0x7f800000u | (m << 13u)); }
  return bitcast<f32>(sign | ((e + 112u) << 23u) | (m << 13u));
}

// element i of a packed array (two per word, element 2w in the low half of word w)
fn halfAt(w: u32, i: u32) -> f32 {
  return f16Value((w >> ((i & 1u) * 16u)) & 0xffffu);
}
