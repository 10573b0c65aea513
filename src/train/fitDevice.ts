/**
 * `fit` on the webgpu backend, where values are read only with `await t.data()`. The same steps,
 * records and stop rules as the CPU loop (fitStep.ts, fitEpoch.ts), with the reads moved:
 *
 * - Each optimizer step leaves its numbers on the device as one small vector: per batch the loss
 *   and the metrics (deviceMetrics.ts), then per parameter leaf max|g| and sum (g/max|g|)^2 (no f32
 *   overflow where the CPU's f64 sum has none). The update is applied without waiting (clipping
 *   is min(1, c/||g||) as a device scalar), and the step goes to the queue as one command buffer
 *   (the loop yields a microtask per step, which flushes the encoder, and a task every 64 steps,
 *   so that collected tensors' buffers return to the pool).
 * - Read points: the epoch's end, a step where `checkpoint.every` writes, the `steps` budget, and
 *   every 100 steps with the progress bar. There the pending vectors are read in a few transfers
 *   and recorded in step order exactly as the CPU loop records them (history, epoch sums, layer
 *   warnings, progress). `onStep` and `convergence.gradNorm` need every step's numbers before the
 *   next step: with either, every step is a read point.
 * - The non-finite guard keeps its meaning through a rollback: at each read point that starts a
 *   run of unread steps the training state is copied on the device (parameters, model state,
 *   optimizer state, counters, dropout RNG). When a read finds a non-finite loss or gradient, the
 *   state goes back to that copy and the steps are replayed reading each one before its update,
 *   up to and including the bad step, where the CPU rule applies (throw with the parameters before
 *   that step, skip it, or warn and apply it) with the CPU's messages; the step after a
 *   non-finite one is read before its update too. A replay costs the steps since the read point
 *   again; a run without non-finite steps never replays.
 *
 * Refused before any step (BackendError naming the option): metrics other than the built-in
 * "accuracy", "mse", "mae"; `diagnostics.deadRelu`; an optimizer that needs `update`'s extra
 * channel (second-order transforms: its closures re-run the step's batches) or reads values on the
 * host (found by an update on a zero gradient before training, see `refuseOptimizer`).
 */
import { BackendError, NonFiniteError } from "../errors.js";
import { cloneTensor, type Tensor } from "../tensor/tensor.js";
import { zerosLike } from "../tensor/create.js";
import { treeFlattenWithPaths, treeMap, type Tree } from "../tensor/tree.js";
import { concat, stack } from "../ops/shape.js";
import { abs, div, equal, minimum, sqrt, square, where } from "../ops/elementwise.js";
import { max, sum } from "../ops/reduce.js";
import type { ExtraArgs } from "../optim/extraArgs.js";
import { optimizer as statefulOptimizer, type Optimizer } from "../optim/optimizer.js";
import type { Layer, State } from "../nn/layers.js";
import { gradientWarnings, firstNonFinite, layerOf, type GradientNorms } from "./diagnostics.js";
import { Progress } from "./progress.js";
import { History, type FitResult, type StepInfo, type StopReason } from "./history.js";
import type { FitPlan } from "./fitOptions.js";
import { startTraining, type TrainingState } from "./fitState.js";
import { EpochSums, batchGradientOf, describeLayers, now, warnerOf, describeParams, reportOverflow, warnAndRecord, type StepEnv } from "./fitStep.js";
import { epochRecord, finishRun, stopAfterEpoch, type EpochWatch } from "./fitEpoch.js";
import { deviceMetricsFor, type DeviceMetric } from "./deviceMetrics.js";
import { evaluateOnDevice } from "./evaluate.js";
import { hostTree, readVectors } from "./deviceReads.js";

/** Steps between reads when the progress bar shows the loss. */
const BAR_READ_EVERY = 100;

/** A step taken without reading its numbers yet. */
interface Unread {
  vec: Tensor;
  /** Rows of each of its batches. */
  rows: number[];
  lr: number;
  /** `run.step`, `run.epoch`, `run.batch` after it (its StepInfo). */
  step: number;
  epoch: number;
  batch: number;
}

/** The training state at a read point, on the device, to go back to (see the file comment). */
interface Snapshot {
  params: Tree;
  state: State;
  optState: unknown;
  step: number;
  epoch: number;
  batch: number;
  rng: number[];
  callsSteps: number;
  lastFinite: StepEnv["lastFinite"];
}

