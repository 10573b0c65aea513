// Asset imports resolved by esbuild (scripts/bundle.mjs) and by the mirror plugin in vitest.config.ts.
declare module "*.wasm" {
  /** The binary as base64 text; src/backend/wasm decodes it on first use. */
  const base64: string;
  export default base64;
}
declare module "*.delta" {
  /** A binary as a delta against the SIMD binary (scripts/wasmDelta.mjs), base64 text. */
  const base64: string;
  export default base64;
}
declare module "*.wgsl" {
  const source: string;
  export default source;
}
declare module "*.abi" {
  /** The WebAssembly ABI fingerprint written by scripts/buildWasm.mjs (src/backend/wasm/abiHash.ts). */
  const fingerprint: string;
  export default fingerprint;
}
