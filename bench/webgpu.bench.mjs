// The WebGPU backend on whatever adapter is present (here: SwiftShader, a CPU implementation of
// Vulkan, so every figure is a software-adapter figure, not a GPU one). Prints
//   0. automatic selection, `ready({ backend: "auto" })`: what it takes on this adapter (a
//      software one is refused), and the crossover it measures (the same adapter presented as
//      hardware when it is a software one, to show the measurement: the GPU side then runs the
//      hardware kernels, which are slow on SwiftShader);
//   1. matmul GFLOP/s from 256 to 4096 on WebGPU and on the SIMD core in the same run, sides
//      alternating, best of the repetitions, and the crossover (the first size where WebGPU wins);
//      sizes whose estimated time exceeds --max-seconds are skipped and say so;
//   2. an MNIST epoch with `fit` (784-128-10 MLP, batch 128, Adam, fit's defaults) on each side;
//   3. in headless Chromium on the same kind of adapter: downhill's WebGPU matmul next to
//      tfjs-backend-webgpu's, same page, same sizes, alternating.
// Never asserts times. Uses the built bundle: `npm run build && node bench/webgpu.bench.mjs`
// (--quick: fewer sizes, 2,048 digits, a shorter budget; --no-f16, --no-mnist, --no-browser skip
// parts 1b, 2, 3). 1b: products under ready({ precision: "mixed" }) against "f32" on the same adapter.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { loadavg } from "node:os";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inVulkanChild } from "./setup.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
const maxSeconds = Number(process.argv.find((a) => a.startsWith("--max-seconds="))?.split("=")[1] ?? (quick ? 8 : 30));

await inVulkanChild(import.meta.url);

const dh = await import(pathToFileURL(join(root, "dist/index.js")).href);
await dh.ready();
const wasmInfo = dh.backendInfo();
console.log(`# downhill WebGPU bench ${new Date().toISOString()} node ${process.version} load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);

// ---- 0. automatic selection ----------------------------------------------------------------------
{
  const dawn = await import("webgpu");
  for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) globalThis[k] = v;
  globalThis.__benchGpu = dawn.create([]); // kept reachable (Dawn crashes when it is collected)
  const gpu = globalThis.__benchGpu;
  await dh.ready({ backend: "auto", gpu });
  let a = dh.backendInfo();
  console.log(`\n## automatic selection: ready({ backend: "auto" }) -> backend ${a.backend}, adapter ${a.adapter ?? "none"}${a.error ? ` (${a.error})` : ""}`);
  const fmt = (x) => (x === Infinity ? "never" : x.toExponential(2));
  const show = (c) => {
    console.log(`crossover: products from ${fmt(c.matmulFlops)} flops, other kernels from ${fmt(c.elements)} values (transfers counted: upload, kernel, read back; best of 3, sides alternating)`);
    for (const s of c.samples ?? []) console.log(`  ${s.kind.padEnd(11)} ${String(s.work).padStart(11)}  gpu ${s.gpuMs.toFixed(3).padStart(9)} ms  wasm ${s.cpuMs.toFixed(3).padStart(9)} ms  gpu/wasm ${(s.gpuMs / s.cpuMs).toFixed(1)}x`);
  };
  if (a.backend === "auto") show(a.crossover);
  else {
    // the same adapter presented as hardware, only to run the measurement here
    const dressed = { requestAdapter: async (o) => { const ad = await gpu.requestAdapter(o); return ad && new Proxy(ad, { get: (t, k) => (k === "info" ? { vendor: "(this adapter presented as hardware for the measurement)", architecture: "", device: "", description: "", isFallbackAdapter: false } : k === "isFallbackAdapter" ? false : typeof t[k] === "function" ? t[k].bind(t) : t[k]) }); } };
    const t0 = performance.now();
    await dh.ready({ backend: "auto", gpu: dressed });
    a = dh.backendInfo();
    console.log(`the same adapter presented as hardware: measured in ${((performance.now() - t0) / 1e3).toFixed(2)} s`);
    if (a.backend === "auto") show(a.crossover);
    else console.log(`not taken: ${a.error}`);
  }
  dh.setBackend("wasm");
}

await dh.ready({ backend: "webgpu", gpu: globalThis.__benchGpu });
const info = dh.backendInfo();
console.log(`# adapter: ${info.adapter ?? "none"} (backend ${info.backend}${info.error ? `, ${info.error}` : ""}); CPU side: wasm ${wasmInfo.variant}, ${wasmInfo.threads} threads`);
if (info.backend !== "webgpu") process.exit(1);

