/**
 * Layers as plain data plus pure functions (flax/equinox-lite): a layer holds its trainable
 * `params` (a tree the optimizers take as is) and its non-trainable `state` (batch-norm running
 * statistics), and `forward(params, state, x, ctx)` returns the output and the new state without
 * mutating anything. `valueAndGrad` over `params` therefore works directly:
 *
 *   const { value, grad } = valueAndGrad((p) => crossEntropy(model.apply(p, x), y))(model.params);
 */
import { ArgumentError, DTypeError, ShapeError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { Rng } from "../tensor/random.js";
import { Tensor, tensorOf } from "../tensor/tensor.js";
import type { Tree } from "../tensor/tree.js";
import type { DType } from "../tensor/dtype.js";
import { arrayFor } from "../tensor/dtype.js";
import { fmt, sizeOf } from "../tensor/shape.js";
import { add, sub, mul, div, sqrt, relu as reluOp, tanh as tanhOp, sigmoid as sigmoidOp } from "../ops/elementwise.js";
import { mean } from "../ops/reduce.js";
import { reshape, detach } from "../ops/shape.js";
import { matmul } from "../ops/matmul.js";
import { leakyRelu as leakyReluOp, elu as eluOp, gelu as geluOp, softmax as softmaxOp } from "../ops/activation.js";
import { resolveInitializer, checkDim, type Initializer, type InitializerName } from "./init.js";
import { summary, type SummaryOptions } from "./summary.js";
import { predict, type PredictOptions } from "./predict.js";

/** Non-trainable layer state (a tree of tensors; `{}` when a layer has none). */
export type State = Tree;

/** What a forward pass knows besides its input. */
export interface Context {
  /** Training mode: dropout drops, batch norm uses (and updates) batch statistics. */
  training: boolean;
  /** Generator for dropout masks (required when training with dropout). */
  rng: Rng | null;
  /** Path of the layer in the model ("0", "2.1"), for messages and diagnostics. */
  path: string;
  /** Called with every activation layer's output (diagnostics: dead ReLU units). */
  onActivation?: (path: string, kind: string, y: Tensor) => void;
  /**
   * Called by every `linear` layer with its input rows x [N, in] and output y = x W + b [N, out]
   * (and by `conv2d` with its patch rows and their outputs, `locations` rows per example; 1 for
   * linear); the layer continues with the returned tensor (K-FAC's captures add a zero tangent
   * there to read ∂L/∂y; see capture.ts).
   */
  tapLinear?: (path: string, x: Tensor, y: Tensor, locations?: number) => Tensor;
}

export interface ApplyOptions {
  training?: boolean;
  rng?: Rng | null;
  /** State to use instead of the layer's own (e.g. a checkpoint's). */
  state?: State;
  onActivation?: Context["onActivation"];
}

const APPLY_KEYS = { training: true, rng: true, state: true, onActivation: true } satisfies OptionKeys<ApplyOptions>;

/** A model piece: trainable params, non-trainable state and a pure forward pass. */
export interface Layer<P extends Tree = Tree> {
  readonly kind: string;
  /** Current trainable parameters (`fit` and checkpoints replace this tree). */
  params: P;
  /** Current non-trainable state (`fit` and checkpoints replace this tree). */
  state: State;
  /** Pure forward pass: output and new state. */
  forward(params: P, state: State, x: Tensor, ctx: Context): { y: Tensor; state: State };
  /** Output only, evaluation mode unless `training` is set; uses `this.state` unless given. */
  apply(params: P, x: Tensor, options?: ApplyOptions): Tensor;
}

/** A model is a layer (usually a `sequential`). */
export type Model<P extends Tree = Tree> = Layer<P>;

export function makeLayer<P extends Tree>(
  kind: string,
  params: P,
  state: State,
  forward: Layer<P>["forward"],
): Layer<P> {
  const layer: Layer<P> = {
    kind,
    params,
    state,
    forward,
    apply(p, x, options = {}) {
      checkOptions(`${kind}.apply`, options, APPLY_KEYS);
      const ctx: Context = { training: options.training ?? false, rng: options.rng ?? null, path: "", onActivation: options.onActivation };
      return layer.forward(p, options.state ?? layer.state, x, ctx).y;
    },
  };
  return layer;
}

export function checkInput(op: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: input x must be a Tensor, got ${x === null ? "null" : typeof x}`);
}

/**
 * The input's dtype must be the layer's (downhill never converts silently): the error names the
 * layer and the two ways out, since the matmul's own message could name neither.
 */
export function checkDType(op: string, x: Tensor, param: Tensor, ctx: Context): void {
  if (x.dtype === param.dtype) return;
  throw new DTypeError(
    `${op}${ctx.path ? ` (layer ${ctx.path})` : ""}: input is ${x.dtype} but the layer's parameters are ${param.dtype}; ` +
    `cast the data with cast(x, "${param.dtype}"), or build the model with { dtype: "${x.dtype}" } in its layers`,
  );
}

