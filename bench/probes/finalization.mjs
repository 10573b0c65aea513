// Not a benchmark: the measurement behind docs/ARCHITECTURE.md's "storage is a plain typed array".
// Could tensors live in WebAssembly memory with no `dispose`, their blocks freed when the GC
// collects them? A block can only be reused once a FinalizationRegistry callback (or a cleared
// WeakRef) says its tensor is gone. This registers views over a shared wasm memory, as such
// storage would, in a training-like async loop (20 tensors a step, a yield per step, a little JS
// garbage) and counts the callbacks, next to V8's count of minor and major collections.
// Usage: node bench/probes/finalization.mjs [steps]   (prints one line per 500 steps)
//
// Node 20, 2026-11-29: no callback at all until the first major GC (step ~3,400); minor GCs,
// 8-10 of them, never report a view. Over 20,000 steps, 6 major GCs; between them up to 91,000
// views (1.8 GB of blocks at a 784x256 float32 layer's size) waited to be reported. A
// wasm-resident store with a memory budget would sit full between major GCs.
import { PerformanceObserver, constants } from "node:perf_hooks";

const STEPS = Number(process.argv[2] ?? 3000);
const memory = new WebAssembly.Memory({ initial: 16, maximum: 16384, shared: true });
const buffer = memory.buffer;
let live = 0, freed = 0;
const registry = new FinalizationRegistry(() => { live--; freed++; });
const gcs = { minor: 0, major: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = e.detail?.kind ?? e.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcs.minor++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcs.major++;
  }
}).observe({ entryTypes: ["gc"] });

for (let step = 1; step <= STEPS; step++) {
  for (let j = 0; j < 20; j++) {
    const view = new Float32Array(buffer, 64 * j, 1000); // a tensor's storage in linear memory
    registry.register(view, 64 * j);
    live++;
  }
  new Float32Array(2000)[0] = step; // the JS garbage a step makes besides its tensors
  await new Promise((r) => setImmediate(r));
  if (step % 500 === 0) console.log(`step ${step}: ${live} views registered and not yet reported collected, ${freed} callbacks; GCs so far: ${gcs.minor} minor, ${gcs.major} major`);
}