/**
 * Seconds per call, for any library whose results have `data()` and `dispose()`: two warm calls
 * (the first compiles), then `rounds` rounds of `reps` queued calls and one read of the last,
 * best round. `reps` is sized from the second warm call so a round lasts about `minRound` s: on a
 * real GPU one product plus its read back is mostly the read's latency, which this amortises.
 * `maxReps` bounds the results alive at once: tfjs's are disposed as they are made, downhill's
 * (which have no `dispose`) are freed once collected, so the bench collects between rounds.
 */
async function perCall(f, { rounds = 2, minRound = 0.25, maxReps = 256 } = {}) {
  const free = (y) => y.dispose?.();
  const collect = async () => {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 0));
  };
  let y = f();
  await y.data();
  free(y);
  let t = performance.now();
  y = f();
  await y.data();
  free(y);
  const warm = (performance.now() - t) / 1e3;
  const reps = Math.max(1, Math.min(maxReps, Math.round(minRound / Math.max(warm, 1e-5))));
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    await collect();
    t = performance.now();
    for (let i = 1; i < reps; i++) free(f());
    y = f();
    await y.data();
    best = Math.min(best, (performance.now() - t) / 1e3 / reps);
    free(y);
  }
  return best;
}

/**
 * tfjs-backend-webgpu in this process, on a device of the same adapter (Dawn: it reads
 * `navigator.gpu`, which Node 20 lacks, so the bench supplies one). null with the reason when it
 * cannot start.
 */
async function tfjsWebgpu(gpu) {
  try {
    if (!globalThis.navigator?.gpu) Object.defineProperty(globalThis, "navigator", { value: { ...(globalThis.navigator ?? {}), gpu, userAgent: "node" }, configurable: true });
    const tf = await import("@tensorflow/tfjs-core");
    await import("@tensorflow/tfjs-backend-webgpu");
    if (!(await tf.setBackend("webgpu"))) return { tf: null, why: "tf.setBackend('webgpu') returned false" };
    await tf.ready();
    return { tf, why: "" };
  } catch (e) {
    return { tf: null, why: String(e?.message ?? e) };
  }
}

// ---- 1. matmul GFLOP/s: downhill's WebGPU, tfjs-backend-webgpu on the same adapter, the SIMD core -
const { tf, why: tfWhy } = await tfjsWebgpu(globalThis.__benchGpu);
console.log(`\n## matmul f32 n x n x n: GFLOP/s (queued calls, one read per round, best of 2 rounds; sides alternate each round of 3)`);
console.log(tf ? "   tfjs-webgpu: @tensorflow/tfjs-backend-webgpu 4.22 in this process, its own device on the same adapter" : `   tfjs-webgpu: not run (${tfWhy})`);
console.log("n      webgpu     tfjs-webgpu  wasm-simd   webgpu/tfjs  webgpu/wasm");
const sizes = quick ? [256, 512, 1024, 4096] : [256, 512, 1024, 2048, 4096];
let crossover = null, lastGpuRate = null, lastCpuRate = null;
for (const n of sizes) {
  const flop = 2 * n ** 3;
  // the slowest side's rate at the last size, times the calls a side makes (warm-up and rounds)
  const est = Math.max(lastGpuRate ? flop / lastGpuRate : 0, lastCpuRate ? flop / lastCpuRate : 0) * 4;
  if (est > maxSeconds) {
    console.log(`${String(n).padEnd(6)} skipped: one side would take ~${est.toFixed(0)} s here (--max-seconds=${maxSeconds})`);
    continue;
  }
  const a = dh.randn([n, n], { seed: 1 }), b = dh.randn([n, n], { seed: 2 });
  const ta = tf?.randomNormal([n, n]), tb = tf?.randomNormal([n, n]);
  let gpuBest = Infinity, cpuBest = Infinity, tfBest = Infinity;
  const maxReps = Math.max(1, Math.floor(2 ** 30 / (4 * n * n))); // at most 1 GiB of results alive
  for (let round = 0; round < 3; round++) {
    dh.setBackend("webgpu");
    gpuBest = Math.min(gpuBest, await perCall(() => dh.matmul(a, b), { maxReps }));
    if (tf) tfBest = Math.min(tfBest, await perCall(() => tf.matMul(ta, tb), { maxReps }));
    dh.setBackend("wasm");
    cpuBest = Math.min(cpuBest, await perCall(() => dh.matmul(a, b), { rounds: 1, minRound: 0 }));
  }
  ta?.dispose();
  tb?.dispose();
  dh.setBackend("webgpu");
  lastGpuRate = flop / gpuBest;
  lastCpuRate = flop / cpuBest;
  if (crossover === null && gpuBest < cpuBest) crossover = n;
  const g = (s) => (s === Infinity ? "—" : (flop / s / 1e9).toFixed(3)).padStart(8);
  console.log(`${String(n).padEnd(6)} ${g(gpuBest)}   ${g(tfBest)}     ${g(cpuBest)}    ${tf ? `${(tfBest / gpuBest).toFixed(2)}x`.padStart(8) : "       —"}     ${(cpuBest / gpuBest).toFixed(3)}x`);
}
console.log(crossover === null ? `crossover: none up to the sizes run (the SIMD core wins everywhere on this adapter)` : `crossover: WebGPU wins from n = ${crossover}`);

