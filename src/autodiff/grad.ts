/**
 * Reverse-mode autodiff over parameter trees: grad, valueAndGrad, vjp.
 *
 * Each call wraps the inputs in fresh leaf tensors. If an input is itself being differentiated
 * by an enclosing call (it carries a graph), the leaf is recorded as an identity of it and the
 * backward pass is recorded too, so the gradient stays differentiable: grad of grad works.
 */
import { ArgumentError, DTypeError, DownhillError, ShapeError, errorName } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { treeFlattenWithPaths, treeLeaves, treeUnflatten, type Tree } from "../tensor/tree.js";
import { fmt, sameShape } from "../tensor/shape.js";
import { record } from "./tape.js";
import { backward } from "./backward.js";
import { detach } from "../ops/shape.js";
import { zerosLike, onesLike } from "../tensor/create.js";

/** Error for a function whose output cannot be differentiated as asked. */
export class GradientError extends DownhillError {}
errorName(GradientError, "GradientError");

/** A fresh leaf sharing `t`'s storage; linked to `t` by an identity node when `t` is itself traced. */
export function makeLeaf(t: Tensor): Tensor {
  const leaf = new Tensor(t._storage, t.shape, t.dtype, true);
  if (t.requiresGrad) record(leaf, "leaf", [t], (g) => [g]);
  leaf._leaf = true;
  return leaf;
}

export interface Leaves {
  tree: Tree;
  list: Tensor[];
  /** True when an enclosing differentiation traces these inputs. */
  nested: boolean;
}

export function makeLeaves(x: Tree, op: string): Leaves {
  const flat = treeFlattenWithPaths(x, `${op}: x`);
  const list = flat.map(([, t]) => makeLeaf(t));
  return { tree: treeUnflatten(x, list) as Tree, list, nested: flat.some(([, t]) => t.requiresGrad) };
}

function checkScalar(op: string, value: unknown): Tensor {
  if (!(value instanceof Tensor)) throw new GradientError(`${op}: f must return a Tensor, got ${typeof value}`);
  if (value.size !== 1) throw new GradientError(`${op}: f must return a scalar (one value), got shape ${fmt(value.shape)}; reduce it with sum() or mean(), or use vjp()`);
  return value;
}

function gradsTree(leaves: Leaves, gs: Array<Tensor | null>): Tree {
  return treeUnflatten(leaves.tree, gs.map((g, i) => g ?? zerosLike(leaves.list[i]))) as Tree;
}

/** Cotangents of a tree of leaves for a scalar output. */
function scalarGrads(op: string, value: unknown, leaves: Leaves): { value: Tensor; grad: Tree } {
  const v = checkScalar(op, value);
  const gs = backward(v, onesLike(v), leaves.list, leaves.nested);
  return { value: leaves.nested ? v : detach(v), grad: gradsTree(leaves, gs) };
}

/**
 * The value of a scalar function and its gradient, in the same tree shape as `x`.
 * @example valueAndGrad((x) => x.square().sum())(tensor([1, 2]))  // { value: 5, grad: [2, 4] }
 */
export function valueAndGrad<X extends Tree, A extends unknown[]>(f: (x: X, ...args: A) => Tensor) {
  return named("valueAndGrad", f);
}

/** The gradient of a scalar function, in the same tree shape as `x`. */
export function grad<X extends Tree, A extends unknown[]>(f: (x: X, ...args: A) => Tensor) {
  const vg = named("grad", f);
  return <Y extends X>(x: Y, ...args: A): Y => vg(x, ...args).grad;
}

/** valueAndGrad under the name the user called, so that errors name it. */
function named<X extends Tree, A extends unknown[]>(op: string, f: (x: X, ...args: A) => Tensor) {
  checkFunction(op, f);
  // Generic in the argument's own type: the gradient has the structure of what was passed (a
  // Tensor for a Tensor, even when f is typed on the general Tree).
  return <Y extends X>(x: Y, ...args: A): { value: Tensor; grad: Y } => {
    const leaves = makeLeaves(x, op);
    const r = scalarGrads(op, f(leaves.tree as X, ...args), leaves);
    return r as { value: Tensor; grad: Y };
  };
}

/**
 * Vector-Jacobian product: the output of `f` at `x`, and a function mapping a cotangent of the
 * output's shape to cotangents of `x` (callable many times).
 */
export function vjp<X extends Tree>(f: (x: X) => Tensor, x: X): { value: Tensor; vjp: (cotangent: Tensor) => X } {
  checkFunction("vjp", f);
  const leaves = makeLeaves(x, "vjp");
  const out = f(leaves.tree as X);
  if (!(out instanceof Tensor)) throw new GradientError(`vjp: f must return a Tensor, got ${typeof out}`);
  return {
    value: leaves.nested ? out : detach(out),
    vjp: (ct: Tensor) => {
      if (!(ct instanceof Tensor) || ct.shape.join() !== out.shape.join()) {
        throw new ArgumentError(`vjp: cotangent must be a Tensor of the output's shape ${fmt(out.shape)}, got ${ct instanceof Tensor ? fmt(ct.shape) : typeof ct}`);
      }
      return gradsTree(leaves, backward(out, ct, leaves.list, leaves.nested || ct.requiresGrad)) as X;
    },
  };
}

/** Transformations take the function first: a wrong argument fails where it is passed, not at the first call. */
export function checkFunction(op: string, f: unknown): void {
  if (typeof f !== "function") throw new ArgumentError(`${op}: f must be a function, got ${f === null ? "null" : Array.isArray(f) ? "an array" : typeof f}`);
}

/**
 * Checks, before any work, that a tangent `v` has x's tree structure and each leaf x's shape and
 * dtype (jvp, hvp): a mismatch names the op, the leaf and both shapes.
 */
export function checkTangent(op: string, x: Tree, v: Tree): void {
  const lx = treeFlattenWithPaths(x, `${op}: x`), lv = treeFlattenWithPaths(v, `${op}: v`);
  if (lx.length !== lv.length) throw new ArgumentError(`${op}: v has ${lv.length} leaves, x has ${lx.length}; v must have x's structure`);
  lx.forEach(([p, t], i) => {
    const [q, u] = lv[i];
    const where = p ? `v.${p}` : "v";
    if (p !== q) throw new ArgumentError(`${op}: v has a leaf at ${q || "(root)"} where x has ${p || "(root)"}; v must have x's structure`);
    if (!sameShape(t.shape, u.shape)) throw new ShapeError(`${op}: ${where} has shape ${fmt(u.shape)}, x has ${fmt(t.shape)}`);
    if (t.dtype !== u.dtype) throw new DTypeError(`${op}: ${where} is ${u.dtype}, x is ${t.dtype}; convert one with cast(x, dtype)`);
  });
}

/** sum_i <a_i, b_i> over two trees of equal structure (checked by checkTangent), as a scalar tensor. */
export function treeDot(a: Tree, b: Tree): Tensor {
  const la = treeLeaves(a), lb = treeLeaves(b);
  let acc: Tensor | null = null;
  la.forEach((t, i) => {
    const d = t.mul(lb[i]).sum();
    acc = acc ? acc.add(d) : d;
  });
  return acc!;
}
