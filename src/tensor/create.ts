import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { arrayFor, DEFAULT_DTYPE, type DType, type FloatArray } from "./dtype.js";
import { checkShape, sizeOf, type Shape } from "./shape.js";
import { Rng } from "./random.js";
import { Tensor, tensorOf } from "./tensor.js";
import { backendFor } from "../backend/select.js";

export interface DTypeOption {
  dtype?: DType;
}
export interface RandomOptions extends DTypeOption {
  /** Seed of the documented generator in tensor/random.ts (default 0). */
  seed?: number;
  /** Or a generator to draw from (its state advances). */
  rng?: Rng;
}
export interface RandOptions extends RandomOptions {
  /** The interval [low, high) (default [0, 1)). */
  low?: number;
  high?: number;
}

const DTYPE_KEYS = { dtype: true } satisfies OptionKeys<DTypeOption>;
const TENSOR_KEYS = { dtype: true, shape: true } satisfies OptionKeys<DTypeOption & { shape?: Shape }>;
const RANDN_KEYS = { dtype: true, seed: true, rng: true } satisfies OptionKeys<RandomOptions>;
const RAND_KEYS = { ...RANDN_KEYS, low: true, high: true } satisfies OptionKeys<RandOptions>;

/** Numbers nested in arrays; inner levels may be typed arrays. */
type Nested = number | readonly Nested[] | Float32Array | Float64Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

function checkDType(op: string, dtype: DType | undefined): DType {
  const d = dtype ?? DEFAULT_DTYPE;
  if (d !== "float32" && d !== "float64") throw new ArgumentError(`${op}: dtype must be "float32" or "float64", got ${JSON.stringify(d)}`);
  return d;
}

/**
 * A tensor from a number, nested arrays of numbers, or a typed array (with `shape`).
 * @example tensor([[1, 2], [3, 4]], { dtype: "float64" })
 */
export function tensor(data: Nested | ArrayLike<number>, options: DTypeOption & { shape?: Shape } = {}): Tensor {
  checkOptions("tensor", options, TENSOR_KEYS);
  const dtype = checkDType("tensor", options.dtype ?? (data instanceof Float64Array ? "float64" : undefined));
  if (ArrayBuffer.isView(data)) {
    if (!isNumberArray(data)) throw new ArgumentError(`tensor: data must hold numbers; got a ${(data as object).constructor.name}`);
    const arr = arrayFor(dtype, data.length);
    arr.set(data);
    return tensorOf(arr, options.shape ? checkShape("tensor", options.shape) : [arr.length]);
  }
  // Nested arrays; inner levels may also be typed arrays (rows read from a data set, say).
  const isLevel = (v: unknown): v is ArrayLike<unknown> => Array.isArray(v) || isNumberArray(v);
  const shape: number[] = [];
  let probe: unknown = data;
  while (isLevel(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: number[] = [];
  const visit = (v: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (typeof v !== "number") throw new ArgumentError(`tensor: ragged or non-numeric data at depth ${dim}`);
      flat.push(v);
      return;
    }
    if (!isLevel(v) || v.length !== shape[dim]) throw new ArgumentError(`tensor: ragged nested array at depth ${dim} (expected length ${shape[dim]})`);
    for (let i = 0; i < v.length; i++) visit(v[i], dim + 1);
  };
  visit(data, 0);
  const arr = arrayFor(dtype, flat.length);
  arr.set(flat);
  return tensorOf(arr, options.shape ? checkShape("tensor", options.shape) : shape);
}

/** A typed array of numbers (not a DataView, not a BigInt64Array). */
function isNumberArray(v: unknown): v is ArrayLike<number> & ArrayBufferView {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array || v instanceof BigUint64Array);
}

/**
 * A scalar (rank-0) tensor: `scalar(2, { dtype: "float64" })` as every creator takes its dtype;
 * the dtype string alone (`scalar(2, "float64")`, TensorFlow.js's spelling) is accepted too.
 */