// ---- 1b. mixed precision: products over binary16 storage against float32 -------------------------
if (!process.argv.includes("--no-f16")) {
  console.log('\n## matmul n x n x n, ready({ precision: "mixed" }) against "f32": GFLOP/s (a device per side and round, sides alternating, best of 3)');
  console.log('   "mixed, f32 in": operands packed for the call; "mixed, f16 in": operands already binary16 (results of products)');
  console.log("n      f32        mixed,f32in  mixed,f16in  mixed/f32 (f16 in)");
  for (const n of quick ? [256, 512] : [256, 512, 1024]) {
    const a = dh.randn([n, n], { seed: 1 }), b = dh.randn([n, n], { seed: 2 });
    const best = { f32: Infinity, in32: Infinity, in16: Infinity };
    for (let round = 0; round < 3; round++) {
      for (const precision of ["f32", "mixed"]) {
        await dh.ready({ backend: "webgpu", gpu: globalThis.__benchGpu, precision });
        if (precision === "f32") best.f32 = Math.min(best.f32, await perCall(() => dh.matmul(a, b)));
        else {
          best.in32 = Math.min(best.in32, await perCall(() => dh.matmul(a, b)));
          const eye = dh.eye(n), ah = dh.matmul(a, eye), bh = dh.matmul(b, eye); // binary16 copies, made on this round's device
          best.in16 = Math.min(best.in16, await perCall(() => dh.matmul(ah, bh)));
        }
      }
    }
    const g = (t) => ((2 * n ** 3) / t / 1e9).toFixed(3).padStart(8);
    console.log(`${String(n).padEnd(6)} ${g(best.f32)}   ${g(best.in32)}     ${g(best.in16)}     ${(best.f32 / best.in16).toFixed(2)}x`);
  }
  await dh.ready({ backend: "webgpu", gpu: globalThis.__benchGpu });
}

// ---- 2. an MNIST epoch ---------------------------------------------------------------------------
// `fit` with its defaults on both sides (what a user gets: compiled steps, accuracy, the
// non-finite guard, layer norms); on WebGPU the steps' numbers are read at the epoch's end.
if (!process.argv.includes("--no-mnist")) {
const { loadMnist } = await import(pathToFileURL(join(root, "dist/node.js")).href);
const mn = await loadMnist();
const N = quick ? 2048 : mn.train.n, B = 128;
console.log(`\n## MNIST epoch: fit(model, { x, y }, { optimizer: adam({ lr: 1e-3 }), batchSize: ${B} }), ${N} digits, 784-128-10 MLP (one epoch per side, alternating, two rounds; WebGPU sides on a fresh device warmed by two untimed steps)`);
const x = dh.tensor(mn.train.x.subarray(0, N * 784), { shape: [N, 784] });
const y = dh.tensor(Array.from(mn.train.y.subarray(0, N)));
const mlp = () => dh.nn.sequential([dh.nn.linear(784, 128, { seed: 1 }), dh.nn.relu(), dh.nn.linear(128, 10, { seed: 2 })]);
// "webgpu mixed": the same fit after ready({ precision: "mixed" }) (binary16 activations and gradients of products)
async function epoch(side) {
  const backend = side === "wasm" ? "wasm" : "webgpu";
  dh.setBackend(backend);
  if (backend === "webgpu") {
    // a fresh device per side and round, so its pipelines are compiled by a warm-up step, untimed
    // (SwiftShader takes 0.5-1.2 s a tiled pipeline; an epoch on a warm device is the figure)
    await dh.ready({ backend: "webgpu", gpu: globalThis.__benchGpu, precision: side === "webgpu mixed" ? "mixed" : "f32" });
    await dh.fit(mlp(), { x, y }, { optimizer: dh.adam({ lr: 1e-3 }), batchSize: B, epochs: 1, steps: 2, progress: "none" });
  }
  const model = mlp();
  const t = performance.now();
  const r = await dh.fit(model, { x, y }, { optimizer: dh.adam({ lr: 1e-3 }), batchSize: B, epochs: 1, progress: "none" });
  const e = r.history.epochs[0];
  return { s: (performance.now() - t) / 1e3, loss: e.values.loss, accuracy: e.values.accuracy, steps: r.step, jit: r.jit.compiled };
}
const sides = process.argv.includes("--no-f16") ? ["webgpu", "wasm"] : ["webgpu", "webgpu mixed", "wasm"];
const ep = Object.fromEntries(sides.map((side) => [side, []]));
for (let r = 0; r < 2; r++) for (const side of sides) ep[side].push(await epoch(side));
await dh.ready({ backend: "webgpu", gpu: globalThis.__benchGpu });
dh.setBackend("webgpu");
for (const side of sides) {
  const last = ep[side].at(-1);
  console.log(`${side.padEnd(12)} ${ep[side].map((e) => `${e.s.toFixed(2)} s`).join(", ")} (${last.steps} steps, epoch loss ${last.loss.toFixed(4)}, accuracy ${last.accuracy.toFixed(4)}, compiled ${last.jit})`);
}
const best = (side) => Math.min(...ep[side].map((e) => e.s));
console.log(`webgpu/wasm epoch time: ${(best("webgpu") / best("wasm")).toFixed(2)}x${ep["webgpu mixed"] ? `; webgpu mixed/f32: ${(best("webgpu mixed") / best("webgpu")).toFixed(2)}x` : ""}`);
}

