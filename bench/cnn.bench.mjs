// One epoch of a small MNIST CNN (conv 5x5x16 -> ReLU -> max-pool 2 -> conv 5x5x32 -> ReLU ->
// max-pool 2 -> linear 10; Adam 1e-3, batch 64, the 7,996 training digits of the per-class 80%
// split): downhill's `fit` (NCHW, im2col onto the SIMD matmul) against TensorFlow.js
// `model.fit` of the same architecture on its wasm backend (XNNPACK convolutions; NHWC, tfjs's
// native layout), in the same process, one epoch each in alternating order, repeated. Prints
// each side's epoch times, the median ratio and the held-out accuracy after the rounds. Each
// downhill round is one `fit` call of one epoch (its time includes compiling the step), and
// its Adam state restarts there; tfjs keeps its optimizer across rounds. Never asserts.
//   npm run build && node --expose-gc bench/cnn.bench.mjs [--rounds 3] [--ready]
import * as dh from "../dist/index.js";
import { configLine, start } from "./setup.mjs";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { loadavg } from "node:os";

const argv = process.argv.slice(2);
const ROUNDS = Number(argv.includes("--rounds") ? argv[argv.indexOf("--rounds") + 1] : argv.includes("--quick") ? 2 : 3);
const BATCH = 64;
const require = createRequire(import.meta.url);

function loadMnist() {
  const train = { x: [], y: [] }, test = { x: [], y: [] };
  for (let d = 0; d < 10; d++) {
    const raw = JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), "utf8")).data;
    const n = raw.length / 784, nTrain = Math.floor(0.8 * n);
    for (let s = 0; s < n; s++) {
      const part = s < nTrain ? train : test;
      part.x.push(raw.slice(s * 784, (s + 1) * 784));
      part.y.push(d);
    }
  }
  const pack = (p) => ({ x: Float32Array.from(p.x.flat()), y: Float32Array.from(p.y), n: p.y.length });
  return { train: pack(train), test: pack(test) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const m = loadMnist();

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
    note: () => `compiled step: ${jit?.compiled}${jit?.reason ? ` (${jit.reason})` : ""}`,
  };
}

async function tfjsSide() {
  const tf = require("@tensorflow/tfjs");
  const wasm = require("@tensorflow/tfjs-backend-wasm");
  wasm.setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");
  await tf.setBackend("wasm");
  await tf.ready();
  const x = tf.tensor4d(m.train.x, [m.train.n, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(m.train.y, "int32"), 10).toFloat();
  const model = tf.sequential({ layers: [
    tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 16, kernelSize: 5, activation: "relu", kernelInitializer: "heNormal" }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 32, kernelSize: 5, activation: "relu", kernelInitializer: "heNormal" }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 10 }),
  ] });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: (yt, yp) => tf.losses.softmaxCrossEntropy(yt, yp), metrics: [] });
  return {
    times: [],
    async epoch() {
      const t0 = performance.now();
      await model.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 });
      this.times.push((performance.now() - t0) / 1000);
    },
    accuracy() {
      const pred = tf.tidy(() => model.predict(tf.tensor4d(m.test.x, [m.test.n, 28, 28, 1])).argMax(-1).dataSync());
      let correct = 0;
      for (let i = 0; i < m.test.n; i++) if (pred[i] === m.test.y[i]) correct++;
      return correct / m.test.n;
    },
    note: () => `tfjs ${tf.version.tfjs} on ${tf.getBackend()}`,
  };
}

const d = await downhillSide(), t = await tfjsSide();
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? [d, t] : [t, d];
  for (const side of order) { globalThis.gc?.(); await side.epoch(); }
}
const rows = [["downhill fit", d], ["tfjs-wasm model.fit", t]];
console.log(`\nMNIST CNN (conv5x5x16, pool2, conv5x5x32, pool2, linear 10), Adam 1e-3, batch ${BATCH}, ${m.train.n} training digits, ${ROUNDS} alternating rounds; load average ${loadavg()[0].toFixed(2)}`);
console.log("                       s/epoch (median)   epochs (s)              held-out acc   time / downhill's");
for (const [name, s] of rows) {
  const med = median(s.times);
  console.log(`${name.padEnd(22)} ${med.toFixed(2).padStart(16)}   ${s.times.map((x) => x.toFixed(2)).join(" ").padEnd(23)} ${(100 * s.accuracy()).toFixed(2).padStart(10)}%   ${(med / median(d.times)).toFixed(2)}x   ${s.note()}`);
}
console.log(configLine(dh));
process.exit(0);
