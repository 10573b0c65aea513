/**
 * `nn.conv2d`: a 2-D convolution layer over NCHW images (src/ops/conv.ts: im2col onto the SIMD
 * matmul). Params `{w: [kh, kw, in, out], b?: [out]}`: the filter layout of tfjs, which, viewed
 * as [kh * kw * in, out], is a linear layer's weight over the patch rows, so the initializers'
 * fans are those of the receptive field (fanIn = kh kw in) and K-FAC's captures see the layer as
 * a linear map of its patches (through `ctx.tapLinear`, with the output locations per example).
 */
import { ShapeError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import type { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import type { Rng } from "../tensor/random.js";
import { fmt } from "../tensor/shape.js";
import { add } from "../ops/elementwise.js";
import { matmul } from "../ops/matmul.js";
import { reshape } from "../ops/shape.js";
import { conv2dWindow, im2col, rowsToImages, CONV2D_KEYS, type Conv2dOptions as Conv2dOpOptions } from "../ops/conv.js";
import { pair2 } from "../ops/windows.js";
import { resolveInitializer, checkDim, type Initializer, type InitializerName } from "./init.js";
import { checkDType, checkInput, initRng, makeLayer, type Layer } from "./layers.js";

export interface Conv2dOptions extends Conv2dOpOptions {
  /** Add a bias per output channel (default true). */
  bias?: boolean;
  /** Weight initializer (default "glorotUniform" over the receptive field, as Keras; "heNormal" before ReLU). */
  init?: InitializerName | Initializer;
  /** Bias initializer (default "zeros"). */
  biasInit?: InitializerName | Initializer;
  /** Generator for the initial weights (its state advances), or a seed (default 0). */
  rng?: Rng;
  seed?: number;
  dtype?: DType;
}

const CONV2D_LAYER_KEYS = { ...CONV2D_KEYS, bias: true, init: true, biasInit: true, rng: true, seed: true, dtype: true } satisfies OptionKeys<Conv2dOptions>;

/**
 * 2-D convolution (cross-correlation, as torch.nn.Conv2d): [N, inChannels, H, W] ->
 * [N, outChannels, Ho, Wo], Ho = floor((H + 2 padding - dilation (kh - 1) - 1) / stride) + 1.
 * `kernelSize`, `stride`, `padding`, `dilation`: a number or [height, width].
 */
export function conv2d(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: Conv2dOptions = {}): Layer<{ w: Tensor; b?: Tensor }> {
  const op = "nn.conv2d";
  checkOptions(op, options, CONV2D_LAYER_KEYS);
  checkDim(op, "inChannels", inChannels);
  checkDim(op, "outChannels", outChannels);
  const [kh, kw] = pair2(op, "kernelSize", kernelSize, [0, 0], 1);
  // validate the geometry now, not at the first forward pass
  const geometry: Conv2dOpOptions = { stride: pair2(op, "stride", options.stride, [1, 1], 1), padding: pair2(op, "padding", options.padding, [0, 0], 0), dilation: pair2(op, "dilation", options.dilation, [1, 1], 1) };
  const rng = initRng(options);
  const dtype = options.dtype ?? "float32";
  const w = resolveInitializer(`${op}: init`, options.init ?? "glorotUniform")([kh, kw, inChannels, outChannels], rng, dtype);
  const params: { w: Tensor; b?: Tensor } = { w };
  if (options.bias ?? true) params.b = resolveInitializer(`${op}: biasInit`, options.biasInit ?? "zeros")([outChannels], rng, dtype);
  return makeLayer("conv2d", params, {}, (p, state, x, ctx) => {
    const where = `${op}${ctx.path ? ` (layer ${ctx.path})` : ""}`;
    checkInput(op, x);
    checkDType(op, x, p.w, ctx);
    if (x.rank !== 4 || x.shape[1] !== p.w.shape[2]) {
      throw new ShapeError(`${where}: input of shape ${fmt(x.shape)} must be [batch, ${p.w.shape[2]} channels, height, width] (NCHW)`);
    }
    const win = conv2dWindow(where, x, p.w, geometry);
    const patches = im2col(where, x, win);
    let s = matmul(patches.patches, reshape(p.w, [-1, p.w.shape[3]]));
    if (p.b) s = add(s, p.b);
    if (ctx.tapLinear) s = ctx.tapLinear(ctx.path, patches.patches, s, patches.ho * patches.wo);
    return { y: rowsToImages(s, patches), state };
  });
}
