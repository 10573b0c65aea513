/**
 * Reading training values that live on a GPU (webgpu backend), where only `await t.data()` reads:
 * many small per-step vectors read in a few transfers, and trees (parameters, model state,
 * optimizer state) copied to host tensors for a checkpoint or a diagnostic message.
 */
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/create.js";
import { concat } from "../ops/shape.js";

/** Vectors joined per read: one concat kernel binds them all, so keep it within binding limits. */
const JOIN = 16;

/**
 * The values of 1-D tensors, in order, as float64 arrays. Joined `JOIN` at a time into one tensor
 * each, and those read together: a few transfers instead of one per vector.
 */
export async function readVectors(vs: readonly Tensor[]): Promise<Float64Array[]> {
  const groups: Tensor[][] = [];
  for (let i = 0; i < vs.length; i += JOIN) groups.push(vs.slice(i, i + JOIN));
  const joined = groups.map((g) => (g.length === 1 ? g[0] : concat(g, 0)));
  const data = await Promise.all(joined.map((t) => t.data()));
  const out: Float64Array[] = [];
  groups.forEach((g, k) => {
    let off = 0;
    for (const v of g) {
      out.push(Float64Array.from(data[k].subarray(off, off + v.size)));
      off += v.size;
    }
  });
  return out;
}

/** The same tree with every tensor replaced by a host copy (read with `await data()`); other leaves as they are. */
export async function hostTree<T>(tree: T): Promise<T> {
  const visit = async (t: unknown): Promise<unknown> => {
    if (t instanceof Tensor) return tensor(await t.data(), { shape: t.shape, dtype: t.dtype });
    if (Array.isArray(t)) return Promise.all(t.map(visit));
    if (t !== null && typeof t === "object" && !ArrayBuffer.isView(t)) {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(t)) o[k] = await visit((t as Record<string, unknown>)[k]);
      return o;
    }
    return t;
  };
  return (await visit(tree)) as T;
}
