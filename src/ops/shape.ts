/** Shape primitives: reshape, broadcast, transpose, slice, concat, gather; each with its VJP. */
import { backendFor, readSync } from "../backend/select.js";
import { ArgumentError, DTypeError, ShapeError } from "../errors.js";
import { checkOptions } from "../options.js";
import { fmt, normAxis, sameShape, sizeOf, broadcastShapes, type Shape } from "../tensor/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { record } from "../autodiff/tape.js";
import { wrap, assertTensor } from "./util.js";
import { sum } from "./reduce.js";

/** Same values, new shape (one dimension may be -1). Shares storage: tensors are immutable. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor("reshape", "x", x);
  if (!Array.isArray(shape)) throw new ArgumentError(`reshape: shape must be an array of integers (one may be -1), got ${typeof shape === "number" ? `${shape}; write [${shape}]` : typeof shape}`);
  const s = [...shape];
  const infer = s.indexOf(-1);
  if (infer >= 0) {
    const rest = s.reduce((a, d, i) => (i === infer ? a : a * d), 1);
    if (rest === 0 || x.size % rest !== 0) throw new ShapeError(`reshape: cannot infer -1 in ${fmt(shape)} for ${x.size} values (shape ${fmt(x.shape)})`);
    s[infer] = x.size / rest;
  }
  if (s.some((d) => !Number.isInteger(d) || d < 0) || sizeOf(s) !== x.size) {
    throw new ShapeError(`reshape: cannot reshape ${fmt(x.shape)} (${x.size} values) to ${fmt(shape)}`);
  }
  if (sameShape(s, x.shape)) return x;
  const out = new Tensor(x._storage, s, x.dtype);
  return record(out, "reshape", [x], (g) => [reshape(g, x.shape)]);
}

/** Repeats `x` along broadcast dimensions to `shape`. */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  assertTensor("broadcastTo", "x", x);
  const s = broadcastShapes("broadcastTo", x.shape, shape);
  if (!sameShape(s, shape)) throw new ShapeError(`broadcastTo: ${fmt(x.shape)} cannot be broadcast to ${fmt(shape)}`);
  if (sameShape(x.shape, shape)) return x;
  const out = wrap(backendFor(x).broadcast(x._storage, x.shape, shape, x.dtype), [...shape], x.dtype);
  return record(out, "broadcastTo", [x], (g) => [sumTo(g, x.shape)]);
}

/** Sums a broadcast gradient back to `shape` (the adjoint of broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  let fits = lead >= 0;
  for (let i = 0; fits && i < shape.length; i++) fits = shape[i] === 1 || shape[i] === g.shape[lead + i];
  if (!fits) {
    throw new ShapeError(`sumTo: shape ${fmt(shape)} does not broadcast to ${fmt(g.shape)}, so ${fmt(g.shape)} cannot be summed down to it`);
  }
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || shape[i - lead] === 1) axes.push(i);
  }
  return reshape(sum(g, axes, true), shape);
}

/** Permutes dimensions (default: reverse them). */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  assertTensor("transpose", "x", x);
  const rank = x.rank;
  const p = perm ? perm.map((a) => normAxis("transpose", a, rank)) : Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (p.length !== rank || new Set(p).size !== rank) throw new ArgumentError(`transpose: perm ${fmt(perm ?? [])} is not a permutation of ${rank} axes`);
  if (p.every((a, i) => a === i)) return x;
  const outShape = p.map((a) => x.shape[a]);
  const out = wrap(backendFor(x).transpose(x._storage, x.shape, p, x.dtype), outShape, x.dtype);
  const inv = new Array<number>(rank);
  p.forEach((a, i) => (inv[a] = i));
  return record(out, "transpose", [x], (g) => [transpose(g, inv)]);
}

/** Swaps the last two dimensions. */
export function matrixTranspose(x: Tensor): Tensor {
  const p = Array.from({ length: x.rank }, (_, i) => i);
  [p[x.rank - 2], p[x.rank - 1]] = [p[x.rank - 1], p[x.rank - 2]];
  return transpose(x, p);
}

function checkBox(op: string, shape: Shape, begin: readonly number[], size?: readonly number[]): number[] {
  if (begin.length !== shape.length) throw new ArgumentError(`${op}: begin ${fmt(begin)} must have one entry per dimension of ${fmt(shape)}`);
  const sz = begin.map((b, i) => (size && size[i] !== -1 ? size[i] : shape[i] - b));
  for (let i = 0; i < shape.length; i++) {
    if (!Number.isInteger(begin[i]) || !Number.isInteger(sz[i]) || begin[i] < 0 || sz[i] < 0 || begin[i] + sz[i] > shape[i]) {
      throw new ShapeError(`${op}: begin ${fmt(begin)} size ${fmt(sz)} is outside shape ${fmt(shape)} at dimension ${i}`);
    }
  }
  return sz;
}

/** The box starting at `begin` of extent `size` (-1 or omitted: to the end). */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  assertTensor("slice", "x", x);
  const sz = checkBox("slice", x.shape, begin, size);
  const out = wrap(backendFor(x).slice(x._storage, x.shape, begin, sz, x.dtype), sz, x.dtype);
  return record(out, "slice", [x], (g) => [padSlice(g, x.shape, begin)]);
}

/** Zeros of `shape` with `x` placed at `begin` (the adjoint of slice). */
export function padSlice(x: Tensor, shape: Shape, begin: readonly number[]): Tensor {
  checkBox("padSlice", shape, begin, x.shape);
  const out = wrap(backendFor(x).place([{ x: x._storage, shape: x.shape, begin }], shape, x.dtype), [...shape], x.dtype);
  return record(out, "padSlice", [x], (g) => [slice(g, begin, x.shape)]);
}

