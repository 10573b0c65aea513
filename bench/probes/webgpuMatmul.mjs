// The product kernels of kernels/matmul.wgsl side by side on this adapter (on SwiftShader: a CPU
// implementation of Vulkan, so the order here says little about a GPU), with tfjs-backend-webgpu's
// matMul on its own device of the same adapter. Rounds alternate the sides; best per side.
// It bundles src/ (core and the backend registry, which the published entries do not export) to
// a temporary file first, so it needs no build.
//   node bench/probes/webgpuMatmul.mjs [n ...]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inVulkanChild } from "../setup.mjs";
await inVulkanChild(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const { build } = await import("esbuild");
const { esbuildAssets } = await import("../../scripts/assetLoaders.mjs");
const out = join(mkdtempSync(join(tmpdir(), "dh-probe-")), "probe.mjs");
await build({ ...esbuildAssets, stdin: { contents: 'export * from "./src/core.ts"; export { ready, backendInfo, backendNamed } from "./src/backend/select.ts";', resolveDir: root, loader: "ts" }, bundle: true, format: "esm", platform: "node", outfile: out, external: ["webgpu"], logLevel: "error" });
const dh = await import(pathToFileURL(out).href);
const { ready, backendInfo, backendNamed } = dh;
const dawn = await import("webgpu");
for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) globalThis[k] = v;
globalThis.__gpu = dawn.create([]); // kept reachable (Dawn crashes when it is collected)
await ready({ backend: "webgpu", gpu: globalThis.__gpu });
const gpu = backendNamed("webgpu");
Object.defineProperty(globalThis, "navigator", { value: { gpu: globalThis.__gpu, userAgent: "node" }, configurable: true });
const tf = await import("@tensorflow/tfjs-core");
await import("@tensorflow/tfjs-backend-webgpu");
await tf.setBackend("webgpu");
await tf.ready();
console.log(`# ${backendInfo().adapter}`);
// each argument n (n x n x n) or m,k,n
const shapes = process.argv.slice(2).map((a) => a.split(",").map(Number)).map((s) => (s.length === 1 ? [s[0], s[0], s[0]] : s));
const time = async (f) => {
  await f().data();
  const t = performance.now();
  const y = f();
  await y.data();
  y.dispose?.();
  return (performance.now() - t) / 1e3;
};
console.log("m,k,n          " + ["direct", "tiled", "wide", "tfjs"].map((s) => s.padStart(9)).join("") + "   GFLOP/s");
for (const [m, k, n] of shapes.length ? shapes : [[256, 256, 256], [512, 512, 512]]) {
  const a = dh.randn([m, k], { seed: 1 }), b = dh.randn([k, n], { seed: 2 });
  const ta = tf.randomNormal([m, k]), tb = tf.randomNormal([k, n]);
  const best = { direct: Infinity, tiled: Infinity, wide: Infinity, tfjs: Infinity };
  for (let r = 0; r < 3; r++) {
    for (const side of Object.keys(best)) {
      if (side === "tfjs") best.tfjs = Math.min(best.tfjs, await time(() => tf.matMul(ta, tb)));
      else {
        gpu.matmulFlavor = side;
        best[side] = Math.min(best[side], await time(() => dh.matmul(a, b)));
      }
    }
  }
  console.log(`${m},${k},${n}`.padEnd(15) + Object.values(best).map((s) => ((2 * m * k * n) / s / 1e9).toFixed(3).padStart(9)).join(""));
}
process.exit(0);
