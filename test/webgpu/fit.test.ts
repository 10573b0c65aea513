// `fit` on WebGPU: its loop reads every step's loss synchronously, which a GPU backend cannot
// answer, so it refuses before a step runs (model untouched) and names the two ways that work;
// the hand-written loop it points to trains on the GPU and matches the JS reference.
import { beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { startGpu } from "./gpu.js";

beforeAll(async () => {
  await startGpu();
});

function setup() {
  const x = dh.randn([64, 6], { seed: 1 });
  const y = dh.tensor(Array.from({ length: 64 }, (_, i) => i % 3));
  const model = dh.nn.sequential([dh.nn.linear(6, 16, { seed: 2 }), dh.nn.relu(), dh.nn.linear(16, 3, { seed: 3 })]);
  return { model, x, y };
}

describe("fit on WebGPU", () => {
  it("refuses with a BackendError naming fit and the alternatives, the model untouched", async () => {
    const { model, x, y } = setup();
    const before = await model.params[0].w.data();
    await expect(dh.fit(model, { x, y }, { optimizer: dh.adam({ lr: 0.01 }), loss: "crossEntropy", epochs: 1, batchSize: 16 })).rejects.toThrow(/fit: runs on the CPU backends only.*optimizer\(transform, params\)\.step.*setBackend\("wasm"\)/);
    expect(await model.params[0].w.data()).toEqual(before);
  });

  it("the hand-written loop trains on the GPU and matches the JS reference", async () => {
    const train = async () => {
      const { model, x, y } = setup();
      const lossOf = (p: typeof model.params) => dh.nn.crossEntropy(model.apply(p, x), y);
      const opt = dh.optimizer(dh.adam({ lr: 0.01 }), model.params);
      const losses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const { value, grad } = dh.valueAndGrad(lossOf)(opt.params);
        opt.step(grad);
        losses.push((await value.data())[0]);
      }
      return losses;
    };
    const gpu = await train();
    dh.setBackend("js");
    let cpu: number[];
    try {
      cpu = await train();
    } finally {
      dh.setBackend("webgpu");
    }
    expect(gpu).toBeAllclose(cpu, { atol: 1e-5, rtol: 1e-4 });
    expect(gpu[4]).toBeLessThan(gpu[0]);
  }, 120_000);
});
