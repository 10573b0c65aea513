/**
 * The readable reference backend: every kernel as plain loops over typed arrays.
 * Fast backends (WebAssembly, WebGPU) implement a hot subset and are tested against these.
 */
import type { FloatArray } from "../../tensor/dtype.js";
import { stridesOf, type Shape } from "../../tensor/shape.js";
import { UNARY_OPS, type BinaryOp, type UnaryOp } from "../ops.js";

export function unary(op: UnaryOp, x: FloatArray, out: FloatArray): void {
  unaryRow(op, x, 0, out, 0, x.length);
}

/** out[o..o+len) = op(x[ix..ix+len)): the loops of `unary` over a run (compiled fused kernels call it on chunks). */
export function unaryRow(op: UnaryOp, x: FloatArray, ix: number, out: FloatArray, o: number, len: number): void {
  const end = o + len, d = ix - o;
  switch (op) {
    case "neg": for (let i = o; i < end; i++) out[i] = -x[i + d]; return;
    case "square": for (let i = o; i < end; i++) out[i] = x[i + d] * x[i + d]; return;
    case "exp": for (let i = o; i < end; i++) out[i] = Math.exp(x[i + d]); return;
    case "log": for (let i = o; i < end; i++) out[i] = Math.log(x[i + d]); return;
    case "sqrt": for (let i = o; i < end; i++) out[i] = Math.sqrt(x[i + d]); return;
    case "abs": for (let i = o; i < end; i++) out[i] = Math.abs(x[i + d]); return;
    case "tanh": for (let i = o; i < end; i++) out[i] = Math.tanh(x[i + d]); return;
    // relu and its slope without a data-dependent branch: on activations, whose signs are close to
    // random, `v < 0 ? 0 : v` mispredicts about half the time (float32, 32768 values: 1.7-2.9 ns a
    // value against 1.15; the slope 2.8-3.2 against 0.9). v * (v > 0) is exact except for
    // -Infinity (-Inf * 0 = NaN), fixed on the rare NaN path, which also keeps a NaN input; + 0
    // turns -0 into +0 (max(-0, 0) = 0, as IEEE maximum and the wasm f32x4.max give).
    case "relu":
      for (let i = o; i < end; i++) {
        const v = x[i + d];
        let r = v * +(v > 0);
        if (r !== r) r = v === -Infinity ? 0 : v;
        out[i] = r + 0;
      }
      return;
    case "positive": for (let i = o; i < end; i++) out[i] = +(x[i + d] > 0); return;
    // The Math-call ops as their own loops: through the shared `f(x[i])` below the call site sees
    // every op's function and V8 calls each indirectly (the wasm break-even is measured against these).
    case "sin": for (let i = o; i < end; i++) out[i] = Math.sin(x[i + d]); return;
    case "cos": for (let i = o; i < end; i++) out[i] = Math.cos(x[i + d]); return;
    case "tan": for (let i = o; i < end; i++) out[i] = Math.tan(x[i + d]); return;
    case "log1p": for (let i = o; i < end; i++) out[i] = Math.log1p(x[i + d]); return;
    case "expm1": for (let i = o; i < end; i++) out[i] = Math.expm1(x[i + d]); return;
    case "reciprocal": for (let i = o; i < end; i++) out[i] = 1 / x[i + d]; return;
    case "rsqrt": for (let i = o; i < end; i++) out[i] = 1 / Math.sqrt(x[i + d]); return;
    case "floor": for (let i = o; i < end; i++) out[i] = Math.floor(x[i + d]); return;
    case "ceil": for (let i = o; i < end; i++) out[i] = Math.ceil(x[i + d]); return;
    case "trunc": for (let i = o; i < end; i++) out[i] = Math.trunc(x[i + d]); return;
    default: {
      const f = UNARY_OPS[op].ref;
      for (let i = o; i < end; i++) out[i] = f(x[i + d]);
    }
  }
}

