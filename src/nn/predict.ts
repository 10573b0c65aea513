/**
 * `predict(model, x)`: the model's outputs for the rows of x in evaluation mode (dropout off,
 * batch norm on its running statistics), in batches, with recording off. Layers here are pure
 * functions of a `training` flag passed per call, so there is no mode to switch and restore (what
 * Keras's `predict` and PyTorch's `model.eval()` do): training code before and after a predict
 * is unaffected, and the outputs carry no gradient graph even inside `grad`.
 */
import { ArgumentError, ShapeError } from "../errors.js";
import { checkOptions } from "../options.js";
import { Tensor } from "../tensor/tensor.js";
import type { Tree } from "../tensor/tree.js";
import { withRecording } from "../autodiff/tape.js";
import { concat, slice } from "../ops/shape.js";
import type { Layer, State } from "./layers.js";

export interface PredictOptions {
  /** Rows per forward pass (default 1024, as `evaluate`). */
  batchSize?: number;
  /** Parameters to use (default the model's). */
  params?: Tree;
  /** Model state to use, e.g. batch-norm running statistics (default the model's). */
  state?: State;
}

const KEYS = { batchSize: true, params: true, state: true } as const;

/** The model's outputs for every row of `x` ([N, ...]), in evaluation mode and batches of `batchSize`. */
export function predict(model: Layer, x: Tensor, options: PredictOptions = {}): Tensor {
  if (!model || typeof model.forward !== "function") throw new ArgumentError("predict: model must be a layer (e.g. nn.sequential([...]))");
  checkOptions("predict", options, KEYS);
  if (!(x instanceof Tensor)) throw new ArgumentError(`predict: x must be a Tensor of rows [N, ...], got ${x === null ? "null" : typeof x}`);
  if (x.rank === 0) throw new ShapeError("predict: x must have a batch dimension (rows [N, ...]), got a scalar");
  const bs = options.batchSize ?? 1024;
  if (!Number.isInteger(bs) || bs < 1) throw new ArgumentError(`predict: batchSize must be a positive integer, got ${options.batchSize}`);
  const params = options.params ?? model.params, state = options.state ?? model.state;
  const n = x.shape[0];
  return withRecording(false, () => {
    const run = (xb: Tensor) => model.forward(params, state, xb, { training: false, rng: null, path: "" }).y;
    if (n <= bs) return run(x);
    const outs: Tensor[] = [];
    for (let s = 0; s < n; s += bs) {
      const count = Math.min(bs, n - s);
      outs.push(run(slice(x, [s, ...x.shape.slice(1).map(() => 0)], [count, ...x.shape.slice(1)])));
    }
    return concat(outs, 0);
  });
}
