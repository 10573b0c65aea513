/**
 * `nn.layerNorm` (Ba, Kiros & Hinton 2016; torch.nn.LayerNorm): each sample normalized over its
 * last dimensions, y = (x - mean) / sqrt(var + eps) * gamma + beta, with the biased variance
 * and, unlike batch norm, the same computation in training and evaluation (no running state).
 */
import { ArgumentError, ShapeError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import type { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { fmt } from "../tensor/shape.js";
import { ones, zeros } from "../tensor/create.js";
import { add, mul, rsqrt, square, sub } from "../ops/elementwise.js";
import { mean } from "../ops/reduce.js";
import { checkDim } from "./init.js";
import { checkDType, checkInput, makeLayer, type Layer } from "./layers.js";

export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn gamma (and beta) of the normalized shape (default true). */
  elementwiseAffine?: boolean;
  /** Learn beta, when elementwiseAffine (default true). */
  bias?: boolean;
  dtype?: DType;
}

const LAYER_NORM_KEYS = { eps: true, elementwiseAffine: true, bias: true, dtype: true } satisfies OptionKeys<LayerNormOptions>;

/** Layer normalization over the trailing `normalizedShape` (a number: the last dimension). Params `{gamma, beta}`. */
export function layerNorm(normalizedShape: number | readonly number[], options: LayerNormOptions = {}): Layer<{ gamma?: Tensor; beta?: Tensor }> {
  const op = "nn.layerNorm";
  checkOptions(op, options, LAYER_NORM_KEYS);
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : null;
  if (!shape || shape.length === 0) throw new ArgumentError(`${op}: normalizedShape must be a positive integer or a non-empty array of them, got ${JSON.stringify(normalizedShape)}`);
  shape.forEach((d, i) => checkDim(op, `normalizedShape[${i}]`, d));
  const eps = options.eps ?? 1e-5;
  if (!(eps >= 0)) throw new ArgumentError(`${op}: eps must be non-negative, got ${eps}`);
  const affine = options.elementwiseAffine ?? true, withBias = options.bias ?? true;
  const dtype = options.dtype ?? "float32";
  const params: { gamma?: Tensor; beta?: Tensor } = {};
  if (affine) {
    params.gamma = ones(shape, { dtype });
    if (withBias) params.beta = zeros(shape, { dtype });
  }
  const axes = shape.map((_, i) => i - shape.length);
  return makeLayer("layerNorm", params, {}, (p, state, x, ctx) => {
    checkInput(op, x);
    if (p.gamma) checkDType(op, x, p.gamma, ctx);
    const tail = x.shape.slice(x.rank - shape.length);
    if (x.rank < shape.length || tail.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`${op}${ctx.path ? ` (layer ${ctx.path})` : ""}: input of shape ${fmt(x.shape)} does not end in the normalized shape ${fmt(shape)}`);
    }
    const centered = sub(x, mean(x, axes, true));
    let y = mul(centered, rsqrt(add(mean(square(centered), axes, true), eps)));
    if (p.gamma) y = mul(y, p.gamma);
    if (p.beta) y = add(y, p.beta);
    return { y, state };
  });
}
