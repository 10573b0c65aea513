// Elementwise family: unary ops (OP selects the formula; the pipeline is specialised per op),
// binary ops and `where` with NumPy broadcasting through per-operand strides, fill, copy, and the
// logistic losses. Metadata M (u32): [n, rank, shape[rank], strides of each operand[rank]...].
// Unary op codes follow UNARY_CODES in src/backend/webgpu/codes.ts.
override OP: u32 = 0u;

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<storage, read> M: array<u32>;

// WGSL leaves log and sqrt of negative numbers undefined (SwiftShader returns finite values):
// the guards give JS's NaN.
fn logF(x: f32) -> f32 {
  if (x < 0.0 || isNan(x)) { return nanF(); }
  if (x == 0.0) { return -infF(); }
  return log(x);
}
fn sqrtF(x: f32) -> f32 { return select(sqrt(x), nanF(), x < 0.0); }
fn log1pF(u: f32) -> f32 {
  let v = 1.0 + u;
  if (v == 1.0) { return u; }
  if (v > 1e30 || v <= 0.0) { return logF(v); }
  return log(v) * u / (v - 1.0);
}
fn expm1F(x: f32) -> f32 {
  if (abs(x) < 1e-5) { return x + 0.5 * x * x; }
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um = u - 1.0;
  if (um == -1.0) { return -1.0; }
  if (isInf(u)) { return u; }
  return um * x / log(u);
}
fn sigmoidF(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn tanhF(x: f32) -> f32 {
  if (abs(x) > 9.0) { return sign(x); }
  let t = expm1F(2.0 * x);
  return t / (t + 2.0);
}
fn softplusF(x: f32) -> f32 { return max(x, 0.0) + log1pF(exp(-abs(x))); }
// erfc by Chebyshev fit (fractional error below 1.2e-7 everywhere)
fn erfF(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(r - 1.0, 1.0 - r, x >= 0.0);
}
fn signF(x: f32) -> f32 {
  if (x > 0.0) { return 1.0; }
  if (x < 0.0) { return -1.0; }
  if (x == 0.0) { return 0.0; }
  return x;
}

// sin, cos and tan to float32 accuracy: WGSL only promises 2^-11 absolute error for its
// builtins (SwiftShader's miss by 1e-4). Reduction by pi/2 in three parts (Cody-Waite), then the
// minimax polynomials of Cephes' sinf/cosf on [-pi/4, pi/4]. Arguments beyond 2^17 lose accuracy.
fn reduceHalfPi(x: f32) -> vec2<f32> {
  let k = round(x * 0.63661977236758134);
  let r = ((x - k * 1.5703125) - k * 4.8382673412561417e-4) - k * 7.5497899548918821e-8;
  return vec2<f32>(r, k);
}
fn sinPoly(r: f32) -> f32 {
  let z = r * r;
  return r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
}
fn cosPoly(r: f32) -> f32 {
  let z = r * r;
  return 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
}
fn sinCos(x: f32) -> vec2<f32> {
  if (isNan(x) || isInf(x)) { return vec2<f32>(nanF(), nanF()); }
  let rk = reduceHalfPi(x);
  let q = u32(i32(rk.y) & 3);
  let s = sinPoly(rk.x);
  let c = cosPoly(rk.x);
  switch q {
    case 0u: { return vec2<f32>(s, c); }
    case 1u: { return vec2<f32>(c, -s); }
    case 2u: { return vec2<f32>(-s, -c); }
    default: { return vec2<f32>(-c, s); }
  }
}
// acos through asin, whose builtin is accurate, on the stable half of each range
fn acosF(x: f32) -> f32 {
  if (abs(x) > 1.0 || isNan(x)) { return nanF(); }
  if (x > 0.5) { return 2.0 * asin(sqrt((1.0 - x) * 0.5)); }
  if (x < -0.5) { return 3.14159265358979 - 2.0 * asin(sqrt((1.0 + x) * 0.5)); }
  return 1.57079632679490 - asin(x);
}

// The unary formulas by code; `unaryOp` is the pipeline's own (OP), and the fused passes that
// compiled programs generate (src/backend/webgpu/fusedPass.ts) call `unaryF` with literal codes.
fn unaryOp(x: f32) -> f32 { return unaryF(OP, x); }
fn unaryF(op: u32, x: f32) -> f32 {
  switch op {
    case 0u: { return -x; }
    case 1u: { return x * x; }
    case 2u: { return exp(x); }
    case 3u: { return logF(x); }
    case 4u: { return sqrtF(x); }
    case 5u: { return abs(x); }
    case 6u: { return signF(x); }
    case 7u: { return tanhF(x); }
    case 8u: { return sigmoidF(x); }
    case 9u: { return softplusF(x); }
    case 10u: { return erfF(x); }
    case 11u: { let e = exp(-abs(x)); return e / ((1.0 + e) * (1.0 + e)); }
    case 12u: { return select(x, 0.0, x <= 0.0); }
    case 13u: { return select(0.0, 1.0, x > 0.0); }
    case 14u: { return sinCos(x).x; }
    case 15u: { return sinCos(x).y; }
    case 16u: { let sc = sinCos(x); return sc.x / sc.y; }
    case 17u: { return select(asin(x), nanF(), abs(x) > 1.0); }
    case 18u: { return acosF(x); }
    case 19u: { return atan(x); }
    case 20u: { return sinh(x); }
    case 21u: { return cosh(x); }
    case 22u: { return asinh(x); }
    case 23u: { return select(acosh(x), nanF(), x < 1.0); }
    case 24u: { return select(atanh(x), nanF(), abs(x) > 1.0); }
    case 25u: { return log1pF(x); }
    case 26u: { return expm1F(x); }
    case 27u: { return logF(x) * 1.4426950408889634; }
    case 28u: { return logF(x) * 0.43429448190325182; }
    case 29u: { return 1.0 / x; }
    case 30u: { return 1.0 / sqrtF(x); }
    case 31u: { return floor(x); }
    case 32u: { return ceil(x); }
    case 33u: { return round(x); }
    case 34u: { return trunc(x); }
    default: { return nanF(); }
  }
}

@compute @workgroup_size(WG)
fn unary(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= M[0]) { return; }
  Y[i] = unaryOp(X[i]);
}

