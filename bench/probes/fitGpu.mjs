// What `fit` on the WebGPU backend costs over a hand-written loop, and what deferring its reads
// saves. Three sides, one epoch of STEPS steps each, alternating, ROUNDS rounds:
//   fit          fit's defaults: compiled steps, accuracy, layer norms, the non-finite guard; each
//                step's numbers stay on the device and are read at the epoch's end
//   fit+onStep   the same with an onStep callback, which makes every step a read point
//   hand loop    jit(valueAndGrad(loss)) + optimizer(adam).step, one read after the last step
// Milliseconds a step (median and range over rounds) and the epoch losses. Here the adapter is
// SwiftShader (Vulkan on the CPU): a software adapter's figures, not a GPU's.
//   npm run build && node bench/probes/fitGpu.mjs        ROUNDS=3 STEPS=16 SHAPE=196,128,10 BATCH=64
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inVulkanChild } from "../setup.mjs";

await inVulkanChild(import.meta.url);

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dh = await import(pathToFileURL(join(root, "dist/index.js")).href);
await dh.ready({ backend: "webgpu" });
const info = dh.backendInfo();
if (info.backend !== "webgpu") throw new Error(`no WebGPU device: ${info.error}`);

const ROUNDS = Number(process.env.ROUNDS ?? 3), STEPS = Number(process.env.STEPS ?? 16), BATCH = Number(process.env.BATCH ?? 64);
const [nIn, nHidden, nOut] = (process.env.SHAPE ?? "196,128,10").split(",").map(Number);
const N = STEPS * BATCH;
const x = dh.randn([N, nIn], { seed: 1 });
const labels = Array.from({ length: N }, (_, i) => (i * 7) % nOut);
const y = dh.tensor(labels);
const model = () => dh.nn.sequential([dh.nn.linear(nIn, nHidden, { seed: 2 }), dh.nn.relu(), dh.nn.linear(nHidden, nOut, { seed: 3 })]);

async function viaFit(onStep) {
  const m = model();
  const t0 = performance.now();
  const r = await dh.fit(m, { x, y }, { optimizer: dh.adam({ lr: 1e-3 }), batchSize: BATCH, epochs: 1, progress: "none", shuffle: false, ...(onStep ? { onStep: () => {} } : {}) });
  return { ms: (performance.now() - t0) / STEPS, loss: r.history.epochs[0].values.loss };
}

async function handLoop() {
  const m = model();
  const opt = dh.optimizer(dh.adam({ lr: 1e-3 }), m.params);
  const vg = dh.jit(dh.valueAndGrad((p, xb, yb) => dh.nn.crossEntropy(m.apply(p, xb), yb)));
  const t0 = performance.now();
  const losses = [];
  for (let s = 0; s < STEPS; s++) {
    const rows = Int32Array.from({ length: BATCH }, (_, i) => s * BATCH + i);
    const xb = dh.gather(x, rows, 0), yb = dh.tensor(labels.slice(s * BATCH, (s + 1) * BATCH));
    const { value, grad } = vg(m.params, xb, yb);
    opt.step(grad);
    losses.push(value);
  }
  const v = await Promise.all(losses.map((l) => l.data()));
  return { ms: (performance.now() - t0) / STEPS, loss: v.reduce((a, b) => a + b[0], 0) / STEPS };
}

const sides = { fit: () => viaFit(false), "fit+onStep": () => viaFit(true), "hand loop": handLoop };
for (const f of Object.values(sides)) await f(); // warm: traces, pipelines
const got = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) for (const [k, f] of Object.entries(sides)) got[k].push(await f());
console.log(`# fit on WebGPU (${info.adapter}), ${nIn}-${nHidden}-${nOut} MLP, batch ${BATCH}, ${STEPS} steps an epoch, ${ROUNDS} rounds; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
for (const [k, rs] of Object.entries(got)) {
  const ms = rs.map((r) => r.ms).sort((a, b) => a - b);
  console.log(`${k.padEnd(11)} ms/step median ${ms[Math.floor(ms.length / 2)].toFixed(1)} (range ${ms[0].toFixed(1)}-${ms.at(-1).toFixed(1)}); epoch loss ${rs.at(-1).loss.toFixed(5)}`);
}
process.exit(0);
