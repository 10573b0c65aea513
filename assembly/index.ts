// The WebAssembly ABI of downhill: plain functions on pointers into one linear memory that
// TypeScript owns (src/backend/wasm/arena.ts). Re-exports only, one module per kernel family.
export * from "./matmul";
export * from "./gemv";
export * from "./blas1";
export * from "./linalg";
export * from "./optim";
export * from "./elementwise";

/** First free byte after static data; the TS arena allocates from here upwards. */
export function heapBase(): usize {
  return __heap_base;
}