// x^y as JS's Math.pow for finite and special values; small integer powers by squaring (exact
// where the products are), others through exp2(y log2 |x|).
fn powF(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (isNan(x) || isNan(y)) { return nanF(); }
  let yi = trunc(y);
  let isInt = yi == y && abs(y) < 16777216.0;
  let odd = isInt && fract(abs(y) * 0.5) != 0.0;
  if (x == 0.0) {
    if (y > 0.0) { return select(0.0, x, odd); }
    return select(infF(), select(infF(), -infF(), bitcast<u32>(x) != 0u), odd);
  }
  if (x < 0.0 && !isInt && !isInf(y)) { return nanF(); }
  if (isInt && abs(y) <= 64.0) {
    var e = u32(abs(y));
    var base = x;
    var r = 1.0;
    loop {
      if ((e & 1u) != 0u) { r = r * base; }
      e = e >> 1u;
      if (e == 0u) { break; }
      base = base * base;
    }
    return select(r, 1.0 / r, y < 0.0);
  }
  let r = exp2(y * log2(abs(x)));
  return select(r, -r, x < 0.0 && odd);
}
fn hypotF(a: f32, b: f32) -> f32 {
  let x = abs(a);
  let y = abs(b);
  if (isInf(x) || isInf(y)) { return infF(); }
  if (isNan(x) || isNan(y)) { return nanF(); }
  let m = max(x, y);
  if (m == 0.0) { return 0.0; }
  let r = min(x, y) / m;
  return m * sqrt(1.0 + r * r);
}

fn binaryOp(a: f32, b: f32) -> f32 { return binaryF(OP, a, b); }
fn binaryF(op: u32, a: f32, b: f32) -> f32 {
  switch op {
    case 0u: { return a + b; }
    case 1u: { return a - b; }
    case 2u: { return a * b; }
    case 3u: { return a / b; }
    case 4u: { return powF(a, b); }
    case 5u: { return select(b, a, a >= b || isNan(a)); }
    case 6u: { return select(b, a, a <= b || isNan(a)); }
    case 7u: { return select(0.0, 1.0, a > b); }
    case 8u: { return select(0.0, 1.0, a >= b); }
    case 9u: { return select(0.0, 1.0, a < b); }
    case 10u: { return select(0.0, 1.0, a <= b); }
    case 11u: { return select(0.0, 1.0, a == b); }
    case 12u: { return atan2(a, b); }
    case 13u: { return hypotF(a, b); }
    default: { return nanF(); }
  }
}

@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> Z: array<f32>;
@group(0) @binding(3) var<storage, read> MB: array<u32>;

@compute @workgroup_size(WG)
fn binary(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= MB[0]) { return; }
  let rank = MB[1];
  var rem = i;
  var ia = 0u;
  var ib = 0u;
  for (var d = rank; d > 0u; d = d - 1u) {
    let e = MB[1u + d];
    let c = rem % e;
    rem = rem / e;
    ia = ia + c * MB[1u + rank + d];
    ib = ib + c * MB[1u + 2u * rank + d];
  }
  Z[i] = binaryOp(A[ia], B[ib]);
}

@group(0) @binding(0) var<storage, read> WC: array<f32>;
@group(0) @binding(1) var<storage, read> WA: array<f32>;
@group(0) @binding(2) var<storage, read> WB: array<f32>;
@group(0) @binding(3) var<storage, read_write> WY: array<f32>;
@group(0) @binding(4) var<storage, read> MW: array<u32>;

@compute @workgroup_size(WG)
fn where_(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= MW[0]) { return; }
  let rank = MW[1];
  var rem = i;
  var ic = 0u;
  var ia = 0u;
  var ib = 0u;
  for (var d = rank; d > 0u; d = d - 1u) {
    let e = MW[1u + d];
    let c = rem % e;
    rem = rem / e;
    ic = ic + c * MW[1u + rank + d];
    ia = ia + c * MW[1u + 2u * rank + d];
    ib = ib + c * MW[1u + 3u * rank + d];
  }
  WY[i] = select(WB[ib], WA[ia], WC[ic] != 0.0);
}

// fill: M = [n, bits of the value]
@compute @workgroup_size(WG)
fn fill(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= M[0]) { return; }
  Y[i] = bitcast<f32>(M[1]);
}

// Binary cross-entropy on logits: loss = max(x, 0) - x t + log1p(e^-|x|), res = sigmoid(x) - t.
@group(0) @binding(0) var<storage, read> LX: array<f32>;
@group(0) @binding(1) var<storage, read> LT: array<f32>;
@group(0) @binding(2) var<storage, read_write> LOSS: array<f32>;
@group(0) @binding(3) var<storage, read_write> RES: array<f32>;
@group(0) @binding(4) var<storage, read> ML: array<u32>;

@compute @workgroup_size(WG)
fn crossEntropy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= ML[0]) { return; }
  let x = LX[i];
  let t = LT[i];
  LOSS[i] = max(x, 0.0) - x * t + log1pF(exp(-abs(x)));
  if (ML[1] != 0u) { RES[i] = sigmoidF(x) - t; }
}
