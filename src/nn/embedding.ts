/**
 * `nn.embedding` (torch.nn.Embedding): integer ids -> rows of a table W [numEmbeddings, dim].
 * Forward is `gather` along the rows, backward its scatter-add (each row the sum of the
 * cotangents of the positions that picked it). Ids are read to build the gather; where they
 * cannot be read (inside `jit`, where they are a traced input) the same rows come from a one-hot
 * matrix times W, so a compiled step stays correct for every batch of ids.
 */
import { tryReadSync } from "../backend/select.js";
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { arrayFor } from "../tensor/dtype.js";
import { tensorOf } from "../tensor/tensor.js";
import { arange } from "../tensor/create.js";
import { sizeOf } from "../tensor/shape.js";
import { equal, mul } from "../ops/elementwise.js";
import { matmul } from "../ops/matmul.js";
import { gather, reshape } from "../ops/shape.js";
import { resolveInitializer, checkDim, type Initializer, type InitializerName } from "./init.js";
import { initRng, makeLayer, type Layer } from "./layers.js";
import type { Rng } from "../tensor/random.js";

export interface EmbeddingOptions {
  /** Table initializer (default N(0, 1), as torch). */
  init?: InitializerName | Initializer;
  /** An id whose row is zero at initialization and never gets a gradient (torch's padding_idx). */
  paddingIdx?: number;
  rng?: Rng;
  seed?: number;
  dtype?: DType;
}

const EMBEDDING_KEYS = { init: true, paddingIdx: true, rng: true, seed: true, dtype: true } satisfies OptionKeys<EmbeddingOptions>;

const standardNormal: Initializer = (shape, rng, dtype = "float32") => {
  const a = arrayFor(dtype, sizeOf(shape));
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return tensorOf(a, shape);
};

/**
 * Lookup table: ids of any shape (a Tensor, a number array or an Int32Array, integer values in
 * [0, numEmbeddings)) -> [...ids.shape, embeddingDim]. Params `{w: [numEmbeddings, embeddingDim]}`.
 */
export function embedding(numEmbeddings: number, embeddingDim: number, options: EmbeddingOptions = {}): Layer<{ w: Tensor }> {
  const op = "nn.embedding";
  checkOptions(op, options, EMBEDDING_KEYS);
  checkDim(op, "numEmbeddings", numEmbeddings);
  checkDim(op, "embeddingDim", embeddingDim);
  const pad = options.paddingIdx;
  if (pad !== undefined && !(Number.isInteger(pad) && pad >= -numEmbeddings && pad < numEmbeddings)) {
    throw new ArgumentError(`${op}: paddingIdx must be an integer in [-${numEmbeddings}, ${numEmbeddings}), got ${String(pad)}`);
  }
  const padRow = pad === undefined ? -1 : pad < 0 ? pad + numEmbeddings : pad;
  const rng = initRng(options);
  const dtype = options.dtype ?? "float32";
  let w = resolveInitializer(`${op}: init`, options.init ?? standardNormal)([numEmbeddings, embeddingDim], rng, dtype);
  if (padRow >= 0) {
    const v = Float64Array.from(w.dataSync());
    v.fill(0, padRow * embeddingDim, (padRow + 1) * embeddingDim);
    const a = arrayFor(dtype, v.length);
    a.set(v);
    w = tensorOf(a, w.shape);
  }
  // 1 on every row but the padding one: multiplying W by it stops that row's gradient
  const keep = padRow < 0 ? null : (() => { const m = arrayFor(dtype, numEmbeddings); m.fill(1); m[padRow] = 0; return tensorOf(m, [numEmbeddings, 1]); })();
  return makeLayer("embedding", { w }, {}, (p, state, x, ctx) => {
    const where = `${op}${ctx.path ? ` (layer ${ctx.path})` : ""}`;
    const table = keep ? mul(p.w, keep) : p.w;
    const given: unknown = x;
    if (!(given instanceof Tensor)) {
      if (!Array.isArray(given) && !(given instanceof Int32Array)) throw new ArgumentError(`${where}: ids must be a Tensor, a number array or an Int32Array, got ${given === null ? "null" : typeof given}`);
      return { y: gather(table, checkIds(where, given as ArrayLike<number>, numEmbeddings), 0), state };
    }
    const ids = tryReadSync(x, op);
    if (ids) return { y: reshape(gather(table, checkIds(where, ids, numEmbeddings), 0), [...x.shape, embeddingDim]), state };
    // traced ids: one-hot rows times the table (the same values; see the module comment)
    const hot = equal(reshape(x, [x.size, 1]), arange(numEmbeddings, undefined, 1, { dtype: x.dtype }));
    return { y: reshape(matmul(hot, table), [...x.shape, embeddingDim]), state };
  });
}

function checkIds(where: string, ids: ArrayLike<number>, n: number): Int32Array {
  const idx = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (!Number.isInteger(v) || v < 0 || v >= n) throw new ArgumentError(`${where}: id ${v} at position ${i} is not an integer in [0, ${n})`);
    idx[i] = v;
  }
  return idx;
}
