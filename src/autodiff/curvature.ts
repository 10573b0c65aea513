/**
 * Forward-mode and second-order products, all built on the reverse pass.
 *
 * - `jvp` uses the transpose trick: u -> J^T u is linear in u, so its own VJP with cotangent v
 *   is J v. Exact, no finite differences.
 * - `hvp` is reverse over reverse: record the gradient's graph once, then H v = d/dx <grad f, v>.
 * - `hessian` reuses one recorded gradient graph for all n reverse sweeps.
 */
import { ArgumentError } from "../errors.js";
import { checkOptions } from "../options.js";
import { Tensor, tensorOf } from "../tensor/tensor.js";
import { treeFlattenWithPaths, treeUnflatten, type Tree } from "../tensor/tree.js";
import { zeros, onesLike, zerosLike } from "../tensor/create.js";
import { concat, oneHot } from "../ops/shape.js";
import { backward } from "./backward.js";
import { checkFunction, checkTangent, makeLeaves, GradientError, treeDot } from "./grad.js";
import { detach, reshape } from "../ops/shape.js";
import { fmt, sizeOf } from "../tensor/shape.js";
import { dataWritten, readSync } from "../backend/select.js";

/** Jacobian-vector product: `f(x)` and `J_f(x) v` (same shape as the output). */
export function jvp<X extends Tree>(f: (x: X) => Tensor, x: X, v: X): { value: Tensor; tangent: Tensor } {
  checkFunction("jvp", f);
  const leaves = makeLeaves(x, "jvp");
  checkTangent("jvp", x, v);
  const out = f(leaves.tree as X);
  if (!(out instanceof Tensor)) throw new GradientError(`jvp: f must return a Tensor, got ${typeof out}`);
  const u = zeros(out.shape, { dtype: out.dtype });
  u._leaf = true;
  const gs = backward(out, u, leaves.list, true);
  const gTree = treeUnflatten(leaves.tree, gs.map((g, i) => g ?? zerosLike(leaves.list[i]))) as Tree;
  const s = treeDot(gTree, v);
  const [t] = backward(s, onesLike(s), [u], leaves.nested);
  return { value: leaves.nested ? out : detach(out), tangent: t ?? zerosLike(out) };
}

/** Records f's value and gradient graph at x (the gradient stays differentiable). */
function gradGraph(op: string, f: (x: Tree) => Tensor, x: Tree) {
  const leaves = makeLeaves(x, op);
  const value = f(leaves.tree);
  if (!(value instanceof Tensor) || value.size !== 1) {
    throw new GradientError(`${op}: f must return a scalar Tensor, got ${value instanceof Tensor ? fmt(value.shape) : typeof value}`);
  }
  const gs = backward(value, onesLike(value), leaves.list, true).map((g, i) => g ?? zerosLike(leaves.list[i]));
  return { leaves, value, gs };
}

/**
 * Hessian-vector product H(x) v of a scalar function, exact (reverse over reverse).
 * Costs about two gradient evaluations; never forms H.
 */
export function hvp<X extends Tree>(f: (x: X) => Tensor, x: X, v: X): X {
  checkFunction("hvp", f);
  checkTangent("hvp", x, v);
  const { leaves, gs } = gradGraph("hvp", f as (x: Tree) => Tensor, x);
  const s = treeDot(treeUnflatten(leaves.tree, gs) as Tree, v);
  const hv = backward(s, onesLike(s), leaves.list, leaves.nested);
  return treeUnflatten(leaves.tree, hv.map((h, i) => h ?? zerosLike(leaves.list[i]))) as X;
}

/** Dense Hessian of a scalar function of one tensor: shape [...x.shape, ...x.shape]. For small n. */
export function hessian(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
  checkFunction("hessian", f);
  if (!(x instanceof Tensor)) throw new ArgumentError("hessian: x must be a single Tensor (flatten trees first)");
  const { leaves, gs } = gradGraph("hessian", f as (x: Tree) => Tensor, x);
  const g = gs[0];
  const n = x.size;
  if (n === 0) return zeros([...x.shape, ...x.shape], { dtype: x.dtype });
  const rows: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const e = reshape(oneHot([i], n, { dtype: x.dtype }), g.shape); // row i's cotangent: basis vector e_i
    const [row] = backward(g, e, leaves.list, false);
    rows.push(row ? reshape(row, [1, n]) : zeros([1, n], { dtype: x.dtype }));
  }
  return reshape(concat(rows, 0), [...x.shape, ...x.shape]);
}

export interface CheckGradResult {
  /** Worst relative error |analytic - numeric| / max(1, |analytic|, |numeric|). */
  maxError: number;
  /** Path and flat index of the worst entry. */
  where: { leaf: string; index: number };
  analytic: number;
  numeric: number;
}

/**
 * Compares f's autodiff gradient with central differences, in float64. `f` must be written
 * dtype-generically (numbers, not float32 constants), since x is cast to float64.
 */
export function checkGrad(f: (x: Tree) => Tensor, x: Tree, options: { eps?: number } = {}): CheckGradResult {
  checkFunction("checkGrad", f);
  checkOptions("checkGrad", options, ["eps"]);
  const eps = options.eps ?? 1e-6;
  if (!(typeof eps === "number" && eps > 0 && eps < 1)) throw new ArgumentError(`checkGrad: eps must be a number in (0, 1), got ${eps}`);
  const flat = treeFlattenWithPaths(x, "checkGrad: x");
  // x in float64, as tensors of the library's own (the caller's tensors are never written).
  const x64 = treeUnflatten(x, flat.map(([, t]) => tensorOf(Float64Array.from(readSync(t, "checkGrad")), t.shape))) as Tree;
  const leaves64 = treeFlattenWithPaths(x64).map(([, t]) => t);
  const { gs } = gradGraph("checkGrad", f, x64);
  let worst: CheckGradResult = { maxError: 0, where: { leaf: flat[0]?.[0] ?? "", index: 0 }, analytic: 0, numeric: 0 };
  // f at x64 with value i of leaf l set to v: perturbed in place (a copy per evaluation would cost
  // O(n) per evaluation), each write announced to the backend (dataWritten: a resident
  // WebAssembly copy of the leaf would go stale), then restored.
  const evalAt = (l: number, i: number, v: number): number => {
    const t = leaves64[l], d = readSync(t, "checkGrad") as Float64Array;
    const orig = d[i];
    d[i] = v;
    dataWritten(t);
    try {
      return (f(x64) as Tensor).item();
    } finally {
      d[i] = orig;
      dataWritten(t);
    }
  };
  flat.forEach(([path, t], li) => {
    const analyticAll = readSync(gs[li], "checkGrad");
    const here = readSync(leaves64[li], "checkGrad");
    for (let i = 0; i < sizeOf(t.shape); i++) {
      const orig = here[i];
      const h = eps * Math.max(1, Math.abs(orig));
      const fp = evalAt(li, i, orig + h);
      const fm = evalAt(li, i, orig - h);
      const numeric = (fp - fm) / (2 * h);
      const analytic = analyticAll[i];
      const err = Math.abs(analytic - numeric) / Math.max(1, Math.abs(analytic), Math.abs(numeric));
      if (!(err <= worst.maxError)) worst = { maxError: err, where: { leaf: path, index: i }, analytic, numeric };
    }
  });
  return worst;
}
