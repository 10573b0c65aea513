/**
 * 2-D convolution over NCHW images (as torch), as im2col onto the matrix product: each output
 * location's receptive field is gathered into one row of a patch matrix P [N * Ho * Wo, kh * kw * C]
 * (src/ops/windows.ts), and y = P W + b with the weight stored [kh, kw, in, out] (tfjs's filter
 * layout; viewed as [kh * kw * in, out] it is a linear layer's weight, which is also what K-FAC's
 * Kronecker factors are over). The product is one large `matmul`, so it runs on the SIMD core.
 * Backward is autodiff through gather (its VJP scatter-adds: col2im), matmul and transpose, so
 * grad, hvp (exact) and jit work unchanged.
 */
import { DTypeError, ShapeError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { zeros } from "../tensor/create.js";
import { add } from "./elementwise.js";
import { matmul } from "./matmul.js";
import { concat, gather, reshape, transpose } from "./shape.js";
import { assertTensor } from "./util.js";
import { checkImages, outputSize, pair2, windowIndex, type Window2d } from "./windows.js";

export interface Conv2dOptions {
  /** Step between windows, a number or [height, width] (default 1). */
  stride?: number | [number, number];
  /** Zeros added on each side, a number or [height, width] (default 0). */
  padding?: number | [number, number];
  /** Spacing between kernel taps (default 1). */
  dilation?: number | [number, number];
}

export const CONV2D_KEYS = { stride: true, padding: true, dilation: true } satisfies OptionKeys<Conv2dOptions>;

/** The parts of a convolution: the patch matrix, the pre-bias product's shape, and how to fold rows back to NCHW. */
export interface Conv2dPatches {
  /** [N * Ho * Wo, kh * kw * C], rows in (n, oy, ox) order. */
  patches: Tensor;
  n: number;
  ho: number;
  wo: number;
}

/** Resolves the geometry for a weight [kh, kw, C, O] and an input [N, C, H, W]. */
export function conv2dWindow(op: string, x: Tensor, w: Tensor, options: Conv2dOptions): Window2d {
  if (w.rank !== 4) throw new ShapeError(`${op}: weight must be [kernelHeight, kernelWidth, inChannels, outChannels], got shape ${fmt(w.shape)}`);
  checkImages(op, x, w.shape[2]);
  return {
    kernel: [w.shape[0], w.shape[1]],
    stride: pair2(op, "stride", options.stride, [1, 1], 1),
    padding: pair2(op, "padding", options.padding, [0, 0], 0),
    dilation: pair2(op, "dilation", options.dilation, [1, 1], 1),
  };
}

/** im2col: the patch matrix of x [N, C, H, W] for `win`. */
export function im2col(op: string, x: Tensor, win: Window2d): Conv2dPatches {
  const [N, C, H, W] = checkImages(op, x);
  const [ho, wo] = outputSize(op, x.shape, win);
  const { idx, padded } = windowIndex(C, H, W, win, ho, wo, true);
  let rows = reshape(x, [N, C * H * W]);
  if (padded) rows = concat([rows, zeros([N, 1], { dtype: x.dtype })], 1);
  const cols = gather(rows, idx, 1); // [N, ho * wo * kh * kw * C]
  return { patches: reshape(cols, [N * ho * wo, win.kernel[0] * win.kernel[1] * C]), n: N, ho, wo };
}

/** Rows [N * Ho * Wo, O] of a patch product back to NCHW. */
export function rowsToImages(s: Tensor, p: Conv2dPatches): Tensor {
  const O = s.shape[1];
  return transpose(reshape(s, [p.n, p.ho, p.wo, O]), [0, 3, 1, 2]);
}

/**
 * y[n, o, i, j] = b[o] + sum over c, ky, kx of w[ky, kx, c, o] x[n, c, i s + ky d - p, j s + kx d - p]
 * (cross-correlation, as torch.nn.functional.conv2d and tf.conv2d), x [N, C, H, W], w [kh, kw, C, O],
 * b [O] or null; out [N, O, Ho, Wo] with Ho = floor((H + 2p - d (kh - 1) - 1) / s) + 1.
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null = null, options: Conv2dOptions = {}): Tensor {
  assertTensor("conv2d", "x", x);
  assertTensor("conv2d", "w", w);
  if (b !== null) assertTensor("conv2d", "b", b);
  checkOptions("conv2d", options, CONV2D_KEYS);
  if (x.dtype !== w.dtype || (b && b.dtype !== w.dtype)) {
    throw new DTypeError(`conv2d: input is ${x.dtype}, weight ${w.dtype}${b ? `, bias ${b.dtype}` : ""}; convert with cast(x, dtype)`);
  }
  const win = conv2dWindow("conv2d", x, w, options);
  if (b && (b.rank !== 1 || b.shape[0] !== w.shape[3])) throw new ShapeError(`conv2d: bias must be [${w.shape[3]}] (one per output channel), got shape ${fmt(b.shape)}`);
  const p = im2col("conv2d", x, win);
  let s = matmul(p.patches, reshape(w, [-1, w.shape[3]]));
  if (b) s = add(s, b);
  return rowsToImages(s, p);
}