/** `fit` with `plan` on the webgpu backend. */
export async function fitOnDevice(model: Layer, plan: FitPlan): Promise<FitResult> {
  const metrics = deviceMetricsFor(plan.metrics);
  if (plan.diagnostics.deadRelu) throw new BackendError("fit: diagnostics.deadRelu reads every ReLU activation synchronously, which the webgpu backend cannot answer; leave it out on WebGPU, or call setBackend(\"wasm\") before fit");
  refuseOptimizer(model, plan);

  const started = startTraining(model, plan);
  const run = started.run;
  const cur: { opt: Optimizer<any> } = { opt: started.opt };
  const history = new History();
  const perEpoch = plan.batches.length;
  const { maxEpochs, maxSteps, accumulate } = plan;
  const resumedInside = run.batch > 0 ? 1 : 0;
  const totalSteps = maxSteps ?? Math.ceil(((maxEpochs - resumedInside) * perEpoch + (resumedInside ? perEpoch - run.batch : 0)) / accumulate);
  const progress = new Progress(totalSteps, "steps", plan.progress, plan.progressSink);
  const env: StepEnv = {
    plan, get opt() { return cur.opt; }, history, progress,
    warn: warnerOf(plan, progress),
    describeLayer: describeLayers(model),
    batchGradient: batchGradientOf(model, plan.loss, run, plan.jit),
    lastFinite: null,
    stepBatches: [],
    extra: {},
  };
  const loop = new DeviceLoop(env, run, cur, metrics, treeFlattenWithPaths(run.params).map(([p]) => p));

  const calls = loop.calls;
  const watch: EpochWatch = { best: null, prevLoss: NaN };
  let stopReason: StopReason = "epochs";
  let optState: unknown;
  try {
    while (calls.epochs < maxEpochs) {
      const t0 = now();
      const sums = new EpochSums(plan.metrics.length);
      const stopped = await loop.trainEpoch(sums);
      const complete = run.batch >= perEpoch;
      model.params = run.params;
      model.state = run.state;
      const val = plan.validation ? await evaluateOnDevice(model, plan.validation.data, plan.loss, plan.metrics, metrics, plan.validation.batchSize, run.params, run.state) : undefined;
      const record = epochRecord(model, plan, run, sums, () => (now() - t0) / 1000, complete, val);
      history.epochs.push(record);
      progress.epoch(run.epoch, record.values);
      if (complete) {
        run.epoch++;
        run.batch = 0;
        calls.epochs++;
        await plan.checkpoint?.afterEpochOnDevice(run, cur.opt, record);
      }
      await plan.checkpoint?.flush();
      const stop = stopped ?? stopAfterEpoch(plan, record, history, run, watch, calls.steps, () => cur.opt.state);
      if (stop) { stopReason = stop; break; }
      await new Promise((r) => setTimeout(r, 0));
    }
    await reportOverflowOnDevice(env, run);
    optState = cur.opt.state;
    await plan.checkpoint?.flush();
  } finally {
    cur.opt.dispose();
    model.params = run.params; // a rollback replaced the parameter tensors (a NonFiniteError leaves those before the bad step)
  }
  model.state = run.state;
  return finishRun(model, plan, run, watch, history, stopReason, optState, progress, env.batchGradient.jit);
}

/** The per-epoch loop over batches and steps, with the unread steps and the rollback copy. */
class DeviceLoop {
  readonly calls = { steps: 0, epochs: 0 };
  private unread: Unread[] = [];
  private snapshot: Snapshot | null = null;
  /** Steps (by `calls.steps`) up to this one read before their update: a replay after a rollback. */
  private replayThrough = -1;
  private readonly readEach: boolean;
  private readonly plan: FitPlan;

  constructor(private readonly env: StepEnv, private readonly run: TrainingState, private readonly cur: { opt: Optimizer<any> }, private readonly metrics: readonly DeviceMetric[], private readonly leafPaths: readonly string[]) {
    this.plan = env.plan;
    this.readEach = this.plan.onStep !== undefined || this.plan.convergence.gradNorm !== undefined;
  }