/** Cross-entropy on logits (src/ops/logisticLoss.ts): out = softplus(x) - x t, x, t and out of one length. */
export function crossEntropyLogits(x: FloatArray, t: FloatArray, out: FloatArray): void {
  // (max(x, 0) - x t) + log1p(e^-|x|): softplus(x) - x t without cancellation when x t ~ x.
  for (let i = 0; i < out.length; i++) out[i] = Math.max(x[i], 0) - x[i] * t[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
}

/** The loss as crossEntropyLogits and its gradient with respect to x, res = sigmoid(x) - t. */
export function crossEntropyResidual(x: FloatArray, t: FloatArray, loss: FloatArray, res: FloatArray): void {
  crossEntropyLogits(x, t, loss);
  const sigmoid = UNARY_OPS.sigmoid.ref;
  for (let i = 0; i < loss.length; i++) res[i] = sigmoid(x[i]) - t[i];
}

/** Strides of `shape` aligned to `outShape` (0 on broadcast dimensions). */
function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const s = stridesOf(shape);
  const r = new Array<number>(outShape.length).fill(0);
  const off = outShape.length - shape.length;
  for (let i = 0; i < shape.length; i++) r[off + i] = shape[i] === 1 ? 0 : s[i];
  return r;
}

/** out = a (op) b with NumPy broadcasting; out has `outShape`. */
export function binary(op: BinaryOp, a: FloatArray, aShape: Shape, b: FloatArray, bShape: Shape, out: FloatArray, outShape: Shape): void {
  const n = out.length;
  // Fast paths: each operand either full-size or a scalar; or b repeating over a's leading dims.
  if ((a.length === n || a.length === 1) && (b.length === n || b.length === 1)) {
    binaryRow(op, a, 0, a.length === n ? 1 : 0, b, 0, b.length === n ? 1 : 0, out, 0, n);
    return;
  }
  if (a.length === n && isSuffix(bShape, outShape)) {
    const m = b.length;
    for (let i = 0; i < n; i += m) binaryRow(op, a, i, 1, b, 0, 1, out, i, m);
    return;
  }
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  walkRows(outShape, sa, sb, (o, ia, ib, len, da, db) => binaryRow(op, a, ia, da, b, ib, db, out, o, len));
}

/** One strided run of a binary op; the op switch sits outside the loop so each loop stays monomorphic. */
export function binaryRow(op: BinaryOp, a: FloatArray, ia: number, da: number, b: FloatArray, ib: number, db: number, out: FloatArray, o: number, len: number): void {
  const end = o + len;
  switch (op) {
    case "add": for (; o < end; o++, ia += da, ib += db) out[o] = a[ia] + b[ib]; return;
    case "sub": for (; o < end; o++, ia += da, ib += db) out[o] = a[ia] - b[ib]; return;
    case "mul": for (; o < end; o++, ia += da, ib += db) out[o] = a[ia] * b[ib]; return;
    case "div": for (; o < end; o++, ia += da, ib += db) out[o] = a[ia] / b[ib]; return;
    case "pow": for (; o < end; o++, ia += da, ib += db) out[o] = Math.pow(a[ia], b[ib]); return;
    case "max": for (; o < end; o++, ia += da, ib += db) { const x = a[ia], y = b[ib]; out[o] = x >= y || x !== x ? x : y; } return;
    case "min": for (; o < end; o++, ia += da, ib += db) { const x = a[ia], y = b[ib]; out[o] = x <= y || x !== x ? x : y; } return;
    // +(a > b), not a > b ? 1 : 0: no data-dependent branch (see relu in `unary`).
    case "gt": for (; o < end; o++, ia += da, ib += db) out[o] = +(a[ia] > b[ib]); return;
    case "ge": for (; o < end; o++, ia += da, ib += db) out[o] = +(a[ia] >= b[ib]); return;
    case "lt": for (; o < end; o++, ia += da, ib += db) out[o] = +(a[ia] < b[ib]); return;
    case "le": for (; o < end; o++, ia += da, ib += db) out[o] = +(a[ia] <= b[ib]); return;
    case "eq": for (; o < end; o++, ia += da, ib += db) out[o] = +(a[ia] === b[ib]); return;
    case "atan2": for (; o < end; o++, ia += da, ib += db) out[o] = Math.atan2(a[ia], b[ib]); return;
    // Math.hypot scales, so neither overflows nor underflows (sqrt(a^2 + b^2) would above 1.3e154)
    case "hypot": for (; o < end; o++, ia += da, ib += db) out[o] = Math.hypot(a[ia], b[ib]); return;
  }
}

