// One MLP training gradient step (batch 128, 784-256-10, ReLU, softmax cross-entropy), f32:
// downhill's valueAndGrad vs TensorFlow.js (wasm backend) tf.variableGrads, in the same run.
import * as dh from "../dist/index.js";
import { configLine, mlpCase, start } from "./setup.mjs";
import { createRequire } from "node:module";
import { dirname } from "node:path";

const B = 128, D = 784, H = 256, C = 10; // the shapes of mlpCase (bench/setup.mjs), for the tfjs side
const STEPS = Number(process.env.STEPS ?? 50);

function median(xs) { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; }
// Warm-up until the JIT and (for downhill) the resident operand cache have settled: at least
// 10 calls and 300 ms. With 3 warm-up calls the forward pass, timed first, was still partly in
// V8's baseline tiers: 3.3 ms against 1.1-1.2 ms in steady state.
function time(fn, n) {
  for (let i = 0, t0 = performance.now(); i < 10 || performance.now() - t0 < 300; i++) fn();
  const ts = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); fn(); ts.push(performance.now() - t0); }
  return median(ts);
}

async function downhillStep() {
  await start(dh);
  const { params, loss } = mlpCase(dh);
  const vg = dh.valueAndGrad(loss);
  const fwd = time(() => loss(params).item(), STEPS);
  const step = time(() => vg(params).value.item(), STEPS);
  return { fwd, step, info: dh.backendInfo() };
}

async function tfjsStep() {
  const require = createRequire(import.meta.url);
  const tf = require("@tensorflow/tfjs");
  const wasm = require("@tensorflow/tfjs-backend-wasm");
  wasm.setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");
  await tf.setBackend("wasm");
  await tf.ready();
  const x = tf.randomUniform([B, D]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: B }, (_, i) => (i * 7) % C), "int32"), C).toFloat();
  const w1 = tf.variable(tf.randomNormal([D, H]).mul(Math.sqrt(2 / D))), b1 = tf.variable(tf.zeros([H]));
  const w2 = tf.variable(tf.randomNormal([H, C]).mul(Math.sqrt(2 / H))), b2 = tf.variable(tf.zeros([C]));
  const loss = () => tf.losses.softmaxCrossEntropy(y, tf.relu(x.matMul(w1).add(b1)).matMul(w2).add(b2));
  const fwd = time(() => tf.tidy(() => loss().dataSync()), STEPS);
  const step = time(() => tf.tidy(() => { const { grads } = tf.variableGrads(loss); grads[w1.name].dataSync(); }), STEPS);
  return { fwd, step };
}

const d = await downhillStep();
const t = await tfjsStep();
console.log(`\nMLP 784-256-10, batch ${B}, f32 — downhill ${d.info.backend}/${d.info.variant} threads=${d.info.threads}`);
console.log("                     downhill ms   tfjs-wasm ms   speed-up");
console.log(`forward              ${d.fwd.toFixed(2).padStart(11)}   ${t.fwd.toFixed(2).padStart(12)}   ${(t.fwd / d.fwd).toFixed(2)}x`);
console.log(`forward+backward     ${d.step.toFixed(2).padStart(11)}   ${t.step.toFixed(2).padStart(12)}   ${(t.step / d.step).toFixed(2)}x`);
console.log(configLine(dh));
process.exit(0);
