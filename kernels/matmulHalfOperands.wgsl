// The operands and result of kernels/matmul.wgsl's tiled, wide and direct products as packed
// binary16 (mixed precision): each load unpacks one value to float32, the products accumulate in
// float32, and each result is rounded and or-ed into its half of a word. Two invocations may own
// the halves of one word (neighbouring columns, or a row's end and the next row's start when n
// is odd), hence the atomic; C must be zero before the product (kernels.ts matmulHalf clears it).
@group(0) @binding(0) var<storage, read> A: array<u32>;
@group(0) @binding(1) var<storage, read> B: array<u32>;
@group(0) @binding(2) var<storage, read_write> C: array<atomic<u32>>;
fn loadA(i: u32) -> f32 { return halfAt(A[i >> 1u], i); }
fn loadB(i: u32) -> f32 { return halfAt(B[i >> 1u], i); }
fn storeC(i: u32, v: f32) { atomicOr(&C[i >> 1u], f16Bits(v) << ((i & 1u) * 16u)); }
