// The operands of kernels/matmul.wgsl's tiled and direct products as packed binary16 (mixed
// precision): each load unpacks one value to float32, and the products accumulate in float32.
@group(0) @binding(0) var<storage, read> A: array<u32>;
@group(0) @binding(1) var<storage, read> B: array<u32>;
fn loadA(i: u32) -> f32 { return halfAt(A[i >> 1u], i); }
fn loadB(i: u32) -> f32 { return halfAt(B[i >> 1u], i); }
