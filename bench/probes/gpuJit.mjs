// A compiled MLP training step against the eager one on the WebGPU backend, and the compiled
// program's two ways of writing its outputs (src/jit/webgpuLowering.ts `outputWriting`): "copy"
// (into program-owned buffers, then one copyBufferToBuffer per output into the fresh buffers: no
// bind group made per call) against "bind" (the fresh buffers bound directly: a bind group per
// output-writing dispatch per call). Each side: the loss and gradient (under `jit`, or eagerly),
// then the fused Adam step; the last loss is read after the steps. STEPS steps a side, the three
// sides rotating their order each round, ROUNDS rounds; per side: milliseconds a step (median and
// range), the host time of the loss-and-gradient call alone (a round's median call; JS, bind
// groups, encoding: what the lowering changes, the GPU's work not in it), and bind groups created
// per step (counted at device.createBindGroup, the optimizer's included). Here the adapter is SwiftShader (Vulkan on
// the CPU): the figures are a software adapter's, not a GPU's.
//   npm run build:wasm && node bench/probes/gpuJit.mjs        ROUNDS=5 STEPS=20 SHAPE=196,128,10 BATCH=64 PRECISION=f32
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { esbuildAssets } from "../../scripts/assetLoaders.mjs";
import { inVulkanChild } from "../setup.mjs";

await inVulkanChild(import.meta.url);

// The built bundle exports only the public API: bundle src with the two internals this probe sets and reads.
const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
// (inside the checkout, in the ignored build/, so that Node resolves the `webgpu` package from it)
const entry = join(root, "build", `gpujit-probe-${process.pid}.mjs`);
await build({
  stdin: { contents: 'export * from "./src/index"; export { outputWriting } from "./src/jit/webgpuLowering"; export { backendNamed } from "./src/backend/select";', resolveDir: root, loader: "ts" },
  bundle: true, format: "esm", platform: "node", outfile: entry, ...esbuildAssets, external: ["node:*", "webgpu"], logLevel: "error",
});
const dh = await import(pathToFileURL(entry).href);
rmSync(entry);
// PRECISION=mixed: every side under ready({ precision: "mixed" }) (binary16 activations)
await dh.ready({ backend: "webgpu", precision: process.env.PRECISION ?? "f32" });
const info = dh.backendInfo();
if (info.backend !== "webgpu") throw new Error(`no WebGPU device: ${info.error}`);
const device = dh.backendNamed("webgpu").ctx.device;
let groupsMade = 0;
const createBindGroup = device.createBindGroup;
device.createBindGroup = function (d) { groupsMade++; return createBindGroup.call(this, d); };

const ROUNDS = Number(process.env.ROUNDS ?? 5), STEPS = Number(process.env.STEPS ?? 20), BATCH = Number(process.env.BATCH ?? 64);
const [nIn, nHidden, nOut] = (process.env.SHAPE ?? "196,128,10").split(",").map(Number);
const x = dh.randn([BATCH, nIn], { seed: 1 });
const y = dh.oneHot(Array.from({ length: BATCH }, (_, i) => (i * 7) % nOut), nOut);
const init = () => ({ w1: dh.randn([nIn, nHidden], { seed: 2 }).mul(Math.sqrt(2 / nIn)), b1: dh.zeros([nHidden]), w2: dh.randn([nHidden, nOut], { seed: 3 }).mul(Math.sqrt(1 / nHidden)), b2: dh.zeros([nOut]) });
const loss = (p) => dh.neg(dh.mean(dh.sum(dh.mul(y, dh.logSoftmax(dh.add(dh.matmul(dh.relu(dh.add(dh.matmul(x, p.w1), p.b1)), p.w2), p.b2))), -1)));
const eagerVg = dh.valueAndGrad(loss);
/** A compiled loss-and-gradient whose program writes outputs `mode`-wise (the mode is read when it is traced, on the first call). */
function compiledWith(mode) {
  const vg = dh.jit(eagerVg);
  return (p) => {
    const was = dh.outputWriting.mode;
    dh.outputWriting.mode = mode;
    try {
      return vg(p);
    } finally {
      dh.outputWriting.mode = was;
    }
  };
}
const sides = { eager: eagerVg, "compiled, outputs copied": compiledWith("copy"), "compiled, outputs bound": compiledWith("bind") };

const med = (a) => [...a].sort((u, v) => u - v)[a.length >> 1];

async function run(vg) {
  const p = init();
  const opt = dh.optimizer(dh.adam({ lr: 1e-3 }), p);
  for (let s = 0; s < 3; s++) { const { value, grad } = vg(p); opt.step(grad); await value.data(); } // warm: trace, pipelines
  const calls = [];
  const groups0 = groupsMade;
  const t0 = performance.now();
  // one read at the end: a read per step costs ~180 ms of map latency on Dawn over SwiftShader
  // here, which would hide the steps themselves (measured: ~200 ms a step either side)
  let value = null;
  for (let s = 0; s < STEPS; s++) {
    const c0 = performance.now();
    const out = vg(p);
    calls.push(performance.now() - c0);
    opt.step(out.grad);
    value = out.value;
    await null; // the task's microtask flush submits the step, as in a training loop
  }
  const last = (await value.data())[0];
  return { ms: (performance.now() - t0) / STEPS, callUs: med(calls) * 1000, groups: (groupsMade - groups0) / STEPS, loss: last };
}

const names = Object.keys(sides);
const got = Object.fromEntries(names.map((n) => [n, []]));
for (let r = 0; r < ROUNDS; r++) {
  const order = names.map((_, i) => names[(i + r) % names.length]);
  const line = [];
  for (const n of order) {
    const g = await run(sides[n]);
    got[n].push(g);
    line.push(`${n} ${g.ms.toFixed(2)} ms/step, call ${g.callUs.toFixed(0)} us, ${g.groups} groups/step (loss ${g.loss.toFixed(5)})`);
  }
  console.log(`round ${r}: ${line.join("; ")}`);
}
const range = (a, d = 2) => `${Math.min(...a).toFixed(d)}-${Math.max(...a).toFixed(d)}`;
console.log(`MLP ${nIn}-${nHidden}-${nOut} batch ${BATCH}, loss+gradient then fused Adam, ${STEPS} steps x ${ROUNDS} rounds, on ${info.adapter}; load average ${loadavg()[0].toFixed(1)}`);
for (const n of names) {
  const g = got[n], ms = g.map((v) => v.ms), us = g.map((v) => v.callUs);
  console.log(`  ${n}: ${med(ms).toFixed(2)} ms/step (${range(ms)}), loss+gradient call ${med(us).toFixed(0)} us on the host (${range(us, 0)}), ${g[0].groups} bind groups/step`);
}
const ratio = (a, b) => got[a].map((v, i) => got[b][i].ms / v.ms);
const callRatio = (a, b) => got[a].map((v, i) => got[b][i].callUs / v.callUs);
console.log(`  eager/compiled(copied) per round ${med(ratio("compiled, outputs copied", "eager")).toFixed(2)}x (${range(ratio("compiled, outputs copied", "eager"))}); bound/copied: step ${med(ratio("compiled, outputs copied", "compiled, outputs bound")).toFixed(2)}x (${range(ratio("compiled, outputs copied", "compiled, outputs bound"))}), host call ${med(callRatio("compiled, outputs copied", "compiled, outputs bound")).toFixed(2)}x (${range(callRatio("compiled, outputs copied", "compiled, outputs bound"))})`);
process.exit(0);
