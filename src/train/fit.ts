/**
 * The training loop: `fit(model, data, options)` validates and resolves the options
 * (fitOptions.ts), starts from the model or a checkpoint (fitState.ts), runs epochs of optimizer
 * steps (fitStep.ts), records each epoch and decides whether to stop (fitEpoch.ts), and returns the
 * history with the training state. Any optax-shaped GradientTransformation works; its schedule
 * advances once per optimizer step; `update` also gets an extra channel (stepExtra.ts: closures
 * over the step's batches for second-order transforms: sam, sophia, kfac, ...). Everything that decides the trajectory (params, model state,
 * optimizer state, step, epoch, position in the epoch, dropout RNG) is in
 * `saveCheckpoint(model, result)`, and the batch order of an epoch is a function of (seed, epoch),
 * so resuming reproduces an uninterrupted run bit for bit. On the webgpu backend the loop is
 * fitDevice.ts: the same records, read at read points instead of every step.
 */
import { backendInfo, whenThreadsReady } from "../backend/select.js";
import type { Layer } from "../nn/layers.js";
import type { Batches, Dataset } from "./data.js";
import { Progress } from "./progress.js";
import { layerOf } from "./diagnostics.js";
import { History, type FitResult, type StopReason } from "./history.js";
import { resolveFitOptions, type FitOptions } from "./fitOptions.js";
import { startTraining } from "./fitState.js";
import { EpochSums, batchGradientOf, describeLayers, now, warnerOf, reportOverflow, trainEpoch, type StepEnv } from "./fitStep.js";
import { epochRecord, finishRun, stopAfterEpoch, type EpochWatch } from "./fitEpoch.js";
import { stepExtra, type StepBatch } from "./stepExtra.js";
import { fitOnDevice } from "./fitDevice.js";

export { evaluate, evaluateAsync, type EvaluateOptions } from "./evaluate.js";
export { History, type EpochRecord, type FitResult, type StepInfo, type StopReason } from "./history.js";
export type { FitOptions, DiagnosticsOptions, ConvergenceOptions } from "./fitOptions.js";
export type { CheckpointOptions, CheckpointInfo } from "./fitCheckpoint.js";
export type { Dataset } from "./data.js";

/**
 * Trains `model` on `data` ({x, y} or a `data.batches(...)` plan) with `options.optimizer`,
 * updating `model.params` (and `model.state`) and returning the history and the training state.
 * @example
 *   const result = await fit(model, { x, y }, { optimizer: adamw({ lr: 1e-3 }), epochs: 5, batchSize: 64, validationData });
 */
export async function fit(model: Layer, data: Dataset | Batches, options: FitOptions): Promise<FitResult> {
  // Everything that can be wrong is refused before any parameter changes.
  const plan = resolveFitOptions(model, data, options);
  // On WebGPU values are read only with `await t.data()`: a loop that keeps each step's numbers on
  // the device and reads them at read points (fitDevice.ts). Under "auto" (a hardware adapter was
  // taken: else the backend is "wasm") the router may move the step's values there, so the same
  // loop. The CPU loop below reads each step.
  const backend = backendInfo().backend;
  if (backend === "webgpu" || backend === "auto") return fitOnDevice(model, plan);

  // Worker threads start in the background; the optimizer chooses its (possibly two-thread) step
  // when it is built below, so let them come up first (~30 ms, once per process).
  await whenThreadsReady();
  const { run, opt } = startTraining(model, plan);

  const history = new History();
  const perEpoch = plan.batches.length;
  const { maxEpochs, maxSteps, accumulate } = plan;
  const resumedInside = run.batch > 0 ? 1 : 0;
  const totalSteps = maxSteps ?? Math.ceil(((maxEpochs - resumedInside) * perEpoch + (resumedInside ? perEpoch - run.batch : 0)) / accumulate);
  const progress = new Progress(totalSteps, "steps", plan.progress, plan.progressSink);
  const stepBatches: StepBatch[] = [];
  const env: StepEnv = {
    plan, opt, history, progress,
    warn: warnerOf(plan, progress),
    describeLayer: describeLayers(model),
    batchGradient: batchGradientOf(model, plan.loss, run, plan.jit),
    lastFinite: null,
    stepBatches,
    extra: stepExtra(model, plan.loss, options.loss === "mse", stepBatches, () => run.state, run.rng),
  };

  const calls = { steps: 0, epochs: 0 };
  const watch: EpochWatch = { best: null, prevLoss: NaN };
  let stopReason: StopReason = "epochs";
  let optState: unknown;
  try {
    while (calls.epochs < maxEpochs) {
      const t0 = now();
      const sums = new EpochSums(plan.metrics.length);
      const stopped = trainEpoch(env, run, sums, calls);
      const complete = run.batch >= perEpoch;
      model.params = run.params;
      model.state = run.state;
      const record = epochRecord(model, plan, run, sums, () => (now() - t0) / 1000, complete);
      history.epochs.push(record);
      progress.epoch(run.epoch, record.values);
      if (complete) {
        run.epoch++;
        run.batch = 0;
        calls.epochs++;
        plan.checkpoint?.afterEpoch(run, opt, record);
      }
      await plan.checkpoint?.flush();
      const stop = stopped ?? stopAfterEpoch(plan, record, history, run, watch, calls.steps, () => opt.state);
      if (stop) { stopReason = stop; break; }
      await new Promise((r) => setTimeout(r, 0)); // let timers, I/O and UI run between epochs
    }
    reportOverflow(env, run); // the last step may have overflowed the parameters, with no next step to show it
    optState = opt.state;
    await plan.checkpoint?.flush();
  } finally {
    opt.dispose(); // parameters get their own arrays back, even when a step threw
  }
  return finishRun(model, plan, run, watch, history, stopReason, optState, progress, env.batchGradient.jit);
}


export { layerOf };
