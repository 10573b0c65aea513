/**
 * Every second-order optimizer trains through fit (which supplies the extra channel) and resumes
 * bit-exactly: N steps straight == k steps, saveCheckpoint, load into a fresh model, N − k more.
 * Their state is a plain tree (tensors and numbers), so the checkpoint is just that tree.
 */
import { describe, expect, it } from "vitest";
import { Rng, tensor, treeFlattenWithPaths } from "../../../src/index.js";
import * as nn from "../../../src/nn/index.js";
import { fit, saveCheckpoint } from "../../../src/train/index.js";
import { adam, kfac, sam, sgd, shampoo, soap, sophia, type GradientTransformation } from "../../../src/index.js";
import { vals } from "../../helpers.js";
import * as dh from "../../../src/index.js";
import * as core from "../../../src/core.js";

/** Three Gaussian blobs in 4-D. */
function blobs(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 4), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = rng.normal() * 0.7 + (j === y[i] ? 1.5 : 0);
  }
  return { x: tensor(x, { shape: [n, 4] }), y: tensor(y) };
}
const mlp = (seed: number, dropout = 0) => {
  const rng = new Rng(seed);
  return nn.sequential([nn.linear(4, 6, { rng, init: "heNormal" }), nn.tanh(), nn.dropout(dropout), nn.linear(6, 3, { rng })]);
};
const snapshot = (p: unknown) => treeFlattenWithPaths(p as never).map(([k, t]) => [k, Array.from(vals(t))]);
const quiet = { progress: "none" as const };

const SECOND_ORDER: Array<[string, () => GradientTransformation<any>]> = [
  ["sam(sgd momentum)", () => sam(sgd({ lr: 0.05, momentum: 0.9 }), { rho: 0.05 })],
  ["sam(adam), adaptive", () => sam(adam({ lr: 0.01 }), { rho: 0.5, adaptive: true })],
  ["shampoo (Adam grafting, merged dims, roots every 2 steps)", () => shampoo({ lr: 0.03, graftingConfig: { type: "adam" }, preconditionFrequency: 2 })],
  ["soap (basis refreshed every 3 steps, 1-D rotated too)", () => soap({ lr: 0.05, precondFrequency: 3, precondition1d: true })],
  ["sophia (GNB, estimate every 3 steps)", () => sophia({ lr: 0.02, rho: 0.05, k: 3, weightDecay: 1e-3 })],
  ["sophia (Hutchinson, estimate every 2 steps)", () => sophia({ lr: 0.02, rho: 0.05, k: 2, estimator: "hutchinson", seed: 7 })],
  ["kfac (momentum, inverses every 3 steps)", () => kfac({ lr: 0.05, momentum: 0.5, damping: 1e-2, inverseUpdatePeriod: 3 })],
  ["shampoo (matrices, blocks of 4, decoupled weight decay)", () => shampoo({ lr: 0.05, betas: [0.9, 0.999], graftingConfig: { type: "rmsprop" }, maxPreconditionerDim: 4, targetParameterDimensionality: 2, weightDecay: 1e-3 })],
];

describe("where they live", () => {
  it("the main entry exports them (dh.sam, dh.shampoo, dh.soap, dh.sophia, dh.kfac, dh.naturalGradient; naturalGradient's resume test is in its own file, it needs an mse model); downhill/core does not (its size budget), but has the extra channel's helpers", () => {
    for (const name of ["sam", "shampoo", "soap", "sophia", "kfac", "naturalGradient"]) {
      expect(typeof (dh as Record<string, unknown>)[name]).toBe("function");
      expect(name in core).toBe(false);
    }
    expect(typeof core.needExtra).toBe("function");
  });
});

describe.each(SECOND_ORDER)("%s", (_name, make) => {
  it("N steps straight == k steps, save, load into a fresh model and optimizer, N − k more (bit-identical)", async () => {
    const data = blobs(60, 7);
    const opts = { ...quiet, batchSize: 12, seed: 3, dropoutSeed: 11 };
    const straight = mlp(1, 0.2);
    await fit(straight, data, { ...opts, optimizer: make(), steps: 13 });
    const first = mlp(1, 0.2);
    const r1 = await fit(first, data, { ...opts, optimizer: make(), steps: 7 }); // stops mid-epoch (5 batches per epoch)
    const fresh = mlp(99, 0.2);
    const r2 = await fit(fresh, data, { ...opts, dropoutSeed: 12345, optimizer: make(), steps: 6, resume: saveCheckpoint(first, r1) });
    expect(r2.step).toBe(13);
    expect(snapshot(fresh.params)).toEqual(snapshot(straight.params));
  });

  it("fit trains a small classifier with it (loss falls, accuracy > 0.9)", async () => {
    const data = blobs(120, 1);
    const model = mlp(2);
    const r = await fit(model, data, { ...quiet, optimizer: make(), epochs: 15, batchSize: 24, seed: 1 });
    const loss = r.history.column("loss");
    expect(loss[loss.length - 1]).toBeLessThan(0.5 * loss[0]);
    expect(r.history.column("accuracy").at(-1)).toBeGreaterThan(0.9);
  });
});
