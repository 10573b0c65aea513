import { ArgumentError } from "../errors.js";
import type { DType, FloatArray } from "./dtype.js";
import { sizeOf, fmt, type Shape } from "./shape.js";
import type { Node } from "../autodiff/tape.js";
import * as ops from "../ops/index.js";
import type { MatmulOptions } from "../ops/matmul.js";

/** A tensor argument: a tensor, or a plain number broadcast as a scalar of the other operand's dtype. */
export type TensorLike = Tensor | number;
export type Axis = number | readonly number[];

/**
 * An n-dimensional array of float32 or float64 values, row-major, stored in an ordinary typed
 * array (so the garbage collector frees it: no `dispose`). Tensors are immutable through the
 * public API; only the stateful `optimizer(...).step` writes parameters in place.
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** @internal storage (row-major, contiguous). */
  _data: FloatArray;
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
  constructor(data: FloatArray, shape: Shape, trusted = false) {
    if (trusted) {
      this.shape = shape;
    } else {
      if (data.length !== sizeOf(shape)) {
        throw new ArgumentError(`tensor: ${data.length} values do not fill shape ${fmt(shape)} (${sizeOf(shape)} needed)`);
      }
      this.shape = Object.freeze([...shape]);
    }
    this._data = data;
    this.dtype = data instanceof Float64Array ? "float64" : "float32";
  }

  get size(): number {
    return this._data.length;
  }
  get rank(): number {
    return this.shape.length;
  }
  /** True when gradients flow back through this tensor. */
  get requiresGrad(): boolean {
    return this._leaf || this._node !== null;
  }

  /** A copy of the values (works on every backend). */
  async data(): Promise<FloatArray> {
    return this._data.slice();
  }
  /**
   * A copy of the values, synchronously. Every backend so far keeps values on the CPU; a GPU
   * backend will throw a BackendError here and ask for `await t.data()`.
   */
  dataSync(): FloatArray {
    return this._data.slice();
  }
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ArgumentError(`item: tensor of shape ${fmt(this.shape)} has ${this.size} values, not 1`);
    return this._data[0];
  }
  /** Nested arrays of numbers, in the tensor's shape. */
  toArray(): unknown {
    const d = this._data;
    const rec = (dim: number, off: number): unknown => {
      if (dim === this.shape.length) return d[off];
      const n = this.shape[dim];
      let stride = 1;
      for (let i = dim + 1; i < this.shape.length; i++) stride *= this.shape[i];
      return Array.from({ length: n }, (_, i) => rec(dim + 1, off + i * stride));
    };
    return rec(0, 0);
  }
  toString(): string {
    return `Tensor(${this.dtype}, ${fmt(this.shape)})`;
  }
  /**
   * What `console.log` and `util.inspect` show in Node: dtype, shape and the values, NumPy-style
   * summarized (first and last 3 along an axis longer than 6 once the tensor has over 1000 values)
   * and rounded to 6 (float32) or 10 (float64) significant digits.
   */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    const values = formatValues(this._data, this.shape, this.dtype === "float32" ? 6 : 10);
    return this.rank > 1 ? `${this.toString()}\n${values}` : `${this.toString()} ${values}`;
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
  slice(begin: readonly number[], size?: readonly number[]): Tensor { return ops.slice(this, begin, size); }
  gather(indices: ops.Indices, axis?: number): Tensor { return ops.gather(this, indices, axis); }
  /** The same values, cut off from autodiff (gradients do not flow through the result). */
  detach(): Tensor { return ops.detach(this); }
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
