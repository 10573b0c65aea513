import { describe, it, expect } from "vitest";
import { tensor, Rng, adamw, warmupCosine, fit, evaluate } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { loadMnist } from "../../src/train/mnist.js";

describe("real MNIST (shortened run; examples/mnist.ts does the full 20 epochs)", () => {
  it("split: per class the first 80% train, the rest held out (7,996 / 2,004)", async () => {
    const m = await loadMnist();
    expect([m.train.n, m.test.n]).toEqual([7996, 2004]);
    const counts = new Array(10).fill(0);
    m.test.y.forEach((c) => counts[c]++);
    // class sizes 1001 1127 991 1032 980 863 1014 1070 944 978 minus floor(80%)
    expect(counts).toEqual([201, 226, 199, 207, 196, 173, 203, 214, 189, 196]);
    let lo = Infinity, hi = -Infinity;
    for (const v of m.train.x) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect([lo, hi]).toEqual([0, 1]);
  });

  it("an MLP 784-256-10 reaches > 90% held-out accuracy in 300 AdamW steps", async () => {
    const m = await loadMnist();
    const train = { x: tensor(m.train.x, { shape: [m.train.n, 784] }), y: tensor(m.train.y) };
    const test = { x: tensor(m.test.x, { shape: [m.test.n, 784] }), y: tensor(m.test.y) };
    const rng = new Rng(0);
    const model = nn.sequential([nn.linear(784, 256, { init: "heNormal", rng }), nn.relu(), nn.dropout(0.1), nn.linear(256, 10, { rng })]);
    const r = await fit(model, train, {
      optimizer: adamw({ lr: warmupCosine({ peak: 2e-3, warmupSteps: 30, decaySteps: 300, end: 1e-5 }), weightDecay: 1e-4 }),
      steps: 300, batchSize: 64, seed: 1, progress: "none",
    });
    expect(r.step).toBe(300);
    const acc = evaluate(model, test).accuracy;
    console.log(`MNIST held-out accuracy after 300 steps: ${(100 * acc).toFixed(2)}%`);
    expect(acc).toBeGreaterThan(0.9);
  });
});
