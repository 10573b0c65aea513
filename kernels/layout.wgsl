// Layout family: every strided copy (broadcast, transpose, slice, and a part of `place`), gather,
// its adjoint scatterAdd, oneHot and cumsum.

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<storage, read> M: array<u32>;

// copy: M = [n, rank, srcOffset, dstOffset, shape[rank], srcStrides[rank], dstStrides[rank]]:
// for each index of the box `shape`, Y[dstOffset + c . dstStrides] = X[srcOffset + c . srcStrides].
@compute @workgroup_size(WG)
fn copy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= M[0]) { return; }
  let rank = M[1];
  var rem = i;
  var s = M[2];
  var t = M[3];
  for (var d = rank; d > 0u; d = d - 1u) {
    let e = M[3u + d];
    let c = rem % e;
    rem = rem / e;
    s = s + c * M[3u + rank + d];
    t = t + c * M[3u + 2u * rank + d];
  }
  Y[t] = X[s];
}

@group(0) @binding(0) var<storage, read> GX: array<f32>;
@group(0) @binding(1) var<storage, read> IDX: array<i32>;
@group(0) @binding(2) var<storage, read_write> GY: array<f32>;
@group(0) @binding(3) var<storage, read> MG: array<u32>;

// gather: MG = [n, dim, count, inner]; out[o, k, i] = x[o, idx[k], i]
@compute @workgroup_size(WG)
fn gather(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let j = flatIndex(wid, nwg, lid);
  if (j >= MG[0]) { return; }
  let dim = MG[1];
  let count = MG[2];
  let inner = MG[3];
  let i = j % inner;
  let k = (j / inner) % count;
  let o = j / (inner * count);
  GY[j] = GX[(o * dim + u32(IDX[k])) * inner + i];
}

// scatterAdd: MG = [n, dim, count, inner]; out[o, d, i] = sum of g[o, k, i] over k with idx[k] = d,
// one output per invocation (no atomics on floats), k ascending as the JS loop adds.
@compute @workgroup_size(WG)
fn scatterAdd(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let j = flatIndex(wid, nwg, lid);
  if (j >= MG[0]) { return; }
  let dim = MG[1];
  let count = MG[2];
  let inner = MG[3];
  let i = j % inner;
  let d = (j / inner) % dim;
  let o = j / (inner * dim);
  var s = 0.0;
  for (var k = 0u; k < count; k = k + 1u) {
    if (u32(IDX[k]) == d) { s = s + GX[(o * count + k) * inner + i]; }
  }
  GY[j] = s;
}

// oneHot: MG = [n, depth]; out[r, c] = idx[r] == c
@compute @workgroup_size(WG)
fn oneHot(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let j = flatIndex(wid, nwg, lid);
  if (j >= MG[0]) { return; }
  let depth = MG[1];
  GY[j] = select(0.0, 1.0, u32(IDX[j / depth]) == j % depth);
}

// cumsum: M = [lines, len, inner, reverse]; one invocation per line [o, :, i], compensated
// (Kahan) float32 sums standing in for the reference's float64 accumulator.
@compute @workgroup_size(WG)
fn cumsum(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let line = flatIndex(wid, nwg, lid);
  if (line >= M[0]) { return; }
  let len = M[1];
  let inner = M[2];
  let base = (line / inner) * len * inner + line % inner;
  var s = 0.0;
  var c = 0.0;
  for (var q = 0u; q < len; q = q + 1u) {
    let p = select(q, len - 1u - q, M[3] != 0u);
    let at = base + p * inner;
    let y = X[at] - c;
    let t = s + y;
    c = (t - s) - y;
    s = t;
    Y[at] = s;
  }
}
