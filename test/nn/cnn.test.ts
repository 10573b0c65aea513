import { describe, it, expect } from "vitest";
import { tensor, Rng, adam, fit, evaluate } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { loadMnist } from "../../src/train/mnist.js";

describe("a tiny CNN on real MNIST digits (examples/mnist-cnn.ts trains the full one)", () => {
  it("learns: conv 5x5x4 -> ReLU -> max-pool 2 -> linear 10, 80 Adam steps, held-out accuracy far above chance", async () => {
    const m = await loadMnist();
    // 2,000 training digits (every 3rd of the 7,996) and the first 500 held-out ones of each class' split
    const pick = (x: Float32Array, y: Float32Array, rows: number[]) => {
      const xs = new Float32Array(rows.length * 784), ys = new Float32Array(rows.length);
      rows.forEach((r, i) => { xs.set(x.subarray(r * 784, (r + 1) * 784), i * 784); ys[i] = y[r]; });
      return { x: tensor(xs, { shape: [rows.length, 1, 28, 28] }), y: tensor(ys) };
    };
    const train = pick(m.train.x, m.train.y, Array.from({ length: 2000 }, (_, i) => 3 * i));
    const test = pick(m.test.x, m.test.y, Array.from({ length: 500 }, (_, i) => 4 * i));
    const rng = new Rng(0);
    const model = nn.sequential([nn.conv2d(1, 4, 5, { init: "heNormal", rng }), nn.relu(), nn.maxPool2d(2), nn.flatten(), nn.linear(4 * 12 * 12, 10, { rng })]);
    const before = evaluate(model, test).accuracy;
    const r = await fit(model, train, { optimizer: adam({ lr: 3e-3 }), steps: 80, batchSize: 50, seed: 1, progress: "none" });
    expect(r.jit.compiled).toBe(true);
    const acc = evaluate(model, test).accuracy;
    expect(before).toBeLessThan(0.3);
    expect(acc).toBeGreaterThan(0.6); // chance is 0.1 (0.75 measured)
  });
});
