// Asset imports resolved by esbuild (scripts/bundle.mjs) and by the mirror plugin in vitest.config.ts.
declare module "*.wasm" {
  /** The binary as a string of one character per byte (scripts/assetLoaders.mjs); src/backend/wasm decodes it on first use. */
  const bytes: string;
  export default bytes;
}
declare module "*.delta" {
  /** A binary as a delta against the SIMD binary (scripts/wasmDelta.mjs), one character per byte. */
  const bytes: string;
  export default bytes;
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
