/**
 * Mini-batches over in-memory data. The data set is never copied per epoch: an epoch is a
 * permutation of row indices (Fisher-Yates with a generator seeded by (seed, epoch), so any epoch's
 * order can be recomputed when resuming), and each batch gathers only its own rows.
 */
import { readSync } from "../backend/select.js";
import { ArgumentError, ShapeError, NonFiniteError } from "../errors.js";
import { Rng } from "../tensor/random.js";
import { Tensor, tensorOf } from "../tensor/tensor.js";
import { arrayFor } from "../tensor/dtype.js";
import { fmt, sizeOf } from "../tensor/shape.js";
import { checkOptions, type OptionKeys } from "../options.js";

export interface BatchOptions {
  /** Rows per batch: N for full batch, 1 for stochastic, anything between for mini-batches (default 32). */
  batchSize?: number;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling generator (default 0). */
  seed?: number;
  /** Drop the last, smaller batch (default false). */
  dropLast?: boolean;
}

/** An in-memory data set: inputs and targets with the same number of rows. */
export interface Dataset {
  x: Tensor;
  y: Tensor;
}

export const BATCH_OPTION_KEYS = { batchSize: true, shuffle: true, seed: true, dropLast: true } as const satisfies OptionKeys<BatchOptions>;

export interface Batch {
  x: Tensor;
  y: Tensor | null;
  /** Row indices of this batch in the data set. */
  indices: Int32Array;
}

/** A reusable batching plan: `epoch(e)` iterates the batches of epoch e (0-based). */
export class Batches implements Iterable<Batch> {
  readonly size: number;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  private readonly order: Int32Array;
  private orderEpoch = -1;

  constructor(readonly x: Tensor, readonly y: Tensor | null, options: BatchOptions = {}) {
    checkData(x, y);
    checkOptions("data.batches", options, BATCH_OPTION_KEYS);
    this.size = x.shape[0];
    const bs = options.batchSize ?? Math.min(32, this.size);
    if (!Number.isInteger(bs) || bs < 1) throw new ArgumentError(`data.batches: batchSize must be a positive integer, got ${bs}`);
    this.dropLast = options.dropLast ?? false;
    if (this.dropLast && bs > this.size) {
      throw new ArgumentError(`data.batches: batchSize ${bs} is larger than the data (${this.size} rows) with dropLast, so no batch would remain`);
    }
    this.batchSize = Math.min(bs, this.size);
    this.shuffle = options.shuffle ?? true;
    this.seed = options.seed ?? 0;
    this.order = new Int32Array(this.size);
  }

  /** Batches per epoch. */
  get length(): number {
    return this.dropLast ? Math.floor(this.size / this.batchSize) : Math.ceil(this.size / this.batchSize);
  }

  /** The row order of epoch `e` (recomputed from (seed, e), so resuming mid-run gives the same order). */
  permutation(e: number): Int32Array {
    if (this.orderEpoch === e) return this.order;
    const p = this.order;
    for (let i = 0; i < p.length; i++) p[i] = i;
    if (this.shuffle) {
      const rng = new Rng((Math.imul(this.seed >>> 0, 0x9e3779b1) ^ Math.imul(e + 1, 0x85ebca77)) >>> 0);
      for (let i = p.length - 1; i > 0; i--) {
        const j = Math.floor(rng.uniform() * (i + 1));
        const t = p[i]; p[i] = p[j]; p[j] = t;
      }
    }
    this.orderEpoch = e;
    return p;
  }

  /** Batch `b` of epoch `e`. */
  batch(e: number, b: number): Batch {
    if (!Number.isInteger(b) || b < 0 || b >= this.length) throw new ArgumentError(`data.batches: batch index ${b} is outside [0, ${this.length})`);
    const p = this.permutation(e);
    const start = b * this.batchSize;
    const indices = p.slice(start, Math.min(start + this.batchSize, this.size));
    return { x: takeRows(this.x, indices), y: this.y ? takeRows(this.y, indices) : null, indices };
  }

  *epoch(e = 0): IterableIterator<Batch> {
    for (let b = 0; b < this.length; b++) yield this.batch(e, b);
  }

  [Symbol.iterator](): Iterator<Batch> {
    return this.epoch(0);
  }
}

/** Copies the given rows of `t` (along axis 0) into a new tensor. */
export function takeRows(t: Tensor, rows: ArrayLike<number>): Tensor {
  const inner = sizeOf(t.shape.slice(1));
  const out = arrayFor(t.dtype, rows.length * inner);
  const src = readSync(t, "data");
  if (inner === 1) for (let i = 0; i < rows.length; i++) out[i] = src[rows[i]];
  else for (let i = 0; i < rows.length; i++) out.set(src.subarray(rows[i] * inner, (rows[i] + 1) * inner), i * inner);
  return tensorOf(out, [rows.length, ...t.shape.slice(1)]);
}

/** Validates a data set: tensors, at least one row, equal row counts, finite values. */
export function checkData(x: unknown, y: unknown, op = "data.batches"): void {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: x must be a Tensor, got ${x === null ? "null" : typeof x}`);
  if (y !== null && y !== undefined && !(y instanceof Tensor)) throw new ArgumentError(`${op}: y must be a Tensor, got ${typeof y}`);
  if (x.rank < 1 || x.shape[0] < 1) throw new ShapeError(`${op}: x must have at least one row, got shape ${fmt(x.shape)}`);
  if (y instanceof Tensor && (y.rank < 1 || y.shape[0] !== x.shape[0])) {
    throw new ShapeError(`${op}: x has ${x.shape[0]} rows but y has ${y.rank < 1 ? "none" : y.shape[0]} (shapes ${fmt(x.shape)} and ${fmt(y.shape)})`);
  }
  for (const [name, t] of [["x", x], ["y", y]] as const) {
    if (!(t instanceof Tensor)) continue;
    const d = readSync(t, "data");
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        const inner = sizeOf(t.shape.slice(1));
        throw new NonFiniteError(`${op}: ${name} has a non-finite value (${d[i]}) in row ${Math.floor(i / inner)}`);
      }
    }
  }
}

/**
 * Mini-batches of (x, y): `batchSize` = N is full batch, 1 is stochastic; reshuffled every epoch
 * from `seed`. Iterate `batches(...)` for epoch 0 or `.epoch(e)` for any epoch.
 */
export function batches(x: Tensor, y?: Tensor | null, options: BatchOptions = {}): Batches {
  return new Batches(x, y ?? null, options);
}
