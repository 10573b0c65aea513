// A small MNIST CNN (conv 5x5x16 -> ReLU -> max-pool 2 -> conv 5x5x32 -> ReLU -> max-pool 2 ->
// linear 10; Adam 1e-3, batch 64, the 7,996 training digits of the per-class 80% split), against
// TensorFlow.js in the same process:
// - one training epoch: downhill's `fit` (NCHW, im2col onto the SIMD matmul) against tfjs
//   `model.fit` of the same architecture on tfjs's cpu backend, one epoch each in alternating
//   order, repeated. tfjs-wasm cannot train it: tfjs-backend-wasm 4.22 registers no
//   Conv2DBackpropFilter kernel ("Kernel 'Conv2DBackpropFilter' not registered for backend
//   'wasm'"), so `model.fit` of any conv net throws there.
// - the forward pass over the 2,004 held-out digits (batches of 501): downhill `model.apply`
//   against tfjs-wasm `model.predict` (XNNPACK convolutions), alternating, repeated.
// tfjs runs NHWC, its native layout. Each downhill round is one `fit` call of one epoch (its time
// includes compiling the step) and its Adam state restarts there; tfjs keeps its optimizer.
// Prints times, ratios and held-out accuracy after the rounds. Never asserts.
//   npm run build && node --expose-gc bench/cnn.bench.mjs [--rounds 2] [--digits N (default all 7,996)] [--ready]
import * as dh from "../dist/index.js";
import { configLine, loadMnistSplit as loadMnist, start } from "./setup.mjs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { loadavg } from "node:os";

const argv = process.argv.slice(2);
const ROUNDS = Number(argv.includes("--rounds") ? argv[argv.indexOf("--rounds") + 1] : argv.includes("--quick") ? 1 : 2);
const FORWARD_REPS = 5, EVAL_BATCH = 501;
// --digits N: train on the first N of the (class-ordered, shuffled by fit) training digits, for a loaded machine
const DIGITS = argv.includes("--digits") ? Number(argv[argv.indexOf("--digits") + 1]) : Infinity;
const BATCH = 64;
const require = createRequire(import.meta.url);

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const m = loadMnist();
if (DIGITS < m.train.n) {
  // every k-th digit, so that all classes stay in the subset
  const k = m.train.n / DIGITS, x = new Float32Array(DIGITS * 784), y = new Float32Array(DIGITS);
  for (let i = 0; i < DIGITS; i++) { const r = Math.floor(i * k); x.set(m.train.x.subarray(r * 784, (r + 1) * 784), i * 784); y[i] = m.train.y[r]; }
  m.train = { x, y, n: DIGITS };
}
const log = (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

async function downhillSide() {
  await start(dh);
  const train = { x: dh.tensor(m.train.x, { shape: [m.train.n, 1, 28, 28] }), y: dh.tensor(m.train.y) };
  const test = { x: dh.tensor(m.test.x, { shape: [m.test.n, 1, 28, 28] }), y: dh.tensor(m.test.y) };
  const rng = new dh.Rng(0);
  const model = dh.nn.sequential([
    dh.nn.conv2d(1, 16, 5, { init: "heNormal", rng }), dh.nn.relu(), dh.nn.maxPool2d(2),
    dh.nn.conv2d(16, 32, 5, { init: "heNormal", rng }), dh.nn.relu(), dh.nn.maxPool2d(2),
    dh.nn.flatten(), dh.nn.linear(512, 10, { rng }),
  ]);
  let round = 0, jit = null;
  return {
    times: [],
    async epoch() {
      const t0 = performance.now();
      const r = await dh.fit(model, train, { optimizer: dh.adam({ lr: 1e-3 }), epochs: 1, batchSize: BATCH, seed: 1 + round++, progress: "none" });
      this.times.push((performance.now() - t0) / 1000);
      jit = r.jit;
    },
    accuracy: () => dh.evaluate(model, test).accuracy,
    forwardTimes: [],
    forward() {
      const t0 = performance.now();
      for (let i = 0; i < m.test.n; i += EVAL_BATCH) {
        const rows = Math.min(EVAL_BATCH, m.test.n - i);
        model.apply(model.params, dh.slice(test.x, [i, 0, 0, 0], [rows, 1, 28, 28])).dataSync();
      }
      this.forwardTimes.push((performance.now() - t0) / 1000);
    },
    note: () => `compiled step: ${jit?.compiled}${jit?.reason ? ` (${jit.reason})` : ""}`,
  };
}

function tfModel(tf) {
  return tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 5, activation: "relu", kernelInitializer: "heNormal" }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 32, kernelSize: 5, activation: "relu", kernelInitializer: "heNormal" }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 10 }),
  ] });
}

