/**
 * The training loop. One optimizer step is
 *   (loss, g) = valueAndGrad(p -> L(model(p, x_B), y_B))(p)      (averaged over `accumulate` batches)
 *   g <- g * min(1, c / ||g||)                                     (`clipGradNorm` c, optional)
 *   (u, s) = transform.update(g, s, p, extra);  p <- p + u
 * with any optax-shaped GradientTransformation; its schedule advances once per optimizer step.
 * `extra` (stepExtra.ts) gives second-order transforms (sam, sophia, kfac, ...) closures over the
 * step's batches: the loss, the model's outputs, the linear layers' captures, mse's residuals;
 * first-order transforms ignore it.
 * Everything that decides the trajectory (params, model state, optimizer state, step, epoch,
 * position in the epoch, dropout RNG) is in `saveCheckpoint(model, result)`, and the batch order of
 * an epoch is a function of (seed, epoch), so resuming reproduces an uninterrupted run bit for bit.
 */
import { readSync, whenThreadsReady } from "../backend/select.js";
import { ArgumentError, NonFiniteError, ShapeError } from "../errors.js";
import { Tensor, cloneTensor } from "../tensor/tensor.js";
import { Rng } from "../tensor/random.js";
import { treeFlattenWithPaths, treeMap, type Tree } from "../tensor/tree.js";
import { fmt } from "../tensor/shape.js";
import { valueAndGrad } from "../autodiff/grad.js";
import type { GradientTransformation } from "../optim/base.js";
import { stepExtra, type StepBatch } from "./stepExtra.js";
import { optimizer as statefulOptimizer } from "../optim/optimizer.js";
import type { Layer, State } from "../nn/layers.js";
import { resolveLoss, type LossFn, type LossName } from "../nn/losses.js";
import { resolveMetric, type MetricFn, type MetricName } from "../nn/metrics.js";
import { Batches, checkData, takeRows, type BatchOptions } from "./data.js";
import { EarlyStopping, type EarlyStoppingOptions } from "./earlyStopping.js";
import { Progress, type ProgressMode, type ProgressSink } from "./progress.js";
import { gradientNorms, gradientWarnings, firstNonFinite, deadReluFraction, layerOf, sumSquares, type HealthThresholds } from "./diagnostics.js";
import { loadCheckpoint, type LoadedCheckpoint } from "./checkpoint.js";

export interface Dataset {
  x: Tensor;
  y: Tensor;
}

export interface DiagnosticsOptions extends HealthThresholds {
  /** Record per-layer gradient norms (epoch means) and warn on vanishing/exploding layers (default true). */
  layerNorms?: boolean;
  /** What to do with a NaN/Inf loss or gradient: throw (default), skip the update, or warn and apply it. */
  nonFinite?: "throw" | "skip" | "warn";
  /** Record the fraction of dead ReLU units per layer after each epoch (default false). */
  deadRelu?: boolean;
  /** Where warnings go (default console.warn when progress is shown, else only `history.warnings`). */
  onWarning?: (message: string) => void;
}

export interface StepInfo {
  step: number;
  epoch: number;
  batch: number;
  loss: number;
  gradNorm: number;
  lr: number;
  skipped: boolean;
}

export interface EpochRecord {
  epoch: number;
  /** Optimizer steps taken when the epoch ended. */
  step: number;
  /** loss, valLoss, accuracy, valAccuracy, ..., lr, gradNorm (epoch means; lr at the last step). */
  values: Record<string, number>;
  /** Mean gradient norm per layer over the epoch's steps. */
  layerGradNorms?: Record<string, number>;
  /** Fraction of dead ReLU units per layer at the end of the epoch. */
  deadRelu?: Record<string, number>;
  /** Seconds spent in the epoch (training and evaluation). */
  seconds: number;
  /** False when the run stopped inside the epoch. */
  complete: boolean;
}

