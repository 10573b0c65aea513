// The foundation's size and start-up targets, next to tfjs-core + tfjs-backend-wasm measured in
// the same run. Prints numbers and ratios; asserts nothing.
//   size:     gzip -9 of dist/downhill.min.js (all JS + every inlined wasm binary) vs the 72 KiB
//             budget, and tfjs-core's minified browser bundle + its wasm backend's JS + SIMD wasm.
//   start-up: time from import to the first 256x256 f32 matmul result in a fresh Node process,
//             first as a new user writes it (no ready() call: the matmul starts the core), then
//             with the ready() variants beside it:
//             the median wall time of `node -e <script>` minus the median of an empty `node -e ""`
//             (N runs, interleaved), vs the 15 ms target; the script's own import->result time
//             (performance.now() inside the process) is printed too. Scripts are plain `node -e`
//             (CommonJS wrapping a dynamic import()), not `--input-type=module`: worker threads
//             inherit execArgv, and that flag would turn the thread pool's eval'd worker into ESM.
//             tfjs is imported through its package entry points (what `import` gives a Node user).
// Usage: npm run build && node bench/startup.bench.mjs [--runs 15]
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "package.json"));
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const SIZE_BUDGET_KIB = 72;
const STARTUP_TARGET_MS = 15;
/**
 * tfjs-core + tfjs-backend-wasm over an empty process on the machine and day the 15 ms target
 * was set (issue 2). The target relative to it, 15 / 46 = 0.33x, is the reading that survives a
 * slower machine: on 2026-11-29 first-touch page faults cost ~10x the 2026-11-23 figure and the
 * same tfjs row took 243 ms.
 */
const TFJS_AT_TARGET_MS = 46;

const kib = (bytes) => bytes / 1024;
const gz = (path) => gzipSync(readFileSync(path), { level: 9 }).length;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const table = (rows) => {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const r of rows) console.log(r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join("  "));
};

// ---- size ----------------------------------------------------------------------------------
const minPath = join(root, "dist/downhill.min.js");
if (!existsSync(minPath)) {
  console.error("bench/startup: dist/downhill.min.js is missing; run `npm run build` first");
  process.exit(1);
}
const dhRaw = readFileSync(minPath).length;
const dhGz = gz(minPath);
const tfFile = (pkg, f) => join(dirname(require.resolve(`${pkg}/package.json`)), f);
let tf = null;
try {
  const coreJs = tfFile("@tensorflow/tfjs-core", "dist/tf-core.min.js");
  const wasmJs = tfFile("@tensorflow/tfjs-backend-wasm", "dist/tf-backend-wasm.min.js");
  const wasmBin = tfFile("@tensorflow/tfjs-backend-wasm", "dist/tfjs-backend-wasm-simd.wasm");
  tf = { core: gz(coreJs), backend: gz(wasmJs), js: gz(coreJs) + gz(wasmJs), wasm: gz(wasmBin) };
} catch (e) {
  console.log(`(tfjs size not measured: ${e.message})`);
}
console.log("Size, gzip -9 (KiB)");
const sizeRows = [["bundle", "raw", "gzip", "vs 72 KiB budget", "vs tfjs-wasm"]];
sizeRows.push(["downhill dist/downhill.min.js (JS + all wasm inlined)", kib(dhRaw).toFixed(1), kib(dhGz).toFixed(1), `${(dhGz / 1024 / SIZE_BUDGET_KIB).toFixed(2)}x ${dhGz <= SIZE_BUDGET_KIB * 1024 ? "within" : "OVER"}`, tf ? `${(dhGz / (tf.js + tf.wasm)).toFixed(2)}x` : "-"]);
if (tf) {
  sizeRows.push(["tfjs-core dist/tf-core.min.js", "", kib(tf.core).toFixed(1), "", ""]);
  sizeRows.push(["tfjs-backend-wasm dist/tf-backend-wasm.min.js", "", kib(tf.backend).toFixed(1), "", ""]);
  sizeRows.push(["tfjs-backend-wasm-simd.wasm", "", kib(tf.wasm).toFixed(1), "", ""]);
  sizeRows.push(["tfjs total", "", kib(tf.js + tf.wasm).toFixed(1), "", "1.00x"]);
}
table(sizeRows);

