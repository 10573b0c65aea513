// Is composing argmax / topk from existing kernels (max, equal, where, a position ramp) fast
// enough, or do they need a kernel of their own? downhill (eager and jit) against TensorFlow.js's
// wasm backend (tf.argMax, tf.topk: dedicated kernels) on classifier logits, in the same run,
// alternating sides, 5 rounds; prints medians, ranges and ratios. Default configuration (no ready()).
//   node bench/probes/topk.mjs [rows=128] [classes=1000] [k=5]
import * as dh from "../../dist/index.js";
import { configLine, start } from "../setup.mjs";
import { createRequire } from "node:module";
import { dirname } from "node:path";

const [R, C, K] = [Number(process.argv[2] ?? 128), Number(process.argv[3] ?? 1000), Number(process.argv[4] ?? 5)];
const ROUNDS = 5, CALLS = 30;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
function time(fn) {
  for (let i = 0, t0 = performance.now(); i < 5 || performance.now() - t0 < 100; i++) fn();
  const ts = [];
  for (let i = 0; i < CALLS; i++) { const t0 = performance.now(); fn(); ts.push(performance.now() - t0); }
  return median(ts);
}

await start(dh);
const require = createRequire(import.meta.url);
const tf = require("@tensorflow/tfjs");
const wasm = require("@tensorflow/tfjs-backend-wasm");
wasm.setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");
await tf.setBackend("wasm");
await tf.ready();

const x = dh.randn([R, C], { seed: 1 });
const tx = tf.tensor2d(x.dataSync(), [R, C]);
const jArg = dh.jit((a) => dh.argmax(a, -1)), jTop = dh.jit((a) => dh.topk(a, K).indices);
const cases = {
  argmax: { dh: () => dh.argmax(x, -1).dataSync(), jit: () => jArg(x).dataSync(), tf: () => tf.tidy(() => tf.argMax(tx, -1).dataSync()) },
  [`topk k=${K}`]: { dh: () => dh.topk(x, K).indices.dataSync(), jit: () => jTop(x).dataSync(), tf: () => tf.tidy(() => { const r = tf.topk(tx, K); r.indices.dataSync(); r.values.dispose(); }) },
};
// same answers first
const same = Array.from(dh.argmax(x, -1).dataSync()).every((v, i) => v === tf.argMax(tx, -1).dataSync()[i]);
console.log(`argmax agrees with tf.argMax on all ${R} rows: ${same}`);
console.log(`\n[${R}, ${C}] float32, ${ROUNDS} rounds alternating sides, median of ${CALLS} calls each (ms)`);
console.log("case          downhill eager (range)     downhill jit (range)       tfjs-wasm (range)          tfjs / eager   tfjs / jit");
for (const [name, fns] of Object.entries(cases)) {
  const r = { dh: [], jit: [], tf: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 ? ["tf", "jit", "dh"] : ["dh", "jit", "tf"];
    for (const side of order) r[side].push(time(fns[side]));
  }
  const cell = (v) => `${median(v).toFixed(3)} (${Math.min(...v).toFixed(3)}-${Math.max(...v).toFixed(3)})`.padEnd(27);
  console.log(`${name.padEnd(14)}${cell(r.dh)}${cell(r.jit)}${cell(r.tf)}${(median(r.tf) / median(r.dh)).toFixed(2).padStart(8)}x ${(median(r.tf) / median(r.jit)).toFixed(2).padStart(10)}x`);
}
console.log(configLine(dh));
process.exit(0);
