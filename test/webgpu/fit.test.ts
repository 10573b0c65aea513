// `fit` on WebGPU (src/train/fitDevice.ts): each step's numbers stay on the device until a read
// point, and the run matches the same fit on the JS reference (history, epoch records, final
// parameters within f32 tolerance); the non-finite guard keeps its meaning (rollback and replay:
// the same step named, the same parameters kept); checkpoints are read with awaited reads and
// resume; what cannot run on the GPU is refused before any step, naming the option.
import { setFlagsFromString } from "node:v8";
import { beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/entry.js";
import { settleLiveBuffers, startGpu } from "./gpu.js";

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await startGpu();
});

function setup(rows = 64, nanRow = -1) {
  const xs = Array.from(dh.randn([rows, 6], { seed: 1 }).dataSync());
  if (nanRow >= 0) for (let j = 0; j < 6; j++) xs[nanRow * 6 + j] = 3e38; // finite data that overflows f32 in the first layer
  const x = dh.tensor(xs, { shape: [rows, 6] });
  const y = dh.tensor(Array.from({ length: rows }, (_, i) => i % 3));
  const model = dh.nn.sequential([dh.nn.linear(6, 16, { seed: 2 }), dh.nn.relu(), dh.nn.linear(16, 3, { seed: 3 })]);
  return { model, x, y };
}

async function paramsOf(model: dh.nn.Layer): Promise<Float32Array[]> {
  return Promise.all(dh.treeFlattenWithPaths(model.params).map(([, t]) => t.data() as Promise<Float32Array>));
}

/** `f` on the JS reference backend, then back on WebGPU. */
async function onJs<T>(f: () => Promise<T>): Promise<T> {
  dh.setBackend("js");
  try {
    return await f();
  } finally {
    dh.setBackend("webgpu");
  }
}

type Opts = Partial<dh.FitOptions>;
async function train(options: Opts, data = setup()) {
  const { model, x, y } = data;
  const val = setup(24);
  const result = await dh.fit(model, { x, y }, { optimizer: dh.adam({ lr: 0.02 }), loss: "crossEntropy", epochs: 2, batchSize: 16, validationData: { x: val.x, y: val.y }, progress: "none", ...options });
  return { model, result, params: await paramsOf(model) };
}

function expectSameRun(gpuRun: Awaited<ReturnType<typeof train>>, cpuRun: Awaited<ReturnType<typeof train>>, paramTol = { atol: 1e-5, rtol: 1e-4 }): void {
  const g = gpuRun.result, c = cpuRun.result;
  expect(g.step).toBe(c.step);
  expect(g.epoch).toBe(c.epoch);
  expect(g.stopReason).toBe(c.stopReason);
  expect(g.history.steps.loss.length).toBe(c.history.steps.loss.length);
  expect(g.history.steps.loss).toBeAllclose(c.history.steps.loss, { atol: 1e-5, rtol: 1e-4 });
  expect(g.history.steps.gradNorm).toBeAllclose(c.history.steps.gradNorm, { atol: 1e-5, rtol: 1e-4 });
  expect(g.history.steps.lr).toEqual(c.history.steps.lr);
  expect(g.history.epochs.map((e) => Object.keys(e.values))).toEqual(c.history.epochs.map((e) => Object.keys(e.values)));
  for (let i = 0; i < c.history.epochs.length; i++) {
    const ge = g.history.epochs[i], ce = c.history.epochs[i];
    expect(ge.skipped).toBe(ce.skipped);
    for (const k of Object.keys(ce.values)) expect(ge.values[k], `epoch ${i} ${k}`).toBeAllclose(ce.values[k], { atol: 1e-5, rtol: 1e-4 });
    for (const k of Object.keys(ce.layerGradNorms ?? {})) expect(ge.layerGradNorms![k]).toBeAllclose(ce.layerGradNorms![k], { atol: 1e-5, rtol: 1e-4 });
  }
  expect(g.history.warnings).toEqual(c.history.warnings);
  gpuRun.params.forEach((p, i) => expect(p).toBeAllclose(cpuRun.params[i], paramTol));
}

