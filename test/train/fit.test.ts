import { vals } from "../helpers.js";
import { describe, it, expect } from "vitest";
import { tensor, randn, cast, Rng, treeFlattenWithPaths, ArgumentError, NonFiniteError, DownhillError, type Tensor } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { fit, saveCheckpoint, loadCheckpoint, evaluate, evaluateAsync, History, batches } from "../../src/train/index.js";
import { sgd, adam, adamw, adagrad, rmsprop, lion, chain, clipByGlobalNorm, warmupCosine } from "../../src/optim/index.js";

/** Two Gaussian blobs in 4-D, labels 0/1 (linearly separable with margin). */
function blobs(n: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 4), y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < 4; j++) x[i * 4 + j] = rng.normal() * 0.7 + (y[i] ? 1 : -1) * (j < 2 ? 1 : 0);
  }
  return { x: tensor(x, { shape: [n, 4] }), y: tensor(y) };
}

const mlp = (seed = 0, dropout = 0) => {
  const rng = new Rng(seed);
  return nn.sequential([nn.linear(4, 16, { rng, init: "heNormal" }), nn.relu(), nn.dropout(dropout), nn.linear(16, 2, { rng })]);
};
const snapshot = (p: unknown) => treeFlattenWithPaths(p as never).map(([k, t]) => [k, Array.from(vals(t))]);
const quiet = { progress: "none" as const };

