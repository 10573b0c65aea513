// Bundles src/ into dist/: one ESM file for Node, browsers, workers and edge runtimes, with the
// wasm bytes inlined (no fetch, no fs, no setWasmPaths) and WGSL inlined as text.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { esbuildAssets } from "./assetLoaders.mjs";

// The WebGPU backend is its own file (dist/webgpu.js): select.ts reaches it only by a dynamic
// import from `ready({ backend: "webgpu" })`, kept external here so neither `downhill` nor
// `downhill/core` carries it. It imports nothing stateful of the core (the core hands it a host).
const webgpuChunk = {
  name: "webgpu-chunk",
  setup(b) {
    b.onResolve({ filter: /^\.\/webgpu\/entry\.js$/ }, (args) => (/[\\/]src[\\/]backend[\\/]select\.ts$/.test(args.importer) ? { path: "./webgpu.js", external: true } : undefined));
  },
};

const common = {
  bundle: true,
  // Minified (with a source map beside it): importing it parses less (measured 2026-12-02: the
  // main entry's import 26 -> 23 ms, downhill/core 22 -> 18 ms), and start-up is a target.
  // (Error classes carry their names explicitly: src/errors.ts `named`.)
  minify: true,
  ...esbuildAssets,
  target: "es2022",
  sourcemap: true,
  logLevel: "warning",
  // Node built-ins are reached only via dynamic import() in src/platform.ts, behind runtime checks.
  external: ["node:*"],
};
const withChunk = { ...common, plugins: [...common.plugins, webgpuChunk] };

await build({ ...withChunk, entryPoints: ["src/index.ts"], outfile: "dist/index.js", format: "esm", platform: "neutral", mainFields: ["module", "main"] });
await build({ ...withChunk, entryPoints: ["src/index.ts"], outfile: "dist/downhill.min.js", format: "esm", platform: "neutral", sourcemap: false });
// `downhill/core`: tensors, autodiff, backends and optimizers only (smallest, fastest import).
await build({ ...withChunk, entryPoints: ["src/core.ts"], outfile: "dist/core.js", format: "esm", platform: "neutral", mainFields: ["module", "main"] });
await build({ ...withChunk, entryPoints: ["src/core.ts"], outfile: "dist/core.min.js", format: "esm", platform: "neutral", sourcemap: false });
// CommonJS for require() users (and the fastest start in Node: no ESM loader start-up).
await build({ ...withChunk, entryPoints: ["src/index.ts"], outfile: "dist/index.cjs", format: "cjs", platform: "neutral", mainFields: ["module", "main"] });
await build({ ...withChunk, entryPoints: ["src/core.ts"], outfile: "dist/core.cjs", format: "cjs", platform: "neutral", mainFields: ["module", "main"] });
// The WebGPU chunk, beside the entries that import it (Dawn's `webgpu` package stays external: an
// optional dependency, imported only in Node and only when asked for).
await build({ ...common, entryPoints: ["src/backend/webgpu/entry.ts"], outfile: "dist/webgpu.js", format: "esm", platform: "neutral", external: ["node:*", "webgpu"] });
// `downhill/node`: Node-only loaders (src/node.ts). It imports the main entry at run time instead
// of bundling a second copy of it, so its errors are the main entry's DownhillError classes.
const mainEntryExternal = {
  name: "main-entry-external",
  setup(b) {
    b.onResolve({ filter: /^\.\/index\.js$/ }, (args) => (/[\\/]src[\\/]node\.ts$/.test(args.importer) ? { path: "./index.js", external: true } : undefined));
  },
};
await build({ ...common, entryPoints: ["src/node.ts"], outfile: "dist/node.js", format: "esm", platform: "node", plugins: [mainEntryExternal] });

// The single-threaded binaries as files too (package export `downhill/wasm/*`), for runtimes that
// forbid compiling bytes at run time: their bundlers import a `.wasm` file as a compiled
// WebAssembly.Module, which `ready({ wasmModule })` accepts.
mkdirSync("dist/wasm", { recursive: true });
for (const [from, to] of [["relaxed", "relaxed-simd"], ["simd", "simd"], ["scalar", "scalar"]]) {
  copyFileSync(`build/downhill.${from}.wasm`, `dist/wasm/${to}.wasm`);
}