export function initRng(options: { rng?: Rng; seed?: number }): Rng {
  return options.rng ?? new Rng(options.seed ?? 0);
}

export interface LinearOptions {
  /** Add a bias (default true). */
  bias?: boolean;
  /** Weight initializer (default "glorotUniform", as Keras; use "heNormal" before ReLU). */
  init?: InitializerName | Initializer;
  /** Bias initializer (default "zeros"). */
  biasInit?: InitializerName | Initializer;
  /** Generator for the initial weights (its state advances), or a seed (default 0). */
  rng?: Rng;
  seed?: number;
  dtype?: DType;
}

const LINEAR_KEYS = { bias: true, init: true, biasInit: true, rng: true, seed: true, dtype: true } satisfies OptionKeys<LinearOptions>;

/**
 * Fully connected layer: y = x W + b, W of shape [inFeatures, outFeatures], b of shape [outFeatures].
 * Inputs of rank > 2 are treated as a batch of rows over their last dimension.
 */
export function linear(inFeatures: number, outFeatures: number, options: LinearOptions = {}): Layer<{ w: Tensor; b?: Tensor }> {
  checkOptions("nn.linear", options, LINEAR_KEYS);
  checkDim("nn.linear", "inFeatures", inFeatures);
  checkDim("nn.linear", "outFeatures", outFeatures);
  const rng = initRng(options);
  const dtype = options.dtype ?? "float32";
  const w = resolveInitializer("nn.linear: init", options.init ?? "glorotUniform")([inFeatures, outFeatures], rng, dtype);
  const params: { w: Tensor; b?: Tensor } = { w };
  if (options.bias ?? true) params.b = resolveInitializer("nn.linear: biasInit", options.biasInit ?? "zeros")([outFeatures], rng, dtype);
  return makeLayer("linear", params, {}, (p, state, x, ctx) => {
    checkInput("nn.linear", x);
    checkDType("nn.linear", x, p.w, ctx);
    const last = x.shape[x.rank - 1];
    if (x.rank === 0 || last !== p.w.shape[0]) {
      throw new ShapeError(`nn.linear${ctx.path ? ` (layer ${ctx.path})` : ""}: input of shape ${fmt(x.shape)} does not end in inFeatures = ${p.w.shape[0]}`);
    }
    const x2 = x.rank === 2 ? x : reshape(x, [-1, last]);
    let y = matmul(x2, p.w);
    if (p.b) y = add(y, p.b);
    if (ctx.tapLinear) y = ctx.tapLinear(ctx.path, x2, y);
    if (x.rank !== 2) y = reshape(y, [...x.shape.slice(0, -1), p.w.shape[1]]);
    return { y, state };
  });
}

/** The supported activation names. */
export type ActivationName = "relu" | "leakyRelu" | "elu" | "gelu" | "tanh" | "sigmoid" | "softmax";

const activations: Record<ActivationName, (x: Tensor, arg?: number) => Tensor> = {
  relu: (x) => reluOp(x),
  leakyRelu: (x, a) => leakyReluOp(x, a),
  elu: (x, a) => eluOp(x, a),
  gelu: (x) => geluOp(x),
  tanh: (x) => tanhOp(x),
  sigmoid: (x) => sigmoidOp(x),
  softmax: (x) => softmaxOp(x, -1),
};

