// Products. C[b] = op(A[b]) op(B[b]) with op(A) [m, k], op(B) [k, n]; transposed operands are
// read in place (A stored [k, m] when TRANS_A, B stored [n, k] when TRANS_B).
//   tiled: a workgroup of 16 x 16 invocations computes a (16 RM) x (16 RN) tile of C from tiles of
//     A and B staged in workgroup memory, BK depth steps at a time; RM = RN = 4 (registers) for
//     large products, 1 for small or skinny ones (src/backend/webgpu/matmul.ts picks).
//     EPI: 0 none, 1 + bias[col], 2 relu(. + bias[col]), 3 relu(.): the fused epilogue.
//   dot: matrix-vector products (m = 1 or n = 1): C[b, o] = sum_p U[b us + o uo + p up] V[b vs + p vp],
//     one workgroup per output when U's run over p is contiguous (dotGroup), else one invocation
//     per output (dotLane, whose neighbours read neighbouring values).
// M = [m, k, n].
override BK: u32 = 16u;
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override EPI: u32 = 0u;
override RM: u32 = 4u;
override RN: u32 = 4u;
const T: u32 = 16u;
const RMAX: u32 = 4u;

// A, B and C (bindings 0, 1 and 2), their loads loadA/loadB and the store storeC come from
// kernels/matmulOperands.wgsl (float32) or matmulHalfOperands.wgsl (packed binary16), prepended by
// src/backend/webgpu/context.ts.
@group(0) @binding(3) var<storage, read> M: array<u32>;
@group(0) @binding(4) var<storage, read> BIAS: array<f32>;

var<workgroup> As: array<f32, T * RM * BK>;
var<workgroup> Bs: array<f32, BK * T * RN>;

@compute @workgroup_size(16, 16)
fn tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let m = M[0];
  let k = M[1];
  let n = M[2];
  let bm = T * RM;
  let bn = T * RN;
  let aOff = wid.z * m * k;
  let bOff = wid.z * k * n;
  let row0 = wid.y * bm;
  let col0 = wid.x * bn;
  let tx = lid3.x;
  let ty = lid3.y;
  var acc: array<f32, 16>;
  for (var q = 0u; q < 16u; q = q + 1u) { acc[q] = 0.0; }
  for (var t0 = 0u; t0 < k; t0 = t0 + BK) {
    for (var l = li; l < bm * BK; l = l + 256u) {
      var i: u32; var p: u32;
      if (TRANS_A) { i = l % bm; p = l / bm; } else { i = l / BK; p = l % BK; }
      let gi = row0 + i;
      let gp = t0 + p;
      var v = 0.0;
      if (gi < m && gp < k) {
        if (TRANS_A) { v = loadA(aOff + gp * m + gi); } else { v = loadA(aOff + gi * k + gp); }
      }
      As[p * bm + i] = v;
    }
    for (var l = li; l < BK * bn; l = l + 256u) {
      var j: u32; var p: u32;
      if (TRANS_B) { j = l / BK; p = l % BK; } else { j = l % bn; p = l / bn; }
      let gj = col0 + j;
      let gp = t0 + p;
      var v = 0.0;
      if (gj < n && gp < k) {
        if (TRANS_B) { v = loadB(bOff + gj * k + gp); } else { v = loadB(bOff + gp * n + gj); }
      }
      Bs[p * bn + j] = v;
    }
    workgroupBarrier();
    for (var p = 0u; p < BK; p = p + 1u) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var r = 0u; r < RM; r = r + 1u) { a[r] = As[p * bm + ty + T * r]; }
      for (var c = 0u; c < RN; c = c + 1u) { b[c] = Bs[p * bn + tx + T * c]; }
      for (var r = 0u; r < RM; r = r + 1u) {
        for (var c = 0u; c < RN; c = c + 1u) { acc[r * RMAX + c] = fma(a[r], b[c], acc[r * RMAX + c]); }
      }
    }
    workgroupBarrier();
  }
  let cOff = wid.z * m * n;
  for (var r = 0u; r < RM; r = r + 1u) {
    let gi = row0 + ty + T * r;
    if (gi >= m) { continue; }
    for (var c = 0u; c < RN; c = c + 1u) {
      let gj = col0 + tx + T * c;
      if (gj >= n) { continue; }
      var v = acc[r * RMAX + c];
      if (EPI == 1u || EPI == 2u) { v = v + BIAS[gj]; }
      if (EPI >= 2u) { v = select(v, 0.0, v <= 0.0); }
      storeC(cOff + gi * n + gj, v);
    }
  }
}