  /** The current epoch's batches from `run.batch` on; the reason to stop inside it, or null at its end. */
  async trainEpoch(sums: EpochSums): Promise<StopReason | null> {
    const { plan, run, env, calls } = this;
    const perEpoch = plan.batches.length;
    for (;;) {
      let batchVecs: Tensor[] = [], rows: number[] = [], grad: Tree | null = null;
      let rolledBack = false;
      while (run.batch < perEpoch) {
        const exact = this.readEach || calls.steps <= this.replayThrough;
        if (grad === null && !exact && this.snapshot === null) this.snapshot = this.copyState();
        const b = plan.batches.batch(run.epoch, run.batch);
        const y = b.y!;
        const r = env.batchGradient(b.x, y);
        const out = r.out.detach();
        batchVecs.push(stack([r.value, ...this.metrics.map((m) => m(out, y))]));
        rows.push(b.indices.length);
        run.state = r.state;
        run.batch++;
        grad = grad === null ? r.grad : treeMap((a, g) => a.add(g), grad, r.grad);
        if (batchVecs.length < plan.accumulate && run.batch < perEpoch) continue;

        const count = batchVecs.length;
        const g = count === 1 ? grad : treeMap((a) => a.mul(1 / count), grad);
        const leafScales = treeFlattenWithPaths(g).map(([, t]) => scaledSquares(t));
        const vec = concat([...batchVecs, stack(leafScales.flat())]);
        const lr = plan.lrOf(run.step);
        batchVecs = [];
        grad = null;
        if (exact) {
          const info = await this.exactStep(sums, g, vec, rows, lr);
          rows = [];
          calls.steps++;
          await plan.checkpoint?.afterStepOnDevice(run, this.cur.opt, perEpoch);
          env.progress.step(run.epoch, info.loss);
          if (plan.onStep?.(info) === false) return "callback";
          if (plan.convergence.gradNorm !== undefined && info.gradNorm < plan.convergence.gradNorm) return "gradNorm";
          if (plan.maxSteps !== undefined && calls.steps >= plan.maxSteps) return "steps";
          continue;
        }
        const clip = plan.clipGradNorm;
        // (the CPU loop scales by clip/||g|| when ||g|| > clip: the same as min(1, clip/||g||))
        const scale = clip === undefined ? null : minimum(div(clip, globalNorm(leafScales)), 1);
        const gc = scale === null ? g : treeMap((t) => t.mul(scale), g);
        this.cur.opt.step(gc);
        run.step++;
        this.unread.push({ vec, rows, lr, step: run.step, epoch: run.epoch, batch: run.batch });
        rows = [];
        calls.steps++;
        const budget = plan.maxSteps !== undefined && calls.steps >= plan.maxSteps;
        const read = budget || plan.checkpoint?.writesAtStep(run.step) || (env.progress.mode === "bar" && this.unread.length >= BAR_READ_EVERY);
        if (read) {
          if (!(await this.settle(sums))) { rolledBack = true; break; }
          await plan.checkpoint?.afterStepOnDevice(run, this.cur.opt, perEpoch);
          if (budget) return "steps";
        }
        // The end of this microtask flushes the step's commands (one command buffer a step); now and
        // then a task boundary lets the collected tensors' buffers go back to the pool.
        if (calls.steps % 64 === 0) await new Promise((r) => setTimeout(r, 0));
        else await null;
      }
      if (rolledBack) continue;
      if (await this.settle(sums)) return null;
    }
  }

  /**
   * Reads the unread steps and records them in order; false when one of them had a non-finite
   * loss or gradient: the state is then back at the copy, and the steps through the bad one will
   * replay reading each before its update.
   */
  private async settle(sums: EpochSums): Promise<boolean> {
    const steps = this.unread;
    this.unread = [];
    if (steps.length === 0) return true;
    const values = await readVectors(steps.map((s) => s.vec));
    const firstBad = values.findIndex((v, i) => !this.numbersOf(v, steps[i].rows).finite);
    if (firstBad >= 0) {
      this.rollBack(firstBad);
      return false;
    }
    this.snapshot = null;
    steps.forEach((s, i) => {
      const n = this.numbersOf(values[i], s.rows);
      this.record(sums, n, s.lr, false, s.step - 1);
      this.env.lastFinite = { step: s.step - 1, loss: n.loss, gradNorm: n.norms.global };
      this.addBatches(sums, n);
      this.env.progress.step(s.epoch, n.loss);
    });
    return true;
  }

  /** Back to the copy; the `k`-th of the steps read since (0-based) and those before it are replayed reading each. */
  private rollBack(k: number): void {
    const s = this.snapshot!;
    this.snapshot = null;
    const { run } = this;
    this.cur.opt.dispose();
    run.params = s.params;
    run.state = s.state;
    run.step = s.step;
    run.epoch = s.epoch;
    run.batch = s.batch;
    run.rng.setState(s.rng);
    this.replayThrough = s.callsSteps + k;
    this.calls.steps = s.callsSteps;
    this.env.lastFinite = s.lastFinite;
    const opt = statefulOptimizer(this.plan.transform, run.params);
    opt.setState(s.optState as never);
    this.cur.opt = opt;
  }