/**
 * Odometer over all dimensions but the last; calls fn once per output row with the row's
 * start offsets and the inputs' strides along the last dimension.
 */
function walkRows(shape: Shape, sa: number[], sb: number[], fn: (o: number, ia: number, ib: number, len: number, da: number, db: number) => void): void {
  const rank = shape.length;
  if (rank === 0) { fn(0, 0, 0, 1, 0, 0); return; }
  const len = shape[rank - 1], da = sa[rank - 1], db = sb[rank - 1];
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= shape[d];
  const idx = new Array<number>(rank).fill(0);
  let ia = 0, ib = 0;
  for (let r = 0, o = 0; r < rows; r++, o += len) {
    fn(o, ia, ib, len, da, db);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++; ia += sa[d]; ib += sb[d];
      if (idx[d] < shape[d]) break;
      ia -= sa[d] * shape[d]; ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** out = cond != 0 ? a : b, all three broadcast to outShape. */
export function where(cond: FloatArray, cShape: Shape, a: FloatArray, aShape: Shape, b: FloatArray, bShape: Shape, out: FloatArray, outShape: Shape): void {
  const n = out.length;
  if ((cond.length === n || cond.length === 1) && (a.length === n || a.length === 1) && (b.length === n || b.length === 1)) {
    const dc = cond.length === n ? 1 : 0, da = a.length === n ? 1 : 0, db = b.length === n ? 1 : 0;
    for (let i = 0, ic = 0, ia = 0, ib = 0; i < n; i++, ic += dc, ia += da, ib += db) out[i] = cond[ic] !== 0 ? a[ia] : b[ib];
    return;
  }
  const sc = broadcastStrides(cShape, outShape);
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const rank = outShape.length;
  const idx = new Array<number>(rank).fill(0);
  let ic = 0, ia = 0, ib = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = cond[ic] !== 0 ? a[ia] : b[ib];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++; ic += sc[d]; ia += sa[d]; ib += sb[d];
      if (idx[d] < outShape[d]) break;
      ic -= sc[d] * outShape[d]; ia -= sa[d] * outShape[d]; ib -= sb[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

/** True when `s`, without leading 1s, equals the trailing dimensions of `full`. */
function isSuffix(s: Shape, full: Shape): boolean {
  let i = 0;
  while (i < s.length && s[i] === 1) i++;
  const t = s.slice(i);
  if (t.length > full.length) return false;
  const off = full.length - t.length;
  for (let j = 0; j < t.length; j++) if (t[j] !== full[off + j]) return false;
  return true;
}

/** Odometer over `shape` with two strided inputs; calls fn(outIndex, aIndex, bIndex). */
function walk(shape: Shape, sa: number[], sb: number[], fn: (o: number, ia: number, ib: number) => void): void {
  const rank = shape.length;
  const n = shape.reduce((x, y) => x * y, 1);
  const idx = new Array<number>(rank).fill(0);
  let ia = 0, ib = 0;
  for (let o = 0; o < n; o++) {
    fn(o, ia, ib);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++; ia += sa[d]; ib += sb[d];
      if (idx[d] < shape[d]) break;
      ia -= sa[d] * shape[d]; ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/**
 * Reduces `x` over `axes` (sorted, unique). `out` has the keepDims shape's size.
 * Sums accumulate in float64 so float32 sums do not drift with the length.
 */
export function reduce(op: "sum" | "max" | "mean" | "prod", x: FloatArray, shape: Shape, axes: readonly number[], out: FloatArray): void {
  if (op === "prod") {
    prodReduce(x, shape, axes, out);
    return;
  }
  if (op === "mean") {
    // The float64 sum divided by the count before it is rounded to the output's dtype.
    const acc = new Float64Array(out.length);
    reduce("sum", x, shape, axes, acc);
    const count = out.length === 0 ? 1 : x.length / out.length;
    for (let i = 0; i < out.length; i++) out[i] = acc[i] / count;
    return;
  }
  const rank = shape.length;
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const so = broadcastStrides(outShape, shape);
  if (op === "sum" && out.length === 1) {
    // Everything into one value: one plain loop (same order as the general paths below).
    let s = 0;
    for (let i = 0; i < x.length; i++) s += x[i];
    out[0] = s;
    return;
  }
  const acc = new Float64Array(out.length).fill(op === "sum" ? 0 : -Infinity);
  // Fast path: reducing only the last axis of a contiguous block.
  if (axes.length === 1 && axes[0] === rank - 1) {
    const m = shape[rank - 1];
    for (let r = 0, i = 0; r < acc.length; r++) {
      let s = op === "sum" ? 0 : -Infinity;
      if (op === "sum") for (let j = 0; j < m; j++) s += x[i++];
      else for (let j = 0; j < m; j++) { const v = x[i++]; if (v > s || Number.isNaN(v)) s = v; }
      acc[r] = s;
    }
  } else if (axes[axes.length - 1] - axes[0] === axes.length - 1) {
    // A contiguous block of axes: view x as [outer, r, inner] and reduce the middle.
    let outer = 1, r = 1, inner = 1;
    for (let d = 0; d < rank; d++) {
      if (d < axes[0]) outer *= shape[d];
      else if (d <= axes[axes.length - 1]) r *= shape[d];
      else inner *= shape[d];
    }
    for (let o = 0; o < outer; o++) {
      const base = o * inner;
      for (let k = 0; k < r; k++) {
        const src = (o * r + k) * inner;
        if (op === "sum") for (let j = 0; j < inner; j++) acc[base + j] += x[src + j];
        else for (let j = 0; j < inner; j++) { const v = x[src + j]; if (v > acc[base + j] || Number.isNaN(v)) acc[base + j] = v; }
      }
    }
  } else if (op === "sum") {
    walk(shape, so, so, (i, o) => { acc[o] += x[i]; });
  } else {
    walk(shape, so, so, (i, o) => { const v = x[i]; if (v > acc[o] || Number.isNaN(v)) acc[o] = v; });
  }
  for (let i = 0; i < out.length; i++) out[i] = acc[i];
}

/** The product over `axes` (sorted, unique), accumulated in float64, in index order. */
function prodReduce(x: FloatArray, shape: Shape, axes: readonly number[], out: FloatArray): void {
  const rank = shape.length;
  if (axes[axes.length - 1] - axes[0] === axes.length - 1) {
    // A contiguous block of axes: x as [outer, r, inner], multiplied along the middle.
    let outer = 1, r = 1, inner = 1;
    for (let d = 0; d < rank; d++) {
      if (d < axes[0]) outer *= shape[d];
      else if (d <= axes[axes.length - 1]) r *= shape[d];
      else inner *= shape[d];
    }
    const acc = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      acc.fill(1);
      for (let k = 0, src = o * r * inner; k < r; k++, src += inner) for (let j = 0; j < inner; j++) acc[j] *= x[src + j];
      for (let j = 0; j < inner; j++) out[o * inner + j] = acc[j];
    }
    return;
  }
  const so = broadcastStrides(shape.map((d, i) => (axes.includes(i) ? 1 : d)), shape);
  const acc = new Float64Array(out.length).fill(1);
  walk(shape, so, so, (i, o) => { acc[o] *= x[i]; });
  for (let i = 0; i < out.length; i++) out[i] = acc[i];
}

/**
 * Running sums along `axis`: out[..., i, ...] = sum_{j <= i} x[..., j, ...] (from the end when
 * `reverse`: sum_{j >= i}), accumulated in float64 so float32 sums do not drift with the length.
 */
export function cumsum(x: FloatArray, shape: Shape, axis: number, reverse: boolean, out: FloatArray): void {
  let outer = 1, inner = 1;
  for (let d = 0; d < axis; d++) outer *= shape[d];
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  const len = shape[axis];
  const start = reverse ? len - 1 : 0, step = reverse ? -inner : inner;
  if (inner === 1) { // along the last axis (max pooling's first-maximum mask): a scalar accumulator, same float64 sums
    for (let o = 0; o < outer; o++) {
      let acc = 0;
      for (let k = 0, i = o * len + start; k < len; k++, i += step) out[i] = acc += x[i];
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let k = 0, i = o * len * inner + start * inner; k < len; k++, i += step) {
      for (let j = 0; j < inner; j++) out[i + j] = acc[j] += x[i + j];
    }
  }
}

/** out = x permuted by `perm` (out.shape[i] = shape[perm[i]]). */
export function transpose(x: FloatArray, shape: Shape, perm: readonly number[], out: FloatArray): void {
  const rank = shape.length;
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  if (rank === 2 && perm[0] === 1) {
    const [r, c] = shape;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = x[i * c + j];
    return;
  }
  const s = perm.map((p) => inStrides[p]);
  // one callback per output row, not per value (conv2d's [N, Ho, Wo, O] -> NCHW)
  walkRows(outShape, s, s, (o, i, _ib, len, d) => { for (let j = 0; j < len; j++) out[o + j] = x[i + j * d]; });
}

/** C[m,n] = op(A) op(B) for one matrix pair; op transposes when the flag is set. */
export function matmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, transA: boolean, transB: boolean): void {
  c.fill(0);
  if (!transA && !transB) {
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      for (let p = 0; p < k; p++) {
        const av = a[i * k + p];
        if (av === 0) continue;
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
      }
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        const bv = transB ? b[j * k + p] : b[p * n + j];
        s += av * bv;
      }
      c[i * n + j] = s;
    }
  }
}


/** Copies a box between two row-major arrays: dst[dBegin + idx] = src[sBegin + idx] over `box`. */
export function copyBox(src: FloatArray, srcShape: Shape, srcBegin: readonly number[], dst: FloatArray, dstShape: Shape, dstBegin: readonly number[], box: Shape): void {
  const rank = box.length;
  let total = 1;
  for (let d = 0; d < rank; d++) total *= box[d];
  if (total === 0) return;
  const ss = stridesOf(srcShape), ds = stridesOf(dstShape);
  let si = 0, di = 0;
  for (let d = 0; d < rank; d++) { si += srcBegin[d] * ss[d]; di += dstBegin[d] * ds[d]; }
  const inner = rank ? box[rank - 1] : 1;
  const outerCount = total / inner;
  const sInner = rank ? ss[rank - 1] : 1, dInner = rank ? ds[rank - 1] : 1;
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < outerCount; o++) {
    // long rows as one memcpy (a subarray view costs ~60 ns, more than a short loop)
    if (inner >= 64 && sInner === 1 && dInner === 1) dst.set(src.subarray(si, si + inner), di);
    else for (let j = 0; j < inner; j++) dst[di + j * dInner] = src[si + j * sInner];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]++; si += ss[d]; di += ds[d];
      if (idx[d] < box[d]) break;
      si -= ss[d] * box[d]; di -= ds[d] * box[d]; idx[d] = 0;
    }
  }
}

