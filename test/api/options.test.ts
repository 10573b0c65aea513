// Every options object of the public API refuses a key it does not know, naming the function, the
// bad key, the closest valid key when one is near, and the valid keys: a misspelt option used to
// be silently ignored (`fit(model, data, { epoch: 3 })` trained one epoch).
import { describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { closest, checkOptions } from "../../src/options.js";

const { nn } = dh;

function data() {
  const x = dh.randn([8, 2], { seed: 1 });
  const y = dh.tensor([0, 1, 0, 1, 0, 1, 0, 1]);
  return { x, y };
}

describe("checkOptions", () => {
  it("names the op, the key, a near key and the valid keys", () => {
    expect(() => checkOptions("fit", { epoch: 3 }, ["epochs", "steps"])).toThrow('fit: unknown option "epoch"; did you mean "epochs"? (valid options: epochs, steps)');
    expect(() => checkOptions("f", { zzz: 1 }, { a: true, b: true })).toThrow('f: unknown option "zzz" (valid options: a, b)');
    expect(() => checkOptions("f", null, ["a"])).toThrow(/f: options must be an object, got null/);
    expect(() => checkOptions("f", 3, ["a"])).toThrow(dh.ArgumentError);
    expect(() => checkOptions("f", undefined, ["a"])).not.toThrow();
    expect(() => checkOptions("f", { a: undefined }, ["a"])).not.toThrow();
  });

  it("suggests a key equal up to case and separators, one short edit away, or a long prefix", () => {
    const keys = ["batchSize", "epochs", "weightDecay", "validationData", "lr", "maxIter"];
    expect(closest("batch_size", keys)).toBe("batchSize");
    expect(closest("maxiter", keys)).toBe("maxIter");
    expect(closest("epoch", keys)).toBe("epochs");
    expect(closest("eopchs", keys)).toBe("epochs");
    expect(closest("weightDecy", keys)).toBe("weightDecay");
    expect(closest("validation", keys)).toBe("validationData");
    expect(closest("momentum", keys)).toBeNull();
    expect(closest("x", keys)).toBeNull();
  });
});

describe("the public API refuses unknown options", () => {
  it("fit: top level and nested, before anything trains", async () => {
    const model = nn.sequential([nn.linear(2, 2)]);
    const before = Array.from(model.params[0].w.dataSync());
    const opts = { optimizer: dh.sgd({ lr: 0.1 }), progress: "none" as const };
    await expect(dh.fit(model, data(), { ...opts, epoch: 3 } as never)).rejects.toThrow(/^fit: unknown option "epoch"; did you mean "epochs"\? \(valid options: .*epochs.*\)$/);
    await expect(dh.fit(model, data(), { ...opts, batch_size: 4 } as never)).rejects.toThrow(/did you mean "batchSize"/);
    await expect(dh.fit(model, data(), { ...opts, diagnostics: { nonfinite: "skip" } } as never)).rejects.toThrow(/fit: diagnostics: unknown option "nonfinite"; did you mean "nonFinite"/);
    await expect(dh.fit(model, data(), { ...opts, convergence: { gradnorm: 1 } } as never)).rejects.toThrow(/fit: convergence: unknown option "gradnorm"; did you mean "gradNorm"/);
    await expect(dh.fit(model, data(), { ...opts, earlyStopping: { monitor: "loss", patiance: 2 } } as never)).rejects.toThrow(/earlyStopping: unknown option "patiance"; did you mean "patience"/);
    expect(Array.from(model.params[0].w.dataSync())).toEqual(before);
  });

  it("fit: batching options next to a data.batches plan would be ignored, so they are refused", async () => {
    const { x, y } = data();
    const model = nn.sequential([nn.linear(2, 2)]);
    await expect(dh.fit(model, dh.data.batches(x, y, { batchSize: 2 }), { optimizer: dh.sgd({ lr: 0.1 }), progress: "none", batchSize: 4 })).rejects.toThrow(/fit: batchSize would be ignored: data is a data.batches\(\.\.\.\) plan/);
  });

  it("training helpers: data.batches, evaluate, earlyStopping, lossScaler, checkpoints, model.apply", () => {
    const { x, y } = data();
    const model = nn.sequential([nn.linear(2, 2)]);
    expect(() => dh.data.batches(x, y, { batchsize: 2 } as never)).toThrow(/data.batches: unknown option "batchsize"; did you mean "batchSize"/);
    expect(() => dh.evaluate(model, { x, y }, { metric: ["accuracy"] } as never)).toThrow(/evaluate: unknown option "metric"; did you mean "metrics"/);
    expect(() => dh.earlyStopping({ restore_best: true } as never)).toThrow(/earlyStopping: unknown option "restore_best"; did you mean "restoreBest"/);
    expect(() => dh.lossScaler({ growthinterval: 5 } as never)).toThrow(/lossScaler: unknown option "growthinterval"; did you mean "growthInterval"/);
    expect(() => dh.saveCheckpoint(model, { opt: {} } as never)).toThrow(/saveCheckpoint: unknown option "opt"/);
    const bytes = dh.saveCheckpoint(model, { step: 3 });
    expect(() => dh.loadCheckpoint(bytes, model, { optstate: {} } as never)).toThrow(/loadCheckpoint: unknown option "optstate"; did you mean "optState"/);
    expect(() => model.apply(model.params, x, { train: true } as never)).toThrow(/sequential.apply: unknown option "train"; did you mean "training"/);
  });

  it("nn layers, losses and initializers", () => {
    expect(() => nn.linear(2, 3, { bais: false } as never)).toThrow(/nn.linear: unknown option "bais"; did you mean "bias"/);
    expect(() => nn.batchNorm(3, { momentun: 0.1 } as never)).toThrow(/nn.batchNorm: unknown option "momentun"; did you mean "momentum"/);
    const p = dh.zeros([2, 2]);
    expect(() => dh.crossEntropy(p, [0, 1], { smoothing: 0.1 } as never)).toThrow(/crossEntropy: unknown option "smoothing"/);
    expect(() => dh.mse(p, p, { reduce: "sum" } as never)).toThrow(/mse: unknown option "reduce"/);
  });

  it("tensor creation", () => {
    expect(() => dh.tensor([1, 2], { dtyp: "float64" } as never)).toThrow(/tensor: unknown option "dtyp"; did you mean "dtype"/);
    expect(() => dh.randn([2], { sed: 1 } as never)).toThrow(/randn: unknown option "sed"; did you mean "seed"/);
    expect(() => dh.rand([2], { hi: 2 } as never)).toThrow(/rand: unknown option "hi"/);
    expect(() => dh.zeros([2], { type: "float64" } as never)).toThrow(/zeros: unknown option "type"/);
    expect(() => dh.full([2], 1, { dtpye: "float64" } as never)).toThrow(/full: unknown option "dtpye"; did you mean "dtype"/);
    expect(dh.rand([2], { low: 1, high: 2, seed: 3 }).shape).toEqual([2]);
  });

  it("optimizers: the stateful optimizer, schedules, lrFinder, aliases (through their shared check)", () => {
    const x = dh.tensor([1, 2]);
    expect(() => dh.optimizer(dh.adam({ lr: 0.1 }), x, { fuse: "pure" } as never)).toThrow(/optimizer: unknown option "fuse"; did you mean "fused"/);
    expect(() => dh.warmupCosine({ peak: 1, warmupSteps: 1, decaySteps: 10, warmup: 2 } as never)).toThrow(/warmupCosine: unknown option "warmup"/);
    expect(() => dh.oneCycle({ maxLr: 1, totalSteps: 10, pct_start: 0.2 } as never)).toThrow(/oneCycle: unknown option "pct_start"; did you mean "pctStart"/);
    expect(() => dh.reduceOnPlateau({ init: 1, patients: 2 } as never)).toThrow(/reduceOnPlateau: unknown option "patients"; did you mean "patience"/);
    expect(() => dh.adam({ lr: 0.1, weight_decay: 0.1 } as never)).toThrow(/adam: unknown option "weight_decay"; did you mean "weightDecay"/);
    expect(() => dh.lrFinder({ transform: (lr: dh.Schedule) => dh.sgd({ lr }), params: x, lossAndGrad: () => ({ value: 0, grad: x }), max_lr: 1 } as never)).toThrow(/lrFinder: unknown option "max_lr"; did you mean "maxLr"/);
  });

  it("ready, minimize, race and the report", async () => {
    await expect(dh.ready({ thread: 2 } as never)).rejects.toThrow(/ready: unknown option "thread"; did you mean "threads"/);
    expect(() => dh.minimize((x) => x.square().sum(), [1], { maxiter: 3 } as never)).toThrow(/minimize: unknown option "maxiter"; did you mean "maxIter"/);
    expect(() => dh.minimizeSteps((x) => x.square().sum(), [1], { maxiter: 3 } as never)).toThrow(/minimizeSteps: unknown option "maxiter"; did you mean "maxIter"/);
    const p = dh.problems.booth();
    expect(() => dh.race(p, { method: ["gd"] } as never)).toThrow(/race: unknown option "method"; did you mean "methods"/);
    expect(() => dh.race(p, { methods: ["lbgfs"] })).toThrow(/race: unknown method "lbgfs"/);
    expect(() => dh.race(p, { methods: ["gd"], methodOptions: { lbgfs: { m: 3 } } })).toThrow(/race: methodOptions: unknown option "lbgfs"; did you mean "lbfgs"\? \(valid options: gd, momentum, /);
    expect(() => dh.reportHtml([], { uplotJs: "", uplotCss: "", subTitle: "x" } as never)).toThrow(/reportHtml: unknown option "subTitle"; did you mean "subtitle"/);
    expect(() => dh.problems.quadratic({ dims: 3 } as never)).toThrow(/problems.quadratic: unknown option "dims"; did you mean "dim"/);
  });
});