// What the bundle is made of (esbuild metafile of the same minified build), and the issue's "core"
// alone (tensors, ops, autodiff, backends with the inlined wasm, optimizers) as a separate entry.
try {
  const { build } = await import("esbuild");
  const { esbuildAssets } = await import("../scripts/assetLoaders.mjs");
  const opts = { bundle: true, minify: true, format: "esm", platform: "neutral", mainFields: ["module", "main"], target: "es2022", external: ["node:*"], ...esbuildAssets, write: false, metafile: true, logLevel: "silent", absWorkingDir: root };
  const full = await build({ ...opts, entryPoints: ["src/index.ts"], outfile: "out.js" });
  const byArea = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(Object.values(full.metafile.outputs)[0].inputs)) {
    const area = input.startsWith("node_modules/") ? input.split("/").slice(0, input.split("/")[1].startsWith("@") ? 3 : 2).join("/") : input.startsWith("build/") ? "build/*.wasm (inlined)" : input.split("/").slice(0, 2).join("/");
    byArea.set(area, (byArea.get(area) ?? 0) + bytesInOutput);
  }
  const areas = [...byArea].sort((a, b) => b[1] - a[1]);
  console.log("\nComposition of the minified bundle (bytes before gzip, by folder/package):");
  table([["area", "KiB", "share"], ...areas.map(([a, b]) => [a, kib(b).toFixed(1), `${((100 * b) / full.outputFiles[0].contents.length).toFixed(0)}%`])]);
  const coreEntry = ["errors", "tensor/tensor", "tensor/create", "tensor/random", "tensor/tree", "ops/index", "autodiff/grad", "autodiff/curvature", "backend/select", "optim/index"]
    .map((m) => `export * from "./src/${m}.js";`).join("\n");
  const core = await build({ ...opts, stdin: { contents: coreEntry, resolveDir: root, loader: "ts" }, outfile: "core.js" });
  const coreGz = gzipSync(core.outputFiles[0].contents, { level: 9 }).length;
  console.log(`core only (tensors, ops, autodiff, wasm backend, optim): ${kib(core.outputFiles[0].contents.length).toFixed(1)} KiB raw, ${kib(coreGz).toFixed(1)} KiB gzip = ${(coreGz / 1024 / SIZE_BUDGET_KIB).toFixed(2)}x the ${SIZE_BUDGET_KIB} KiB budget`);
} catch (e) {
  console.log(`(bundle composition not measured: ${e.message})`);
}

// ---- start-up ------------------------------------------------------------------------------
// Inputs are made with the same plain-JS generator in every script, before the clock starts.
const inputs = `const n = 256; const a = new Float32Array(n * n), b = new Float32Array(n * n);
let s = 12345; const r = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296) - 0.5;
for (let i = 0; i < n * n; i++) { a[i] = r(); b[i] = r(); }`;
const dhUrl = pathToFileURL(join(root, "dist/index.js")).href;
const dhCoreUrl = pathToFileURL(join(root, "dist/core.js")).href;
const downhill = (readyArgs, url = dhUrl, load = "import") => `${inputs}
const t0 = performance.now();
const dh = ${load === "require" ? `require(${JSON.stringify(url)})` : `await import(${JSON.stringify(url)})`};
const t1 = performance.now();
${readyArgs === null ? "" : `await dh.ready(${readyArgs});`}
const t2 = performance.now();
const c = dh.matmul(dh.tensor(a, { shape: [n, n] }), dh.tensor(b, { shape: [n, n] }));
const v = c.dataSync()[0];
const t3 = performance.now();
console.log(JSON.stringify({ ms: t3 - t0, phases: [t1 - t0, t2 - t1, t3 - t2], v, info: dh.backendInfo() }));`;
let tfScript = null;
try {
  const wasmDir = dirname(tfFile("@tensorflow/tfjs-backend-wasm", "dist/tfjs-backend-wasm.wasm")) + "/";
  const coreUrl = pathToFileURL(require.resolve("@tensorflow/tfjs-core")).href;
  const wasmUrl = pathToFileURL(require.resolve("@tensorflow/tfjs-backend-wasm")).href;
  tfScript = `${inputs}
const t0 = performance.now();
const tf = await import(${JSON.stringify(coreUrl)});
const { setWasmPaths } = await import(${JSON.stringify(wasmUrl)});
const t1 = performance.now();
setWasmPaths(${JSON.stringify(wasmDir)});
await tf.setBackend("wasm");
await tf.ready();
const t2 = performance.now();
const c = tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n]));
const v = c.dataSync()[0];
const t3 = performance.now();
console.log(JSON.stringify({ ms: t3 - t0, phases: [t1 - t0, t2 - t1, t3 - t2], v, info: { backend: tf.getBackend() } }));`;
} catch (e) {
  console.log(`(tfjs start-up not measured: ${e.message})`);
}

