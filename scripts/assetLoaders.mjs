// The asset loaders the bundle uses, shared by esbuild (scripts/bundle.mjs, the benches) and
// vitest (vitest.config.ts) so tests import exactly what the bundle imports:
//   .wasm, .delta (scripts/wasmDelta.mjs)  bytes as a latin1 string literal: one character per byte
//                                          (decoded lazily by src/backend/wasm/binaries.ts)
//   .wgsl, .abi (the wasm ABI fingerprint)  text
// Why latin1 and not base64: base64 maps 3 bytes to 4 characters, so a byte sequence repeated at
// another offset mod 3 looks different to gzip; the SIMD binary gzipped to 24.2 KB as base64
// against 16.9 KB as latin1 (15.3 KB raw). The bundle is then UTF-8 (charset: "utf8"), which every
// JS engine and bundler reads by default.
import { readFileSync } from "node:fs";

/** `bytes` as a JS string literal whose character codes are the bytes (line terminators, quote and backslash escaped). */
export function latin1Literal(bytes) {
  let s = '"';
  for (let i = 0; i < bytes.length; i += 4096) {
    let chunk = "";
    for (const c of bytes.subarray(i, i + 4096)) chunk += c === 92 ? "\\\\" : c === 34 ? '\\"' : c === 10 ? "\\n" : c === 13 ? "\\r" : String.fromCharCode(c);
    s += chunk;
  }
  return s + '"';
}

const binaryModule = (path) => `export default ${latin1Literal(readFileSync(path))};`;

/** esbuild options for the assets: spread into a build's options (loaders, the bytes plugin, UTF-8 output). */
export const esbuildAssets = {
  loader: { ".wgsl": "text", ".abi": "text" },
  charset: "utf8",
  plugins: [
    {
      name: "downhill-bytes",
      setup(build) {
        build.onLoad({ filter: /\.(wasm|delta)$/ }, (args) => ({ contents: binaryModule(args.path), loader: "js" }));
      },
    },
  ],
};

/** A Vite plugin mirroring the esbuild assets. */
export function assetPlugin() {
  return {
    name: "downhill-assets",
    enforce: "pre",
    load(id) {
      const path = id.split("?")[0];
      if (path.endsWith(".wasm") || path.endsWith(".delta")) return binaryModule(path);
      if (path.endsWith(".wgsl") || path.endsWith(".abi")) return `export default ${JSON.stringify(readFileSync(path, "utf8"))};`;
      return null;
    },
  };
}
