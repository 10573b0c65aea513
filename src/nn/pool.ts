/**
 * `nn.maxPool2d` and `nn.avgPool2d`: pooling layers over NCHW images (src/ops/pool.ts), without
 * params. Options as torch: `stride` defaults to the kernel size.
 */
import { checkOptions } from "../options.js";
import { maxPool2d as maxPoolOp, avgPool2d as avgPoolOp, poolWindow, MAX_POOL_KEYS, AVG_POOL_KEYS, type MaxPool2dOptions, type AvgPool2dOptions } from "../ops/pool.js";
import { checkInput, makeLayer, type Layer } from "./layers.js";

/** Max over each window, the gradient to each window's first maximum: [N, C, H, W] -> [N, C, Ho, Wo]. */
export function maxPool2d(kernelSize: number | [number, number], options: MaxPool2dOptions = {}): Layer<Record<string, never>> {
  checkOptions("nn.maxPool2d", options, MAX_POOL_KEYS);
  poolWindow("nn.maxPool2d", kernelSize, options);
  const opts = { ...options };
  return makeLayer("maxPool2d", {}, {}, (_p, state, x, ctx) => {
    checkInput("nn.maxPool2d", x);
    return { y: named(`nn.maxPool2d${ctx.path ? ` (layer ${ctx.path})` : ""}`, () => maxPoolOp(x, kernelSize, opts)), state };
  });
}

/** Mean over each window (padded zeros counted unless countIncludePad: false): [N, C, H, W] -> [N, C, Ho, Wo]. */
export function avgPool2d(kernelSize: number | [number, number], options: AvgPool2dOptions = {}): Layer<Record<string, never>> {
  checkOptions("nn.avgPool2d", options, AVG_POOL_KEYS);
  poolWindow("nn.avgPool2d", kernelSize, { stride: options.stride, padding: options.padding });
  const opts = { ...options };
  return makeLayer("avgPool2d", {}, {}, (_p, state, x, ctx) => {
    checkInput("nn.avgPool2d", x);
    return { y: named(`nn.avgPool2d${ctx.path ? ` (layer ${ctx.path})` : ""}`, () => avgPoolOp(x, kernelSize, opts)), state };
  });
}

/** Runs the op, its errors prefixed with the layer's name in place of the op's. */
function named<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Error && /^(maxPool2d|avgPool2d): /.test(e.message)) e.message = e.message.replace(/^(maxPool2d|avgPool2d)/, where);
    throw e;
  }
}
