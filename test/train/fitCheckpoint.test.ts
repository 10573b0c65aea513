// fit({ checkpoint }): checkpoints written while training (every n steps, every epoch, only the
// best), to a file or through a function; resuming from the written bytes continues bit for bit.
import { describe, it, expect } from "vitest";
import { mkdtempSync, readFileSync, existsSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tensor, Rng, treeFlattenWithPaths, ArgumentError } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { fit, loadCheckpoint, type CheckpointInfo } from "../../src/train/index.js";
import { adam, adamw, warmupCosine } from "../../src/optim/index.js";
import { vals } from "../helpers.js";

function blobs(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 4), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = rng.normal() * 0.7 + (y[i] ? 1 : -1) * (j < 2 ? 1 : 0);
  }
  return { x: tensor(x, { shape: [n, 4] }), y: tensor(y) };
}
/** Dropout and batch norm: the RNG and the model state must come back from the file too. */
const model = (seed: number) => {
  const rng = new Rng(seed);
  return nn.sequential([nn.linear(4, 16, { rng, init: "heNormal" }), nn.batchNorm(16), nn.relu(), nn.dropout(0.3), nn.linear(16, 2, { rng })]);
};
const snapshot = (p: unknown) => treeFlattenWithPaths(p as never).map(([k, t]) => [k, Array.from(vals(t))]);
const opts = { progress: "none" as const, batchSize: 16, seed: 3, dropoutSeed: 11 };
const make = () => adamw({ lr: warmupCosine({ peak: 0.01, warmupSteps: 5, decaySteps: 30 }), weightDecay: 0.05 });