/** Joins tensors along `axis`; all other dimensions must agree. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new ArgumentError("concat: needs a non-empty array of tensors");
  xs.forEach((x, i) => assertTensor("concat", `xs[${i}]`, x));
  const first = xs[0];
  const ax = normAxis("concat", axis, first.rank);
  for (const [i, x] of xs.entries()) {
    if (x.dtype !== first.dtype) throw new DTypeError(`concat: xs[${i}] has dtype ${x.dtype}, xs[0] has ${first.dtype}; convert one with cast(x, dtype)`);
    if (x.rank !== first.rank || x.shape.some((d: number, j: number) => j !== ax && d !== first.shape[j])) {
      throw new ShapeError(`concat: xs[${i}] has shape ${fmt(x.shape)}, incompatible with ${fmt(first.shape)} along axis ${ax}`);
    }
  }
  const outShape = [...first.shape];
  outShape[ax] = xs.reduce((a, x) => a + x.shape[ax], 0);
  const offsets: number[] = [];
  let off = 0;
  const parts = xs.map((x) => {
    const begin = outShape.map((_, j) => (j === ax ? off : 0));
    offsets.push(off);
    off += x.shape[ax];
    return { x: x._storage, shape: x.shape, begin };
  });
  const out = wrap(backendFor(first).place(parts, outShape, first.dtype), outShape, first.dtype);
  return record(out, "concat", xs, (g, needs) =>
    xs.map((x, i) => (needs[i] ? slice(g, outShape.map((_, j) => (j === ax ? offsets[i] : 0)), x.shape) : null)),
  );
}

/** Stacks equal-shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new ArgumentError("stack: needs a non-empty array of tensors");
  xs.forEach((x, i) => {
    assertTensor("stack", `xs[${i}]`, x);
    if (x.dtype !== xs[0].dtype) throw new DTypeError(`stack: xs[${i}] has dtype ${x.dtype}, xs[0] has ${xs[0].dtype}; convert one with cast(x, dtype)`);
    if (!sameShape(x.shape, xs[0].shape)) throw new ShapeError(`stack: xs[${i}] has shape ${fmt(x.shape)}, xs[0] has ${fmt(xs[0].shape)}; stacked tensors must have one shape`);
  });
  const ax = normAxis("stack", axis, xs[0].rank + 1);
  return concat(xs.map((x) => { const s = [...x.shape]; s.splice(ax, 0, 1); return reshape(x, s); }), ax);
}

export type Indices = readonly number[] | Int32Array | Tensor;

function toIndexArray(op: string, indices: Indices, limit: number): { idx: Int32Array; shape: number[] } {
  const src = indices instanceof Tensor ? readSync(indices, op) : indices;
  const shape = indices instanceof Tensor ? [...indices.shape] : [src.length];
  const idx = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (!Number.isInteger(v) || v < -limit || v >= limit) throw new ArgumentError(`${op}: index ${v} at position ${i} is out of range for a dimension of size ${limit}`);
    idx[i] = v < 0 ? v + limit : v;
  }
  return { idx, shape };
}

/** Picks entries along `axis` by integer indices: out.shape = x.shape[:axis] + indices.shape + x.shape[axis+1:]. */
export function gather(x: Tensor, indices: Indices, axis = 0): Tensor {
  assertTensor("gather", "x", x);
  const ax = normAxis("gather", axis, x.rank);
  const { idx, shape: iShape } = toIndexArray("gather", indices, x.shape[ax]);
  const outer = sizeOf(x.shape.slice(0, ax)), inner = sizeOf(x.shape.slice(ax + 1)), dim = x.shape[ax];
  const outShape = [...x.shape.slice(0, ax), ...iShape, ...x.shape.slice(ax + 1)];
  const out = wrap(backendFor(x).gather(x._storage, outer, dim, inner, idx, x.dtype), outShape, x.dtype);
  return record(out, "gather", [x], (g) => [scatterAdd(g, idx, ax, x.shape)]);
}

/** Adjoint of gather: a tensor of `xShape`, each entry along `axis` the sum of the slices sent to it. */
export function scatterAdd(g: Tensor, indices: Int32Array, axis: number, xShape: Shape): Tensor {
  const outer = sizeOf(xShape.slice(0, axis)), inner = sizeOf(xShape.slice(axis + 1)), dim = xShape[axis];
  if (g.size !== outer * indices.length * inner) throw new ShapeError(`scatterAdd: gradient of shape ${fmt(g.shape)} does not match ${indices.length} indices into ${fmt(xShape)}`);
  const out = wrap(backendFor(g).scatterAdd(g._storage, outer, dim, inner, indices, g.dtype), [...xShape], g.dtype);
  return record(out, "scatterAdd", [g], (h) => [reshape(gather(h, indices, axis), g.shape)]);
}

/** The same values with no autodiff history: gradients stop here. */
export function detach(x: Tensor): Tensor {
  assertTensor("detach", "x", x);
  if (!x.requiresGrad) return x;
  return new Tensor(x._storage, x.shape, x.dtype, true);
}

/** Rows of the identity: oneHot([2, 0], 3) = [[0,0,1],[1,0,0]]. */
export function oneHot(indices: Indices, depth: number, options: { dtype?: Tensor["dtype"] } = {}): Tensor {
  checkOptions("oneHot", options, ["dtype"]);
  const { idx, shape } = toIndexArray("oneHot", indices, depth);
  const dtype = options.dtype ?? "float32";
  return wrap(backendFor().oneHot(idx, depth, dtype), [...shape, depth], dtype);
}
