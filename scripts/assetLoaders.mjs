// The two asset loaders the bundle uses, shared by esbuild (scripts/bundle.mjs) and vitest
// (vitest.config.ts) so tests import exactly what the bundle imports: `.wasm` as bytes, `.wgsl` as text.
import { readFileSync } from "node:fs";

export const esbuildLoaders = { ".wasm": "binary", ".wgsl": "text" };

/** A Vite plugin mirroring esbuild's `binary` and `text` loaders. */
export function assetPlugin() {
  return {
    name: "downhill-assets",
    enforce: "pre",
    load(id) {
      const path = id.split("?")[0];
      if (path.endsWith(".wasm")) {
        const b64 = readFileSync(path).toString("base64");
        return `const s = atob(${JSON.stringify(b64)}); const b = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); export default b;`;
      }
      if (path.endsWith(".wgsl")) return `export default ${JSON.stringify(readFileSync(path, "utf8"))};`;
      return null;
    },
  };
}
