// The WebAssembly ABI of downhill: plain functions on pointers into one linear memory that
// TypeScript owns (src/backend/wasm/arena.ts). Re-exports only, one module per kernel family.
export * from "./matmul";
export * from "./gemv";
export * from "./blas1";
export * from "./linalg";
export * from "./optim";
export * from "./elementwise";
export * from "./trig";
export * from "./log1pExpm1";

/** First free byte after static data; the TS arena allocates from here upwards. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * What this binary was built with, for a module handed to `ready({ wasmModule })` (which cannot
 * be inspected before instantiation): bit 0 SIMD, bit 1 relaxed SIMD, bit 2 threads.
 */
export function features(): i32 {
  return (ASC_FEATURE_SIMD ? 1 : 0) | (ASC_FEATURE_RELAXED_SIMD ? 2 : 0) | (ASC_FEATURE_THREADS ? 4 : 0);
}
