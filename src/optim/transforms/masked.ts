/** Applying transforms to parameter groups: `masked` (a subset) and `partition` (one per label). */
import { ArgumentError, ShapeError } from "../../errors.js";
import { Tensor } from "../../tensor/tensor.js";
import { treeFlattenWithPaths, treeUnflatten, type Tree } from "../../tensor/tree.js";
import { type GradientTransformation, needParams, type OptState } from "../base.js";
import { restrictExtra } from "../extraArgs.js";

/** A label per leaf: a function of (path, param), or a tree of labels with the params' structure. */
export type LeafLabels<L> = ((path: string, param: Tensor) => L) | unknown;

function labelsOf<L>(where: string, spec: LeafLabels<L>, params: Tree, isLabel: (v: unknown) => v is L): L[] {
  const leaves = treeFlattenWithPaths(params, "params");
  if (typeof spec === "function") return leaves.map(([p, t]) => (spec as (p: string, t: Tensor) => L)(p, t));
  const out: Array<[string, L]> = [];
  const visit = (x: unknown, path: string): void => {
    if (isLabel(x)) out.push([path, x]);
    else if (Array.isArray(x)) x.forEach((c, i) => visit(c, path ? `${path}.${i}` : String(i)));
    else if (x !== null && typeof x === "object" && !(x instanceof Tensor)) for (const k of Object.keys(x).sort()) visit((x as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
    else throw new ArgumentError(`${where}: label at ${path || "(root)"} is not valid`);
  };
  visit(spec, "");
  if (out.length !== leaves.length || out.some(([p], i) => p !== leaves[i][0])) {
    const i = out.findIndex(([p], j) => p !== leaves[j]?.[0]);
    throw new ShapeError(`${where}: the label tree does not match params (leaf ${leaves[i]?.[0] ?? out[i]?.[0] ?? "?"})`);
  }
  return out.map(([, l]) => l);
}

const isBool = (v: unknown): v is boolean => typeof v === "boolean";
const isString = (v: unknown): v is string => typeof v === "string";

/**
 * Runs `inner` on the leaves where `mask` is true and passes the others through unchanged
 * (optax `masked`), e.g. no weight decay on biases and norms:
 * `masked(addDecayedWeights(1e-2), (path) => !path.endsWith("bias"))`.
 * The inner state is built over the selected leaves as an array (in canonical order).
 */
export function masked<S>(inner: GradientTransformation<S>, mask: ((path: string, param: Tensor) => boolean) | unknown): GradientTransformation<{ inner: S }> {
  const select = (params: Tree) => labelsOf("masked", mask, params, isBool);
  const pick = (tree: Tree, sel: boolean[]) => treeFlattenWithPaths(tree).map(([, t]) => t).filter((_, i) => sel[i]);
  return {
    init: (params) => ({ inner: inner.init(pick(params, select(params))) }),
    update(u, state, params, extra) {
      const p = needParams("masked", params);
      const sel = select(p);
      const leaves = treeFlattenWithPaths(u, "updates").map(([, t]) => t);
      if (leaves.length !== sel.length) throw new ShapeError(`masked: updates have ${leaves.length} leaves, params ${sel.length}`);
      const r = inner.update(leaves.filter((_, i) => sel[i]), state.inner, pick(p, sel), restrictExtra(extra, p, sel));
      const sub = treeFlattenWithPaths(r.updates).map(([, t]) => t);
      let k = 0;
      return { updates: treeUnflatten(u, leaves.map((t, i) => (sel[i] ? sub[k++] : t))), state: { inner: r.state } };
    },
  };
}

/**
 * A different transform per parameter group (optax `partition`, formerly multi_transform):
 * `partition({decay: adamw({lr}), noDecay: adam({lr})}, (path) => path.endsWith("bias") ? "noDecay" : "decay")`.
 * State: one inner state per label.
 */
export function partition(transforms: Record<string, GradientTransformation<any>>, labels: ((path: string, param: Tensor) => string) | unknown): GradientTransformation<Record<string, OptState>> {
  const names = Object.keys(transforms);
  const label = (params: Tree) => {
    const ls = labelsOf("partition", labels, params, isString);
    ls.forEach((l) => {
      if (!(l in transforms)) throw new ArgumentError(`partition: label "${l}" has no transform (known: ${names.join(", ")})`);
    });
    return ls;
  };
  const pick = (leaves: Tensor[], ls: string[], name: string) => leaves.filter((_, i) => ls[i] === name);
  return {
    init(params) {
      const ls = label(params);
      const leaves = treeFlattenWithPaths(params).map(([, t]) => t);
      return Object.fromEntries(names.map((n) => [n, transforms[n].init(pick(leaves, ls, n))]));
    },
    update(u, state, params, extra) {
      const p = needParams("partition", params);
      const ls = label(p);
      const pl = treeFlattenWithPaths(p).map(([, t]) => t);
      const ul = treeFlattenWithPaths(u, "updates").map(([, t]) => t);
      if (ul.length !== pl.length) throw new ShapeError(`partition: updates have ${ul.length} leaves, params ${pl.length}`);
      const out = ul.slice();
      const next: Record<string, OptState> = {};
      for (const n of names) {
        const r = transforms[n].update(pick(ul, ls, n), state[n], pick(pl, ls, n), restrictExtra(extra, p, ls.map((l) => l === n)));
        next[n] = r.state;
        const sub = treeFlattenWithPaths(r.updates).map(([, t]) => t);
        let k = 0;
        ls.forEach((l, i) => {
          if (l === n) out[i] = sub[k++];
        });
      }
      return { updates: treeUnflatten(u, out), state: next };
    },
  };
}
