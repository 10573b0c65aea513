/**
 * The end of an epoch: its record (epoch means of the training values, the validation values,
 * per-layer diagnostics), and the rules that stop a run between epochs (early stopping, the
 * callback, the relative-improvement tolerance, the step budget).
 */
import { ArgumentError } from "../errors.js";
import { cloneTensor } from "../tensor/tensor.js";
import { treeMap, type Tree } from "../tensor/tree.js";
import type { Layer, State } from "../nn/layers.js";
import { takeRows } from "./data.js";
import { deadReluFraction } from "./diagnostics.js";
import { evaluateWith } from "./evaluate.js";
import type { EpochRecord, FitResult, History, StopReason } from "./history.js";
import type { Progress } from "./progress.js";
import type { FitPlan } from "./fitOptions.js";
import type { TrainingState } from "./fitState.js";
import type { EpochSums } from "./fitStep.js";

/** The record of the epoch `run.epoch`, whose training values are in `sums` (validation runs here unless given). */
export function epochRecord(model: Layer, plan: FitPlan, run: TrainingState, sums: EpochSums, seconds: () => number, complete: boolean, validation?: Record<string, number>): EpochRecord {
  // (no rows or steps: every step of the epoch was skipped for a non-finite loss or gradient)
  const values: Record<string, number> = { loss: sums.rows > 0 ? sums.loss / sums.rows : NaN };
  plan.metrics.forEach((m, i) => (values[m.name] = sums.rows > 0 ? sums.metrics[i] / sums.rows : NaN));
  if (plan.validation) {
    // (`validation`: already evaluated, on the webgpu backend with awaited reads)
    const ev = validation ?? evaluateWith(model, plan.validation.data, plan.loss, plan.metrics, plan.validation.batchSize, run.params, run.state);
    values.valLoss = ev.loss;
    for (const m of plan.metrics) values[`val${m.name[0].toUpperCase()}${m.name.slice(1)}`] = ev[m.name];
  }
  values.lr = sums.lr;
  values.gradNorm = sums.steps > 0 ? sums.gradNorm / sums.steps : NaN;
  const record: EpochRecord = { epoch: run.epoch, step: run.step, values, skipped: sums.skipped, seconds: seconds(), complete };
  if (plan.recordLayerNorms && sums.steps > 0) record.layerGradNorms = Object.fromEntries(Object.entries(sums.layers).map(([k, v]) => [k, v / sums.steps]));
  if (plan.diagnostics.deadRelu) record.deadRelu = deadReluFraction(model, run.params, takeRows(plan.batches.x, Int32Array.from({ length: Math.min(1024, plan.batches.size) }, (_, i) => i)));
  return record;
}

/**
 * The whole training state at the end of an epoch (what `restoreBest` puts back): parameters,
 * model state, optimizer state, counters and the dropout RNG, so that a checkpoint of it resumes
 * from that epoch exactly as if training had stopped there.
 */
export interface EpochSnapshot {
  /** The epoch's number (`EpochRecord.epoch`, 0-based). */
  recordEpoch: number;
  params: Tree;
  state: State;
  optState: unknown;
  step: number;
  epoch: number;
  batch: number;
  rngState: number[];
}

/** What the between-epoch rules remember: the best epoch (for `restoreBest`) and the last loss. */
export interface EpochWatch {
  best: EpochSnapshot | null;
  prevLoss: number;
}

/** A copy of the run's training state after the epoch `record` (the optimizer's state is a snapshot already). */
export function snapshotOf(run: TrainingState, optState: unknown, recordEpoch: number): EpochSnapshot {
  return { recordEpoch, params: copyTree(run.params), state: copyTree(run.state), optState, step: run.step, epoch: run.epoch, batch: run.batch, rngState: run.rng.getState() };
}

/**
 * Applies the between-epoch stopping rules to a recorded epoch, in order: early stopping (which
 * also keeps a copy of the best epoch's training state for `restoreBest`), `onEpoch`, the relative
 * improvement of the loss, the step budget. Returns the reason to stop, or null to go on.
 */
export function stopAfterEpoch(plan: FitPlan, record: EpochRecord, history: History, run: TrainingState, watch: EpochWatch, stepsThisCall: number, optState: () => unknown): StopReason | null {
  const stopper = plan.earlyStopping;
  const values = record.values;
  if (stopper) {
    const v = values[stopper.monitor];
    if (v === undefined) throw new ArgumentError(`fit: earlyStopping monitors ${JSON.stringify(stopper.monitor)}, which is not in the history (keys: ${Object.keys(values).join(", ")})`);
    const r = stopper.update(record.epoch, v);
    if (r.improved && stopper.restoreBest) watch.best = snapshotOf(run, optState(), record.epoch);
    if (r.stop) return "earlyStopping";
  }
  if (plan.onEpoch?.(record, history) === false) return "callback";
  const rel = plan.convergence.relImprovement;
  if (rel !== undefined && Number.isFinite(watch.prevLoss)) {
    const improvement = (watch.prevLoss - values.loss) / Math.max(Math.abs(watch.prevLoss), 1e-300);
    if (improvement < rel) return "relImprovement";
  }
  watch.prevLoss = values.loss;
  if (plan.maxSteps !== undefined && stepsThisCall >= plan.maxSteps) return "steps";
  return null;
}

function copyTree(tree: Tree): Tree {
  return treeMap((t) => cloneTensor(t), tree);
}

/**
 * The end of a run (both loops, fit.ts and fitDevice.ts): with `earlyStopping.restoreBest`, the best
 * epoch's whole training state, not only its parameters, so that a checkpoint of the result resumes
 * from that epoch as if the run had stopped there; then the progress line and the result.
 */
export function finishRun(model: Layer, plan: FitPlan, run: TrainingState, watch: EpochWatch, history: History, stopReason: StopReason, optState: unknown, progress: Progress, jit: FitResult["jit"]): FitResult {
  const stepsRun = run.step;
  let restoredEpoch = -1;
  const best = watch.best;
  if (best && plan.earlyStopping?.restoreBest) {
    model.params = run.params = best.params;
    model.state = run.state = best.state;
    optState = best.optState;
    run.step = best.step;
    run.epoch = best.epoch;
    run.batch = best.batch;
    run.rng.setState(best.rngState);
    restoredEpoch = best.recordEpoch;
  }
  progress.end(progress.mode === "none" ? undefined : `stopped: ${stopReason} after ${stepsRun} steps${restoredEpoch >= 0 ? `; restored the best epoch, epoch ${restoredEpoch} (step ${run.step})` : ""}`);
  return { history, stopReason, optState, step: run.step, epoch: run.epoch, batch: run.batch, rng: run.rng, restoredEpoch, jit: { ...jit } };
}
