// Training on WebGPU: an MLP's gradients against the JS reference, the fused optimizer steps
// (parameters and moments resident on the GPU) against the pure JS path over several steps, a
// step going to the queue as one command buffer, and a lost device: every tensor's values are
// still readable afterwards (recomputed on the CPU from their lineage) and training continues on
// the WebAssembly core with the reason in backendInfo().
import { beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/core.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/entry.js";
import { startGpu } from "./gpu.js";

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await startGpu();
});

type Params = { w1: dh.Tensor; b1: dh.Tensor; w2: dh.Tensor; b2: dh.Tensor };
const X = dh.randn([37, 13], { seed: 1 });
const labels = Array.from({ length: 37 }, (_, i) => (i * 5) % 7);
const Y = dh.oneHot(labels, 7);
function loss(p: Params): dh.Tensor {
  const h = dh.relu(dh.matmul(X, p.w1).add(p.b1));
  const logits = dh.matmul(h, p.w2).add(p.b2);
  return dh.logSoftmax(logits, -1).mul(Y).sum().neg().div(37);
}
const init = (): Params => ({ w1: dh.randn([13, 33], { seed: 2 }).mul(0.3), b1: dh.randn([33], { seed: 3 }).mul(0.1), w2: dh.randn([33, 7], { seed: 4 }).mul(0.3), b2: dh.zeros([7]) });
const cpuCopy = async (p: Params): Promise<Params> => ({ w1: dh.tensor(await p.w1.data()).reshape(p.w1.shape), b1: dh.tensor(await p.b1.data()), w2: dh.tensor(await p.w2.data()).reshape(p.w2.shape), b2: dh.tensor(await p.b2.data()) });

/** The tensors of a state tree (which also holds step counts), in a fixed order. */
function tensorsOf(x: unknown): dh.Tensor[] {
  if (x instanceof dh.Tensor) return [x];
  if (Array.isArray(x)) return x.flatMap(tensorsOf);
  if (x && typeof x === "object") return Object.keys(x).sort().flatMap((k) => tensorsOf((x as Record<string, unknown>)[k]));
  return [];
}

function onJs<T>(f: () => T): T {
  dh.setBackend("js");
  try {
    return f();
  } finally {
    dh.setBackend("webgpu");
  }
}

describe("an MLP on WebGPU", () => {
  it("value and gradients match the JS reference", async () => {
    const p = init(), q = await cpuCopy(p);
    const { value: v, grad: g } = dh.valueAndGrad(loss)(p);
    const { value: rv, grad: rg } = onJs(() => dh.valueAndGrad(loss)(q));
    expect(await v.data()).toBeAllclose(rv.dataSync(), { atol: 1e-5, rtol: 1e-5 });
    for (const k of ["w1", "b1", "w2", "b2"] as const) expect(await g[k].data(), k).toBeAllclose(rg[k].dataSync(), { atol: 1e-5, rtol: 1e-4 });
  });

  const optimizers: Array<[string, () => dh.GradientTransformation<unknown>]> = [
    ["sgd", () => dh.sgd({ lr: 0.1 })],
    ["sgd momentum nesterov weight decay", () => dh.sgd({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ["adam", () => dh.adam({ lr: 0.01 })],
    ["adam amsgrad", () => dh.adam({ lr: 0.01, amsgrad: true })],
    ["adamw", () => dh.adamw({ lr: 0.01, weightDecay: 0.05 })],
    ["lion", () => dh.lion({ lr: 0.003, weightDecay: 0.1 })],
  ];
  for (const [name, make] of optimizers) {
    it(`the fused ${name} step on the GPU follows the JS path for 5 steps`, async () => {
      const p = init(), q = await cpuCopy(init());
      const opt = dh.optimizer(make() as dh.GradientTransformation, p);
      expect(opt.path).toBe("webgpu");
      const ref = onJs(() => dh.optimizer(make() as dh.GradientTransformation, q, { fused: "js" }));
      for (let s = 0; s < 5; s++) {
        opt.step(dh.grad(loss)(p));
        onJs(() => ref.step(dh.grad(loss)(q)));
      }
      for (const k of ["w1", "b1", "w2", "b2"] as const) expect(await p[k].data(), k).toBeAllclose(q[k].dataSync(), { atol: 2e-5, rtol: 1e-4 });
      // the moments, through the optimizer's state
      const st = tensorsOf(opt.state), rst = tensorsOf(ref.state);
      expect(st.length).toBe(rst.length);
      for (let i = 0; i < st.length; i++) expect(await st[i].data()).toBeAllclose(rst[i].dataSync(), { atol: 2e-5, rtol: 1e-4 });
    });
  }

  it("no kernel raised a validation error", () => {
    expect(gpu.ctx.errors).toEqual([]);
  });

  it("a whole training step (forward, backward, update) goes to the queue as one command buffer", async () => {
    const p = init();
    const opt = dh.optimizer(dh.adam({ lr: 0.01 }), p);
    opt.step(dh.grad(loss)(p)); // pipelines compiled, constants uploaded
    await p.w1.data();
    const before = gpu.stats().submits;
    opt.step(dh.grad(loss)(p));
    await new Promise((r) => setTimeout(r, 0));
    expect(gpu.stats().submits - before).toBe(1);
    expect(gpu.stats().pipelines).toBeGreaterThan(5); // cached, not rebuilt per step
  });
});

describe("a lost device", () => {
  it("keeps every tensor's values and continues on the WebAssembly core", async () => {
    const p = init(), q = await cpuCopy(init());
    const opt = dh.optimizer(dh.adam({ lr: 0.01 }), p);
    const ref = onJs(() => dh.optimizer(dh.adam({ lr: 0.01 }), q, { fused: "js" }));
    for (let s = 0; s < 20; s++) {
      opt.step(dh.grad(loss)(p));
      onJs(() => ref.step(dh.grad(loss)(q)));
    }
    const pending = loss(p); // computed on the GPU, never read
    gpu.ctx.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const info = dh.backendInfo();
    expect(info.backend).not.toBe("webgpu");
    expect(info.error).toMatch(/WebGPU device was lost/);
    expect(await pending.data()).toBeAllclose(onJs(() => loss(q).dataSync()), { atol: 1e-4, rtol: 1e-3 });
    for (const k of ["w1", "b1", "w2", "b2"] as const) expect(p[k].dataSync(), k).toBeAllclose(q[k].dataSync(), { atol: 1e-4, rtol: 1e-3 });
    // training goes on (the fused step now runs on the host) and agrees with the reference
    for (let s = 0; s < 3; s++) {
      opt.step(dh.grad(loss)(p));
      onJs(() => ref.step(dh.grad(loss)(q)));
    }
    for (const k of ["w1", "b1", "w2", "b2"] as const) expect(p[k].dataSync(), k).toBeAllclose(q[k].dataSync(), { atol: 1e-4, rtol: 1e-3 });
    expect(loss(p).item()).toBeCloseTo(onJs(() => loss(q).item()), 3);
  });
});
