// The WebAssembly core in an edge runtime: Cloudflare's workerd (through Miniflare), where
// compiling bytes at run time is forbidden. f32 256x256 matmul time with plain `ready()` (the JS
// fallback) against `ready({ wasmModule })` with the shipped dist/wasm/*.wasm files, and against
// the same product in this Node process, in the same run. Timed from the host: the wall time of a
// request running N products minus that of a request running none (workerd may coarsen its own
// clocks), after a warm-up request. Prints ms per product and ratios; asserts nothing.
// Usage: npm run build && node bench/edge.bench.mjs
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const N = 256;
let Miniflare;
try {
  ({ Miniflare } = await import("miniflare"));
} catch (e) {
  console.log(`bench/edge: miniflare is not installed (${e.message}); skipped`);
  process.exit(0);
}
const dh = await import(join(root, "dist/index.js"));

const worker = `import * as dh from "./downhill.js";
import relaxed from "./wasm/relaxed-simd.wasm"; import simd from "./wasm/simd.wasm"; import scalar from "./wasm/scalar.wasm";
const MODULES = { "relaxed-simd": relaxed, simd, scalar };
let a, b;
export default { async fetch(req) {
  const q = new URL(req.url).searchParams;
  if (!a) {
    const v = q.get("wasm");
    await (v ? dh.ready({ wasmModule: MODULES[v] }) : dh.ready());
    a = dh.randn([${N}, ${N}], { seed: 1 }); b = dh.randn([${N}, ${N}], { seed: 2 });
  }
  let s = 0;
  for (let i = 0, n = Number(q.get("n")); i < n; i++) s += dh.matmul(a, b).dataSync()[0];
  return Response.json({ info: dh.backendInfo(), s });
} };`;

async function timeInWorkerd(variant) {
  const mf = new Miniflare({
    modulesRoot: "/e",
    modules: [
      { type: "ESModule", path: "/e/w.mjs", contents: worker },
      { type: "ESModule", path: "/e/downhill.js", contents: readFileSync(join(root, "dist/index.js"), "utf8") },
      ...["relaxed-simd", "simd", "scalar"].map((v) => ({ type: "CompiledWasm", path: `/e/wasm/${v}.wasm`, contents: readFileSync(join(root, `dist/wasm/${v}.wasm`)) })),
    ],
    compatibilityDate: "2025-01-01",
  });
  try {
    const q = variant ? `wasm=${variant}&` : "";
    const call = async (n) => {
      const t = performance.now();
      const r = await (await mf.dispatchFetch(`http://edge.local/?${q}n=${n}`)).json();
      return { ms: performance.now() - t, info: r.info };
    };
    const reps = variant ? 300 : 20;
    const { info } = await call(variant ? 300 : 10); // warm-up: JIT and wasm tier-up
    const empty = Math.min(...(await Promise.all([0, 0, 0].map(() => call(0)))).map((r) => r.ms));
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push((await call(reps)).ms);
    return { ms: (Math.min(...runs) - empty) / reps, info };
  } finally {
    await mf.dispose();
  }
}

await dh.ready({ threads: 1 });
const A = dh.randn([N, N], { seed: 1 }), B = dh.randn([N, N], { seed: 2 });
for (let i = 0; i < 300; i++) dh.matmul(A, B).dataSync();
let best = Infinity;
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  for (let i = 0; i < 300; i++) dh.matmul(A, B).dataSync();
  best = Math.min(best, (performance.now() - t) / 300);
}

const rows = [];
const js = await timeInWorkerd(null);
rows.push(["workerd, plain ready() (JS fallback)", js]);
for (const v of ["relaxed-simd", "simd", "scalar"]) rows.push([`workerd, ready({ wasmModule: ${v}.wasm })`, await timeInWorkerd(v)]);
const gf = (ms) => ((2 * N ** 3) / ms / 1e6).toFixed(1);
console.log(`\nf32 ${N}x${N} matmul + dataSync, ms per product (workerd timed from the host; Node ${process.version} in-process, 1 thread)`);
console.log(`${"where".padEnd(50)} ${"backend".padEnd(18)} ${"ms".padStart(7)} ${"GFLOP/s".padStart(8)} ${"vs JS fallback".padStart(15)} ${"vs Node".padStart(8)}`);
for (const [name, r] of rows) {
  console.log(`${name.padEnd(50)} ${`${r.info.backend} ${r.info.variant ?? ""}`.padEnd(18)} ${r.ms.toFixed(3).padStart(7)} ${gf(r.ms).padStart(8)} ${`${(js.ms / r.ms).toFixed(1)}x`.padStart(15)} ${`${(best / r.ms).toFixed(2)}x`.padStart(8)}`);
}
console.log(`${"Node, ready({ threads: 1 }), same bundle".padEnd(50)} ${`wasm ${dh.backendInfo().variant}`.padEnd(18)} ${best.toFixed(3).padStart(7)} ${gf(best).padStart(8)} ${`${(js.ms / best).toFixed(1)}x`.padStart(15)} ${"1.00x".padStart(8)}`);
process.exit(0);
