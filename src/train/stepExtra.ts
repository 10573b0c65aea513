/**
 * What `fit` hands to `update`'s extra channel each optimizer step (src/optim/extraArgs.ts):
 * closures over the step's batches (all of them with `accumulate`), as functions of the
 * parameters. The forward passes run in training mode with the training RNG (dropout draws from
 * it; the checkpoint saves it) and the current model state; the state they produce is dropped.
 */
import type { Tensor } from "../tensor/tensor.js";
import type { Rng } from "../tensor/random.js";
import type { Tree } from "../tensor/tree.js";
import { concat } from "../ops/shape.js";
import type { ExtraArgs } from "../optim/extraArgs.js";
import { captureLinear, concatCaptures } from "../nn/capture.js";
import type { Layer, State } from "../nn/layers.js";
import type { LossFn } from "../nn/losses.js";

export interface StepBatch { x: Tensor; y: Tensor }

/**
 * loss: the mean over the step's batches of the training loss; outputs: the model's outputs on
 * them (rows concatenated); captureLinear: the linear layers' captures (nn/capture.ts);
 * residuals (only when `mse`): r = (f − y)·√(2/(k·size)) per batch, so that ½‖r‖² is the step's loss.
 */
export function stepExtra(model: Layer, lossFn: LossFn, mse: boolean, batches: readonly StepBatch[], state: () => State, rng: Rng): ExtraArgs {
  const forwardAt = (p: Tree, x: Tensor) => model.forward(p, state(), x, { training: true, rng, path: "" }).y;
  const joined = (ts: Tensor[]) => (ts.length === 1 ? ts[0] : concat(ts, 0));
  return {
    loss: (p) => {
      let total: Tensor | null = null;
      for (const b of batches) {
        const l = lossFn(forwardAt(p, b.x), b.y);
        total = total === null ? l : total.add(l);
      }
      return batches.length === 1 ? total! : total!.mul(1 / batches.length);
    },
    outputs: (p) => joined(batches.map((b) => forwardAt(p, b.x))),
    captureLinear: (p, lossOfOutputs) => concatCaptures(batches.map((b) => captureLinear(model, b.x, { state: state(), training: true, rng })(p, lossOfOutputs))),
    residuals: mse ? (p) => joined(batches.map((b) => forwardAt(p, b.x).sub(b.y).mul(Math.sqrt(2 / (batches.length * b.y.size))).reshape([-1]))) : undefined,
  };
}
