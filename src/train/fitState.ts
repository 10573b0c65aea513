/**
 * The training state `fit` carries from step to step, and where it starts: the model as it is,
 * or a checkpoint (`resume`). Everything that decides the trajectory is here, so a checkpoint of
 * it resumes bit for bit.
 */
import { ArgumentError } from "../errors.js";
import type { Rng } from "../tensor/random.js";
import type { Tree } from "../tensor/tree.js";
import { optimizer as statefulOptimizer, type Optimizer } from "../optim/optimizer.js";
import type { Layer, State } from "../nn/layers.js";
import { loadCheckpoint } from "./checkpoint.js";
import type { FitPlan } from "./fitOptions.js";

/** The mutable state of a run: what `saveCheckpoint(model, result)` writes. */
export interface TrainingState {
  params: Tree;
  state: State;
  /** Optimizer steps taken, completed epochs, batches consumed in the current epoch. */
  step: number;
  epoch: number;
  batch: number;
  /** The dropout RNG. */
  readonly rng: Rng;
}

/**
 * The state to start from (the model's, or the checkpoint's, which is then put into the model)
 * and the stateful optimizer over its parameters. The optimizer updates the parameter tensors in
 * place (one fused kernel per step for the aliases); the model's params are those tensors.
 */
export function startTraining(model: Layer, plan: FitPlan): { run: TrainingState; opt: Optimizer<any> } {
  const run: TrainingState = { params: model.params, state: model.state, step: 0, epoch: 0, batch: 0, rng: plan.rng };
  let resumedOpt: unknown;
  if (plan.resume !== undefined) {
    const ck = plan.resume instanceof Uint8Array ? loadCheckpoint(plan.resume, model, { optState: plan.transform.init(run.params), assign: false }) : plan.resume;
    if (ck.optState === undefined) throw new ArgumentError("fit: resume checkpoint has no optimizer state (load it with { optState: transform.init(model.params) })");
    run.params = ck.params;
    if (ck.state !== undefined) run.state = ck.state;
    resumedOpt = ck.optState;
    run.step = ck.step;
    run.epoch = ck.epoch;
    run.batch = ck.batch;
    if (ck.rngState) run.rng.setState(ck.rngState);
    model.params = run.params;
    model.state = run.state;
  }
  const opt = statefulOptimizer(plan.transform, run.params);
  if (resumedOpt !== undefined) opt.setState(resumedOpt as never);
  return { run, opt };
}