describe("fit({ checkpoint })", () => {
  it("every n steps to a file: the file holds the latest, and resuming from it == the straight run, bit for bit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "downhill-ckpt-"));
    try {
      const data = blobs(80, 7); // 5 batches an epoch
      const straight = model(1);
      await fit(straight, data, { ...opts, optimizer: make(), steps: 23 });

      const path = join(dir, "run.ckpt");
      const first = model(1);
      const r1 = await fit(first, data, { ...opts, optimizer: make(), steps: 11, checkpoint: { every: 4, path } });
      expect(r1.step).toBe(11);
      // writing checkpoints does not perturb the run itself
      const eleven = model(1);
      await fit(eleven, data, { ...opts, optimizer: make(), steps: 11 });
      expect(snapshot(first.params)).toEqual(snapshot(eleven.params));
      expect(readdirSync(dir)).toEqual(["run.ckpt"]); // no temporary file left behind
      const bytes = new Uint8Array(readFileSync(path));
      const ck = loadCheckpoint(bytes, model(5), { assign: false });
      expect([ck.step, ck.epoch, ck.batch]).toEqual([8, 1, 3]); // the latest write: step 8, mid-epoch 1

      const fresh = model(99); // other weights: everything must come from the file
      const r2 = await fit(fresh, data, { ...opts, dropoutSeed: 12345, optimizer: make(), steps: 15, resume: bytes });
      expect(r2.step).toBe(23);
      expect(snapshot(fresh.params)).toEqual(snapshot(straight.params));
      expect(snapshot(fresh.state)).toEqual(snapshot(straight.state));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("every epoch through write(bytes, info), awaiting returned promises; a checkpoint at an epoch's end resumes at the next", async () => {
    const data = blobs(64, 3); // 4 batches an epoch
    const straight = model(2);
    await fit(straight, data, { ...opts, optimizer: adam({ lr: 0.01 }), epochs: 4 });

    const seen: Array<[CheckpointInfo, Uint8Array]> = [];
    let settled = 0;
    const write = (bytes: Uint8Array, info: CheckpointInfo) => { seen.push([info, bytes]); return new Promise<void>((r) => setTimeout(() => { settled++; r(); }, 5)); };
    await fit(model(2), data, { ...opts, optimizer: adam({ lr: 0.01 }), epochs: 3, checkpoint: { write } });
    expect(settled).toBe(3); // fit returned only after every write finished
    expect(seen.map(([i]) => i)).toEqual([{ step: 4, epoch: 1, batch: 0 }, { step: 8, epoch: 2, batch: 0 }, { step: 12, epoch: 3, batch: 0 }]);

    const fresh = model(50);
    await fit(fresh, data, { ...opts, optimizer: adam({ lr: 0.01 }), epochs: 2, resume: seen[1][1] });
    expect(snapshot(fresh.params)).toEqual(snapshot(straight.params));
    // a step checkpoint that lands on an epoch's last batch says the same (the next epoch's start)
    const steps: CheckpointInfo[] = [];
    await fit(model(2), data, { ...opts, optimizer: adam({ lr: 0.01 }), steps: 8, checkpoint: { every: 4, write: (_b, i) => void steps.push(i) } });
    expect(steps).toEqual([{ step: 4, epoch: 1, batch: 0 }, { step: 8, epoch: 2, batch: 0 }]);
  });

  it('"{epoch}" and "{step}" in path keep one file per checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), "downhill-ckpt-"));
    try {
      await fit(model(1), blobs(32, 2), { ...opts, optimizer: adam({ lr: 0.01 }), epochs: 3, checkpoint: { path: join(dir, "e{epoch}.ckpt") } });
      expect(readdirSync(dir).sort()).toEqual(["e1.ckpt", "e2.ckpt", "e3.ckpt"]);
      await fit(model(1), blobs(32, 2), { ...opts, optimizer: adam({ lr: 0.01 }), steps: 5, checkpoint: { every: 2, path: join(dir, "s{step}-{epoch}.ckpt") } });
      expect(readdirSync(dir).filter((f) => f.startsWith("s")).sort()).toEqual(["s2-1.ckpt", "s4-2.ckpt"]);
      expect(loadCheckpoint(new Uint8Array(readFileSync(join(dir, "s4-2.ckpt"))), model(1), { assign: false }).step).toBe(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("saveBest writes only the epochs whose monitored value improved", async () => {
    const train = blobs(64, 4), val = blobs(32, 5);
    const seen: CheckpointInfo[] = [];
    const r = await fit(model(3), train, { ...opts, optimizer: adam({ lr: 0.05 }), epochs: 8, validationData: val, checkpoint: { saveBest: { monitor: "valLoss" }, write: (_b, i) => void seen.push(i) } });
    const col = r.history.column("valLoss");
    const improved: number[] = [];
    let best = Infinity;
    col.forEach((v, e) => { if (v < best) { best = v; improved.push(e + 1); } });
    expect(seen.map((i) => i.epoch)).toEqual(improved);
    expect(seen.map((i) => i.value)).toEqual(improved.map((e) => col[e - 1]));
    expect(improved.length).toBeLessThan(8); // (the lr is large enough that some epoch gets worse)
    const acc: CheckpointInfo[] = [];
    await fit(model(3), train, { ...opts, optimizer: adam({ lr: 0.05 }), epochs: 3, validationData: val, checkpoint: { saveBest: { monitor: "valAccuracy" }, write: (_b, i) => void acc.push(i) } });
    const va = acc.map((i) => i.value!);
    expect(va.every((v, i) => i === 0 || v > va[i - 1])).toBe(true); // "max" for accuracy
  });

  it("bad options are refused before anything trains", async () => {
    const data = blobs(16, 1);
    const m = model(1);
    const o = { ...opts, optimizer: adam({ lr: 0.01 }), epochs: 1 };
    await expect(fit(m, data, { ...o, checkpoint: { every: 2 } })).rejects.toThrow(/exactly one of path .* or write/);
    await expect(fit(m, data, { ...o, checkpoint: { every: 0, write: () => {} } })).rejects.toThrow(/checkpoint.every must be "epoch" or a positive integer/);
    await expect(fit(m, data, { ...o, checkpoint: { every: 2, write: () => {}, saveBest: { monitor: "loss" } } })).rejects.toThrow(/saveBest .* needs every: "epoch"/);
    await expect(fit(m, data, { ...o, checkpoint: { write: () => {}, saveBest: { monitor: "valLoss" } } })).rejects.toThrow(/no validationData/);
    await expect(fit(m, data, { ...o, checkpoint: { write: () => {}, evry: 2 } as never })).rejects.toThrow(/fit: checkpoint: unknown option "evry"/);
    await expect(fit(m, data, { ...o, checkpoint: { every: -1, write: () => {} } })).rejects.toThrow(ArgumentError);
    expect(snapshot(m.params)).toEqual(snapshot(model(1).params)); // nothing trained
    // a write that fails fails the run (here the first one, after an epoch), leaving no file
    await expect(fit(m, data, { ...o, checkpoint: { path: join(tmpdir(), "no-such-dir-downhill", "x.ckpt") } })).rejects.toThrow(/ENOENT/);
    expect(existsSync(join(tmpdir(), "no-such-dir-downhill"))).toBe(false);
  });
});