// wide: the large-product kernel. A workgroup of 16 x 16 invocations computes a 128 x 128 tile of
// C, each invocation an 8 x 8 block held as sixteen vec4 accumulators: rows 4 ty .. 4 ty + 3 and
// 64 + 4 ty .. 64 + 4 ty + 3, and the same for columns with tx. A and B are staged WBK = 8 depth
// steps at a time in workgroup memory as vec4s along m and n, so each depth step is four vec4 reads
// of workgroup memory for 64 fmas (the tiled kernel's 4 x 4 block does eight scalar reads for 16).
// Each invocation loads 4 values of each operand per stage, 4 running along the operand's
// contiguous axis, so neighbouring invocations read neighbouring addresses whichever operand is
// transposed. Out-of-range values load as 0; stores are bounds-checked.
const WT: u32 = 128u;
const WBK: u32 = 8u;
var<workgroup> Aw: array<vec4<f32>, 256>; // [WBK][WT / 4]: Aw[p * 32 + i / 4][i % 4] = A(row0 + i, t0 + p)
var<workgroup> Bw: array<vec4<f32>, 256>; // [WBK][WT / 4]: Bw[p * 32 + j / 4][j % 4] = B(t0 + p, col0 + j)

@compute @workgroup_size(16, 16)
fn wide(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let m = M[0];
  let k = M[1];
  let n = M[2];
  let aOff = wid.z * m * k;
  let bOff = wid.z * k * n;
  let row0 = wid.y * WT;
  let col0 = wid.x * WT;
  let tx = lid3.x;
  let ty = lid3.y;
  var acc: array<vec4<f32>, 16>; // acc[2 r + h][c]: row (r < 4 ? 4 ty + r : 60 + 4 ty + r), column 64 h + 4 tx + c
  for (var q = 0u; q < 16u; q = q + 1u) { acc[q] = vec4<f32>(0.0); }
  for (var t0 = 0u; t0 < k; t0 = t0 + WBK) {
    // A's stage: 128 rows x 8 depths, 4 values per invocation along A's contiguous axis
    if (TRANS_A) { // stored [k, m]: runs along m
      let p = li / 32u;
      let i = (li % 32u) * 4u;
      let gp = t0 + p;
      var v = vec4<f32>(0.0);
      for (var q = 0u; q < 4u; q = q + 1u) {
        let gi = row0 + i + q;
        if (gi < m && gp < k) { v[q] = loadA(aOff + gp * m + gi); }
      }
      Aw[p * 32u + i / 4u] = v;
    } else { // stored [m, k]: runs along k
      let i = li / 2u;
      let p = (li % 2u) * 4u;
      let gi = row0 + i;
      for (var q = 0u; q < 4u; q = q + 1u) {
        let gp = t0 + p + q;
        var v = 0.0;
        if (gi < m && gp < k) { v = loadA(aOff + gi * k + gp); }
        Aw[(p + q) * 32u + i / 4u][i % 4u] = v;
      }
    }
    // B's stage: 8 depths x 128 columns
    if (TRANS_B) { // stored [n, k]: runs along k
      let j = li / 2u;
      let p = (li % 2u) * 4u;
      let gj = col0 + j;
      for (var q = 0u; q < 4u; q = q + 1u) {
        let gp = t0 + p + q;
        var v = 0.0;
        if (gj < n && gp < k) { v = loadB(bOff + gj * k + gp); }
        Bw[(p + q) * 32u + j / 4u][j % 4u] = v;
      }
    } else { // stored [k, n]: runs along n
      let p = li / 32u;
      let j = (li % 32u) * 4u;
      let gp = t0 + p;
      var v = vec4<f32>(0.0);
      for (var q = 0u; q < 4u; q = q + 1u) {
        let gj = col0 + j + q;
        if (gj < n && gp < k) { v[q] = loadB(bOff + gp * n + gj); }
      }
      Bw[p * 32u + j / 4u] = v;
    }
    workgroupBarrier();
    for (var p = 0u; p < WBK; p = p + 1u) {
      let a0 = Aw[p * 32u + ty];
      let a1 = Aw[p * 32u + 16u + ty];
      let b0 = Bw[p * 32u + tx];
      let b1 = Bw[p * 32u + 16u + tx];
      for (var r = 0u; r < 4u; r = r + 1u) {
        acc[2u * r] = fma(vec4<f32>(a0[r]), b0, acc[2u * r]);
        acc[2u * r + 1u] = fma(vec4<f32>(a0[r]), b1, acc[2u * r + 1u]);
        acc[8u + 2u * r] = fma(vec4<f32>(a1[r]), b0, acc[8u + 2u * r]);
        acc[9u + 2u * r] = fma(vec4<f32>(a1[r]), b1, acc[9u + 2u * r]);
      }
    }
    workgroupBarrier();
  }
  let cOff = wid.z * m * n;
  for (var r = 0u; r < 8u; r = r + 1u) {
    let gi = row0 + select(4u * ty + r, 60u + 4u * ty + r, r >= 4u);
    if (gi >= m) { continue; }
    for (var h = 0u; h < 2u; h = h + 1u) {
      let v4 = acc[2u * r + h];
      for (var c = 0u; c < 4u; c = c + 1u) {
        let gj = col0 + 64u * h + 4u * tx + c;
        if (gj >= n) { continue; }
        var v = v4[c];
        if (EPI == 1u || EPI == 2u) { v = v + BIAS[gj]; }
        if (EPI >= 2u) { v = select(v, 0.0, v <= 0.0); }
        storeC(cOff + gi * n + gj, v);
      }
    }
  }
}