export class History {
  readonly epochs: EpochRecord[] = [];
  /** Per optimizer step: loss, gradient norm and learning rate. */
  readonly steps: { loss: number[]; gradNorm: number[]; lr: number[] } = { loss: [], gradNorm: [], lr: [] };
  readonly warnings: string[] = [];
  /** One value per recorded epoch ("loss", "valLoss", "valAccuracy", "lr", "gradNorm", ...). */
  column(key: string): number[] {
    return this.epochs.map((e) => e.values[key] ?? NaN);
  }
}

export type StopReason = "epochs" | "steps" | "earlyStopping" | "gradNorm" | "relImprovement" | "callback";

export interface FitResult {
  history: History;
  stopReason: StopReason;
  /** Optimizer state after the last step (save it with `saveCheckpoint(model, result)`). */
  optState: unknown;
  step: number;
  epoch: number;
  batch: number;
  rng: Rng;
  /** Epoch whose parameters the model holds when `restoreBest` restored them, else -1. */
  restoredEpoch: number;
}

export interface FitOptions extends BatchOptions {
  /** Any GradientTransformation (`adamw({lr: warmupCosine(...)})`, `chain(...)`). */
  optimizer: GradientTransformation<any>;
  /** "crossEntropy" (default), "mse", "binaryCrossEntropy", or `(prediction, target) => scalar`. */
  loss?: LossName | LossFn;
  /** Metrics computed on training batches and validation data (default ["accuracy"] for the classification losses). */
  metrics?: Array<MetricName | MetricFn>;
  /** Epochs to run in this call (default 1 unless `steps` is given). */
  epochs?: number;
  /** Optimizer steps to run in this call (stops mid-epoch if needed). */
  steps?: number;
  /** Batches whose gradients are averaged into one optimizer step (default 1). */
  accumulate?: number;
  /** Rescale the gradient to at most this global norm before the optimizer. */
  clipGradNorm?: number;
  /** Evaluated after every epoch. */
  validationData?: Dataset;
  /** Batch size for evaluation (default 1024). */
  evalBatchSize?: number;
  earlyStopping?: EarlyStoppingOptions | EarlyStopping;
  /** Stop when a step's gradient norm falls below `gradNorm`, or the epoch loss improves by less than `relImprovement` (relative). */
  convergence?: { gradNorm?: number; relImprovement?: number };
  /** Called after every optimizer step; return false to stop. */
  onStep?: (info: StepInfo) => void | boolean;
  /** Called after every epoch; return false to stop. */
  onEpoch?: (record: EpochRecord, history: History) => void | boolean;
  /** Progress display (default "auto": bar on a TTY, lines otherwise, nothing when CI is set). */
  progress?: ProgressMode;
  progressSink?: ProgressSink;
  /** Seed of the training RNG (dropout masks), default 0; or a generator. */
  rngSeed?: number;
  rng?: Rng;
  /** Learning rate for `history` when the optimizer does not expose its schedule. */
  lr?: number | ((step: number) => number);
  diagnostics?: DiagnosticsOptions;
  /** Continue from a checkpoint (bytes from `saveCheckpoint`, or `loadCheckpoint`'s result). */
  resume?: Uint8Array | LoadedCheckpoint;
}

function posInt(name: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`fit: ${name} must be a positive integer, got ${v}`);
  return n;
}

function copyTree(tree: Tree): Tree {
  return treeMap((t) => cloneTensor(t), tree);
}

const isClassification = (loss: unknown) => loss === "crossEntropy" || loss === "binaryCrossEntropy" || loss === undefined;

/**
 * Checks the targets against the model's output before anything trains: label ranges for
 * crossEntropy, [0, 1] for binaryCrossEntropy, shapes for mse; custom losses are called once.
 */
