// The fused optimizer updates, one pass per parameter leaf, in place on resident buffers, with
// the formulas of src/backend/fused/formulas.ts in float32 arithmetic (every operation rounds to
// float32, so results agree with the JS engine to a few ulp, not bit for bit).
// H (f32) = per-step scalars, laid out per kernel below; M (u32) = [n, flags].
@group(0) @binding(0) var<storage, read_write> P: array<f32>;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read_write> S0: array<f32>;
@group(0) @binding(3) var<storage, read_write> S1: array<f32>;
@group(0) @binding(4) var<storage, read_write> S2: array<f32>;
@group(0) @binding(5) var<storage, read> H: array<f32>;
@group(0) @binding(6) var<storage, read> M: array<u32>;

// sgd: H = [lr, wd, momentum, 1 - dampening, gScale]; flags: 1 nesterov, 2 first step, 4 clip
@compute @workgroup_size(WG)
fn sgd(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= M[0]) { return; }
  let flags = M[1];
  let lr = H[0]; let wd = H[1]; let mu = H[2]; let keep = H[3];
  let p = P[i];
  var g = G[i];
  if ((flags & 4u) != 0u) { g = g * H[4]; }
  if (wd > 0.0) { g = g + wd * p; }
  if (mu > 0.0) {
    var b = g;
    if ((flags & 2u) == 0u) { b = mu * S0[i] + keep * g; }
    S0[i] = b;
    if ((flags & 1u) != 0u) { g = g + mu * b; } else { g = b; }
  }
  P[i] = p + (-lr * g);
}

// adam / adamw: H = [lr, wd, b1, b2, s, epsHat, gScale]; flags: 1 decoupled, 2 amsgrad, 4 clip
@compute @workgroup_size(WG)
fn adam(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= M[0]) { return; }
  let flags = M[1];
  let lr = H[0]; let wd = H[1]; let b1 = H[2]; let b2 = H[3]; let s = H[4]; let eh = H[5];
  let decoupled = (flags & 1u) != 0u;
  let p = P[i];
  var g = G[i];
  if ((flags & 4u) != 0u) { g = g * H[6]; }
  if (wd > 0.0 && !decoupled) { g = g + wd * p; }
  let m = b1 * S0[i] + (1.0 - b1) * g;
  let v = b2 * S1[i] + (1.0 - b2) * (g * g);
  S0[i] = m;
  S1[i] = v;
  var vh = v;
  if ((flags & 2u) != 0u) { vh = max(S2[i], v); S2[i] = vh; }
  var u = (s * m) / (sqrt(vh) + eh);
  if (wd > 0.0 && decoupled) { u = u + wd * p; }
  P[i] = p + (-lr * u);
}

// lion: H = [lr, wd, b1, b2, gScale]; flags: 4 clip
@compute @workgroup_size(WG)
fn lion(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= M[0]) { return; }
  let lr = H[0]; let wd = H[1]; let b1 = H[2]; let b2 = H[3];
  let p = P[i];
  var g = G[i];
  if ((M[1] & 4u) != 0u) { g = g * H[4]; }
  let m = S0[i];
  let e = b1 * m + (1.0 - b1) * g;
  var u = select(select(select(e, 0.0, e == 0.0), -1.0, e < 0.0), 1.0, e > 0.0);
  S0[i] = b2 * m + (1.0 - b2) * g;
  if (wd > 0.0) { u = u + wd * p; }
  P[i] = p + (-lr * u);
}
