// Prepended to every kernel family (src/backend/webgpu/context.ts; fused passes in backend.ts): the flat index of a 1-D
// launch spread over a 2-D grid (maxComputeWorkgroupsPerDimension is 65535 on many adapters),
// and NaN/Inf helpers (WGSL has no NaN literal and `x != x` may be folded away).
override WG: u32 = 256u;

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * WG + lid;
}
// (through a `var`: a constant NaN or infinity is a shader-creation error)
fn nanF() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }
fn infF() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isInf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
