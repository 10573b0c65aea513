// Reductions: one workgroup per output value. Each invocation folds a strided share of the
// reduced elements (compensated float32 sums standing in for the reference's float64
// accumulator), then a tree in workgroup memory. OP: 0 sum, 1 max (NaN propagates), 2 mean, 3 prod.
// M = [nOut, count, keptRank, redRank, keptShape[kr], keptStrides[kr], redShape[rr], redStrides[rr]].
override OP: u32 = 0u;

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read_write> Y: array<f32>;
@group(0) @binding(2) var<storage, read> M: array<u32>;

var<workgroup> part: array<f32, WG>;
var<workgroup> comp: array<f32, WG>;

fn combine(a: f32, b: f32) -> f32 {
  switch OP {
    case 1u: { return select(b, a, a >= b || isNan(a)); }
    case 3u: { return a * b; }
    default: { return a + b; }
  }
}

@compute @workgroup_size(WG)
fn reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.y * nwg.x + wid.x;
  if (o >= M[0]) { return; } // uniform within the workgroup
  let count = M[1];
  let kr = M[2];
  let rr = M[3];
  var base = 0u;
  var rem = o;
  for (var d = kr; d > 0u; d = d - 1u) {
    let e = M[3u + d];
    base = base + (rem % e) * M[3u + kr + d];
    rem = rem / e;
  }
  var acc = select(0.0, 1.0, OP == 3u);
  if (OP == 1u) { acc = -infF(); }
  var c = 0.0;
  for (var r = lid; r < count; r = r + WG) {
    var at = base;
    var q = r;
    for (var d = rr; d > 0u; d = d - 1u) {
      let e = M[3u + 2u * kr + d];
      at = at + (q % e) * M[3u + 2u * kr + rr + d];
      q = q / e;
    }
    let v = X[at];
    if (OP == 0u || OP == 2u) {
      let y = v - c;
      let t = acc + y;
      c = (t - acc) - y;
      acc = t;
    } else {
      acc = combine(acc, v);
    }
  }
  part[lid] = acc;
  comp[lid] = c;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) {
      if (OP == 0u || OP == 2u) {
        // sums of compensated partials: fold the compensations in before adding
        part[lid] = (part[lid] - comp[lid]) + (part[lid + s] - comp[lid + s]);
        comp[lid] = 0.0;
      } else {
        part[lid] = combine(part[lid], part[lid + s]);
      }
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    Y[o] = select(part[0], part[0] / f32(count), OP == 2u);
  }
}

// reduceLane: the same reduction with one invocation per output and no barriers, for short
// reductions (and CPU-backed adapters, where a barrier switches every invocation of the group).
@compute @workgroup_size(WG)
fn reduceLane(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = flatIndex(wid, nwg, lid);
  if (o >= M[0]) { return; }
  let count = M[1];
  let kr = M[2];
  let rr = M[3];
  var base = 0u;
  var rem = o;
  for (var d = kr; d > 0u; d = d - 1u) {
    let e = M[3u + d];
    base = base + (rem % e) * M[3u + kr + d];
    rem = rem / e;
  }
  var acc = select(0.0, 1.0, OP == 3u);
  if (OP == 1u) { acc = -infF(); }
  var c = 0.0;
  for (var r = 0u; r < count; r = r + 1u) {
    var at = base;
    var q = r;
    for (var d = rr; d > 0u; d = d - 1u) {
      let e = M[3u + 2u * kr + d];
      at = at + (q % e) * M[3u + 2u * kr + rr + d];
      q = q / e;
    }
    let v = X[at];
    if (OP == 0u || OP == 2u) {
      let y = v - c;
      let t = acc + y;
      c = (t - acc) - y;
      acc = t;
    } else {
      acc = combine(acc, v);
    }
  }
  Y[o] = select(acc, acc / f32(count), OP == 2u);
}

// Softmax and log-softmax over contiguous rows of length `len`, one workgroup per row:
// M = [rows, len, log]. y = exp(x - max) / sum, or (x - max) - log(sum).
@compute @workgroup_size(WG)
fn softmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= M[0]) { return; }
  let len = M[1];
  let base = row * len;
  var mx = -infF();
  for (var j = lid; j < len; j = j + WG) { let v = X[base + j]; mx = select(mx, v, v > mx || isNan(v)); }
  part[lid] = mx;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { let a = part[lid]; let b = part[lid + s]; part[lid] = select(b, a, a >= b || isNan(a)); }
    workgroupBarrier();
  }
  mx = part[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var j = lid; j < len; j = j + WG) { sum = sum + exp(X[base + j] - mx); }
  part[lid] = sum;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (lid < s) { part[lid] = part[lid] + part[lid + s]; }
    workgroupBarrier();
  }
  sum = part[0];
  let ls = log(sum);
  for (var j = lid; j < len; j = j + WG) {
    let z = X[base + j] - mx;
    Y[base + j] = select(exp(z) / sum, z - ls, M[2] != 0u);
  }
}
