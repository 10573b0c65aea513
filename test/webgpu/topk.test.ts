// topk/argmax and topk's gradient with the WebGPU backend selected: the values come from GPU
// ops, the selection runs on the CPU over them (no WGSL kernel yet), the gradient goes back
// through GPU ops; all against the JS reference.
import { beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { onJs, startGpu } from "./gpu.js";

beforeAll(async () => {
  await startGpu();
});

describe("topk on WebGPU", () => {
  const values = Array.from({ length: 7 * 13 }, (_, i) => Math.sin(i * 1.7) * 3);
  it("values, indices and argmax equal the JS reference's for a GPU-computed input", async () => {
    const run = () => {
      const x = dh.mul(dh.tensor(values, { shape: [7, 13] }), 2); // computed on the selected backend
      const { values: v, indices } = dh.topk(x, 4);
      return { v, indices, am: dh.argmax(x, -1) };
    };
    const gpu = run(), ref = onJs(run);
    expect(Array.from(await gpu.v.data())).toEqual(Array.from(await ref.v.data()));
    expect(Array.from(await gpu.indices.data())).toEqual(Array.from(await ref.indices.data()));
    expect(Array.from(await gpu.am.data())).toEqual(Array.from(await ref.am.data()));
  });
  it("the gradient of the sum of the top 3 is 2 on the chosen entries, 0 elsewhere", async () => {
    const f = (x: dh.Tensor) => dh.sum(dh.topk(dh.mul(x, 2), 3).values);
    const x = dh.tensor(values, { shape: [7, 13] });
    const g = await dh.grad(f)(x).data(), ref = await onJs(() => dh.grad(f)(dh.tensor(values, { shape: [7, 13] }))).data();
    expect(Array.from(g)).toEqual(Array.from(ref));
    expect(Array.from(g).filter((v) => v === 2).length).toBe(7 * 3);
  });
});