/** An activation layer by name (`alpha` for leakyRelu/elu); unknown names throw, naming the argument. */
export function activation(name: ActivationName, alpha?: number): Layer<Record<string, never>> {
  const f = activations[name as ActivationName];
  if (typeof name !== "string" || !Object.prototype.hasOwnProperty.call(activations, name)) {
    throw new ArgumentError(`nn.activation: unknown activation ${JSON.stringify(name)}; expected one of ${Object.keys(activations).join(", ")}`);
  }
  return makeLayer(name, {}, {}, (_p, state, x, ctx) => {
    checkInput(`nn.${name}`, x);
    const y = f(x, alpha);
    ctx.onActivation?.(ctx.path, name, y);
    return { y, state };
  });
}

export const relu = (): Layer<Record<string, never>> => activation("relu");
export const leakyRelu = (alpha = 0.01): Layer<Record<string, never>> => activation("leakyRelu", alpha);
export const elu = (alpha = 1): Layer<Record<string, never>> => activation("elu", alpha);
export const gelu = (): Layer<Record<string, never>> => activation("gelu");
export const tanh = (): Layer<Record<string, never>> => activation("tanh");
export const sigmoid = (): Layer<Record<string, never>> => activation("sigmoid");
export const softmax = (): Layer<Record<string, never>> => activation("softmax");

/** Reshapes [N, ...] to [N, prod(...)]. */
export function flatten(): Layer<Record<string, never>> {
  return makeLayer("flatten", {}, {}, (_p, state, x) => {
    checkInput("nn.flatten", x);
    return { y: reshape(x, [x.shape[0], -1]), state };
  });
}

/**
 * Inverted dropout (Srivastava et al. 2014): in training, each unit is kept with probability
 * 1 - rate and scaled by 1 / (1 - rate); in evaluation it is the identity. Masks come from the
 * context's seeded generator, so a run is reproducible and resumable from its RNG state.
 */
export function dropout(rate: number): Layer<Record<string, never>> {
  if (!(rate >= 0 && rate < 1)) throw new ArgumentError(`nn.dropout: rate must be in [0, 1), got ${rate}`);
  return makeLayer("dropout", {}, {}, (_p, state, x, ctx) => {
    checkInput("nn.dropout", x);
    if (!ctx.training || rate === 0) return { y: x, state };
    if (!ctx.rng) throw new ArgumentError(`nn.dropout${ctx.path ? ` (layer ${ctx.path})` : ""}: training mode needs an rng (pass { training: true, rng })`);
    const m = arrayFor(x.dtype, x.size);
    const scale = 1 / (1 - rate);
    const rng = ctx.rng;
    for (let i = 0; i < m.length; i++) m[i] = rng.uniform24() >= rate ? scale : 0;
    return { y: mul(x, tensorOf(m, x.shape)), state };
  });
}

export interface BatchNormOptions {
  /** Running-statistics update weight (PyTorch's convention; default 0.1): r = (1 - m) r + m batch. */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
  dtype?: DType;
}

const BATCH_NORM_KEYS = { momentum: true, eps: true, dtype: true } satisfies OptionKeys<BatchNormOptions>;

/**
 * Batch normalization (Ioffe & Szegedy 2015) over the last dimension (`features`):
 *   training:   y = gamma (x - mean_B) / sqrt(var_B + eps) + beta, with batch statistics over all
 *               other axes; running mean/var move toward them (var unbiased, as in PyTorch);
 *   evaluation: the same with the running statistics.
 * Params `{gamma, beta}`; state `{mean, var}` (not trained, saved in checkpoints).
 */
