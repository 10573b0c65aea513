/**
 * Sliding 2-D windows over NCHW images as gather index tables (im2col without a kernel of its
 * own): conv2d and the pools gather each window's values with the `gather` primitive, whose VJP
 * is `scatterAdd` (col2im) and whose VJP in turn is `gather`, so grad, hvp and jit need nothing new.
 * Out-of-image taps point at one extra slot appended to each row (0 for conv2d and avgPool2d,
 * -Infinity for maxPool2d).
 */
import { ArgumentError, ShapeError } from "../errors.js";
import { fmt } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

/** Kernel extent, stride, padding and dilation, each as [height, width]. */
export interface Window2d {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

/** A geometry option as [height, width] from a number or a pair. */
export function pair2(op: string, name: string, v: number | readonly number[] | undefined, dflt: [number, number], min: number): [number, number] {
  if (v === undefined) return dflt;
  const p = typeof v === "number" ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new ArgumentError(`${op}: ${name} must be an integer >= ${min} or a pair [height, width] of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

/** Checks x is [N, C, H, W] with `channels` channels (when given); returns [N, C, H, W]. */
export function checkImages(op: string, x: Tensor, channels?: number): [number, number, number, number] {
  if (x.rank !== 4) throw new ShapeError(`${op}: input must be [batch, channels, height, width] (NCHW), got shape ${fmt(x.shape)}`);
  if (channels !== undefined && x.shape[1] !== channels) {
    throw new ShapeError(`${op}: input of shape ${fmt(x.shape)} has ${x.shape[1]} channels, expected ${channels} (NCHW: channels are dimension 1)`);
  }
  return [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
}

/** Output height and width, or a ShapeError naming the op, the input and the window. */
export function outputSize(op: string, shape: readonly number[], win: Window2d): [number, number] {
  const H = shape[2], W = shape[3];
  const ext = (i: 0 | 1) => win.dilation[i] * (win.kernel[i] - 1) + 1;
  const ho = Math.floor((H + 2 * win.padding[0] - ext(0)) / win.stride[0]) + 1;
  const wo = Math.floor((W + 2 * win.padding[1] - ext(1)) / win.stride[1]) + 1;
  if (!(ho >= 1 && wo >= 1)) {
    throw new ShapeError(
      `${op}: kernel ${win.kernel[0]}x${win.kernel[1]} (dilation ${fmt(win.dilation)}, padding ${fmt(win.padding)}) is larger than the input ${H}x${W} of shape ${fmt(shape)}`,
    );
  }
  return [ho, wo];
}

const cache = new Map<string, { idx: Int32Array; padded: boolean }>();
const CACHE_SIZE = 32;

/**
 * Index table into rows of `channels * H * W` values (plus the pad slot at that index), in the
 * order [outY, outX, kernelY, kernelX, channel] when `channelsLast` (conv2d: one row of the
 * patch matrix per output location, matching a weight stored [kh, kw, in, out]), else
 * [kernelY, kernelX, outY, outX] over one channel plane (the pools: window taps outermost, so
 * reducing them and broadcasting back run over contiguous rows of Ho * Wo values). `padded`:
 * whether any tap reads the pad slot. Tables are cached by geometry (the last 32).
 */
export function windowIndex(channels: number, H: number, W: number, win: Window2d, ho: number, wo: number, channelsLast: boolean): { idx: Int32Array; padded: boolean } {
  const key = `${channels},${H},${W},${win.kernel},${win.stride},${win.padding},${win.dilation},${channelsLast}`;
  const hit = cache.get(key);
  if (hit) { cache.delete(key); cache.set(key, hit); return hit; }
  const [kh, kw] = win.kernel, [sh, sw] = win.stride, [ph, pw] = win.padding, [dh, dw] = win.dilation;
  const C = channelsLast ? channels : 1, plane = H * W, pad = channels * plane;
  const idx = new Int32Array(ho * wo * kh * kw * C);
  let n = 0, padded = false;
  if (!channelsLast) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        for (let oy = 0; oy < ho; oy++) {
          const iy = oy * sh - ph + ky * dh;
          for (let ox = 0; ox < wo; ox++) {
            const ix = ox * sw - pw + kx * dw;
            const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
            if (!inside) padded = true;
            idx[n++] = inside ? iy * W + ix : pad;
          }
        }
      }
    }
  } else for (let oy = 0; oy < ho; oy++) {
    for (let ox = 0; ox < wo; ox++) {
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - ph + ky * dh;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sw - pw + kx * dw;
          const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
          if (!inside) padded = true;
          for (let c = 0; c < C; c++) idx[n++] = inside ? c * plane + iy * W + ix : pad;
        }
      }
    }
  }
  const entry = { idx, padded };
  cache.set(key, entry);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return entry;
}
