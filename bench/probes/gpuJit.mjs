// A compiled MLP training step against the eager one on the WebGPU backend: the loss and gradient
// under `jit` (lowered to WGSL: fused passes, the eager kernels, planned buffers, one command
// buffer a call) or eagerly, then the fused Adam step; the last loss is read after the steps.
// STEPS steps a side, sides alternating, ROUNDS rounds; milliseconds a step, median and range,
// and the eager/compiled ratio per round. Here the adapter is SwiftShader (Vulkan on the CPU): the
// figures are a software adapter's, not a GPU's.
//   npm run build && node bench/probes/gpuJit.mjs        ROUNDS=5 STEPS=20 SHAPE=196,128,10 BATCH=64
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

const ROUNDS = Number(process.env.ROUNDS ?? 5), STEPS = Number(process.env.STEPS ?? 20), BATCH = Number(process.env.BATCH ?? 64);
const [nIn, nHidden, nOut] = (process.env.SHAPE ?? "196,128,10").split(",").map(Number);
const x = dh.randn([BATCH, nIn], { seed: 1 });
const y = dh.oneHot(Array.from({ length: BATCH }, (_, i) => (i * 7) % nOut), nOut);
const init = () => ({ w1: dh.randn([nIn, nHidden], { seed: 2 }).mul(Math.sqrt(2 / nIn)), b1: dh.zeros([nHidden]), w2: dh.randn([nHidden, nOut], { seed: 3 }).mul(Math.sqrt(1 / nHidden)), b2: dh.zeros([nOut]) });
const loss = (p) => dh.neg(dh.mean(dh.sum(dh.mul(y, dh.logSoftmax(dh.add(dh.matmul(dh.relu(dh.add(dh.matmul(x, p.w1), p.b1)), p.w2), p.b2))), -1)));
const eagerVg = dh.valueAndGrad(loss);
const compiledVg = dh.jit(eagerVg);

async function run(vg) {
  const p = init();
  const opt = dh.optimizer(dh.adam({ lr: 1e-3 }), p);
  for (let s = 0; s < 3; s++) { const { value, grad } = vg(p); opt.step(grad); await value.data(); } // warm: trace, pipelines
  const t0 = performance.now();
  // one read at the end: a read per step costs ~180 ms of map latency on Dawn over SwiftShader
  // here, which would hide the steps themselves (measured: ~200 ms a step either side)
  let value = null;
  for (let s = 0; s < STEPS; s++) {
    const out = vg(p);
    opt.step(out.grad);
    value = out.value;
    await null; // the task's microtask flush submits the step, as in a training loop
  }
  const last = (await value.data())[0];
  return { ms: (performance.now() - t0) / STEPS, loss: last };
}

const med = (a) => [...a].sort((u, v) => u - v)[a.length >> 1];
const c = [], e = [], ratios = [];
for (let r = 0; r < ROUNDS; r++) {
  const compiledFirst = r % 2 === 0;
  const a = await run(compiledFirst ? compiledVg : eagerVg), b = await run(compiledFirst ? eagerVg : compiledVg);
  const [jc, je] = compiledFirst ? [a, b] : [b, a];
  c.push(jc.ms); e.push(je.ms); ratios.push(je.ms / jc.ms);
  console.log(`round ${r}: compiled ${jc.ms.toFixed(2)} ms/step (loss ${jc.loss.toFixed(5)}), eager ${je.ms.toFixed(2)} ms/step (loss ${je.loss.toFixed(5)})`);
}
const st = compiledVg.stats;
if (st.fallbackReason) console.log(`compiled side ran eagerly: ${st.fallbackReason}`);
const range = (a) => `${Math.min(...a).toFixed(2)}-${Math.max(...a).toFixed(2)}`;
console.log(`MLP ${nIn}-${nHidden}-${nOut} batch ${BATCH}, loss+gradient then fused Adam, on ${info.adapter}: compiled ${med(c).toFixed(2)} ms/step (${range(c)}), eager ${med(e).toFixed(2)} ms/step (${range(e)}), eager/compiled ${med(ratios).toFixed(2)}x (${range(ratios)}); program: ${st.lastProgram.instrs} steps, ${st.lastProgram.buffers} buffers; load average ${loadavg()[0].toFixed(1)}`);
process.exit(0);
