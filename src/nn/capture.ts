/**
 * Layer captures for K-FAC: for every `linear` layer of a model, its input rows a and the gradient
 * of a loss with respect to its outputs s = a W + b, on one batch (for a `conv2d` layer, its
 * patch rows and the gradients at every output location: the same map over patches). The loss is the caller's
 * function of the model's outputs (K-FAC differentiates a loss on labels sampled from the model).
 *
 * How: the layers call `ctx.tapLinear(path, a, s)` (layers.ts). A first forward pass in evaluation
 * mode learns the outputs' shapes; the second adds a zero tensor z_l to each layer's output and
 * differentiates the loss with respect to the z's only, so ∂loss/∂z_l = ∂loss/∂s_l and nothing else
 * is computed (the backward pass visits only paths that reach the z's).
 */
import { valueAndGrad } from "../autodiff/grad.js";
import { add } from "../ops/elementwise.js";
import { concat, detach } from "../ops/shape.js";
import { zeros } from "../tensor/create.js";
import type { Rng } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Tree } from "../tensor/tree.js";
import type { Layer, State } from "./layers.js";

export interface LinearCapture {
  /** The layer's path in the model ("0", "2.1"; "" for a model that is one linear layer): its params are `path.w` and `path.b`. */
  readonly path: string;
  /** The layer's input rows a, [N, in] (no graph). */
  readonly inputs: Tensor;
  /** ∂loss/∂s for its outputs s = a W + b, [N, out]. */
  readonly outputGrads: Tensor;
  /**
   * Rows per example: 1 for a linear layer; a conv2d layer's rows are its patches, Ho * Wo per
   * image (its weight [kh, kw, in, out] read as [kh * kw * in, out]).
   */
  readonly locations: number;
}

/** Captures every linear layer for `lossOfOutputs(model(params, x))`. */
export type CaptureLinear = (params: Tree, lossOfOutputs: (outputs: Tensor) => Tensor) => LinearCapture[];

/**
 * The capture function of `model` on the batch `x` (training mode with `rng` for dropout, or
 * evaluation mode); the model state is read, and the state the passes produce is dropped.
 */
export function captureLinear(model: Layer, x: Tensor, options: { state?: State; training?: boolean; rng?: Rng | null } = {}): CaptureLinear {
  const state = options.state ?? model.state;
  const training = options.training ?? false;
  const rng = options.rng ?? null;
  return (params, lossOfOutputs) => {
    const order: string[] = [];
    const outs: Tensor[] = [];
    const locations: number[] = [];
    model.forward(params, state, x, { training: false, rng: null, path: "", tapLinear: (path, _a, s, loc = 1) => { order.push(path); outs.push(s); locations.push(loc); return s; } });
    const taps = outs.map((s) => zeros(s.shape, { dtype: s.dtype }));
    const inputs: Tensor[] = new Array(order.length);
    const { grad } = valueAndGrad((z: Tensor[]) => {
      let i = 0;
      const y = model.forward(params, state, x, {
        training, rng, path: "",
        tapLinear: (_path, a, s) => {
          inputs[i] = detach(a);
          return add(s, z[i++]);
        },
      }).y;
      return lossOfOutputs(y);
    })(taps);
    return order.map((path, i) => ({ path, inputs: inputs[i], outputGrads: (grad as Tensor[])[i], locations: locations[i] }));
  };
}

/** The captures of several batches as one: rows concatenated layer by layer (the same layers in each). */
export function concatCaptures(parts: readonly LinearCapture[][]): LinearCapture[] {
  if (parts.length === 1) return parts[0];
  return parts[0].map((c, i) => ({
    path: c.path,
    inputs: concat(parts.map((p) => p[i].inputs), 0),
    outputGrads: concat(parts.map((p) => p[i].outputGrads), 0),
    locations: c.locations,
  }));
}