// ---- 3. Chromium: downhill's WebGPU against tfjs-backend-webgpu on the same adapter ----------------
if (!process.argv.includes("--no-browser")) {
  const types = { ".js": "text/javascript", ".mjs": "text/javascript", ".html": "text/html", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/") return res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>bench</title>");
    const path = join(root, decodeURIComponent(url.pathname));
    if (!path.startsWith(root) || !existsSync(path)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(readFileSync(path));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const chromium = (await import("@sparticuz/chromium")).default;
  const { chromium: pw } = await import("playwright-core");
  const browser = await pw.launch({ executablePath: await chromium.executablePath(), headless: true, args: ["--no-sandbox", "--headless=new", "--no-first-run", "--enable-unsafe-webgpu", "--enable-unsafe-swiftshader", "--use-angle=swiftshader"]  });
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.addScriptTag({ url: `${origin}/node_modules/@tensorflow/tfjs/dist/tf.min.js` });
    await page.addScriptTag({ url: `${origin}/node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js` });
    const pageSizes = quick ? [256, 512] : [256, 512, 1024];
    const rows = await page.evaluate(async ({ origin, pageSizes }) => {
      const dh = await import(`${origin}/dist/index.js`);
      await dh.ready({ backend: "webgpu" });
      const tf = globalThis.tf;
      await tf.setBackend("webgpu");
      await tf.ready();
      const out = [];
      for (const n of pageSizes) {
        const a = dh.randn([n, n], { seed: 1 }), b = dh.randn([n, n], { seed: 2 });
        const ta = tf.randomNormal([n, n]), tb = tf.randomNormal([n, n]);
        let ours = Infinity, theirs = Infinity;
        await dh.matmul(a, b).data();
        await tf.matMul(ta, tb).data();
        for (let r = 0; r < 3; r++) {
          let t = performance.now();
          await dh.matmul(a, b).data();
          ours = Math.min(ours, performance.now() - t);
          t = performance.now();
          const c = tf.matMul(ta, tb);
          await c.data();
          c.dispose();
          theirs = Math.min(theirs, performance.now() - t);
        }
        out.push({ n, ours, theirs });
      }
      return { adapter: dh.backendInfo().adapter, out };
    }, { origin, pageSizes });
    console.log(`\n## Chromium page (${rows.adapter}): matmul GFLOP/s, product + readback, best of 3, alternating`);
    console.log("n      downhill-webgpu   tfjs-webgpu   downhill/tfjs");
    for (const r of rows.out) console.log(`${String(r.n).padEnd(6)} ${((2 * r.n ** 3) / r.ours / 1e6).toFixed(3).padStart(10)}      ${((2 * r.n ** 3) / r.theirs / 1e6).toFixed(3).padStart(10)}    ${(r.theirs / r.ours).toFixed(2)}x`);
  } finally {
    await browser.close();
    server.close();
  }
}
process.exit(0);
