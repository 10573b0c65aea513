import { ArgumentError, ShapeError } from "../errors.js";
import type { DType, FloatArray } from "./dtype.js";
import type { Storage } from "../backend/backend.js";
import { backendFor, readSync, tryReadSync } from "../backend/select.js";
import { sizeOf, fmt, type Shape } from "./shape.js";
import type { Node } from "../autodiff/tape.js";
import * as ops from "../ops/index.js";
import type { MatmulOptions } from "../ops/matmul.js";

/** A tensor argument: a tensor, or a plain number broadcast as a scalar of the other operand's dtype. */
export type TensorLike = Tensor | number;
export type Axis = number | readonly number[];
/** What `toArray()` returns: a number (rank 0) or arrays of them nested `rank` deep. */
export type NestedArray = number | NestedArray[];

/**
 * An n-dimensional array of float32 or float64 values, row-major, held in a backend's storage
 * (on the CPU backends an ordinary typed array, so the garbage collector frees it: no
 * `dispose`). Tensors are immutable through the public API; only the stateful
 * `optimizer(...).step` updates parameters in place.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Number of values (the product of the shape). */
  readonly size: number;
  /** @internal the backend's storage (row-major, contiguous); opaque above src/backend. */
  _storage: Storage;
  /** @internal the op that produced this tensor, when it was recorded for autodiff. */
  _node: Node | null = null;
  /** @internal a leaf that gradients are taken with respect to. */
  _leaf = false;
  /** @internal marks of the reverse walk (src/autodiff/backward.ts): the id of the last walk that visited this tensor, found it relevant, or had it as a target. */
  _seen = 0;
  _rel = 0;
  _tgt = 0;

  /**
   * @internal use `tensor(...)` and friends. `trusted` is for ops that pass a fresh shape array
   * of the right size: it skips the size check and the defensive frozen copy (a measurable share
   * of small-tensor op time).
   */
  constructor(storage: Storage, shape: Shape, dtype: DType, trusted = false) {
    if (trusted) {
      this.shape = shape;
    } else {
      this.shape = Object.freeze([...shape]);
    }
    this._storage = storage;
    this.dtype = dtype;
    this.size = sizeOf(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }
  /** True when gradients flow back through this tensor. */
  get requiresGrad(): boolean {
    return this._leaf || this._node !== null;
  }

  /** A copy of the values (works on every backend). */
  data(): Promise<FloatArray> {
    return backendFor(this).read(this._storage, this.dtype, this.size);
  }
  /**
   * A copy of the values, synchronously, on backends that hold values on the CPU (both do today);
   * a device backend throws a BackendError naming the op and asks for `await t.data()`.
   */
  dataSync(): FloatArray {
    return readSync(this, "dataSync").slice();
  }
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ArgumentError(`item: tensor of shape ${fmt(this.shape)} has ${this.size} values, not 1`);
    return readSync(this, "item")[0];
  }
  /**
   * Nested arrays of numbers in the tensor's shape (a number for a rank-0 tensor). Given the rank,
   * the type is exact, `t.toArray(2)` is a `number[][]`, and a tensor of another rank throws a
   * ShapeError instead of handing back arrays of another depth.
   */
  toArray(): NestedArray;
  toArray(rank: 0): number;
  toArray(rank: 1): number[];
  toArray(rank: 2): number[][];
  toArray(rank: 3): number[][][];
  toArray(rank: 4): number[][][][];
  toArray(rank: number): NestedArray;
  toArray(rank?: number): NestedArray {
    if (rank !== undefined && rank !== this.shape.length) throw new ShapeError(`toArray(${rank}): tensor of shape ${fmt(this.shape)} has rank ${this.shape.length}`);
    const d = readSync(this, "toArray");
    const rec = (dim: number, off: number): NestedArray => {
      if (dim === this.shape.length) return d[off];
      const n = this.shape[dim];
      let stride = 1;
      for (let i = dim + 1; i < this.shape.length; i++) stride *= this.shape[i];
      return Array.from({ length: n }, (_, i) => rec(dim + 1, off + i * stride));
    };
    return rec(0, 0);
  }
  /**
   * What `String(t)`, template strings, `console.log` and Node's `util.inspect` show: dtype, shape
   * and the values, NumPy-style summarized (first and last 3 along an axis longer than 6 once the
   * tensor has over 1000 values) and rounded to 6 (float32) or 10 (float64) significant digits.
   * Where the values cannot be read synchronously (a value being traced by `jit`, a device
   * backend) it is the dtype and shape alone, so printing never throws.
   */
  toString(): string {
    const head = `Tensor(${this.dtype}, ${fmt(this.shape)})`;
    const data = tryReadSync(this, "toString");
    if (data === null) return head;
    const values = formatValues(data, this.shape, this.dtype === "float32" ? 6 : 10);
    return this.rank > 1 ? `${head}\n${values}` : `${head} ${values}`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  add(b: TensorLike): Tensor { return ops.add(this, b); }
  sub(b: TensorLike): Tensor { return ops.sub(this, b); }
  mul(b: TensorLike): Tensor { return ops.mul(this, b); }
  div(b: TensorLike): Tensor { return ops.div(this, b); }
  pow(b: TensorLike): Tensor { return ops.pow(this, b); }
  maximum(b: TensorLike): Tensor { return ops.maximum(this, b); }
  minimum(b: TensorLike): Tensor { return ops.minimum(this, b); }
  neg(): Tensor { return ops.neg(this); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  square(): Tensor { return ops.square(this); }
  abs(): Tensor { return ops.abs(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  sin(): Tensor { return ops.sin(this); }
  cos(): Tensor { return ops.cos(this); }
  tan(): Tensor { return ops.tan(this); }
  asin(): Tensor { return ops.asin(this); }
  acos(): Tensor { return ops.acos(this); }
  atan(): Tensor { return ops.atan(this); }
  /** atan2(this, x): the angle of the point (x, this). */
  atan2(x: TensorLike): Tensor { return ops.atan2(this, x); }
  hypot(b: TensorLike): Tensor { return ops.hypot(this, b); }
  sinh(): Tensor { return ops.sinh(this); }
  cosh(): Tensor { return ops.cosh(this); }
  asinh(): Tensor { return ops.asinh(this); }
  acosh(): Tensor { return ops.acosh(this); }
  atanh(): Tensor { return ops.atanh(this); }
  log1p(): Tensor { return ops.log1p(this); }
  expm1(): Tensor { return ops.expm1(this); }
  log2(): Tensor { return ops.log2(this); }
  log10(): Tensor { return ops.log10(this); }
  reciprocal(): Tensor { return ops.reciprocal(this); }
  rsqrt(): Tensor { return ops.rsqrt(this); }
  floor(): Tensor { return ops.floor(this); }
  ceil(): Tensor { return ops.ceil(this); }
  round(): Tensor { return ops.round(this); }
  trunc(): Tensor { return ops.trunc(this); }
  relu(): Tensor { return ops.relu(this); }
  leakyRelu(alpha?: number): Tensor { return ops.leakyRelu(this, alpha); }
  elu(alpha?: number): Tensor { return ops.elu(this, alpha); }
  gelu(approximate?: "none" | "tanh"): Tensor { return ops.gelu(this, approximate); }
  softmax(axis?: number): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis?: number): Tensor { return ops.logSoftmax(this, axis); }
  matmul(b: Tensor, options?: MatmulOptions): Tensor { return ops.matmul(this, b, options); }
  transpose(perm?: readonly number[]): Tensor { return ops.transpose(this, perm); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  sum(axis?: Axis, keepDims?: boolean): Tensor { return ops.sum(this, axis, keepDims); }
  mean(axis?: Axis, keepDims?: boolean): Tensor { return ops.mean(this, axis, keepDims); }
  max(axis?: Axis, keepDims?: boolean): Tensor { return ops.max(this, axis, keepDims); }
  min(axis?: Axis, keepDims?: boolean): Tensor { return ops.min(this, axis, keepDims); }
  prod(axis?: Axis, keepDims?: boolean): Tensor { return ops.prod(this, axis, keepDims); }
  cumsum(axis?: number): Tensor { return ops.cumsum(this, axis); }
  /** Variance, correction 1 by default (torch.var); `{ correction: 0 }` for NumPy's default. */
  var(axis?: Axis, keepDims?: boolean, options?: ops.VarianceOptions): Tensor { return ops.variance(this, axis, keepDims, options); }
  std(axis?: Axis, keepDims?: boolean, options?: ops.VarianceOptions): Tensor { return ops.std(this, axis, keepDims, options); }
  norm(ord?: number, axis?: Axis, keepDims?: boolean): Tensor { return ops.norm(this, ord, axis, keepDims); }
  /** Index of the largest entry along `axis` (of the flattened tensor when omitted); a tensor of this dtype. */
  argmax(axis?: number, keepDims?: boolean): Tensor { return ops.argmax(this, axis, keepDims); }
  argmin(axis?: number, keepDims?: boolean): Tensor { return ops.argmin(this, axis, keepDims); }
  /** The k largest entries along `options.axis` (default -1) and their indices. */
  topk(k: number, options?: ops.TopkOptions): { values: Tensor; indices: Tensor } { return ops.topk(this, k, options); }
  slice(begin: readonly number[], size?: readonly number[]): Tensor { return ops.slice(this, begin, size); }
  gather(indices: ops.Indices, axis?: number): Tensor { return ops.gather(this, indices, axis); }
  /** The same values, cut off from autodiff (gradients do not flow through the result). */
  detach(): Tensor { return ops.detach(this); }
}

/**
 * @internal a tensor over `values` (a fresh array the caller hands over), uploaded to the backend
 * that runs ops; checks that the values fill `shape`.
 */
export function tensorOf(values: FloatArray, shape: Shape): Tensor {
  if (values.length !== sizeOf(shape)) {
    throw new ArgumentError(`tensor: ${values.length} values do not fill shape ${fmt(shape)} (${sizeOf(shape)} needed)`);
  }
  return new Tensor(backendFor().adopt(values), shape, values instanceof Float64Array ? "float64" : "float32");
}

/** @internal a copy of `t`'s values as a new tensor with no autodiff history (a backend copy, no readback). */
export function cloneTensor(t: Tensor): Tensor {
  return new Tensor(backendFor(t).cast(t._storage, t.size, t.dtype), t.shape, t.dtype, true);
}

/** Nested-bracket text of row-major `data` in `shape` (see Tensor's inspect method). */
function formatValues(data: FloatArray, shape: readonly number[], digits: number): string {
  const summarize = data.length > 1000;
  const num = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(digits))) : String(v));
  const rec = (dim: number, off: number): string => {
    if (dim === shape.length) return num(data[off]);
    const n = shape[dim];
    let stride = 1;
    for (let i = dim + 1; i < shape.length; i++) stride *= shape[i];
    const idx = summarize && n > 6 ? [0, 1, 2, -1, n - 3, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
    // Rows of a matrix (and blocks of higher ranks) go on lines of their own, as NumPy prints them.
    const sep = dim < shape.length - 1 ? `,\n${" ".repeat(dim + 1)}` : ", ";
    return `[${idx.map((i) => (i < 0 ? "..." : rec(dim + 1, off + i * stride))).join(sep)}]`;
  };
  return rec(0, 0);
}
