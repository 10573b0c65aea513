// The device memory a compiled MLP loss-and-gradient program keeps for its intermediates
// (`stats.lastProgram.bufferBytes`: planned by liveness, shared across calls), under
// ready({ precision: "f32" }) and "mixed" (binary16 activations and products' results; float32
// operands of products packed into temporaries). Deterministic: the plan depends on shapes only.
//   npm run build && node bench/probes/mixedBytes.mjs
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inVulkanChild } from "../setup.mjs";

await inVulkanChild(import.meta.url);

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const dh = await import(pathToFileURL(join(root, "dist/index.js")).href);

const shapes = [[32, [48, 64, 10]], [128, [256, 256, 10]], [128, [784, 256, 256, 256, 10]], [256, [784, 512, 512, 512, 10]]];
console.log("batch  widths                 f32 bytes    mixed bytes  mixed/f32");
for (const [batch, widths] of shapes) {
  const bytes = {};
  for (const precision of ["f32", "mixed"]) {
    await dh.ready({ backend: "webgpu", precision });
    if (dh.backendInfo().backend !== "webgpu") throw new Error(`no WebGPU device: ${dh.backendInfo().error}`);
    const x = dh.randn([batch, widths[0]], { seed: 1 });
    const y = dh.oneHot(Array.from({ length: batch }, (_, i) => i % 10), widths.at(-1));
    const params = widths.slice(1).map((w, i) => ({ w: dh.randn([widths[i], w], { seed: i + 2 }).mul(0.05), b: dh.zeros([w]) }));
    const loss = (ps, x, y) => {
      let h = x;
      ps.forEach((p, i) => {
        h = dh.add(dh.matmul(h, p.w), p.b);
        if (i < ps.length - 1) h = dh.relu(h);
      });
      return dh.neg(dh.mean(dh.sum(dh.mul(y, dh.logSoftmax(h)), -1)));
    };
    const f = dh.jit((ps, x, y) => dh.valueAndGrad((q) => loss(q, x, y))(ps));
    await f(params, x, y).value.data();
    bytes[precision] = f.stats.lastProgram.bufferBytes;
  }
  console.log(`${String(batch).padEnd(6)} ${widths.join("-").padEnd(22)} ${String(bytes.f32).padStart(9)}    ${String(bytes.mixed).padStart(11)}  ${(bytes.mixed / bytes.f32).toFixed(2)}x`);
}
