// The two asset loaders the bundle uses, shared by esbuild (scripts/bundle.mjs) and vitest
// (vitest.config.ts) so tests import exactly what the bundle imports: `.wasm` and `.delta` (scripts/wasmDelta.mjs) as base64 text (decoded lazily by src/backend/wasm), `.wgsl` and `.abi` (the wasm ABI fingerprint) as text.
import { readFileSync } from "node:fs";

export const esbuildLoaders = { ".wasm": "base64", ".delta": "base64", ".wgsl": "text", ".abi": "text" };

/** A Vite plugin mirroring esbuild's `base64` and `text` loaders. */
export function assetPlugin() {
  return {
    name: "downhill-assets",
    enforce: "pre",
    load(id) {
      const path = id.split("?")[0];
      if (path.endsWith(".wasm") || path.endsWith(".delta")) {
        return `export default ${JSON.stringify(readFileSync(path).toString("base64"))};`;
      }
      if (path.endsWith(".wgsl") || path.endsWith(".abi")) return `export default ${JSON.stringify(readFileSync(path, "utf8"))};`;
      return null;
    },
  };
}
