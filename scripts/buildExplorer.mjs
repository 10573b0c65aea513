// Builds the explorer (web/) into dist-explorer/: index.html and explorer.js, a classic
// script (module scripts do not load from file://) that starts its worker from a Blob holding the
// worker's bundle (Chromium refuses `new Worker("file://...")`). The library, with its wasm bytes,
// is only in the worker's bundle. Nothing is fetched at run time: the folder works from file:// or
// any static host.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { esbuildAssets } from "./assetLoaders.mjs";

const out = process.argv[2] ?? "dist-explorer";
const common = { bundle: true, minify: true, target: "es2022", logLevel: "warning", write: false, ...esbuildAssets, external: ["node:*"] };

const worker = await build({ ...common, entryPoints: ["web/worker.ts"], format: "iife", platform: "browser" });
const workerJs = worker.outputFiles[0].text;
const page = await build({ ...common, entryPoints: ["web/main.ts"], format: "iife", platform: "browser", define: { __EXPLORER_WORKER__: JSON.stringify(workerJs) } });

mkdirSync(out, { recursive: true });
writeFileSync(`${out}/explorer.js`, page.outputFiles[0].contents);
copyFileSync("web/index.html", `${out}/index.html`);
console.log(`explorer: ${out}/index.html, ${out}/explorer.js (${(page.outputFiles[0].contents.length / 1024).toFixed(0)} KiB; worker ${(workerJs.length / 1024).toFixed(0)} KiB)`);
