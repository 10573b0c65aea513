// f32 square (and tall-skinny) matmul throughput: downhill's WebAssembly kernels, single-threaded
// and threaded, next to tfjs-backend-wasm (XNNPACK) and tfjs-cpu from the same run. Prints GFLOP/s
// and ratios; never asserts times.
//
//   npm run build:wasm && node bench/matmul.bench.mjs        (bundles src/backend/wasm on the fly)
//   node bench/matmul.bench.mjs --quick                      (shorter timing windows)
//   node bench/matmul.bench.mjs --ready                      (dh.matmul after await ready(), see setup.mjs)
//
// The default is what a new user's Node gets: Node 20 validates SIMD but not relaxed SIMD, so the
// SIMD binary runs. --relaxed turns on --experimental-wasm-relaxed-simd (v8.setFlagsFromString,
// before anything is compiled) for the relaxed-simd binary, the opt-in figure.
import { build } from "esbuild";
import { readdirSync, readFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";
import * as v8 from "node:v8";
import { loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { esbuildAssets, latin1Literal } from "../scripts/assetLoaders.mjs";
import { configLine, start } from "./setup.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
if (process.argv.includes("--relaxed")) v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

// Bundle the wasm backend exactly as the library bundle does (bytes inlined by the binary loader).
mkdirSync(join(root, "build/bench"), { recursive: true });
const outfile = join(root, "build/bench/wasm.mjs");
await build({
  entryPoints: [join(root, "src/backend/wasm/index.ts")], outfile, bundle: true, format: "esm",
  platform: "neutral", external: ["node:*"], ...esbuildAssets, logLevel: "warning", target: "es2022",
});
const { initWasm } = await import(pathToFileURL(outfile).href);

const require = createRequire(import.meta.url);
const tf = await import("@tensorflow/tfjs");
const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");

const SHAPES = [[128, 128, 128], [256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [4096, 256, 256]];
const WINDOW_MS = quick ? 300 : 1000;

/**
 * Seconds per call of fn: the fastest of all calls in a WINDOW_MS window (at least 5 calls),
 * after a warm-up call. The minimum is used because this shared 2-core machine is noisy; it is
 * applied identically to every contender in the run.
 */
function timeIt(fn) {
  fn();
  let best = Infinity, reps = 0;
  const t0 = performance.now();
  do {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
    reps++;
  } while (reps < 5 || performance.now() - t0 < WINDOW_MS);
  return best / 1e3;
}

function rand(n) {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.random() * 2 - 1;
  return x;
}

const one = await initWasm({ threads: 1 });
const many = await initWasm({ threads: "auto", waitForThreads: true });
console.log(`downhill wasm: variant ${one.variant}; threaded instance: variant ${many.variant}, ${many.threads} threads`);
// Other processes on a 2-core machine directly cut the threaded numbers; show how busy it was,
// and whether a second thread really gets a core: a fixed JS loop alone vs on 2 threads at once.
console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
async function probeCores() {
  const loop = `function spin(){let x=0;for(let i=0;i<2e8;i++)x+=i&7;return x}spin();`;
  const timed = `${loop}const t=performance.now();spin();require("node:worker_threads").parentPort.postMessage(performance.now()-t);`;
  const run = (n) => Promise.all(Array.from({ length: n }, () => new Promise((resolve) => new Worker(timed, { eval: true }).once("message", resolve))));
  const [alone] = await run(1);
  const both = await run(2);
  return Math.max(...both) / alone;
}
const slowdown = await probeCores();
console.log(`core probe: 2 concurrent threads run ${slowdown.toFixed(2)}x slower than 1 (1.0 = a free second core, 2.0 = only one core available)`);

async function tfjsTimes(backend, shapes) {
  await tf.setBackend(backend);
  await tf.ready();
  const out = new Map();
  for (const [m, k, n] of shapes) {
    const a = tf.tensor2d(rand(m * k), [m, k]), b = tf.tensor2d(rand(k * n), [k, n]);
    out.set(`${m}x${k}x${n}`, timeIt(() => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); }));
    a.dispose(); b.dispose();
  }
  return out;
}
const tfWasm = await tfjsTimes("wasm", SHAPES);
console.log(`tfjs-wasm: simd ${tf.env().getBool("WASM_HAS_SIMD_SUPPORT")}, multithread ${tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT")}`);
const tfCpu = await tfjsTimes("cpu", SHAPES.filter(([m, k, n]) => m * k * n <= 256 ** 3));

const gf = (m, k, n, s) => (2 * m * k * n) / s / 1e9;
const fmt = (x) => (x === undefined ? "-" : x.toFixed(1)).padStart(9);
// The public API too: `dh.matmul` on tensors allocates its result like tfjs's dataSync() does
// (the kernel columns write into one preallocated array).
const dh = await import(pathToFileURL(join(root, "dist/index.js")).href);
await start(dh);
// Default configuration: the first product starts the core; warm the tensor API until its worker
// threads attached (they come up in ~30-70 ms of ops, as in any program that computes for longer).
for (let t0 = performance.now(); dh.backendInfo().threads < many.threads && performance.now() - t0 < 5000; ) dh.matmul(dh.zeros([256, 256]), dh.zeros([256, 256]));
console.log(`\nf32 matmul GFLOP/s (C = A @ B, copies in/out of wasm memory included; "dh.matmul": the tensor API, ${dh.backendInfo().threads} threads, a fresh result each call)`);
console.log(["shape".padEnd(15), "dh 1T", `dh ${many.threads}T`, "dh.matmul", "tfjs-wasm", "tfjs-cpu", "1T/tfw", `${many.threads}T/tfw`, "api/tfw", `${many.threads}T/1T`].map((s, i) => (i ? s.padStart(9) : s)).join(" "));
for (const [m, k, n] of SHAPES) {
  const key = `${m}x${k}x${n}`;
  const a = rand(m * k), b = rand(k * n), c = new Float32Array(m * n);
  const s1 = timeIt(() => one.matmul(a, b, c, m, k, n, false, false));
  const sT = timeIt(() => many.matmul(a, b, c, m, k, n, false, false));
  const A = dh.tensor(a, { shape: [m, k] }), B = dh.tensor(b, { shape: [k, n] });
  const sA = timeIt(() => dh.matmul(A, B).dataSync()[0]);
  const g1 = gf(m, k, n, s1), gT = gf(m, k, n, sT), gA = gf(m, k, n, sA), gW = gf(m, k, n, tfWasm.get(key));
  const gC = tfCpu.has(key) ? gf(m, k, n, tfCpu.get(key)) : undefined;
  console.log([key.padEnd(15), fmt(g1), fmt(gT), fmt(gA), fmt(gW), fmt(gC), fmt(g1 / gW), fmt(gT / gW), fmt(gA / gW), fmt(gT / g1)].join(" "));
}

console.log(configLine(dh));
console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(`\nwasm binaries (inlined into the bundle):`);
let total = 0;
for (const f of readdirSync(join(root, "build")).filter((f) => f.endsWith(".wasm")).sort()) {
  const bytes = readFileSync(join(root, "build", f));
  const gz = gzipSync(bytes, { level: 9 }).length;
  total += gz;
  console.log(`  ${f.padEnd(28)} ${String(bytes.length).padStart(7)} B  ${String(gz).padStart(6)} B gzip`);
}
console.log(`  ${"total (each gzipped alone)".padEnd(28)} ${" ".repeat(9)}  ${String(total).padStart(6)} B gzip`);
// In the bundle the SIMD binary is a latin1 string and the other four are latin1 deltas against it
// (scripts/wasmDelta.mjs, written next to the binaries by the build).
const inBundle = [readFileSync(join(root, "build/downhill.simd.wasm")),
  ...["scalar", "simd-mt", "relaxed", "relaxed-mt"].map((v) => readFileSync(join(root, `build/downhill.${v}.delta`)))].map(latin1Literal).join(",");
console.log(`  ${"as inlined in the bundle".padEnd(28)} ${" ".repeat(9)}  ${String(gzipSync(inBundle, { level: 9 }).length).padStart(6)} B gzip`);
