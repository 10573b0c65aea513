// Packed binary16 storage (mixed precision): `pack` writes ceil(n / 2) words of X's n float32
// values (the last word's high half 0 when n is odd), `unpack` writes the n float32 values back.
// HM = [n].
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<u32>;
@group(0) @binding(0) var<storage, read> H: array<u32>;
@group(0) @binding(1) var<storage, read_write> Z: array<f32>;
@group(0) @binding(2) var<storage, read> HM: array<u32>;

@compute @workgroup_size(256)
fn pack(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let w = flatIndex(wid, nwg, li);
  let n = HM[0];
  let i = 2u * w;
  if (i >= n) { return; }
  var hi = 0u;
  if (i + 1u < n) { hi = f16Bits(X[i + 1u]); }
  Y[w] = f16Bits(X[i]) | (hi << 16u);
}

@compute @workgroup_size(256)
fn unpack(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i = flatIndex(wid, nwg, li);
  if (i >= HM[0]) { return; }
  Z[i] = halfAt(H[i >> 1u], i);
}