  /** One step read before its update: the CPU loop's `optimizerStep`, with its reads awaited. */
  private async exactStep(sums: EpochSums, g: Tree, vec: Tensor, rows: number[], lr: number): Promise<StepInfo> {
    const { env, run, plan } = this;
    const [v] = await readVectors([vec]);
    const n = this.numbersOf(v, rows);
    const stepLoss = n.loss, gn = n.norms.global;
    let skipped = false;
    if (!n.finite) {
      await reportOverflowOnDevice(env, run, `; so step ${run.step}'s ${Number.isFinite(stepLoss) ? "gradient" : `loss is ${stepLoss}`}${Number.isFinite(stepLoss) ? " is not finite" : ""}`);
      const bad = firstNonFinite(await hostTree(g));
      const msg = `step ${run.step}: ${!Number.isFinite(stepLoss) ? `loss is ${stepLoss}` : `gradient of ${bad?.path} has ${bad?.value} at index ${bad?.index}`}`;
      if (plan.nonFinite === "throw") throw new NonFiniteError(`fit: ${msg}; ${describeParams(env, await hostTree(run.params))} (diagnostics.nonFinite: "skip" skips such steps)`);
      warnAndRecord(env, `${msg} (${plan.nonFinite === "skip" ? "update skipped" : "update applied"})`);
      skipped = plan.nonFinite === "skip";
      // Non-finite steps come in runs (an applied one makes the parameters non-finite): read the
      // next step before its update too, rather than roll back once per step of the run.
      this.replayThrough = Math.max(this.replayThrough, this.calls.steps + 1);
    }
    this.record(sums, n, lr, skipped, run.step);
    if (!skipped) {
      const clip = plan.clipGradNorm;
      this.cur.opt.step(clip !== undefined && gn > clip ? treeMap((t) => t.mul(clip / gn), g) : g);
      run.step++;
      this.addBatches(sums, n);
    }
    env.lastFinite = n.finite && !skipped ? { step: run.step - 1, loss: stepLoss, gradNorm: gn } : null;
    return { step: run.step, epoch: run.epoch, batch: run.batch, loss: stepLoss, gradNorm: gn, lr, skipped };
  }

  /** A step's numbers from its vector: the batches' losses and metrics, the gradient norms (f64 over the leaves' f32 sums). */
  private numbersOf(v: Float64Array, rows: readonly number[]): { loss: number; batches: Array<{ loss: number; rows: number; metrics: number[] }>; norms: GradientNorms; finite: boolean } {
    const m = this.metrics.length;
    const batches = rows.map((r, i) => ({ loss: v[i * (1 + m)], rows: r, metrics: Array.from(v.subarray(i * (1 + m) + 1, (i + 1) * (1 + m))) }));
    let lossSum = 0;
    for (const b of batches) lossSum += b.loss;
    const loss = lossSum / rows.length;
    const leaves: Record<string, number> = {}, layerSq: Record<string, number> = {};
    let total = 0;
    const off = rows.length * (1 + m);
    this.leafPaths.forEach((p, i) => {
      const mx = v[off + 2 * i], s = mx === 0 ? 0 : mx * mx * v[off + 2 * i + 1];
      leaves[p] = Math.sqrt(s);
      const l = layerOf(p);
      layerSq[l] = (layerSq[l] ?? 0) + s;
      total += s;
    });
    const layers: Record<string, number> = {};
    for (const [k, s] of Object.entries(layerSq)) layers[k] = Math.sqrt(s);
    const norms = { global: Math.sqrt(total), leaves, layers };
    return { loss, batches, norms, finite: Number.isFinite(loss) && Number.isFinite(norms.global) };
  }

  /** The step in the history and the epoch sums (as the CPU loop's `optimizerStep`), and its layer warnings. */
  private record(sums: EpochSums, n: ReturnType<DeviceLoop["numbersOf"]>, lr: number, skipped: boolean, step: number): void {
    const { env, plan } = this;
    if (plan.recordLayerNorms) {
      if (!skipped) for (const [l, v] of Object.entries(n.norms.layers)) sums.layers[l] = (sums.layers[l] ?? 0) + v;
      for (const w of gradientWarnings(n.norms, step, plan.diagnostics, env.describeLayer)) {
        const key = `${w.layer}:${w.kind}`;
        if (sums.warned.has(key)) continue;
        sums.warned.add(key);
        warnAndRecord(env, w.message);
      }
    }
    sums.lr = lr;
    if (skipped) sums.skipped++;
    else {
      sums.steps++;
      sums.gradNorm += n.norms.global;
    }
    env.history.steps.loss.push(n.loss);
    env.history.steps.gradNorm.push(n.norms.global);
    env.history.steps.lr.push(lr);
  }

