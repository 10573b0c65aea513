/**
 * Parameter trees: a tensor, or plain arrays/objects of trees. Leaves are visited in a fixed
 * order (arrays by index, objects by sorted key, as JAX does), so flattening is deterministic
 * and checkpoints name leaves by path.
 */
import { ArgumentError, ShapeError } from "../errors.js";
import { Tensor } from "./tensor.js";
import { fmt, sameShape } from "./shape.js";

export type Tree<T = Tensor> = T | readonly Tree<T>[] | { readonly [key: string]: Tree<T> };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** Leaves with their paths ("layers.0.w"), in the canonical order. */
export function treeFlattenWithPaths(tree: Tree, where = "tree"): Array<[string, Tensor]> {
  const out: Array<[string, Tensor]> = [];
  const visit = (t: unknown, path: string): void => {
    if (t instanceof Tensor) out.push([path, t]);
    else if (Array.isArray(t)) t.forEach((c, i) => visit(c, path ? `${path}.${i}` : String(i)));
    else if (isPlainObject(t)) for (const k of Object.keys(t).sort()) visit(t[k], path ? `${path}.${k}` : k);
    else throw new ArgumentError(`${where}: leaf ${path || "(root)"} is ${t === null ? "null" : typeof t}, not a Tensor`);
  };
  visit(tree, "");
  return out;
}

export function treeLeaves(tree: Tree, where = "tree"): Tensor[] {
  return treeFlattenWithPaths(tree, where).map(([, t]) => t);
}

/** Rebuilds a tree of the same structure from leaves in canonical order. */
export function treeUnflatten<T>(structure: Tree, leaves: readonly T[]): Tree<T> {
  let i = 0;
  const build = (t: unknown): Tree<T> => {
    if (t instanceof Tensor) return leaves[i++];
    if (Array.isArray(t)) return t.map(build);
    const o: Record<string, Tree<T>> = {};
    for (const k of Object.keys(t as object).sort()) o[k] = build((t as Record<string, unknown>)[k]);
    // keep the user's key order for readability
    const ordered: Record<string, Tree<T>> = {};
    for (const k of Object.keys(t as object)) ordered[k] = o[k];
    return ordered;
  };
  return build(structure);
}

/** Applies `fn` leafwise to `tree` and any number of trees of the same structure and shapes. */
export function treeMap(fn: (x: Tensor, ...rest: Tensor[]) => Tensor, tree: Tree, ...others: Tree[]): Tree {
  const main = treeFlattenWithPaths(tree);
  const rest = others.map((o, j) => {
    const leaves = treeFlattenWithPaths(o, `tree ${j + 1}`);
    if (leaves.length !== main.length) throw new ShapeError(`tree structure mismatch: ${main.length} leaves vs ${leaves.length}`);
    leaves.forEach(([p, t], i) => {
      if (p !== main[i][0]) throw new ShapeError(`tree structure mismatch: leaf ${main[i][0]} vs ${p}`);
      if (!sameShape(t.shape, main[i][1].shape)) throw new ShapeError(`leaf ${p}: shape ${fmt(t.shape)} does not match ${fmt(main[i][1].shape)}`);
    });
    return leaves.map(([, t]) => t);
  });
  return treeUnflatten(tree, main.map(([, t], i) => fn(t, ...rest.map((r) => r[i]))));
}