// A second baseline: the same inputs plus a dynamic import() of an empty module, which pays Node's
// one-off ESM loader start (~8 ms here) that any import-based library pays too.
const loaderBaseline = `${inputs}
const t0 = performance.now();
await import("data:text/javascript,export default 1");
console.log(JSON.stringify({ ms: performance.now() - t0 }));`;
const contenders = [
  ["empty node process", ""],
  ["inputs + import() of an empty module", loaderBaseline],
  ["downhill: import + matmul (the default: no ready() call)", downhill(null)],
  ["downhill/core: import + matmul (no ready() call)", downhill(null, dhCoreUrl)],
  ["downhill: import + ready() + matmul", downhill("")],
  ["downhill: import + ready({threads: 1}) + matmul", downhill("{ threads: 1 }")],
  ["downhill/core: import + ready({threads: 1}) + matmul", downhill("{ threads: 1 }", dhCoreUrl)],
  ["downhill/core: require() + ready({threads: 1}) + matmul", downhill("{ threads: 1 }", join(root, "dist/core.cjs"), "require")],
  ...(tfScript ? [["tfjs-core + tfjs-backend-wasm", tfScript]] : []),
];
const wall = contenders.map(() => []);
const inside = contenders.map(() => []);
const phases = contenders.map(() => []);
const last = contenders.map(() => null);
for (let run = 0; run < RUNS + 1; run++) {
  contenders.forEach(([name, script], i) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["-e", script ? `(async () => {\n${script}\n})().catch((e) => { console.error(e); process.exit(1); });` : ""], { encoding: "utf8", cwd: root });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${name} failed:\n${r.stderr}`);
    if (run === 0) return; // warm the OS file cache; not counted
    wall[i].push(ms);
    const line = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).at(-1);
    if (line) {
      last[i] = JSON.parse(line);
      inside[i].push(last[i].ms);
      if (last[i].phases) phases[i].push(last[i].phases);
    }
  });
}
const empty = median(wall[0]);
const loader = median(wall[1]);
const tfIdx = tfScript ? contenders.length - 1 : -1;
const tfOver = tfIdx > 0 ? median(wall[tfIdx]) - empty : null;
console.log(`\nStart-up to the first 256x256 f32 matmul result, fresh Node ${process.version} process, median of ${RUNS} runs (load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}: times are only comparable on an idle machine)`);
const rows = [["process", "wall ms", "minus empty", "minus import()", "in-process ms", "import / init / matmul", "vs 15 ms target", "vs tfjs-wasm", "backend"]];
contenders.forEach(([name], i) => {
  const w = median(wall[i]);
  const over = w - empty;
  const info = last[i]?.info;
  rows.push([
    name,
    w.toFixed(1),
    i === 0 ? "" : over.toFixed(1),
    i <= 1 ? "" : (w - loader).toFixed(1),
    inside[i].length ? median(inside[i]).toFixed(1) : "",
    phases[i].length ? [0, 1, 2].map((k) => median(phases[i].map((p) => p[k])).toFixed(1)).join(" / ") : "",
    i <= 1 || i === tfIdx ? "" : `${(over / STARTUP_TARGET_MS).toFixed(2)}x ${over <= STARTUP_TARGET_MS ? "within" : "OVER"}`,
    i <= 1 || tfOver === null ? "" : `${(over / tfOver).toFixed(2)}x`,
    info ? [info.backend, info.variant, info.threads ? `${info.threads} thr` : ""].filter(Boolean).join(" ") : "",
  ]);
});
table(rows);
if (tfOver !== null) {
  const relTarget = STARTUP_TARGET_MS / TFJS_AT_TARGET_MS;
  const ratios = contenders.map(([name], i) => [name, (median(wall[i]) - empty) / tfOver]).filter((_, i) => i > 1 && i !== tfIdx);
  console.log(`The target relative to the peer: ${STARTUP_TARGET_MS} ms where tfjs took ${TFJS_AT_TARGET_MS} ms = ${relTarget.toFixed(2)}x; tfjs took ${tfOver.toFixed(1)} ms in this run, so the target scales to ${(relTarget * tfOver).toFixed(1)} ms here.`);
  for (const [name, ratio] of ratios) console.log(`  ${name}: ${ratio.toFixed(2)}x tfjs, ${ratio <= relTarget ? "within" : "OVER"} the relative target`);
}
console.log("(ratios below 1 mean downhill is smaller/faster; the tfjs row is the peer, measured in this run;");
console.log(" 'minus empty' is the target's measure; 'minus import()' also removes input generation and Node's ESM");
console.log(" loader start; in-process phases are medians of performance.now() deltas)");