  private addBatches(sums: EpochSums, n: ReturnType<DeviceLoop["numbersOf"]>): void {
    for (const b of n.batches) {
      sums.loss += b.loss * b.rows;
      sums.rows += b.rows;
      b.metrics.forEach((v, i) => (sums.metrics[i] += v * b.rows));
    }
  }

  /** A device copy of the training state (see `Snapshot`). */
  private copyState(): Snapshot {
    const { run } = this;
    return {
      params: treeMap((t) => cloneTensor(t), run.params), state: run.state, optState: this.cur.opt.state,
      step: run.step, epoch: run.epoch, batch: run.batch, rng: run.rng.getState(), callsSteps: this.calls.steps, lastFinite: this.env.lastFinite,
    };
  }
}

/**
 * A leaf's sum of squares as [m, q] with sum g^2 = m^2 q (m = max |g|, q = sum (g/m)^2), so that
 * f32 on the device does not overflow where the CPU loop's f64 sum would not (||g|| > 1.8e19);
 * m is NaN or infinite when g has a NaN or an infinity (max propagates NaN).
 */
function scaledSquares(t: Tensor): [Tensor, Tensor] {
  const m = max(abs(t));
  return [m, sum(square(div(t, where(equal(m, 0), 1, m))))];
}

/** sqrt(sum_i m_i^2 q_i) on the device, scaled by the largest m_i (no overflow for a finite norm). */
function globalNorm(leaves: ReadonlyArray<[Tensor, Tensor]>): Tensor {
  const ms = stack(leaves.map(([m]) => m)), qs = stack(leaves.map(([, q]) => q));
  const top = max(ms), d = where(equal(top, 0), 1, top);
  return sqrt(sum(square(div(ms, d)).mul(qs))).mul(d);
}

/** `reportOverflow` with the parameters read first, only when it has something to check (the latest step applied with finite numbers). */
async function reportOverflowOnDevice(env: StepEnv, run: TrainingState, then?: string): Promise<void> {
  if (env.lastFinite === null) return;
  reportOverflow(env, { ...run, params: await hostTree(run.params) }, then);
}

/**
 * Refuses, before any step, an optimizer whose update cannot run on the GPU: one that reads
 * `update`'s extra channel (second-order transforms: closures that re-run the step's batches and
 * read values, which fit does not give on WebGPU) or reads values synchronously (pure transforms
 * computed on the host: every pure transform, and the aliases the GPU engine has no kernel for).
 * Unless the backend's fused engine takes the transform, it gets an update on a zero gradient on
 * the host and one on the GPU, with an extra channel that refuses when read.
 */
function refuseOptimizer(model: Layer, plan: FitPlan): void {
  const probe = statefulOptimizer(plan.transform, model.params);
  const fused = probe.path === "webgpu";
  probe.dispose();
  if (fused) return;
  const refuse = (field: string) => () => {
    throw new BackendError(`fit: the optimizer reads update's extra channel (extra.${field}), which fit does not provide on the webgpu backend (its closures re-run the step's batches and read values); second-order transforms (sam, sophia, kfac, naturalGradient) train with fit on the CPU backends: call setBackend("wasm") before fit`);
  };
  const extra = {} as ExtraArgs;
  for (const f of ["loss", "outputs", "captureLinear", "residuals"]) Object.defineProperty(extra, f, { get: refuse(f), enumerable: true });
  // first with host zeros (any read succeeds: what is left is the extra channel), then with GPU zeros, as the step's gradient will be
  plan.transform.update(treeMap((t) => zerosLike(t), model.params), plan.transform.init(model.params), model.params, extra);
  try {
    plan.transform.update(treeMap((t) => zerosLike(t).add(0), model.params), plan.transform.init(model.params), model.params, extra);
  } catch (e) {
    if (e instanceof BackendError && !e.message.startsWith("fit:")) {
      throw new BackendError(`fit: the optimizer's update reads values synchronously, which the webgpu backend cannot answer (${e.message}); on WebGPU use an alias with a fused GPU step (sgd, adam, adamw, lion; for a global-norm clip, fit's clipGradNorm), or call setBackend("wasm") before fit`);
    }
    throw e;
  }
}
