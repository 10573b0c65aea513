// fit's one seed: `seed` seeds the batch order and the dropout masks; `shuffleSeed` and
// `dropoutSeed` override either; the old `rngSeed` is refused, naming `dropoutSeed`.
import { describe, it, expect } from "vitest";
import { tensor, Rng, treeFlattenWithPaths } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { fit, batches, type FitOptions } from "../../src/train/index.js";
import { sgd } from "../../src/optim/index.js";
import { vals } from "../helpers.js";

const rng = new Rng(9);
const data = { x: tensor(Array.from({ length: 48 * 4 }, () => rng.normal()), { shape: [48, 4] }), y: tensor(Array.from({ length: 48 }, (_, i) => i % 2)) };
const model = () => nn.sequential([nn.linear(4, 16, { seed: 1 }), nn.relu(), nn.dropout(0.5), nn.linear(16, 2, { seed: 2 })]);
async function trained(o: Partial<FitOptions>): Promise<string> {
  const m = model();
  await fit(m, data, { progress: "none", optimizer: sgd({ lr: 0.1 }), epochs: 2, batchSize: 8, ...o });
  return JSON.stringify(treeFlattenWithPaths(m.params).map(([, t]) => Array.from(vals(t))));
}

describe("fit's seeds", () => {
  it("seed seeds both the batch order and dropout; shuffleSeed / dropoutSeed override one each", async () => {
    const both5 = await trained({ seed: 5 });
    expect(await trained({ shuffleSeed: 5, dropoutSeed: 5 })).toBe(both5);
    expect(await trained({ seed: 5, shuffleSeed: 5, dropoutSeed: 5 })).toBe(both5);
    expect(await trained({ seed: 5, dropoutSeed: 6 })).not.toBe(both5); // the masks changed
    expect(await trained({ seed: 5, shuffleSeed: 6 })).not.toBe(both5); // the order changed
    expect(await trained({ shuffleSeed: 5 })).not.toBe(both5); // dropout at its default seed 0
    expect(await trained({})).toBe(await trained({ seed: 0 }));
  });

  it("rngSeed (the old name) is refused with the new one, before anything trains", async () => {
    const m = model();
    const before = JSON.stringify(treeFlattenWithPaths(m.params).map(([, t]) => Array.from(vals(t))));
    await expect(fit(m, data, { progress: "none", optimizer: sgd({ lr: 0.1 }), rngSeed: 7 } as never)).rejects.toThrow(/fit: rngSeed is now dropoutSeed \(or seed/);
    expect(JSON.stringify(treeFlattenWithPaths(m.params).map(([, t]) => Array.from(vals(t))))).toBe(before);
  });

  it("a data.batches plan keeps its order; seed then seeds dropout, shuffleSeed is refused", async () => {
    const plan = batches(data.x, data.y, { batchSize: 8, seed: 4 });
    const a = model(), b = model();
    await fit(a, plan, { progress: "none", optimizer: sgd({ lr: 0.1 }), epochs: 1, seed: 3 });
    await fit(b, plan, { progress: "none", optimizer: sgd({ lr: 0.1 }), epochs: 1, dropoutSeed: 3 });
    expect(treeFlattenWithPaths(a.params).map(([, t]) => Array.from(vals(t)))).toEqual(treeFlattenWithPaths(b.params).map(([, t]) => Array.from(vals(t))));
    await expect(fit(model(), plan, { progress: "none", optimizer: sgd({ lr: 0.1 }), shuffleSeed: 3 })).rejects.toThrow(/fit: shuffleSeed would be ignored: data is a data.batches/);
  });

  it("conflicting or malformed seeds are refused", async () => {
    const o = { progress: "none" as const, optimizer: sgd({ lr: 0.1 }) };
    await expect(fit(model(), data, { ...o, rng: new Rng(1), dropoutSeed: 1 })).rejects.toThrow(/give rng or dropoutSeed, not both/);
    await expect(fit(model(), data, { ...o, seed: 1.5 })).rejects.toThrow(/fit: seed must be an integer/);
    await expect(fit(model(), data, { ...o, shuffleSeed: "1" as never })).rejects.toThrow(/fit: shuffleSeed must be an integer/);
  });
});