function checkTargets(model: Layer, lossName: unknown, loss: LossFn, x: Tensor, y: Tensor, which: string): void {
  const probe = model.apply(model.params, takeRows(x, [0]), { training: false });
  const outShape = probe.shape.slice(1);
  const d = readSync(y, "fit");
  if (lossName === "crossEntropy" || lossName === undefined) {
    const c = outShape[outShape.length - 1];
    if (y.rank === 1) {
      for (let i = 0; i < d.length; i++) {
        if (!Number.isInteger(d[i]) || d[i] < 0 || d[i] >= c) throw new ArgumentError(`fit: ${which}.y[${i}] = ${d[i]} is not a class index in [0, ${c}) (the model outputs ${c} logits)`);
      }
      return;
    }
  } else if (lossName === "binaryCrossEntropy") {
    for (let i = 0; i < d.length; i++) if (!(d[i] >= 0 && d[i] <= 1)) throw new ArgumentError(`fit: ${which}.y[${i}] = ${d[i]} is outside [0, 1] (binaryCrossEntropy targets)`);
  }
  if (lossName !== undefined && typeof lossName !== "function" && (y.rank !== probe.rank || y.shape.slice(1).some((s, i) => s !== outShape[i]))) {
    throw new ShapeError(`fit: ${which}.y rows have shape ${fmt(y.shape.slice(1))} but the model outputs rows of shape ${fmt(outShape)}`);
  }
  loss(probe, takeRows(y, [0]));
}

/** Loss and metrics of a model on a data set, in evaluation mode, in batches. */
export function evaluate(model: Layer, data: Dataset, options: { loss?: LossName | LossFn; metrics?: Array<MetricName | MetricFn>; batchSize?: number; params?: Tree; state?: State } = {}): Record<string, number> {
  checkData(data?.x, data?.y, "evaluate");
  const loss = resolveLoss("evaluate: loss", options.loss ?? "crossEntropy");
  const metrics = (options.metrics ?? (isClassification(options.loss) ? ["accuracy" as const] : [])).map((m) => resolveMetric("evaluate: metrics", m));
  return evaluateWith(model, data, loss, metrics, posInt("evalBatchSize", options.batchSize, 1024), options.params ?? model.params, options.state);
}

function evaluateWith(model: Layer, data: Dataset, loss: LossFn, metrics: Array<{ name: string; fn: MetricFn }>, bs: number, params: Tree, state?: State): Record<string, number> {
  const n = data.x.shape[0];
  const sums: Record<string, number> = { loss: 0 };
  for (const m of metrics) sums[m.name] = 0;
  for (let s = 0; s < n; s += bs) {
    const count = Math.min(bs, n - s);
    const rows = Int32Array.from({ length: count }, (_, i) => s + i);
    const xb = count === n ? data.x : takeRows(data.x, rows);
    const yb = count === n ? data.y : takeRows(data.y, rows);
    const out = model.apply(params, xb, { training: false, state });
    sums.loss += loss(out, yb).item() * count;
    for (const m of metrics) sums[m.name] += m.fn(out, yb) * count;
  }
  for (const k of Object.keys(sums)) sums[k] /= n;
  return sums;
}

/**
 * Trains `model` on `data` ({x, y} or a `data.batches(...)` plan) with `options.optimizer`,
 * updating `model.params` (and `model.state`) and returning the history and the training state.
 * @example
 *   const result = await fit(model, { x, y }, { optimizer: adamw({ lr: 1e-3 }), epochs: 5, batchSize: 64, validationData });
 */