export function batchNorm(features: number, options: BatchNormOptions = {}): Layer<{ gamma: Tensor; beta: Tensor }> {
  checkOptions("nn.batchNorm", options, BATCH_NORM_KEYS);
  checkDim("nn.batchNorm", "features", features);
  const momentum = options.momentum ?? 0.1, eps = options.eps ?? 1e-5;
  if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentError(`nn.batchNorm: momentum must be in [0, 1], got ${momentum}`);
  if (!(eps >= 0)) throw new ArgumentError(`nn.batchNorm: eps must be non-negative, got ${eps}`);
  const dtype = options.dtype ?? "float32";
  const filled = (v: number) => { const a = arrayFor(dtype, features); a.fill(v); return tensorOf(a, [features]); };
  const params = { gamma: filled(1), beta: filled(0) };
  const state = { mean: filled(0), var: filled(1) };
  return makeLayer("batchNorm", params, state, (p, st, x, ctx) => {
    checkInput("nn.batchNorm", x);
    checkDType("nn.batchNorm", x, p.gamma, ctx);
    if (x.rank < 2 || x.shape[x.rank - 1] !== features) {
      throw new ShapeError(`nn.batchNorm${ctx.path ? ` (layer ${ctx.path})` : ""}: input of shape ${fmt(x.shape)} must be [batch, ..., ${features}]`);
    }
    const s = st as { mean: Tensor; var: Tensor };
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    if (!ctx.training) {
      const y = add(mul(div(sub(x, s.mean), sqrt(add(s.var, eps))), p.gamma), p.beta);
      return { y, state: st };
    }
    const count = sizeOf(x.shape) / features;
    if (count < 2) throw new ShapeError(`nn.batchNorm${ctx.path ? ` (layer ${ctx.path})` : ""}: training needs more than one value per feature, got input ${fmt(x.shape)}`);
    const mu = mean(x, axes);
    const centered = sub(x, mu);
    const v = mean(mul(centered, centered), axes);
    const y = add(mul(div(centered, sqrt(add(v, eps))), p.gamma), p.beta);
    const vUnbiased = mul(detach(v), count / (count - 1));
    const newState = {
      mean: detach(add(mul(s.mean, 1 - momentum), mul(detach(mu), momentum))),
      var: detach(add(mul(s.var, 1 - momentum), mul(vUnbiased, momentum))),
    };
    return { y, state: newState };
  });
}

/** A `sequential` model: its layers, and Keras's `summary()` and `predict(x)`. */
export interface Sequential<L extends readonly Layer<any>[]> extends Layer<ParamsOf<L>> {
  readonly layers: L;
  /** The table of layers, output shapes and parameter counts (nn.summary; `nn.summarize` gives the rows). */
  summary(options?: SummaryOptions): string;
  /** Outputs for the rows of x in evaluation mode, in batches, recording nothing (nn.predict). */
  predict(x: Tensor, options?: PredictOptions): Tensor;
}

/**
 * Layers applied in order. Params and state are arrays with one entry per layer (`{}` for layers
 * without any), so parameter paths read "0.w", "0.b", "3.gamma".
 */
export function sequential<const L extends readonly Layer<any>[]>(layers: L): Sequential<L> {
  if (!Array.isArray(layers) || layers.length === 0) throw new ArgumentError("nn.sequential: layers must be a non-empty array of layers");
  layers.forEach((l, i) => {
    if (!l || typeof l.forward !== "function") throw new ArgumentError(`nn.sequential: layers[${i}] is not a layer`);
  });
  const params = layers.map((l) => l.params) as unknown as ParamsOf<L>;
  const state = layers.map((l) => l.state);
  const seq = makeLayer<ParamsOf<L>>("sequential", params, state, (p, st, x, ctx) => {
    if (!Array.isArray(p) || p.length !== layers.length) throw new ShapeError(`nn.sequential: params must be an array of ${layers.length} entries`);
    const states = st as Tree[];
    const out: Tree[] = new Array(layers.length);
    let y = x;
    for (let i = 0; i < layers.length; i++) {
      const path = ctx.path ? `${ctx.path}.${i}` : String(i);
      const r = layers[i].forward((p as readonly Tree[])[i], states[i], y, { ...ctx, path });
      y = r.y;
      out[i] = r.state;
    }
    return { y, state: out };
  });
  const model: Sequential<L> = Object.assign(seq, {
    layers,
    summary: (options?: SummaryOptions) => summary(model, options),
    predict: (x: Tensor, options?: PredictOptions) => predict(model, x, options),
  });
  return model;
}

/** The params tree of a sequential model: one entry per layer. */
export type ParamsOf<L extends readonly Layer<any>[]> = { -readonly [K in keyof L]: L[K] extends Layer<infer P> ? P : never };

/** Number of trainable scalars in a model. */
export function paramCount(params: Tree): number {
  let n = 0;
  const visit = (t: unknown): void => {
    if (t instanceof Tensor) n += t.size;
    else if (Array.isArray(t)) t.forEach(visit);
    else if (t && typeof t === "object") Object.values(t).forEach(visit);
  };
  visit(params);
  return n;
}

