// The operands of kernels/matmul.wgsl's tiled, wide and direct products as float32 arrays (the default).
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
fn loadA(i: u32) -> f32 { return A[i]; }
fn loadB(i: u32) -> f32 { return B[i]; }
fn storeC(i: u32, v: f32) { C[i] = v; }
