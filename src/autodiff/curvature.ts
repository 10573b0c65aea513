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
import { Rng } from "../tensor/random.js";

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

/**
 * The Laplacian Δf = Σ_k ∂²f/∂x_k² of a pointwise function at each of N points: `f` maps points
 * x of shape [N, d] to values of shape [N] (or [N, 1]), row i depending on row i of x only (a
 * network applied to a batch of inputs; a PINN's solution). Reverse over reverse: one backward pass
 * for ∇f (rows are independent, so the gradient of Σ_i f_i is each point's own gradient), then
 * one per coordinate k for ∂/∂x_k of Σ_i ∂f_i/∂x_k. Both passes keep their graphs, so the result
 * is differentiable in whatever `f` closes over (a network's parameters) and in x.
 * @returns shape [N]
 */
export function laplacian(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
  checkFunction("laplacian", f);
  if (!(x instanceof Tensor) || x.rank !== 2) throw new ArgumentError(`laplacian: x must be a Tensor of points, shape [N, d], got ${x instanceof Tensor ? fmt(x.shape) : typeof x}`);
  const [n, d] = x.shape;
  const leaf = makeLeaves(x, "laplacian").list[0];
  const out = f(leaf);
  if (!(out instanceof Tensor) || !(out.size === n && (out.rank === 1 || (out.rank === 2 && out.shape[1] === 1)))) {
    throw new GradientError(`laplacian: f must map points [${n}, ${d}] to values [${n}] or [${n}, 1], got ${out instanceof Tensor ? fmt(out.shape) : typeof out}`);
  }
  const [g] = backward(out, onesLike(out), [leaf], true);
  if (!g) return zeros([n], { dtype: x.dtype }); // f does not depend on x
  let lap: Tensor | null = null;
  for (let k = 0; k < d; k++) {
    const gk = g.slice([0, k], [n, 1]);
    const [h] = backward(gk, onesLike(gk), [leaf], true);
    if (!h) continue; // f linear in x_k
    const hk = reshape(h.slice([0, k], [n, 1]), [n]);
    lap = lap === null ? hk : lap.add(hk);
  }
  return lap ?? zeros([n], { dtype: x.dtype });
}

export interface TopEigenvalueOptions {
  /** Power iterations at most (default 50). */
  maxIter?: number;
  /** Stop when the Rayleigh quotient changes by less than tol·|λ| (default 1e-6). */
  tol?: number;
  /** Seed of the start vector (default 0). */
  seed?: number;
}

export interface TopEigenvalueResult {
  /** The Rayleigh quotient vᵀHv of the last unit iterate: the eigenvalue of largest magnitude, with its sign. */
  value: number;
  iterations: number;
  /** Hessian-vector products used. */
  hvps: number;
}

/**
 * The Hessian's eigenvalue of largest magnitude at x by power iteration on `hvp` (never forms
 * H): v ← Hv/‖Hv‖ from a seeded Gaussian start, λ = vᵀHv. At a minimum H is positive
 * semi-definite and this is its largest eigenvalue, the "sharpness" of the minimum (Keskar et
 * al. 2017; what SAM lowers, Foret et al. 2021). Converges at the rate |λ₂/λ₁| per iteration.
 */
export function topHessianEigenvalue<X extends Tree>(f: (x: X) => Tensor, x: X, options: TopEigenvalueOptions = {}): TopEigenvalueResult {
  checkFunction("topHessianEigenvalue", f);
  checkOptions("topHessianEigenvalue", options, ["maxIter", "tol", "seed"]);
  const maxIter = options.maxIter ?? 50, tol = options.tol ?? 1e-6, seed = options.seed ?? 0;
  if (!(Number.isInteger(maxIter) && maxIter > 0)) throw new ArgumentError(`topHessianEigenvalue: maxIter must be a positive integer, got ${maxIter}`);
  if (!(typeof tol === "number" && tol >= 0)) throw new ArgumentError(`topHessianEigenvalue: tol must be a number >= 0, got ${tol}`);
  const flat = treeFlattenWithPaths(x, "topHessianEigenvalue: x");
  const rng = new Rng(seed);
  const unit = (vals: Float64Array[]): { v: X; norm: number } => {
    let s = 0;
    for (const a of vals) for (let i = 0; i < a.length; i++) s += a[i] * a[i];
    const norm = Math.sqrt(s);
    const v = treeUnflatten(x, vals.map((a, k) => {
      const t = flat[k][1], b = t.dtype === "float64" ? new Float64Array(a.length) : new Float32Array(a.length);
      for (let i = 0; i < a.length; i++) b[i] = norm > 0 ? a[i] / norm : 0;
      return tensorOf(b, t.shape);
    })) as X;
    return { v, norm };
  };
  let { v } = unit(flat.map(([, t]) => { const a = new Float64Array(t.size); for (let i = 0; i < a.length; i++) a[i] = rng.normal(); return a; }));
  let value = 0, iterations = 0;
  for (let it = 1; it <= maxIter; it++) {
    iterations = it;
    const hv = treeFlattenWithPaths(hvp(f, x, v)).map(([, t]) => Float64Array.from(readSync(t, "topHessianEigenvalue")));
    const vs = treeFlattenWithPaths(v).map(([, t]) => readSync(t, "topHessianEigenvalue"));
    let q = 0;
    hv.forEach((a, k) => { for (let i = 0; i < a.length; i++) q += a[i] * vs[k][i]; });
    const next = unit(hv);
    const done = it > 1 && Math.abs(q - value) <= tol * Math.abs(q);
    value = q;
    if (done || next.norm === 0) break;
    v = next.v;
  }
  return { value, iterations, hvps: iterations };
}