/** x viewed as [outer, dim, inner]: out[o, k, :] = x[o, idx[k], :] (out sized outer * idx.length * inner). */
export function gather(x: FloatArray, outer: number, dim: number, inner: number, idx: Int32Array, out: FloatArray): void {
  if (inner === 1) { // single values (conv2d's im2col, the pools' windows)
    for (let o = 0, w = 0; o < outer; o++) {
      const base = o * dim;
      for (let k = 0; k < idx.length; k++) out[w++] = x[base + idx[k]];
    }
    return;
  }
  for (let o = 0, w = 0; o < outer; o++) {
    for (let k = 0; k < idx.length; k++) {
      const base = (o * dim + idx[k]) * inner;
      for (let j = 0; j < inner; j++) out[w++] = x[base + j];
    }
  }
}

/** gather's adjoint: out[o, idx[k], :] += g[o, k, :] (out zero-filled, sized outer * dim * inner). */
export function scatterAdd(g: FloatArray, outer: number, dim: number, inner: number, idx: Int32Array, out: FloatArray): void {
  if (inner === 1) {
    for (let o = 0, r = 0; o < outer; o++) {
      const base = o * dim;
      for (let k = 0; k < idx.length; k++) out[base + idx[k]] += g[r++];
    }
    return;
  }
  for (let o = 0, r = 0; o < outer; o++) {
    for (let k = 0; k < idx.length; k++) {
      const base = (o * dim + idx[k]) * inner;
      for (let j = 0; j < inner; j++) out[base + j] += g[r++];
    }
  }
}

