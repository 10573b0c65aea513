// Asset imports resolved by esbuild (scripts/bundle.mjs) and by the mirror plugin in vitest.config.ts.
declare module "*.wasm" {
  const bytes: Uint8Array;
  export default bytes;
}
declare module "*.wgsl" {
  const source: string;
  export default source;
}