describe("fit", () => {
  it("trains a classifier: loss falls, history has train/validation loss and accuracy, lr and gradient norm", async () => {
    const train = blobs(256, 1), val = blobs(128, 2);
    const model = mlp();
    const r = await fit(model, train, { ...quiet, optimizer: adam({ lr: 0.01 }), epochs: 8, batchSize: 32, validationData: val });
    const h = r.history;
    expect(h.epochs.length).toBe(8);
    expect(h.column("loss")[7]).toBeLessThan(h.column("loss")[0]);
    expect(h.column("valAccuracy")[7]).toBeGreaterThan(0.9);
    expect(h.column("lr")).toEqual(new Array(8).fill(0.01));
    expect(h.column("gradNorm").every((g) => g > 0)).toBe(true);
    expect(h.steps.loss.length).toBe(8 * 8);
    expect(r.step).toBe(64);
    expect(evaluate(model, val).accuracy).toBeCloseTo(h.column("valAccuracy")[7], 10);
    expect(await evaluateAsync(model, val)).toEqual(evaluate(model, val)); // the same sums on the CPU
    expect(Object.keys(h.epochs[0].layerGradNorms!)).toEqual(["0", "3"]);
  });

  it("accepts a data.batches plan (full batch, stochastic, mini-batch)", async () => {
    const data = blobs(24, 1);
    for (const [bs, steps] of [[24, 1], [1, 24], [5, 5]]) {
      const r = await fit(mlp(), batches(data.x, data.y, { batchSize: bs, seed: 2 }), { ...quiet, optimizer: sgd({ lr: 0.01 }), epochs: 1 });
      expect(r.step).toBe(steps);
    }
  });

  it("schedules advance once per optimizer step (history lr follows warmupCosine)", async () => {
    const sched = warmupCosine({ peak: 0.05, warmupSteps: 4, decaySteps: 16 });
    const r = await fit(mlp(), blobs(64, 1), { ...quiet, optimizer: adamw({ lr: sched, weightDecay: 1e-2 }), steps: 16, batchSize: 16 });
    expect(r.history.steps.lr).toEqual(Array.from({ length: 16 }, (_, t) => sched(t)));
  });

  it("gradient accumulation over k batches equals one step on their union (mean loss)", async () => {
    const data = blobs(32, 3);
    const a = mlp(5), b = mlp(5);
    await fit(a, data, { ...quiet, optimizer: sgd({ lr: 0.1 }), epochs: 1, batchSize: 8, accumulate: 2, shuffle: false });
    await fit(b, data, { ...quiet, optimizer: sgd({ lr: 0.1 }), epochs: 1, batchSize: 16, shuffle: false });
    const pa = treeFlattenWithPaths(a.params), pb = treeFlattenWithPaths(b.params);
    pa.forEach(([, t], i) => expect(t).toBeAllclose(pb[i][1], { atol: 1e-6, rtol: 1e-5 }));
  });

  it("clipGradNorm bounds the applied gradient: with plain SGD one step moves by at most lr * c", async () => {
    const model = mlp(1);
    const before = treeFlattenWithPaths(model.params).map(([, t]) => Float32Array.from(vals(t)));
    const r = await fit(model, blobs(32, 1), { ...quiet, optimizer: sgd({ lr: 1 }), steps: 1, batchSize: 32, clipGradNorm: 1e-3 });
    expect(r.history.steps.gradNorm[0]).toBeGreaterThan(1e-3);
    let sq = 0;
    treeFlattenWithPaths(model.params).forEach(([, t], i) => vals(t).forEach((v, j) => (sq += (v - before[i][j]) ** 2)));
    expect(Math.sqrt(sq)).toBeCloseTo(1e-3, 6);
  });

  it("early stopping: stops after `patience` epochs without improvement, and restoreBest really restores", async () => {
    const train = blobs(128, 4), val = blobs(64, 5);
    const model = mlp(2);
    // lr so large that the validation loss gets worse after the first epochs
    const r = await fit(model, train, {
      ...quiet, optimizer: sgd({ lr: 3 }), epochs: 30, batchSize: 8, validationData: val,
      earlyStopping: { monitor: "valLoss", patience: 2, restoreBest: true },
    });
    const vl = r.history.column("valLoss");
    const best = Math.min(...vl);
    expect(r.stopReason).toBe("earlyStopping");
    expect(vl.indexOf(best)).toBe(r.restoredEpoch);
    expect(vl.length).toBe(r.restoredEpoch + 1 + 3);
    expect(evaluate(model, val).loss).toBeCloseTo(best, 6);
  });

  it("convergence: a gradient-norm tolerance and a relative-improvement tolerance stop training", async () => {
    const x = randn([64, 3], { seed: 1 });
    const wTrue = tensor([[1], [-2], [0.5]]);
    const y = x.matmul(wTrue);
    const lin = nn.linear(3, 1, { bias: false, init: "zeros" });
    const r = await fit(lin, { x, y }, { ...quiet, loss: "mse", optimizer: sgd({ lr: 0.3 }), epochs: 500, batchSize: 64, convergence: { gradNorm: 1e-4 } });
    expect(r.stopReason).toBe("gradNorm");
    expect(lin.params.w).toBeAllclose(wTrue, { atol: 1e-3 });
    const r2 = await fit(nn.linear(3, 1), { x, y: y.add(randn([64, 1], { seed: 2 })) }, { ...quiet, loss: "mse", optimizer: sgd({ lr: 0.1 }), epochs: 500, batchSize: 64, convergence: { relImprovement: 1e-3 } });
    expect(r2.stopReason).toBe("relImprovement");
    expect(r2.history.epochs.length).toBeLessThan(500);
  });

  it("callbacks per step and per epoch; returning false stops", async () => {
    const seen: number[] = [];
    const r = await fit(mlp(), blobs(64, 1), { ...quiet, optimizer: sgd({ lr: 0.1 }), epochs: 5, batchSize: 16, onStep: (s) => { seen.push(s.step); return s.step < 6; } });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.stopReason).toBe("callback");
    let epochs = 0;
    await fit(mlp(), blobs(64, 1), { ...quiet, optimizer: sgd({ lr: 0.1 }), epochs: 5, batchSize: 16, onEpoch: (rec, h) => { epochs++; expect(h).toBeInstanceOf(History); return rec.epoch < 1; } });
    expect(epochs).toBe(2);
  });

  it("NaN guard: throw (parameters are those before the step), skip, or warn", async () => {
    const data = blobs(16, 1);
    const bad = (p: Tensor, t: Tensor) => nn.crossEntropy(p, t).mul(tensor([NaN]).sum());
    const model = mlp();
    const before = snapshot(model.params);
    await expect(fit(model, data, { ...quiet, optimizer: sgd({ lr: 0.1 }), loss: bad, epochs: 1, batchSize: 16 })).rejects.toThrow(NonFiniteError);
    await expect(fit(model, data, { ...quiet, optimizer: sgd({ lr: 0.1 }), loss: bad, epochs: 1, batchSize: 16 })).rejects.toThrow(/step 0: loss is NaN/);
    expect(snapshot(model.params)).toEqual(before);
    const r = await fit(model, data, { ...quiet, optimizer: sgd({ lr: 0.1 }), loss: bad, epochs: 2, batchSize: 8, diagnostics: { nonFinite: "skip" } });
    expect(snapshot(model.params)).toEqual(before);
    expect(r.step).toBe(0);
    expect(r.history.warnings.filter((w) => /update skipped/.test(w)).length).toBe(4);
    const warned: string[] = [];
    await fit(model, data, { ...quiet, optimizer: sgd({ lr: 0.1 }), loss: bad, steps: 1, batchSize: 8, diagnostics: { nonFinite: "warn", onWarning: (m) => warned.push(m) } });
    expect(warned.some((w) => /step 0: loss is NaN \(update applied\)/.test(w))).toBe(true);
  });

  it("skipped steps stay out of the epoch means (loss, metrics, gradNorm) and are counted in the record", async () => {
    const data = blobs(64, 1);
    let calls = 0;
    // call 1 is fit's check of the targets; calls 2-5 are epoch 0's four batches, 6-9 epoch 1's
    // (jit: false: a compiled step would call the loss once, at its trace)
    const nanOnce = (p: Tensor, t: Tensor) => (++calls === 7 ? nn.crossEntropy(p, t).mul(NaN) : nn.crossEntropy(p, t));
    const r = await fit(mlp(), data, {
      ...quiet, optimizer: sgd({ lr: 0.1 }), loss: nanOnce, metrics: ["accuracy"], epochs: 3, batchSize: 16, shuffle: false,
      diagnostics: { nonFinite: "skip" }, earlyStopping: { monitor: "loss", patience: 0 }, jit: false,
    });
    expect(r.stopReason).toBe("epochs"); // a NaN epoch loss used to stop the run here
    expect(r.history.epochs.map((e) => e.skipped)).toEqual([0, 1, 0]);
    expect(r.step).toBe(11);
    const e1 = r.history.epochs[1].values;
    const steps = r.history.steps.loss.slice(4, 8); // epoch 1's four steps; the second is NaN
    expect(Number.isNaN(steps[1])).toBe(true);
    expect(e1.loss).toBeCloseTo((steps[0] + steps[2] + steps[3]) / 3, 12); // equal batches: the mean of the applied steps
    expect(Number.isFinite(e1.accuracy)).toBe(true);
    const gn = r.history.steps.gradNorm.slice(4, 8);
    expect(e1.gradNorm).toBeCloseTo((gn[0] + gn[2] + gn[3]) / 3, 12);
    expect(Object.values(r.history.epochs[1].layerGradNorms!).every(Number.isFinite)).toBe(true);
    // an epoch whose every step was skipped has no mean: NaN, not 0
    const all = await fit(mlp(), data, { ...quiet, optimizer: sgd({ lr: 0.1 }), loss: (p, t) => nn.crossEntropy(p, t).mul(NaN), epochs: 1, batchSize: 16, diagnostics: { nonFinite: "skip" } });
    expect(all.history.epochs[0].skipped).toBe(4);
    expect(all.history.column("loss")[0]).toBeNaN();
    expect(all.history.column("gradNorm")[0]).toBeNaN();
  });

  it("a step that overflows the parameters is named at that step; a refused step says what the parameters are", async () => {
    const data = blobs(64, 1);
    const scaled = (p: Tensor, t: Tensor) => nn.crossEntropy(p, t).mul(1e4);
    // lr 1e36 times gradients ~1e4 overflows float32 at step 0, with a finite loss and gradient
    const model = mlp();
    const err = await fit(model, data, { ...quiet, optimizer: sgd({ lr: 1e36 }), loss: scaled, epochs: 1, batchSize: 16 }).catch((e) => e);
    expect(err).toBeInstanceOf(NonFiniteError);
    expect(err.message).toMatch(/^fit: step 0: the update made parameter \d\.[wb] of layer \d \(linear\) non-finite \(-?Infinity at index \d+\) although its loss \(1\d+\.\d+\) and gradient \(norm [\d.e+]+\) were finite: the step was too large \(lower the learning rate, or set clipGradNorm\); so step 1's loss is NaN; the model holds the parameters after step 0$/);
    // the same overflow in the last step of a run, with no next step to show it, is caught at the end
    const last = await fit(mlp(), data, { ...quiet, optimizer: sgd({ lr: 1e36 }), loss: scaled, steps: 1, batchSize: 16 }).catch((e) => e);
    expect(last.message).toMatch(/^fit: step 0: the update made parameter .* were finite: the step was too large .*; the model holds the parameters after step 0$/);
    // fitting on from there: the parameters were already non-finite before the refused step
    await expect(fit(model, data, { ...quiet, optimizer: sgd({ lr: 0.1 }), epochs: 1, batchSize: 16 })).rejects.toThrow(/^fit: step 0: loss is NaN; the parameters were already non-finite before this step \(\d\.[wb] of layer \d \(linear\) has -?Infinity at index \d+\)/);
    // lr 1e30: finite but absurd parameters after step 0, a NaN loss at step 1
    await expect(fit(mlp(), data, { ...quiet, optimizer: sgd({ lr: 1e30 }), epochs: 1, batchSize: 16 })).rejects.toThrow(/^fit: step 1: loss is NaN; parameters are those before this step \(all finite; the largest magnitude is 1\.\d+e\+30, in \d\.[wb]\)/);
    // nonFinite "warn": the overflow is a warning, and the run goes on
    const warned: string[] = [];
    await fit(mlp(), data, { ...quiet, optimizer: sgd({ lr: 1e36 }), loss: scaled, steps: 2, batchSize: 16, diagnostics: { nonFinite: "warn", onWarning: (m) => warned.push(m) } });
    const nonFinite = warned.filter((w) => !/vanishing|exploding/.test(w));
    expect(nonFinite[0]).toMatch(/^step 0: the update made parameter .* non-finite .*; so step 1's loss is NaN; the parameters stay non-finite$/);
    expect(nonFinite[1]).toMatch(/^step 1: loss is NaN \(update applied\)$/);
  });

  it("diagnostics: vanishing and exploding gradient warnings name the step and the layer; dead ReLU fraction", async () => {
    const data = blobs(32, 1);
    const model = mlp(3);
    // make layer 0's ReLUs all dead: a large negative bias kills every unit, so layer 0 gets no gradient
    vals(model.params[0].b!).fill(-100);
    const r = await fit(model, data, { ...quiet, optimizer: sgd({ lr: 1e-9 }), steps: 2, batchSize: 16, diagnostics: { deadRelu: true, exploding: 1e-3 } });
    expect(r.history.warnings).toContain("step 0: layer 0 (linear) gradient norm 0.00e+0 is below 1e-6 (vanishing gradient)");
    expect(r.history.warnings.some((w) => /^step 0: layer 3 \(linear\) gradient norm .* is above 0.001 \(exploding gradient\)$/.test(w))).toBe(true);
    expect(r.history.epochs[0].deadRelu).toEqual({ "1": 1 });
  });

  it("bad input is refused with a DownhillError naming the argument, before any parameter changes", async () => {
    const data = blobs(16, 1);
    const model = mlp();
    const before = snapshot(model.params);
    const opts = { ...quiet, optimizer: sgd({ lr: 0.1 }), epochs: 1 };
    await expect(fit(model, { x: data.x, y: tensor(Array.from({ length: 16 }, (_, i) => (i === 9 ? 2 : 0))) }, opts)).rejects.toThrow(/data.y\[9\] = 2 is not a class index in \[0, 2\)/);
    await expect(fit(model, { x: data.x, y: tensor([0, 1]) }, opts)).rejects.toThrow(/x has 16 rows but y has 2/);
    const nanX = data.x.dataSync(); nanX[37] = NaN;
    await expect(fit(model, { x: tensor(nanX, { shape: [16, 4] }), y: data.y }, opts)).rejects.toThrow(/x has a non-finite value \(NaN\) in row 9/);
    await expect(fit(model, data, { ...opts, batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer, got 0/);
    await expect(fit(model, data, { ...opts, batchSize: 17, dropLast: true })).rejects.toThrow(/batchSize 17 is larger than the data \(16 rows\) with dropLast/);
    await expect(fit(model, data, { ...opts, loss: "hinge" as never })).rejects.toThrow(/fit: loss: unknown loss "hinge"/);
    await expect(fit(model, data, { ...opts, optimizer: {} as never })).rejects.toThrow(ArgumentError);
    await expect(fit(model, data, { ...opts, earlyStopping: { monitor: "valLoss" } })).rejects.toThrow(/no validationData/);
    await expect(fit(model, data, { ...opts, validationData: { x: data.x, y: data.y.add(5) } })).rejects.toThrow(/validationData.y\[0\] = 5/);
    await expect(fit(model, data, { ...opts, loss: "mse" })).rejects.toThrow(DownhillError);
    expect(snapshot(model.params)).toEqual(before);
  });
});

describe("resuming from a checkpoint is bit-identical", () => {
  const aliases: Array<[string, () => ReturnType<typeof sgd>]> = [
    ["sgd", () => sgd({ lr: 0.05 })],
    ["sgd momentum nesterov", () => sgd({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ["adam", () => adam({ lr: 0.01, weightDecay: 1e-3 })],
    ["adam amsgrad", () => adam({ lr: 0.01, amsgrad: true })],
    ["adamw + warmupCosine", () => adamw({ lr: warmupCosine({ peak: 0.01, warmupSteps: 5, decaySteps: 30 }), weightDecay: 0.05 })],
    ["adagrad", () => adagrad({ lr: 0.05 })],
    ["rmsprop centered momentum", () => rmsprop({ lr: 0.005, momentum: 0.5, centered: true })],
    ["lion", () => lion({ lr: 1e-3, weightDecay: 0.1 })],
    ["chain(clipByGlobalNorm, adam)", () => chain(clipByGlobalNorm(0.5), adam({ lr: 0.01 }))],
  ];
  it.each(aliases)("%s: N steps straight == k steps, save, load into a fresh model and optimizer, N - k more", async (_name, make) => {
    const data = blobs(80, 7);
    const opts = { ...quiet, batchSize: 16, seed: 3, dropoutSeed: 11 };
    const straight = mlp(1, 0.3);
    await fit(straight, data, { ...opts, optimizer: make(), steps: 23 });

    const first = mlp(1, 0.3);
    const r1 = await fit(first, data, { ...opts, optimizer: make(), steps: 9 }); // stops mid-epoch (5 batches per epoch)
    const bytes = saveCheckpoint(first, r1);
    const fresh = mlp(99, 0.3); // different initial weights: everything must come from the file
    const r2 = await fit(fresh, data, { ...opts, dropoutSeed: 12345, optimizer: make(), steps: 14, resume: bytes });
    expect(r2.step).toBe(23);
    expect(snapshot(fresh.params)).toEqual(snapshot(straight.params));
  });

  it("with batch-norm running statistics in the model state (saved and restored too)", async () => {
    const data = blobs(64, 9);
    const make = (seed: number) => {
      const rng = new Rng(seed);
      return nn.sequential([nn.linear(4, 8, { rng }), nn.batchNorm(8), nn.relu(), nn.dropout(0.2), nn.linear(8, 2, { rng })]);
    };
    const opts = { ...quiet, batchSize: 16, seed: 5, dropoutSeed: 2 };
    const straight = make(1);
    await fit(straight, data, { ...opts, optimizer: adam({ lr: 0.01 }), steps: 10 });
    const first = make(1);
    const r1 = await fit(first, data, { ...opts, optimizer: adam({ lr: 0.01 }), steps: 6 });
    const fresh = make(7);
    await fit(fresh, data, { ...opts, optimizer: adam({ lr: 0.01 }), steps: 4, resume: saveCheckpoint(first, r1) });
    expect(snapshot(fresh.params)).toEqual(snapshot(straight.params));
    expect(snapshot(fresh.state)).toEqual(snapshot(straight.state));
    expect(snapshot(fresh.state)).not.toEqual(snapshot(make(1).state));
  });

  it("after restoreBest the result is the best epoch's whole training state: resuming it == a straight run from that epoch", async () => {
    const train = blobs(64, 4), val = blobs(32, 5);
    const opts = { ...quiet, batchSize: 16, seed: 3, dropoutSeed: 11 };
    const lines: string[] = [];
    const sink = { write: (t: string) => void lines.push(...t.split("\n").filter(Boolean)), isTTY: false, ci: false };
    const stopped = mlp(2, 0.2);
    const r = await fit(stopped, train, {
      ...opts, optimizer: adam({ lr: 0.02 }), epochs: 40, validationData: val, progress: "lines", progressSink: sink,
      earlyStopping: { monitor: "valLoss", patience: 2, restoreBest: true },
    });
    expect(r.stopReason).toBe("earlyStopping");
    const b = r.restoredEpoch;
    expect(r.history.epochs.length).toBeGreaterThan(b + 1); // the run went past the best epoch
    // counters and optimizer state are the best epoch's, with its parameters
    expect([r.step, r.epoch, r.batch]).toEqual([(b + 1) * 4, b + 1, 0]);
    expect((r.optState as Array<{ count: number }>)[0].count).toBe((b + 1) * 4); // adam = chain(scaleByAdam, scale by -lr)
    // resuming that checkpoint for two epochs is exactly a straight run of b + 1 + 2 epochs
    const resumed = mlp(99, 0.2);
    await fit(resumed, train, { ...opts, optimizer: adam({ lr: 0.02 }), epochs: 2, resume: saveCheckpoint(stopped, r) });
    const straight = mlp(2, 0.2);
    await fit(straight, train, { ...opts, optimizer: adam({ lr: 0.02 }), epochs: b + 3 });
    expect(snapshot(resumed.params)).toEqual(snapshot(straight.params));
    // printed epoch numbers are 0-based like the records: the restored one is the printed best line
    const printed = lines.filter((l) => /^epoch \d+ ·/.test(l)).map((l) => Number(/^epoch (\d+)/.exec(l)![1]));
    expect(printed).toEqual(r.history.epochs.map((e) => e.epoch));
    expect(lines[lines.length - 1]).toBe(`stopped: earlyStopping after ${r.history.epochs.length * 4} steps; restored the best epoch, epoch ${b} (step ${r.step})`);
  });

  it("loadCheckpoint with an optimizer template gives a resumable record, too", async () => {
    const data = blobs(48, 8);
    const model = mlp(1);
    const r = await fit(model, data, { ...quiet, optimizer: adam({ lr: 0.01 }), steps: 4, batchSize: 16 });
    const fresh = mlp(2);
    const ck = loadCheckpoint(saveCheckpoint(model, r), fresh, { optState: adam({ lr: 0.01 }).init(fresh.params) });
    expect(ck.step).toBe(4);
    expect(ck.batch).toBe(1);
    expect(snapshot(fresh.params)).toEqual(snapshot(model.params));
  });
});

describe("a dtype mismatch between the data and the model", () => {
  it("names the layer and the two fixes, in fit, evaluate and apply", async () => {
    const model = mlp();
    const d = blobs(16, 1);
    const x64 = cast(d.x, "float64");
    const fix = /cast the data with cast\(x, "float32"\), or build the model with \{ dtype: "float64" \}/;
    await expect(fit(model, { x: x64, y: d.y }, { ...quiet, optimizer: sgd({ lr: 0.1 }) })).rejects.toThrow(/^fit: data\.x: nn\.linear \(layer 0\): input is float64 but the layer's parameters are float32; /);
    await expect(fit(model, { x: x64, y: d.y }, { ...quiet, optimizer: sgd({ lr: 0.1 }) })).rejects.toThrow(fix);
    await expect(fit(model, d, { ...quiet, optimizer: sgd({ lr: 0.1 }), validationData: { x: x64, y: d.y } })).rejects.toThrow(/^fit: validationData\.x: nn\.linear \(layer 0\)/);
    expect(() => evaluate(model, { x: x64, y: d.y })).toThrow(/^evaluate: data\.x: nn\.linear \(layer 0\): .*float64.*float32/);
    expect(() => model.apply(model.params, x64)).toThrow(/^nn\.linear \(layer 0\): input is float64/);
    expect(() => model.apply(model.params, x64)).toThrow(fix);
    const bn = nn.sequential([nn.linear(4, 4, { dtype: "float64" }), nn.batchNorm(4)]);
    expect(() => bn.apply(bn.params, x64)).toThrow(/^nn\.batchNorm \(layer 1\): input is float64 but the layer's parameters are float32/);
  });

  it("float64 regression targets for a float32 model: the targets and the cast are named", async () => {
    const lin = nn.linear(4, 1);
    const d = blobs(8, 1);
    const y64 = cast(d.y.reshape([8, 1]), "float64");
    await expect(fit(lin, { x: d.x, y: y64 }, { ...quiet, optimizer: sgd({ lr: 0.1 }), loss: "mse" })).rejects.toThrow(/^fit: data\.y is float64 but the model outputs float32; cast the targets with cast\(y, "float32"\)/);
    expect(() => evaluate(lin, { x: d.x, y: y64 }, { loss: "mse" })).toThrow(/^evaluate: data\.y is float64 but the model outputs float32/);
  });
});

describe("fit compiles each batch's forward and backward by default", () => {
  it("compiled training gives the eager run's parameters and history bit for bit", async () => {
    const data = blobs(100, 3);
    const runs = await Promise.all([true, false].map(async (jit) => {
      const m = mlp(5);
      const r = await fit(m, data, { ...quiet, optimizer: adam({ lr: 0.01 }), epochs: 3, batchSize: 32, jit }); // 100 rows: a last batch of 4, a second shape
      return { r, params: treeFlattenWithPaths(m.params).map(([, t]) => Array.from(t.dataSync())) };
    }));
    const [c, e] = runs;
    expect(c.r.jit).toEqual({ compiled: true, reason: null });
    expect(e.r.jit).toEqual({ compiled: false, reason: null });
    expect(c.params).toEqual(e.params);
    expect(c.r.history.steps.loss).toEqual(e.r.history.steps.loss);
  });

  it("a model with dropout runs eagerly, says why, and draws the same masks as an eager run", async () => {
    const data = blobs(64, 4);
    const make = () => nn.sequential([nn.linear(4, 16, { rng: new Rng(1) }), nn.relu(), nn.dropout(0.3), nn.linear(16, 3, { rng: new Rng(2) })]);
    const a = make(), b = make();
    const ra = await fit(a, data, { ...quiet, optimizer: sgd({ lr: 0.1 }), epochs: 2, batchSize: 16 });
    const rb = await fit(b, data, { ...quiet, optimizer: sgd({ lr: 0.1 }), epochs: 2, batchSize: 16, jit: false });
    expect(ra.jit.compiled).toBe(false);
    expect(ra.jit.reason).toMatch(/draws random numbers/);
    expect(treeFlattenWithPaths(a.params).map(([, t]) => Array.from(t.dataSync()))).toEqual(treeFlattenWithPaths(b.params).map(([, t]) => Array.from(t.dataSync())));
  });
});