describe("fit on WebGPU", () => {
  it("an MLP fit matches the same fit on the JS reference (history, validation, final parameters)", async () => {
    const g = await train({});
    const c = await onJs(() => train({}));
    expect(g.result.history.steps.loss.length).toBe(8);
    expect(g.result.jit).toEqual({ compiled: true, reason: null }); // the step ran as a compiled WebGPU program
    expectSameRun(g, c);
    expect(g.result.history.epochs[1].values.loss).toBeLessThan(g.result.history.epochs[0].values.loss);
    // the parameters stayed on the GPU: device storage, not arrays
    expect(dh.treeFlattenWithPaths(g.model.params).every(([, t]) => !ArrayBuffer.isView(t._storage))).toBe(true);
    expect(gpu.ctx.errors).toEqual([]);
  }, 120_000);

  it("under mixed precision: compiled steps storing binary16, losses within 2% of the float32 run's and not equal to them, parameters float32", async () => {
    gpu.precision = "mixed";
    const m = await (async () => {
      try {
        return await train({});
      } finally {
        gpu.precision = "f32";
      }
    })();
    const f = await train({});
    expect(m.result.jit).toEqual({ compiled: true, reason: null });
    expect(m.result.history.steps.loss).toBeAllclose(f.result.history.steps.loss, { atol: 1e-3, rtol: 2e-2 });
    expect(m.result.history.steps.loss.some((v, i) => v !== f.result.history.steps.loss[i]), "binary16 storage changed the losses").toBe(true);
    for (const [path, t] of dh.treeFlattenWithPaths(m.model.params)) expect(gpu.isHalf(t._storage), path).toBe(false);
    m.params.forEach((p, i) => expect(p).toBeAllclose(f.params[i], { atol: 2e-3, rtol: 2e-2 }));
    expect(gpu.ctx.errors).toEqual([]);
  }, 120_000);

  it("accumulate, clipGradNorm, mse with mae, sgd: the same run as on the JS reference", async () => {
    const mseData = () => {
      const d = setup();
      return { ...d, y: dh.oneHot(Array.from({ length: 64 }, (_, i) => i % 3), 3) };
    };
    const opts: Opts = { optimizer: dh.sgd({ lr: 0.3, momentum: 0.9 }), loss: "mse", metrics: ["mse", "mae"], accumulate: 2, clipGradNorm: 0.05, validationData: undefined, epochs: 2 };
    const g = await train(opts, mseData());
    const c = await onJs(() => train(opts, mseData()));
    expectSameRun(g, c);
    // the clip took effect (the norms are above it), so this compares clipped steps
    expect(Math.min(...c.result.history.steps.gradNorm)).toBeGreaterThan(0.05);
  }, 120_000);

  it("one command buffer per step, and the numbers read only at the epoch's end", async () => {
    const { model, x, y } = setup(128);
    await dh.fit(model, { x, y }, { optimizer: dh.adam({ lr: 0.01 }), epochs: 1, batchSize: 16, progress: "none" }); // compiles and warms up
    const before = gpu.stats().submits;
    const r = await dh.fit(model, { x, y }, { optimizer: dh.adam({ lr: 0.01 }), epochs: 1, batchSize: 16, progress: "none" });
    const submits = gpu.stats().submits - before;
    expect(r.history.steps.loss.length).toBe(8);
    // 8 steps, and a few for the reads (the settle, the rollback copy, the end-of-fit overflow check)
    expect(submits).toBeGreaterThanOrEqual(8);
    expect(submits).toBeLessThanOrEqual(8 + 6);
  }, 120_000);

  it("a steps budget stops inside an epoch (a read point there), with the progress bar: as on the JS reference", async () => {
    const sink = () => { const out: string[] = []; return { out, sink: { write: (t: string) => void out.push(t), isTTY: true, ci: false } }; };
    const gs = sink(), cs = sink();
    const g = await train({ steps: 6, progress: "bar", progressSink: gs.sink });
    const c = await onJs(() => train({ steps: 6, progress: "bar", progressSink: cs.sink }));
    expect(g.result.stopReason).toBe("steps");
    expect(g.result.batch).toBe(2);
    expect(g.result.history.epochs.map((e) => e.complete)).toEqual([true, false]);
    expectSameRun(g, c);
    expect(gs.out.join("")).toMatch(/epoch 1 · loss/);
  }, 120_000);

  it("onStep sees every step's numbers and stops the run at the same step as on the JS reference", async () => {
    const stopAt = (seen: number[]) => (info: dh.StepInfo) => { seen.push(info.loss); return info.step < 3; };
    const gs: number[] = [], cs: number[] = [];
    const g = await train({ onStep: stopAt(gs) });
    const c = await onJs(() => train({ onStep: stopAt(cs) }));
    expect(g.result.stopReason).toBe("callback");
    expect(gs.length).toBe(3);
    expect(gs).toBeAllclose(cs, { atol: 1e-5, rtol: 1e-4 });
    expectSameRun(g, c);
  }, 120_000);

  describe("a non-finite loss in one batch (row 37 of x overflows f32)", () => {
    for (const nonFinite of ["skip", "warn"] as const) {
      it(`nonFinite "${nonFinite}": the same steps skipped or applied, the same warnings, as on the JS reference`, async () => {
        // (no accuracy with "warn": the applied step makes logits NaN, and argmax ranks NaN differently, deviceMetrics.ts)
        const opts: Opts = { diagnostics: { nonFinite }, validationData: undefined, metrics: nonFinite === "warn" ? [] : undefined };
        const g = await train(opts, setup(64, 37));
        const c = await onJs(() => train(opts, setup(64, 37)));
        expect(c.result.history.warnings.some((w) => /step \d+: (loss is|gradient of)/.test(w))).toBe(true);
        expectSameRun(g, c);
        if (nonFinite === "skip") {
          expect(g.result.history.epochs.map((e) => e.skipped)).toEqual([1, 1]);
          g.params.forEach((p) => expect(p.every(Number.isFinite)).toBe(true));
        }
      }, 120_000);
    }

    it('nonFinite "throw" (the default): the same error naming the same step, the parameters those before it', async () => {
      const run = async () => {
        const d = setup(64, 37);
        const err = await dh.fit(d.model, { x: d.x, y: d.y }, { optimizer: dh.adam({ lr: 0.02 }), epochs: 2, batchSize: 16, progress: "none" }).then(() => null, (e) => e);
        return { err, params: await paramsOf(d.model) };
      };
      const g = await run();
      const c = await onJs(run);
      expect(c.err).toBeInstanceOf(dh.NonFiniteError);
      expect(g.err).toBeInstanceOf(dh.NonFiniteError);
      const stepOf = (e: Error) => /fit: step (\d+): /.exec(e.message)?.[1];
      expect(g.err.message).toBe(c.err.message);
      expect(stepOf(g.err)).toBeDefined();
      expect(stepOf(g.err)).toBe(stepOf(c.err));
      g.params.forEach((p, i) => expect(p).toBeAllclose(c.params[i], { atol: 1e-5, rtol: 1e-4 }));
      g.params.forEach((p) => expect(p.every(Number.isFinite)).toBe(true));
    }, 120_000);
  });

  it("an update that overflows the parameters is named as on the JS reference (step, parameter, layer)", async () => {
    const run = async () => {
      const d = setup();
      // gradients ~1e25: finite, their squares not in f32 (the norm is summed without overflow); the update overflows
      const loss = (z: dh.Tensor, t: dh.Tensor) => dh.nn.crossEntropy(z, t).mul(1e25);
      const err = await dh.fit(d.model, { x: d.x, y: d.y }, { optimizer: dh.sgd({ lr: 1e15 }), loss, metrics: [], epochs: 1, batchSize: 16, progress: "none" }).then(() => null, (e) => e);
      return err as Error;
    };
    const g = await run();
    const c = await onJs(run);
    expect(c.message).toMatch(/fit: step 0: the update made parameter .* non-finite/);
    const loose = (m: string) => m.replace(/its loss \([^)]*\)/, "its loss (f32 digits)"); // the loss summed in f32 on the GPU
    expect(loose(g.message)).toBe(loose(c.message));
  }, 120_000);

  it("evaluate after a WebGPU fit: the synchronous one refuses naming evaluateAsync, which matches the JS reference", async () => {
    const run = await train({ epochs: 1, validationData: undefined });
    const test = setup(40);
    expect(() => dh.evaluate(run.model, { x: test.x, y: test.y })).toThrow(/evaluate: .*webgpu backend.*await evaluateAsync/);
    const got = await dh.evaluateAsync(run.model, { x: test.x, y: test.y }, { batchSize: 16 });
    expect(Object.keys(got)).toEqual(["loss", "accuracy"]);
    // the same parameters on the JS reference
    const layers = run.model.params as Array<Record<string, dh.Tensor>>;
    const hostParams = await Promise.all(layers.map(async (l) => Object.fromEntries(await Promise.all(Object.entries(l).map(async ([k, t]) => [k, dh.tensor(await t.data(), { shape: t.shape })])))));
    const want = await onJs(async () => dh.evaluate(run.model, { x: test.x, y: test.y }, { batchSize: 16, params: hostParams }));
    expect(got.loss).toBeCloseTo(want.loss, 5);
    expect(got.accuracy).toBe(want.accuracy);
    const mse = await dh.evaluateAsync(run.model, { x: test.x, y: dh.oneHot(Array.from(test.y.dataSync()), 3) }, { loss: "mse", metrics: ["mae"] });
    expect(Object.keys(mse)).toEqual(["loss", "mae"]);
    // a metric function would read every batch: refused, naming it
    const named = (p: dh.Tensor) => p.shape[0];
    await expect(dh.evaluateAsync(run.model, { x: test.x, y: test.y }, { metrics: [named] })).rejects.toThrow(/evaluateAsync: metrics: "named" cannot run on the webgpu backend/);
  }, 120_000);

  it("checkpoints on WebGPU: every 3 steps and per epoch, and resume continues the run as uninterrupted", async () => {
    const whole = await train({ epochs: 3, validationData: undefined });
    const written: Array<{ bytes: Uint8Array; step: number }> = [];
    const first = await train({ epochs: 1, validationData: undefined, checkpoint: { every: 3, write: (bytes, info) => void written.push({ bytes, step: info.step }) } });
    expect(written.map((w) => w.step)).toEqual([3]);
    const epochBytes: Uint8Array[] = [];
    const part = await train({ epochs: 1, validationData: undefined, checkpoint: { write: (bytes) => void epochBytes.push(bytes) } });
    expect(epochBytes.length).toBe(1);
    expect(part.params).toEqual(first.params); // the checkpoint's reads changed nothing
    // the synchronous saveCheckpoint cannot read GPU values: it says so and names the async one
    expect(() => dh.saveCheckpoint(part.model, part.result)).toThrow(/saveCheckpoint: the webgpu backend holds this tensor's values on the GPU.*await saveCheckpointAsync/);
    // saveCheckpointAsync reads them: the same bytes as fit's epoch checkpoint at the same point
    const asyncBytes = await dh.saveCheckpointAsync(part.model, part.result);
    expect(Array.from(asyncBytes)).toEqual(Array.from(epochBytes[0]));
    expect(await paramsOf(part.model)).toEqual(part.params); // and left the GPU values as they were
    // resume from the epoch checkpoint for the two remaining epochs
    const rest = setup();
    const resumed = await dh.fit(rest.model, { x: rest.x, y: rest.y }, { optimizer: dh.adam({ lr: 0.02 }), epochs: 2, batchSize: 16, progress: "none", resume: epochBytes[0] });
    expect(resumed.step).toBe(whole.result.step);
    expect(resumed.history.steps.loss).toBeAllclose(whole.result.history.steps.loss.slice(4), { atol: 1e-6, rtol: 1e-5 });
    (await paramsOf(rest.model)).forEach((p, i) => expect(p).toBeAllclose(whole.params[i], { atol: 1e-6, rtol: 1e-5 }));
    // and from the mid-epoch one (step 3 of epoch 0)
    const mid = setup();
    const fromMid = await dh.fit(mid.model, { x: mid.x, y: mid.y }, { optimizer: dh.adam({ lr: 0.02 }), epochs: 3, batchSize: 16, progress: "none", resume: written[0].bytes });
    expect(fromMid.step).toBe(whole.result.step);
    (await paramsOf(mid.model)).forEach((p, i) => expect(p).toBeAllclose(whole.params[i], { atol: 1e-6, rtol: 1e-5 }));
  }, 120_000);

  it("earlyStopping with restoreBest (adamw): the same epoch restored, the same state", async () => {
    // validation rows are training rows with other labels: memorizing the training labels makes valLoss rise
    const val = () => { const v = setup(24); return { x: v.x, y: dh.tensor(Array.from({ length: 24 }, (_, i) => (i + 1) % 3)) }; };
    const opts = (): Opts => ({ optimizer: dh.adamw({ lr: 0.05, weightDecay: 0.01 }), epochs: 10, validationData: val(), earlyStopping: { monitor: "valLoss", patience: 1, restoreBest: true } });
    const g = await train(opts());
    const c = await onJs(() => train(opts()));
    expectSameRun(g, c, { atol: 1e-4, rtol: 1e-3 }); // (40 Adam steps at a large rate carry f32 differences further)
    expect(c.result.stopReason).toBe("earlyStopping");
    expect(g.result.restoredEpoch).toBe(c.result.restoredEpoch);
    expect(c.result.restoredEpoch).toBeLessThan(c.result.history.epochs.length - 1); // an earlier epoch was put back
    expect(g.result.step).toBe(c.result.step);
  }, 120_000);

  it("dropout (eager steps, the RNG on the host) with a non-finite batch skipped: the rollback puts the generator back too", async () => {
    const data = () => {
      const d = setup(64, 37);
      return { ...d, model: dh.nn.sequential([dh.nn.linear(6, 16, { seed: 2 }), dh.nn.relu(), dh.nn.dropout(0.3), dh.nn.linear(16, 3, { seed: 3 })]) as unknown as typeof d.model };
    };
    const opts: Opts = { diagnostics: { nonFinite: "skip" }, validationData: undefined, seed: 5 };
    const g = await train(opts, data());
    const c = await onJs(() => train(opts, data()));
    expect(g.result.jit.compiled).toBe(false);
    expect(g.result.history.epochs.map((e) => e.skipped)).toEqual([1, 1]);
    expectSameRun(g, c);
    expect(g.result.rng.getState()).toEqual(c.result.rng.getState());
  }, 120_000);

  it.each(["f32", "mixed"] as const)("no leak (%s precision): repeated fit calls (new compiled steps, rollback copies, reads) keep the buffers held flat", async (precision) => {
    // DOWNHILL_GPU_FIT_LEAK_CALLS=... for a longer run; each call is 25 epochs of 4 steps. Run
    // 2026-12-02 with 1,000 calls (the 100,000 steps) at load average ~10: passed in
    // 1,121 s, 5 live buffers after every call, 1,564 KiB pooled, JS heap 26.7-27.1 MiB; mixed
    // precision, 2026-12-03 at load ~2: 918 s, 5 live buffers after every call, 1,484 KiB pooled,
    // JS heap 27.2-27.7 MiB.
    const calls = Number(process.env.DOWNHILL_GPU_FIT_LEAK_CALLS ?? 4);
    setFlagsFromString("--expose-gc");
    const gc = (await import("node:vm")).runInNewContext("gc") as () => void;
    const samples: number[] = [];
    const { model, x, y } = setup();
    gpu.precision = precision; // mixed: binary16 activations, packed operands and conversion temporaries in every compiled step
    for (let k = 0; k < calls; k++) {
      try {
        await dh.fit(model, { x, y }, { optimizer: dh.adam({ lr: 0.001 }), epochs: 25, batchSize: 16, progress: "none" });
      } finally {
        gpu.precision = k === calls - 1 ? "f32" : precision;
      }
      await settleLiveBuffers(gpu, gc);
      samples.push(gpu.stats().liveBuffers);
      if (calls > 20 && (k + 1) % 50 === 0) process.stderr.write(`[fit leak] ${(k + 1) * 100} steps: live buffers ${samples.at(-1)}, pooled KiB ${Math.round(gpu.stats().pooledBytes / 1024)}, JS heap MiB ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)}\n`);
    }
    const runs = [...samples.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<number, number>())].map(([v, n]) => `${v} x${n}`);
    console.log(`[fit leak, ${precision}] ${calls * 100} steps, live buffers after each call (value x calls): ${runs.join(", ")}; pooled KiB ${Math.round(gpu.stats().pooledBytes / 1024)}`);
    for (const s of samples.slice(2)) expect(s).toBeLessThanOrEqual(samples[1] + 32);
    expect(gpu.stats().pooledBytes).toBeLessThanOrEqual(gpu.ctx.pool.maxPooledBytes);
    expect(gpu.ctx.errors).toEqual([]);
  }, Math.max(600_000, Number(process.env.DOWNHILL_GPU_FIT_LEAK_CALLS ?? 0) * 100 * 100)); // 100 ms a step at most

  describe("refused before any step, naming the option, the model untouched", () => {
    const cases: Array<[string, Opts, RegExp]> = [
      ["a metric function", { metrics: [function agreement() { return 1; }] }, /fit: metrics: "agreement" cannot run on the webgpu backend/],
      ["top-k accuracy", { metrics: ["top2Accuracy"] }, /fit: metrics: "top2Accuracy" cannot run on the webgpu backend/],
      ["rmsprop (no GPU kernel: its pure path reads on the host)", { optimizer: dh.rmsprop({ lr: 0.01 }) }, /fit: the optimizer's update reads values synchronously/],
      ["a chained global-norm clip (clipGradNorm is fit's way on the GPU)", { optimizer: dh.chain(dh.clipByGlobalNorm(1), dh.adam({ lr: 0.01 })) }, /fit: the optimizer's update reads values synchronously/],
      ["a transform computed on the host (scaleByAdam)", { optimizer: dh.chain(dh.scaleByAdam(), dh.scale(-0.05)) }, /fit: the optimizer's update reads values synchronously.*optimizer update/],
      ["diagnostics.deadRelu", { diagnostics: { deadRelu: true } }, /fit: diagnostics\.deadRelu .*webgpu/],
      ["a second-order optimizer (sam)", { optimizer: dh.sam(dh.sgd({ lr: 0.1 }), { rho: 0.05 }) }, /fit: the optimizer reads update's extra channel \(extra\.loss\).*webgpu/],
    ];
    for (const [name, opts, message] of cases) {
      it(name, async () => {
        const { model, x, y } = setup();
        const before = await paramsOf(model);
        await expect(dh.fit(model, { x, y }, { optimizer: dh.adam({ lr: 0.01 }), epochs: 1, batchSize: 16, progress: "none", ...opts })).rejects.toThrow(message);
        await expect(dh.fit(model, { x, y }, { optimizer: dh.adam({ lr: 0.01 }), epochs: 1, batchSize: 16, progress: "none", ...opts })).rejects.toBeInstanceOf(dh.BackendError);
        expect(await paramsOf(model)).toEqual(before);
      });
    }
  });
});
