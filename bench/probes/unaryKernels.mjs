// Not a benchmark: the measurement behind the WebAssembly thresholds for the transcendental unary
// ops (src/backend/wasm/backend.ts, WASM_UNARY_MIN_F32 / _F64). For each op and dtype, ns a value
// of the JS backend's loop (the result array allocated, as an op does) against the WebAssembly
// kernel on one thread (result array allocated, copy into linear memory, v128 loop, copy out), at
// sizes around the break-even and at 1e4 values; then the smallest size from which wasm is faster
// at every larger size measured.
// Usage (after npm run build:wasm): node bench/probes/unaryKernels.mjs [op,op,...] [--variant simd|relaxed-simd]
//   (relaxed-simd in Node 20 needs node --experimental-wasm-relaxed-simd)
import { build } from "esbuild";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { esbuildAssets } from "../../scripts/assetLoaders.mjs";

// The built bundle exports only the public API; bundle the three internals this probe times.
const root = fileURLToPath(new URL("../..", import.meta.url));
const entry = join(tmpdir(), `downhill-unary-probe-${process.pid}.mjs`);
await build({
  stdin: { contents: 'export { jsBackend } from "./src/backend/js/backend"; export { initWasm } from "./src/backend/wasm/index"; export { arrayFor } from "./src/tensor/dtype";', resolveDir: root, loader: "ts" },
  bundle: true, format: "esm", platform: "node", outfile: entry, ...esbuildAssets, logLevel: "error",
});
const { jsBackend, initWasm, arrayFor } = await import(pathToFileURL(entry).href);

const args = process.argv.slice(2);
const variantAt = args.indexOf("--variant");
const variant = variantAt >= 0 ? args[variantAt + 1] : undefined;
const ops = (args.find((a) => !a.startsWith("--") && a !== variant) ?? "sin,cos,log1p,expm1,exp,tanh").split(",");
const SIZES = [8, 16, 32, 64, 128, 256, 512, 1024, 10_000];
const DOMAIN = { log1p: [-0.5, 10], log: [0.01, 10], expm1: [-5, 5], exp: [-5, 5] };

const w = await initWasm({ threads: 1, variant });

function inputs(op, dtype, n) {
  const [lo, hi] = DOMAIN[op] ?? [-10, 10];
  const x = arrayFor(dtype, n);
  for (let i = 0; i < n; i++) x[i] = lo + (hi - lo) * ((i * 0.6180339887498949) % 1);
  return x;
}

/** Calls per round so that one round takes ~2 ms. */
function repsFor(fn) {
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    if (performance.now() - t0 > 2) return reps;
    reps *= 2;
  }
}

/**
 * ns a value of a and b, best of 15 rounds each; the rounds alternate a, b, a, b so that both see
 * the same machine (this one is shared: a burst of load slows whichever runs at that moment).
 */
function timePair(a, b, n) {
  const ra = repsFor(a), rb = repsFor(b);
  let ta = Infinity, tb = Infinity;
  for (let round = 0; round < 15; round++) {
    let t0 = performance.now();
    for (let r = 0; r < ra; r++) a();
    ta = Math.min(ta, ((performance.now() - t0) * 1e6) / (ra * n));
    t0 = performance.now();
    for (let r = 0; r < rb; r++) b();
    tb = Math.min(tb, ((performance.now() - t0) * 1e6) / (rb * n));
  }
  return [ta, tb];
}

console.log(`variant ${w.variant}, 1 thread; ns a value, n: JS / wasm`);
for (const dtype of ["float32", "float64"]) {
  for (const op of ops) {
    const cells = [];
    let breakEven = null;
    for (const n of SIZES) {
      const x = inputs(op, dtype, n);
      let sink = 0;
      const [js, wasm] = timePair(
        () => { sink += jsBackend.unary(op, x, dtype, n)[0]; },
        () => { const out = arrayFor(dtype, n); w.unary(op, x, out); sink += out[0]; },
        n,
      );
      if (wasm < js && breakEven === null) breakEven = n;
      if (wasm >= js) breakEven = null;
      cells.push(`${n}: ${js.toFixed(1)}/${wasm.toFixed(1)}`);
    }
    console.log(`${dtype.padEnd(7)} ${op.padEnd(6)} ${cells.join("  ")}  | wasm faster from ${breakEven ?? "never"}`);
  }
}