export function scalar(value: number, options: DTypeOption | DType = {}): Tensor {
  if (typeof options !== "string" && (typeof options !== "object" || options === null)) throw new ArgumentError(`scalar: options must be { dtype } (or a dtype string), got ${options === null ? "null" : typeof options}`);
  if (typeof options === "object") checkOptions("scalar", options, DTYPE_KEYS);
  const d = checkDType("scalar", typeof options === "string" ? options : options.dtype);
  return new Tensor(backendFor().fill(d, 1, value), [], d);
}

export function full(shape: Shape, value: number, options: DTypeOption = {}): Tensor {
  return filled("full", shape, value, options);
}
export function zeros(shape: Shape, options: DTypeOption = {}): Tensor {
  return filled("zeros", shape, 0, options);
}
export function ones(shape: Shape, options: DTypeOption = {}): Tensor {
  return filled("ones", shape, 1, options);
}
export function zerosLike(t: Tensor): Tensor {
  return filled("zerosLike", t.shape, 0, { dtype: t.dtype });
}
export function onesLike(t: Tensor): Tensor {
  return filled("onesLike", t.shape, 1, { dtype: t.dtype });
}
export function fullLike(t: Tensor, value: number): Tensor {
  return filled("fullLike", t.shape, value, { dtype: t.dtype });
}
/** `full` under the name of the function the user called (errors name it). */
function filled(op: string, shape: Shape, value: number, options: DTypeOption): Tensor {
  checkOptions(op, options, DTYPE_KEYS);
  const s = checkShape(op, shape);
  const dtype = checkDType(op, options.dtype);
  return new Tensor(backendFor().fill(dtype, sizeOf(s), value), s, dtype, true);
}

/** The n x n identity matrix. */
export function eye(n: number, options: DTypeOption = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`eye: n must be a non-negative integer, got ${n}`);
  checkOptions("eye", options, DTYPE_KEYS);
  const dtype = checkDType("eye", options.dtype);
  const diag = new Int32Array(n);
  for (let i = 0; i < n; i++) diag[i] = i;
  return new Tensor(backendFor().oneHot(diag, n, dtype), [n, n], dtype, true);
}

/** [start, start + step, ...) below `stop`. */
export function arange(start: number, stop?: number, step = 1, options: DTypeOption = {}): Tensor {
  checkOptions("arange", options, DTYPE_KEYS);
  if (stop === undefined) [start, stop] = [0, start];
  if (!(step !== 0 && Number.isFinite(step))) throw new ArgumentError(`arange: step must be a finite non-zero number, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const a = arrayFor(checkDType("arange", options.dtype), n);
  for (let i = 0; i < n; i++) a[i] = start + i * step;
  return tensorOf(a, [n]);
}

function fillRandom(op: string, shape: Shape, options: RandomOptions, draw: (rng: Rng) => number): Tensor {
  checkOptions(op, options, op === "rand" ? RAND_KEYS : RANDN_KEYS);
  const s = checkShape(op, shape);
  const dtype = checkDType(op, options.dtype);
  const seed = options.seed ?? 0;
  // The generator takes a 32-bit seed (tensor/random.ts); anything else would be silently truncated.
  if (options.rng === undefined && !(Number.isInteger(seed) && seed >= -(2 ** 31) && seed < 2 ** 32)) {
    throw new ArgumentError(`${op}: seed must be an integer in [-2^31, 2^32), got ${typeof seed === "number" ? seed : JSON.stringify(seed)}`);
  }
  const rng = options.rng ?? new Rng(seed);
  const a: FloatArray = arrayFor(dtype, sizeOf(s));
  for (let i = 0; i < a.length; i++) a[i] = draw(rng);
  return tensorOf(a, s);
}

/** Standard normal samples (Box-Muller over xoshiro128**, see tensor/random.ts). */
export function randn(shape: Shape, options: RandomOptions = {}): Tensor {
  return fillRandom("randn", shape, options, (r) => r.normal());
}

/** Uniform samples in [low, high) (default [0, 1)). */
export function rand(shape: Shape, options: RandOptions = {}): Tensor {
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  return fillRandom("rand", shape, options, (r) => low + (high - low) * r.uniform());
}
