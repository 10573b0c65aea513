/**
 * One epoch's batches and the optimizer steps among them. One optimizer step is
 *   (loss, g) = valueAndGrad(p -> L(model(p, x_B), y_B))(p)      (averaged over `accumulate` batches)
 *   g <- g * min(1, c / ||g||)                                     (`clipGradNorm` c, optional)
 *   (u, s) = transform.update(g, s, p);  p <- p + u
 * with the non-finite guard and the gradient diagnostics in between.
 */
import type { ExtraArgs } from "../optim/extraArgs.js";
import type { StepBatch } from "./stepExtra.js";
import { readSync } from "../backend/select.js";
import { NonFiniteError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { treeFlattenWithPaths, treeMap, type Tree } from "../tensor/tree.js";
import { valueAndGrad } from "../autodiff/grad.js";
import { jit, TraceError } from "../jit/jit.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { Layer, State } from "../nn/layers.js";
import type { LossFn } from "../nn/losses.js";
import { gradientNorms, gradientWarnings, firstNonFinite, layerOf, sumSquares } from "./diagnostics.js";
import type { Progress } from "./progress.js";
import type { History, StepInfo, StopReason } from "./history.js";
import type { FitPlan } from "./fitOptions.js";
import type { TrainingState } from "./fitState.js";

/** What the loop needs besides the training state: fixed for the whole `fit` call. */
export interface StepEnv {
  readonly plan: FitPlan;
  readonly opt: Optimizer<any>;
  readonly history: History;
  readonly progress: Progress;
  /** Where warnings go (also pushed to `history.warnings`). */
  readonly warn: (message: string) => void;
  /** A layer key ("0") as a readable name ("layer 0 (linear)"). */
  readonly describeLayer: (layer: string) => string;
  /** Loss, gradient, output and new model state of a batch at the run's current parameters. */
  readonly batchGradient: BatchGradient;
  /**
   * The latest step, when it was applied with a finite loss and gradient: if the parameters are
   * non-finite after it, its update put them there (see `reportOverflow`).
   */
  lastFinite: { step: number; loss: number; gradNorm: number } | null;
  /** The batches of the current optimizer step, which `extra`'s closures read (stepExtra.ts). */
  readonly stepBatches: StepBatch[];
  /** `update`'s extra channel: the step's loss, outputs, layer captures, residuals (for second-order transforms). */
  readonly extra: ExtraArgs;
}

export type BatchGradient = ((x: Tensor, y: Tensor) => { value: Tensor; grad: Tree; out: Tensor; state: State }) & {
  /** Whether batches ran compiled, and why not where compilation was asked for. */
  readonly jit: { compiled: boolean; reason: string | null };
};

/**
 * The differentiated objective over the run's current parameters, model state and dropout RNG,
 * built once per `fit` call. With `compile`, each batch shape's forward and backward is traced
 * once (src/jit) and replayed: the same kernels in the same order, so the same bits as eager. A
 * model that draws random numbers while training (dropout: masks must differ per step, and a
 * trace would bake one in) or that reads values cannot be compiled: it runs eagerly, the reason
 * kept, and the generator is put back to where the trace found it so the run is unchanged.
 */
export function batchGradientOf(model: Layer, loss: LossFn, run: TrainingState, compile = true): BatchGradient {
  const cur = { x: null as unknown as Tensor, y: null as unknown as Tensor, out: null as unknown as Tensor, state: run.state };
  const vg = valueAndGrad((p: Tree) => {
    const r = model.forward(p, run.state, cur.x, { training: true, rng: run.rng, path: "" });
    cur.state = r.state;
    cur.out = r.y;
    return loss(r.y, cur.y);
  });
  const eager = (x: Tensor, y: Tensor) => {
    cur.x = x;
    cur.y = y;
    const { value, grad } = vg(run.params);
    return { value, grad, out: cur.out, state: cur.state };
  };
  const jitInfo = { compiled: compile, reason: null as string | null };
  // Everything the step depends on is an argument (closure tensors would be baked in as constants).
  const compiled = compile
    ? jit((p: Tree, state: State, x: Tensor, y: Tensor) => {
        let out: Tensor | null = null, next: State = state;
        const r = valueAndGrad((q: Tree) => {
          const f = model.forward(q, state, x, { training: true, rng: run.rng, path: "" });
          out = f.y;
          next = f.state;
          return loss(f.y, y);
        })(p);
        return { value: r.value, grad: r.grad, out: out!, state: next };
      }, { name: "fit step" })
    : null;
  const step = (x: Tensor, y: Tensor) => {
    if (compiled === null || !jitInfo.compiled) return eager(x, y);
    const rngBefore = run.rng.getState(), traces = compiled.stats.traces;
    try {
      const r = compiled(run.params, run.state, x, y) as { value: Tensor; grad: Tree; out: Tensor; state: State };
      if (compiled.stats.traces > traces && run.rng.getState().some((v, i) => !Object.is(v, rngBefore[i]))) {
        // the trace drew random numbers: a replay would repeat its dropout masks
        run.rng.setState(rngBefore);
        return fallBack("the model draws random numbers while training (dropout): each step needs fresh ones", x, y);
      }
      return r;
    } catch (e) {
      if (!(e instanceof TraceError)) throw e;
      run.rng.setState(rngBefore);
      return fallBack(e.message, x, y);
    }
  };
  const fallBack = (reason: string, x: Tensor, y: Tensor) => {
    jitInfo.compiled = false;
    jitInfo.reason = reason;
    return eager(x, y);
  };
  return Object.assign(step, { jit: jitInfo });
}

/**
 * Running sums over one epoch's applied steps and their batches: what its record averages.
 * A step skipped for a non-finite loss or gradient adds nothing but its count.
 */
export class EpochSums {
  /** Sum of batch loss times batch rows, and the rows. */
  loss = 0;
  rows = 0;
  /** Sum of the steps' global gradient norms, and the steps. */
  gradNorm = 0;
  steps = 0;
  /** Steps skipped (diagnostics.nonFinite "skip"). */
  skipped = 0;
  /** The learning rate at the last step. */
  lr = NaN;
  /** Per metric: sum of batch value times batch rows. */
  readonly metrics: number[];
  /** Per layer: sum of the steps' gradient norms. */
  readonly layers: Record<string, number> = {};
  /** Gradient warnings already given this epoch ("layer:kind"). */
  readonly warned = new Set<string>();
  constructor(metrics: number) {
    this.metrics = new Array<number>(metrics).fill(0);
  }
}

/**
 * Gradients of the batches waiting for the next optimizer step, summed, and their losses; each
 * batch's loss and metrics enter the epoch's sums once the step is taken (not when it is skipped).
 */
interface Pending {
  grad: Tree | null;
  count: number;
  loss: number;
  batches: Array<{ loss: number; rows: number; metrics: number[] }>;
}

const noPending = (): Pending => ({ grad: null, count: 0, loss: 0, batches: [] });

/** Adds the batches of an applied step to the epoch's sums, in batch order. */
function addBatches(sums: EpochSums, pending: Pending): void {
  for (const b of pending.batches) {
    sums.loss += b.loss * b.rows;
    sums.rows += b.rows;
    b.metrics.forEach((v, i) => (sums.metrics[i] += v * b.rows));
  }
}

/**
 * Trains on the current epoch's batches from `run.batch` on, stepping the optimizer every
 * `accumulate` batches (and at the epoch's end). Returns why it stopped inside the epoch, or null
 * when it reached the epoch's end. `calls.steps` counts the steps of this `fit` call.
 */
export function trainEpoch(env: StepEnv, run: TrainingState, sums: EpochSums, calls: { steps: number }): StopReason | null {
  const { plan } = env;
  const perEpoch = plan.batches.length;
  let pending = noPending();
  while (run.batch < perEpoch) {
    const b = plan.batches.batch(run.epoch, run.batch);
    const y = b.y!;
    if (pending.count === 0) env.stepBatches.length = 0;
    env.stepBatches.push({ x: b.x, y });
    const { value, grad, out, state } = env.batchGradient(b.x, y);
    const lossValue = value.item();
    pending.batches.push({ loss: lossValue, rows: b.indices.length, metrics: plan.metrics.map((m) => m.fn(out.detach(), y)) });
    run.state = state;
    run.batch++;
    pending.grad = pending.grad === null ? grad : treeMap((a, g) => a.add(g), pending.grad, grad);
    pending.count++;
    pending.loss += lossValue;
    if (pending.count < plan.accumulate && run.batch < perEpoch) continue;

    const info = optimizerStep(env, run, sums, pending);
    if (!info.skipped) addBatches(sums, pending);
    pending = noPending();
    calls.steps++;
    plan.checkpoint?.afterStep(run, env.opt, perEpoch);
    env.progress.step(run.epoch, info.loss);
    if (plan.onStep?.(info) === false) return "callback";
    if (plan.convergence.gradNorm !== undefined && info.gradNorm < plan.convergence.gradNorm) return "gradNorm";
    if (plan.maxSteps !== undefined && calls.steps >= plan.maxSteps) return "steps";
  }
  return null;
}

/**
 * One optimizer step on the pending batches' mean gradient: diagnostics, the non-finite guard
 * (throw, skip or warn), clipping, the update. Records the step in the history and the sums.
 */
function optimizerStep(env: StepEnv, run: TrainingState, sums: EpochSums, pending: Pending): StepInfo {
  const { plan, history } = env;
  const count = pending.count;
  let g = count === 1 ? pending.grad! : treeMap((a) => a.mul(1 / count), pending.grad!);
  const stepLoss = pending.loss / count;
  const norms = plan.recordLayerNorms ? gradientNorms(g) : null;
  const gn = norms ? norms.global : Math.sqrt(treeFlattenWithPaths(g).reduce((s, [, t]) => s + sumSquares(t), 0));
  let skipped = false;
  const finiteStep = Number.isFinite(stepLoss) && Number.isFinite(gn);
  if (!finiteStep) {
    reportOverflow(env, run, `; so step ${run.step}'s ${Number.isFinite(stepLoss) ? "gradient" : `loss is ${stepLoss}`}${Number.isFinite(stepLoss) ? " is not finite" : ""}`);
    const bad = firstNonFinite(g);
    const msg = `step ${run.step}: ${!Number.isFinite(stepLoss) ? `loss is ${stepLoss}` : `gradient of ${bad?.path} has ${bad?.value} at index ${bad?.index}`}`;
    if (plan.nonFinite === "throw") throw new NonFiniteError(`fit: ${msg}; ${describeParams(env, run.params)} (diagnostics.nonFinite: "skip" skips such steps)`);
    warnAndRecord(env, `${msg} (${plan.nonFinite === "skip" ? "update skipped" : "update applied"})`);
    skipped = plan.nonFinite === "skip";
  }
  if (norms) {
    if (!skipped) for (const [l, v] of Object.entries(norms.layers)) sums.layers[l] = (sums.layers[l] ?? 0) + v;
    for (const w of gradientWarnings(norms, run.step, plan.diagnostics, env.describeLayer)) {
      const key = `${w.layer}:${w.kind}`;
      if (sums.warned.has(key)) continue;
      sums.warned.add(key);
      warnAndRecord(env, w.message);
    }
  }
  const lr = plan.lrOf(run.step);
  sums.lr = lr;
  if (!skipped) {
    const clip = plan.clipGradNorm;
    if (clip !== undefined && gn > clip) g = treeMap((t) => t.mul(clip / gn), g);
    env.opt.step(g, env.extra);
    run.step++;
  }
  env.lastFinite = finiteStep && !skipped ? { step: run.step - 1, loss: stepLoss, gradNorm: gn } : null;
  if (skipped) sums.skipped++;
  else {
    sums.steps++;
    sums.gradNorm += gn;
  }
  history.steps.loss.push(stepLoss);
  history.steps.gradNorm.push(gn);
  history.steps.lr.push(lr);
  return { step: run.step, epoch: run.epoch, batch: run.batch, loss: stepLoss, gradNorm: gn, lr, skipped };
}

/**
 * A finite gradient can still make a parameter overflow (a learning rate far too large). Rather
 * than read every parameter after every step, this runs when it matters: at the next non-finite
 * loss or gradient (a non-finite parameter makes the next forward pass non-finite), and once when
 * `fit` ends. If the latest step was applied with a finite loss and gradient and the parameters
 * are now non-finite, that step's update did it: it is named (step, parameter path, layer) and
 * thrown (diagnostics.nonFinite "throw") or warned about once. `then` continues the sentence.
 */
export function reportOverflow(env: StepEnv, run: TrainingState, then = ""): void {
  const last = env.lastFinite;
  env.lastFinite = null;
  if (!last) return;
  const blown = firstNonFinite(run.params);
  if (!blown) return;
  const msg = `step ${last.step}: the update made parameter ${blown.path} of ${env.describeLayer(layerOf(blown.path))} non-finite (${blown.value} at index ${blown.index}) although its loss (${last.loss}) and gradient (norm ${last.gradNorm.toExponential(3)}) were finite: the step was too large (lower the learning rate, or set clipGradNorm)${then}`;
  if (env.plan.nonFinite === "throw") throw new NonFiniteError(`fit: ${msg}; the model holds the parameters after step ${last.step}`);
  warnAndRecord(env, `${msg}; the parameters stay non-finite`);
}

/**
 * What the parameters are when a step is refused for a non-finite loss or gradient: untouched by
 * this step, but say whether they were already non-finite, or finite but huge (a step too large).
 */
export function describeParams(env: StepEnv, params: Tree): string {
  const bad = firstNonFinite(params);
  if (bad) return `the parameters were already non-finite before this step (${bad.path} of ${env.describeLayer(layerOf(bad.path))} has ${bad.value} at index ${bad.index})`;
  let max = 0, where = "";
  for (const [path, t] of treeFlattenWithPaths(params)) {
    const d = readSync(t, "fit");
    for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) > max) { max = Math.abs(d[i]); where = path; }
  }
  return `parameters are those before this step (all finite; the largest magnitude is ${max.toExponential(2)}, in ${where})`;
}

/** Records a warning in the history and passes it on. */
export function warnAndRecord(env: StepEnv, message: string): void {
  env.history.warnings.push(message);
  env.warn(message);
}

/** "0" -> "layer 0 (linear)" for sequential models; paths otherwise. */
export function describeLayers(model: Layer): (layer: string) => string {
  const layers = (model as Layer & { layers?: readonly Layer[] }).layers;
  return (l) => {
    const i = Number(l.split(".")[0]);
    return layers && Number.isInteger(i) && layers[i] ? `layer ${l} (${layers[i].kind})` : `layer ${l}`;
  };
}

/** Milliseconds on the best clock the host has. */
export function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}

/** Where a run's warnings go: the diagnostics' callback, else the console unless progress is off. */
export function warnerOf(plan: FitPlan, progress: Progress): (m: string) => void {
  return plan.diagnostics.onWarning ?? (progress.mode === "none" ? () => {} : (m: string) => console.warn(m));
}