// MD = [outN, K, batch, us, uo, up, vs, vp]
@group(0) @binding(0) var<storage, read> U: array<f32>;
@group(0) @binding(1) var<storage, read> V: array<f32>;
@group(0) @binding(2) var<storage, read_write> D: array<f32>;
@group(0) @binding(3) var<storage, read> MD: array<u32>;

var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(256)
fn dotGroup(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let g = wid.y * nwg.x + wid.x;
  let outN = MD[0];
  if (g >= outN * MD[2]) { return; } // uniform within the workgroup
  let b = g / outN;
  let o = g % outN;
  let ub = b * MD[3] + o * MD[4];
  let vb = b * MD[6];
  var s = 0.0;
  for (var p = li; p < MD[1]; p = p + 256u) { s = fma(U[ub + p * MD[5]], V[vb + p * MD[7]], s); }
  part[li] = s;
  workgroupBarrier();
  for (var h = 128u; h > 0u; h = h >> 1u) {
    if (li < h) { part[li] = part[li] + part[li + h]; }
    workgroupBarrier();
  }
  if (li == 0u) { D[g] = part[0]; }
}

@compute @workgroup_size(256)
fn dotLane(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let g = (wid.y * nwg.x + wid.x) * 256u + li;
  let outN = MD[0];
  if (g >= outN * MD[2]) { return; }
  let b = g / outN;
  let o = g % outN;
  let ub = b * MD[3] + o * MD[4];
  let vb = b * MD[6];
  var s = 0.0;
  for (var p = 0u; p < MD[1]; p = p + 1u) { s = fma(U[ub + p * MD[5]], V[vb + p * MD[7]], s); }
  D[g] = s;
}

// direct: no workgroup memory and no barriers, each invocation computes a 4 x 4 block of C from
// A and B as stored (rows of A and columns of B through the cache). For CPU-backed adapters
// (SwiftShader), where a barrier costs a switch of every invocation of the workgroup: measured
// there several times faster than `tiled` (bench/probes/webgpuMatmul.mjs); 8 x 8 invocations.
@compute @workgroup_size(8, 8)
fn direct(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
  let m = M[0];
  let k = M[1];
  let n = M[2];
  let aOff = wid.z * m * k;
  let bOff = wid.z * k * n;
  let row0 = (wid.y * 8u + lid3.y) * 4u;
  let col0 = (wid.x * 8u + lid3.x) * 4u;
  if (row0 >= m || col0 >= n) { return; }
  var acc: array<f32, 16>;
  for (var q = 0u; q < 16u; q = q + 1u) { acc[q] = 0.0; }
  let rmax = min(4u, m - row0);
  let cmax = min(4u, n - col0);
  for (var p = 0u; p < k; p = p + 1u) {
    var a: array<f32, 4>;
    var b: array<f32, 4>;
    for (var r = 0u; r < 4u; r = r + 1u) {
      let gi = min(row0 + r, m - 1u);
      if (TRANS_A) { a[r] = loadA(aOff + p * m + gi); } else { a[r] = loadA(aOff + gi * k + p); }
    }
    for (var c = 0u; c < 4u; c = c + 1u) {
      let gj = min(col0 + c, n - 1u);
      if (TRANS_B) { b[c] = loadB(bOff + gj * k + p); } else { b[c] = loadB(bOff + p * n + gj); }
    }
    for (var r = 0u; r < 4u; r = r + 1u) {
      for (var c = 0u; c < 4u; c = c + 1u) { acc[r * 4u + c] = fma(a[r], b[c], acc[r * 4u + c]); }
    }
  }
  let cOff = wid.z * m * n;
  for (var r = 0u; r < rmax; r = r + 1u) {
    for (var c = 0u; c < cmax; c = c + 1u) {
      let gj = col0 + c;
      var v = acc[r * 4u + c];
      if (EPI == 1u || EPI == 2u) { v = v + BIAS[gj]; }
      if (EPI >= 2u) { v = select(v, 0.0, v <= 0.0); }
      storeC(cOff + (row0 + r) * n + gj, v);
    }
  }
}