/**
 * The k largest entries along the middle axis of x viewed as [outer, dim, inner], largest first:
 * values and their positions (as numbers) into [outer, k, inner]. Ties go to the lower position
 * and NaN counts as the largest (NumPy's argmax, PyTorch's topk). One pass per slice keeping
 * the best k so far in order (insertion), O(dim k) at worst: meant for small k.
 */
export function topk(x: FloatArray, outer: number, dim: number, inner: number, k: number, values: FloatArray, indices: FloatArray): void {
  if (k === 1 && inner === 1) {
    // argmax over rows: one scan with the best so far, stopping at a NaN.
    for (let o = 0, base = 0; o < outer; o++, base += dim) {
      let best = x[base], at = 0;
      if (best === best) {
        for (let p = 1; p < dim; p++) {
          const v = x[base + p];
          if (v > best) { best = v; at = p; } else if (v !== v) { best = v; at = p; break; }
        }
      }
      values[o] = best;
      indices[o] = at;
    }
    return;
  }
  const bv = new Float64Array(k), bi = new Int32Array(k);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * dim * inner + j;
      let n = 0;
      for (let p = 0; p < dim; p++) {
        const v = x[base + p * inner];
        // Later positions only move ahead of strictly smaller values (ties stay behind); NaN beats any number.
        const nan = v !== v;
        let at = n;
        while (at > 0) {
          const w = bv[at - 1];
          if (w !== w || !(nan || v > w)) break;
          at--;
        }
        if (at >= k) continue;
        for (let m = Math.min(n, k - 1); m > at; m--) { bv[m] = bv[m - 1]; bi[m] = bi[m - 1]; }
        bv[at] = v;
        bi[at] = p;
        if (n < k) n++;
      }
      for (let m = 0, w = o * k * inner + j; m < k; m++, w += inner) {
        values[w] = bv[m];
        indices[w] = bi[m];
      }
    }
  }
}

/** x viewed as [outer, dim, inner], idx as [outer, k, inner]: out[o, m, j] = x[o, idx[o, m, j], j]. */
export function takeAlong(x: FloatArray, idx: FloatArray, outer: number, dim: number, inner: number, k: number, out: FloatArray): void {
  for (let o = 0; o < outer; o++) {
    for (let m = 0; m < k; m++) {
      const r = (o * k + m) * inner;
      for (let j = 0; j < inner; j++) out[r + j] = x[(o * dim + idx[r + j]) * inner + j];
    }
  }
}

/** takeAlong's adjoint: out [outer, dim, inner] zero-filled, out[o, idx[o, m, j], j] += g[o, m, j]. */
export function putAlong(g: FloatArray, idx: FloatArray, outer: number, dim: number, inner: number, k: number, out: FloatArray): void {
  for (let o = 0; o < outer; o++) {
    for (let m = 0; m < k; m++) {
      const r = (o * k + m) * inner;
      for (let j = 0; j < inner; j++) out[(o * dim + idx[r + j]) * inner + j] += g[r + j];
    }
  }
}