export async function fit(model: Layer, data: Dataset | Batches, options: FitOptions): Promise<FitResult> {
  // ---- validation: everything that can be wrong is refused before any parameter changes ----
  if (!model || typeof model.forward !== "function") throw new ArgumentError("fit: model must be a layer (e.g. nn.sequential([...]))");
  if (!options || typeof options !== "object") throw new ArgumentError("fit: options with an optimizer are required");
  const transform = options.optimizer;
  if (!transform || typeof transform.init !== "function" || typeof transform.update !== "function") {
    throw new ArgumentError("fit: options.optimizer must be a GradientTransformation ({init, update}), e.g. adamw({ lr: 1e-3 })");
  }
  const lossFn = resolveLoss("fit: loss", options.loss ?? "crossEntropy");
  const metrics = (options.metrics ?? (isClassification(options.loss) ? ["accuracy" as const] : [])).map((m) => resolveMetric("fit: metrics", m));
  const plan = data instanceof Batches ? data : (checkData(data?.x, data?.y, "fit: data"), new Batches(data.x, data.y, options));
  if (!plan.y) throw new ArgumentError("fit: data needs targets y");
  if (options.epochs !== undefined) posInt("epochs", options.epochs, 1);
  if (options.steps !== undefined) posInt("steps", options.steps, 1);
  const accumulate = posInt("accumulate", options.accumulate, 1);
  const clip = options.clipGradNorm;
  if (clip !== undefined && !(clip > 0)) throw new ArgumentError(`fit: clipGradNorm must be positive, got ${clip}`);
  const diag = options.diagnostics ?? {};
  const nonFinite = diag.nonFinite ?? "throw";
  if (!["throw", "skip", "warn"].includes(nonFinite)) throw new ArgumentError(`fit: diagnostics.nonFinite must be "throw", "skip" or "warn", got ${JSON.stringify(nonFinite)}`);
  const conv = options.convergence ?? {};
  const stopper = options.earlyStopping === undefined ? null : options.earlyStopping instanceof EarlyStopping ? options.earlyStopping : new EarlyStopping(options.earlyStopping);
  const val = options.validationData;
  if (val !== undefined) checkData(val?.x, val?.y, "fit: validationData");
  if (stopper && stopper.monitor.startsWith("val") && !val) throw new ArgumentError(`fit: earlyStopping monitors ${stopper.monitor} but no validationData was given`);
  checkTargets(model, options.loss, lossFn, plan.x, plan.y, "data");
  if (val) checkTargets(model, options.loss, lossFn, val.x, val.y, "validationData");

  // Worker threads start in the background; the optimizer chooses its (possibly two-thread) step
  // when it is built below, so let them come up first (~30 ms, once per process).
  await whenThreadsReady();

  // ---- training state (fresh, or from a checkpoint) ----
  // The stateful optimizer updates the parameter tensors in place (one fused kernel per step for
  // the aliases); the model's params are those tensors.
  let params: Tree = model.params;
  let state: State = model.state;
  let step = 0, epoch = 0, batch = 0;
  const rng = options.rng ?? new Rng(options.rngSeed ?? 0);
  let resumedOpt: unknown;
  if (options.resume !== undefined) {
    const ck = options.resume instanceof Uint8Array ? loadCheckpoint(options.resume, model, { optState: transform.init(params), assign: false }) : options.resume;
    if (ck.optState === undefined) throw new ArgumentError("fit: resume checkpoint has no optimizer state (load it with { optState: transform.init(model.params) })");
    params = ck.params;
    if (ck.state !== undefined) state = ck.state;
    resumedOpt = ck.optState;
    ({ step, epoch, batch } = ck);
    if (ck.rngState) rng.setState(ck.rngState);
    model.params = params;
    model.state = state;
  }
  const opt = statefulOptimizer(transform, params);
  if (resumedOpt !== undefined) opt.setState(resumedOpt as never);
  const lrOf: (s: number) => number =
    typeof options.lr === "function" ? options.lr : typeof options.lr === "number" ? () => options.lr as number : transform.fused?.lr ?? (() => NaN);

  const history = new History();
  const perEpoch = plan.length;
  const maxSteps = options.steps;
  const maxEpochs = options.epochs ?? (maxSteps === undefined ? 1 : Infinity);
  const totalSteps = maxSteps ?? Math.ceil(((maxEpochs - (batch > 0 ? 1 : 0)) * perEpoch + (batch > 0 ? perEpoch - batch : 0)) / accumulate);
  const progress = new Progress(totalSteps, "steps", options.progress ?? "auto", options.progressSink);
  const warn = diag.onWarning ?? (progress.mode === "none" ? () => {} : (m: string) => console.warn(m));
  const layerNames = describeLayers(model);
  const recordLayers = diag.layerNorms ?? true;

  let stepsThisCall = 0, epochsThisCall = 0;
  let stopReason: StopReason = "epochs";
  let best: { params: Tree; state: State; epoch: number } | null = null;
  let prevEpochLoss = NaN;
  // The objective reads the current batch and leaves the new model state and the output here.
  const cur = { x: null as unknown as Tensor, y: null as unknown as Tensor, out: null as unknown as Tensor, state };
  const objective = (p: Tree) => {
    const r = model.forward(p, state, cur.x, { training: true, rng, path: "" });
    cur.state = r.state;
    cur.out = r.y;
    return lossFn(r.y, cur.y);
  };
  const vg = valueAndGrad(objective);
  // The batches of the current optimizer step, and closures over them for `update`'s extra channel.
  const stepBatches: StepBatch[] = [];
  const extra = stepExtra(model, lossFn, options.loss === "mse", stepBatches, () => state, rng);

  let optState: unknown;
  try {
    outer: while (epochsThisCall < maxEpochs) {
      const t0 = now();
      let lossSum = 0, seen = 0, gnSum = 0, nSteps = 0, lr = NaN;
      const metricSums = metrics.map(() => 0);
      const layerSums: Record<string, number> = {};
      const warned = new Set<string>();
      let acc: Tree | null = null, accCount = 0, accLoss = 0;
      let stopped: StopReason | null = null;
      for (; batch < perEpoch; ) {
        const b = plan.batch(epoch, batch);
        cur.x = b.x; cur.y = b.y!;
        if (accCount === 0) stepBatches.length = 0;
        stepBatches.push({ x: b.x, y: b.y! });
        const { value, grad } = vg(params);
        const lossValue = value.item();
        const rows = b.indices.length;
        lossSum += lossValue * rows;
        seen += rows;
        if (metrics.length) metrics.forEach((m, i) => (metricSums[i] += m.fn(cur.out.detach(), cur.y) * rows));
        state = cur.state;
        batch++;
        acc = acc === null ? grad : treeMap((a, g) => a.add(g), acc, grad);
        accCount++;
        accLoss += lossValue;
        if (accCount < accumulate && batch < perEpoch) continue;

        // ---- one optimizer step ----
        let g = accCount === 1 ? acc : treeMap((a) => a.mul(1 / accCount), acc);
        const stepLoss = accLoss / accCount;
        acc = null; accCount = 0; accLoss = 0;
        const norms = recordLayers ? gradientNorms(g) : null;
        const gn = norms ? norms.global : Math.sqrt(treeFlattenWithPaths(g).reduce((s, [, t]) => s + sumSquares(t), 0));
        let skipped = false;
        if (!Number.isFinite(stepLoss) || !Number.isFinite(gn)) {
          const bad = firstNonFinite(g);
          const msg = `step ${step}: ${!Number.isFinite(stepLoss) ? `loss is ${stepLoss}` : `gradient of ${bad?.path} has ${bad?.value} at index ${bad?.index}`}`;
          if (nonFinite === "throw") throw new NonFiniteError(`fit: ${msg}; parameters are those before this step (diagnostics.nonFinite: "skip" skips such steps)`);
          history.warnings.push(`${msg} (${nonFinite === "skip" ? "update skipped" : "update applied"})`);
          warn(history.warnings[history.warnings.length - 1]);
          skipped = nonFinite === "skip";
        }
        if (norms) {
          for (const [l, v] of Object.entries(norms.layers)) layerSums[l] = (layerSums[l] ?? 0) + v;
          for (const w of gradientWarnings(norms, step, diag, (l) => layerNames(l))) {
            const key = `${w.layer}:${w.kind}`;
            if (warned.has(key)) continue;
            warned.add(key);
            history.warnings.push(w.message);
            warn(w.message);
          }
        }
        lr = lrOf(step);
        if (!skipped) {
          if (clip !== undefined && gn > clip) g = treeMap((t) => t.mul(clip / gn), g);
          opt.step(g, extra);
          step++;
        }
        stepsThisCall++;
        nSteps++;
        gnSum += gn;
        history.steps.loss.push(stepLoss);
        history.steps.gradNorm.push(gn);
        history.steps.lr.push(lr);
        progress.step(epoch, stepLoss);
        const cb = options.onStep?.({ step, epoch, batch, loss: stepLoss, gradNorm: gn, lr, skipped });
        if (cb === false) { stopped = "callback"; break; }
        if (conv.gradNorm !== undefined && gn < conv.gradNorm) { stopped = "gradNorm"; break; }
        if (maxSteps !== undefined && stepsThisCall >= maxSteps) { stopped = "steps"; break; }
      }
      const complete = batch >= perEpoch;
      model.params = params;
      model.state = state;

      // ---- end of epoch: validation, records, early stopping ----
      const values: Record<string, number> = { loss: lossSum / Math.max(seen, 1) };
      metrics.forEach((m, i) => (values[m.name] = metricSums[i] / Math.max(seen, 1)));
      if (val) {
        const ev = evaluateWith(model, val, lossFn, metrics, posInt("evalBatchSize", options.evalBatchSize, 1024), params, state);
        values.valLoss = ev.loss;
        for (const m of metrics) values[`val${m.name[0].toUpperCase()}${m.name.slice(1)}`] = ev[m.name];
      }
      values.lr = lr;
      values.gradNorm = gnSum / Math.max(nSteps, 1);
      const record: EpochRecord = { epoch, step, values, seconds: (now() - t0) / 1000, complete };
      if (recordLayers && nSteps > 0) record.layerGradNorms = Object.fromEntries(Object.entries(layerSums).map(([k, v]) => [k, v / nSteps]));
      if (diag.deadRelu) record.deadRelu = deadReluFraction(model, params, takeRows(plan.x, Int32Array.from({ length: Math.min(1024, plan.size) }, (_, i) => i)));
      history.epochs.push(record);
      progress.epoch(epoch, values);
      if (complete) {
        epoch++;
        batch = 0;
        epochsThisCall++;
      }
      if (stopped) { stopReason = stopped; break outer; }
      if (stopper) {
        const v = values[stopper.monitor];
        if (v === undefined) throw new ArgumentError(`fit: earlyStopping monitors ${JSON.stringify(stopper.monitor)}, which is not in the history (keys: ${Object.keys(values).join(", ")})`);
        const r = stopper.update(record.epoch, v);
        if (r.improved && stopper.restoreBest) best = { params: copyTree(params), state: copyTree(state), epoch: record.epoch };
        if (r.stop) { stopReason = "earlyStopping"; break outer; }
      }
      if (options.onEpoch?.(record, history) === false) { stopReason = "callback"; break outer; }
      if (conv.relImprovement !== undefined && Number.isFinite(prevEpochLoss)) {
        const rel = (prevEpochLoss - values.loss) / Math.max(Math.abs(prevEpochLoss), 1e-300);
        if (rel < conv.relImprovement) { stopReason = "relImprovement"; break outer; }
      }
      prevEpochLoss = values.loss;
      if (maxSteps !== undefined && stepsThisCall >= maxSteps) { stopReason = "steps"; break outer; }
      await new Promise((r) => setTimeout(r, 0)); // let timers, I/O and UI run between epochs
    }
    optState = opt.state;
  } finally {
    opt.dispose(); // parameters get their own arrays back, even when a step threw
  }
  let restoredEpoch = -1;
  if (best && stopper?.restoreBest) {
    model.params = params = best.params;
    model.state = state = best.state;
    restoredEpoch = best.epoch;
  }
  progress.end(progress.mode === "none" ? undefined : `stopped: ${stopReason} after ${step} steps${restoredEpoch >= 0 ? `; restored the best epoch (${restoredEpoch + 1})` : ""}`);
  return { history, stopReason, optState, step, epoch, batch, rng, restoredEpoch };
}

/** "0" -> "layer 0 (linear)" for sequential models; paths otherwise. */
function describeLayers(model: Layer): (layer: string) => string {
  const layers = (model as Layer & { layers?: readonly Layer[] }).layers;
  return (l) => {
    const i = Number(l.split(".")[0]);
    return layers && Number.isInteger(i) && layers[i] ? `layer ${l} (${layers[i].kind})` : `layer ${l}`;
  };
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}

export { layerOf };
