/**
 * Leafwise arithmetic on parameter trees for the pure transforms. Every helper allocates fresh
 * tensors (the pure path never mutates its inputs) and checks that the trees match leaf by leaf,
 * naming the first leaf that does not.
 */
import { readSync } from "../backend/select.js";
import { DTypeError, ShapeError } from "../errors.js";
import { arrayFor, type FloatArray } from "../tensor/dtype.js";
import { fmt, sameShape } from "../tensor/shape.js";
import { Tensor, tensorOf, cloneTensor } from "../tensor/tensor.js";
import { treeFlattenWithPaths, treeUnflatten, type Tree } from "../tensor/tree.js";

/** Leaves of `trees[0]` and of every other tree, checked to share paths, shapes and dtypes. */
export function matchedLeaves(trees: readonly Tree[], names: readonly string[]): { paths: string[]; leaves: Tensor[][] } {
  const first = treeFlattenWithPaths(trees[0], names[0]);
  const paths = first.map(([p]) => p);
  const leaves: Tensor[][] = [first.map(([, t]) => t)];
  for (let j = 1; j < trees.length; j++) {
    const other = treeFlattenWithPaths(trees[j], names[j]);
    checkLeaves(first, other, names[0], names[j]);
    leaves.push(other.map(([, t]) => t));
  }
  return { paths, leaves };
}

/** Throws ShapeError/DTypeError naming the first leaf where `b` does not match `a`. */
export function checkLeaves(a: ReadonlyArray<[string, Tensor]>, b: ReadonlyArray<[string, Tensor]>, aName: string, bName: string): void {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const pa = a[i]?.[0], pb = b[i]?.[0];
    if (pa !== pb) {
      throw new ShapeError(`${bName} do not match ${aName}: leaf ${pb === undefined ? `${pa || "(root)"} is missing` : `${pb || "(root)"} is unexpected`}${pa !== undefined && pb !== undefined ? ` (expected ${pa || "(root)"})` : ""}`);
    }
    const ta = a[i][1], tb = b[i][1];
    if (!sameShape(ta.shape, tb.shape)) throw new ShapeError(`${bName} leaf ${pa || "(root)"}: shape ${fmt(tb.shape)} does not match ${aName} shape ${fmt(ta.shape)}`);
    if (ta.dtype !== tb.dtype) throw new DTypeError(`${bName} leaf ${pa || "(root)"}: dtype ${tb.dtype} does not match ${aName} dtype ${ta.dtype}`);
  }
}

type Fn = (...xs: number[]) => number;

/** out[i] = fn(a[i], b[i], ...) leaf by leaf; the result has the first tree's structure and dtype. */
export function ewise(fn: Fn, trees: readonly Tree[], names: readonly string[] = trees.map((_, i) => `tree ${i}`)): Tree {
  const { leaves } = matchedLeaves(trees, names);
  const out = leaves[0].map((t, l) => {
    const o = arrayFor(t.dtype, t.size);
    const xs = leaves.map((ls) => readSync(ls[l], "optimizer update"));
    kernel(fn, o, xs);
    return tensorOf(o, t.shape);
  });
  return treeUnflatten(trees[0], out);
}

function kernel(fn: Fn, o: FloatArray, xs: FloatArray[]): void {
  const n = o.length;
  switch (xs.length) {
    case 1: { const [a] = xs; for (let i = 0; i < n; i++) o[i] = fn(a[i]); return; }
    case 2: { const [a, b] = xs; for (let i = 0; i < n; i++) o[i] = fn(a[i], b[i]); return; }
    case 3: { const [a, b, c] = xs; for (let i = 0; i < n; i++) o[i] = fn(a[i], b[i], c[i]); return; }
    case 4: { const [a, b, c, d] = xs; for (let i = 0; i < n; i++) o[i] = fn(a[i], b[i], c[i], d[i]); return; }
    default: for (let i = 0; i < n; i++) o[i] = fn(...xs.map((x) => x[i]));
  }
}

/** A tree of the same structure filled with `value`. */
export function fullTree(tree: Tree, value: number): Tree {
  return treeUnflatten(tree, treeFlattenWithPaths(tree).map(([, t]) => tensorOf(arrayFor(t.dtype, t.size).fill(value), t.shape)));
}

/** A deep copy of a state tree: tensors copied, numbers/booleans/strings kept, null kept. */
export function cloneState<S>(s: S): S {
  if (s instanceof Tensor) return cloneTensor(s) as S;
  if (Array.isArray(s)) return s.map(cloneState) as S;
  if (s !== null && typeof s === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) o[k] = cloneState(v);
    return o as S;
  }
  return s;
}

/** sum of squares over every element, leaves in canonical order, accumulated in float64. */
export function sumOfSquares(tree: Tree): number {
  let s = 0;
  for (const [, t] of treeFlattenWithPaths(tree)) {
    const d = readSync(t, "optimizer");
    for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  }
  return s;
}

/** True when every element of every leaf is finite. */
export function allFinite(tree: Tree): boolean {
  for (const [, t] of treeFlattenWithPaths(tree)) {
    const d = readSync(t, "optimizer");
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return false;
  }
  return true;
}