async function tfjsSide() {
  const tf = require("@tensorflow/tfjs");
  const wasm = require("@tensorflow/tfjs-backend-wasm");
  wasm.setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");
  // training on the cpu backend (see the header), inference on wasm: each model lives on its backend
  await tf.setBackend("cpu");
  const x = tf.tensor4d(m.train.x, [m.train.n, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(m.train.y, "int32"), 10).toFloat();
  const testCpu = tf.tensor4d(m.test.x, [m.test.n, 28, 28, 1]);
  const model = tfModel(tf);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: (yt, yp) => tf.losses.softmaxCrossEntropy(yt, yp), metrics: [] });
  await tf.setBackend("wasm");
  await tf.ready();
  const testWasm = tf.tensor4d(m.test.x, [m.test.n, 28, 28, 1]);
  const inference = tfModel(tf);
  inference.predict(testWasm, { batchSize: EVAL_BATCH }).dataSync(); // builds the weights on wasm
  return {
    times: [],
    async epoch() {
      await tf.setBackend("cpu");
      const t0 = performance.now();
      await model.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 });
      this.times.push((performance.now() - t0) / 1000);
    },
    async accuracy() {
      await tf.setBackend("cpu");
      const pred = tf.tidy(() => model.predict(testCpu).argMax(-1).dataSync());
      let correct = 0;
      for (let i = 0; i < m.test.n; i++) if (pred[i] === m.test.y[i]) correct++;
      return correct / m.test.n;
    },
    forwardTimes: [],
    async forward() {
      await tf.setBackend("wasm");
      const t0 = performance.now();
      tf.tidy(() => inference.predict(testWasm, { batchSize: EVAL_BATCH }).dataSync());
      this.forwardTimes.push((performance.now() - t0) / 1000);
    },
    note: () => `tfjs ${tf.version.tfjs}`,
  };
}

const d = await downhillSide(), t = await tfjsSide();
for (let r = 0; r < ROUNDS; r++) {
  for (const side of r % 2 === 0 ? [d, t] : [t, d]) {
    globalThis.gc?.();
    await side.epoch();
    log(`round ${r + 1}: ${side === d ? "downhill" : "tfjs-cpu"} epoch ${side.times.at(-1).toFixed(2)} s`);
  }
}
d.forward(); await t.forward(); d.forwardTimes.length = 0; t.forwardTimes.length = 0; // warm-up
for (let r = 0; r < FORWARD_REPS; r++) {
  for (const side of r % 2 === 0 ? [d, t] : [t, d]) await side.forward();
}
const dAcc = d.accuracy(), tAcc = await t.accuracy();
const range = (xs) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;
console.log(`\nMNIST CNN (conv5x5x16, pool2, conv5x5x32, pool2, linear 10), Adam 1e-3, batch ${BATCH}, ${m.train.n} training digits; load average ${loadavg()[0].toFixed(2)}`);
console.log(`one training epoch, ${ROUNDS} alternating rounds     s/epoch (median)   epochs (s)          held-out acc   time / downhill's`);
console.log(`  downhill fit                          ${median(d.times).toFixed(2).padStart(8)}   ${d.times.map((x) => x.toFixed(2)).join(" ").padEnd(18)} ${(100 * dAcc).toFixed(2).padStart(8)}%   1.00x   ${d.note()}`);
console.log(`  tfjs-cpu model.fit                    ${median(t.times).toFixed(2).padStart(8)}   ${t.times.map((x) => x.toFixed(2)).join(" ").padEnd(18)} ${(100 * tAcc).toFixed(2).padStart(8)}%   ${(median(t.times) / median(d.times)).toFixed(2)}x   ${t.note()}`);
console.log(`  tfjs-wasm model.fit                   not possible: tfjs-backend-wasm has no Conv2DBackpropFilter kernel`);
console.log(`forward pass, ${m.test.n} digits in batches of ${EVAL_BATCH}, ${FORWARD_REPS} alternating reps   ms (median)   range (ms)`);
const ms = (xs) => xs.map((x) => 1000 * x);
console.log(`  downhill model.apply                  ${median(ms(d.forwardTimes)).toFixed(1).padStart(8)}   ${range(ms(d.forwardTimes))}`);
console.log(`  tfjs-wasm model.predict               ${median(ms(t.forwardTimes)).toFixed(1).padStart(8)}   ${range(ms(t.forwardTimes))}   ${(median(t.forwardTimes) / median(d.forwardTimes)).toFixed(2)}x downhill's time`);
console.log(configLine(dh));
process.exit(0);
