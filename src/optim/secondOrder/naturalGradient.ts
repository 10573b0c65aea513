/**
 * Natural gradient for least-squares models in its Gauss-Newton form (for a Gaussian likelihood
 * the Fisher is JᵀJ): a dense damped Gauss-Newton step from the residuals' Jacobian, with a line
 * search on ½‖r‖². For models of up to a few thousand parameters. With `solver: "pinv"` and
 * `lineSearch: "grid"` it is the energy natural gradient of Müller and Zeinhofer (ICML 2023) for
 * PINNs: the Gramian's least-squares solve and the best of a logarithmic grid of step sizes.
 * (Levenberg 1944 / Marquardt 1963 damping, held fixed here; Amari 1998 for the natural gradient.)
 */
import { ArgumentError } from "../../errors.js";
import { readSync } from "../../backend/select.js";
import { tryCholesky as cholesky, choleskySolve, symEig } from "../../linalg/index.js";
import type { Tensor } from "../../tensor/tensor.js";
import { treeFlattenWithPaths, treeUnflatten, type Tree } from "../../tensor/tree.js";
import { needParams, type GradientTransformation } from "../base.js";
import type { LearningRate } from "../alias.js";
import { needExtra } from "../extraArgs.js";
import { checkKnown, learningRate, nonNegative, positiveInt, scheduleValue } from "../validate.js";
import { tensorFrom } from "./kronecker.js";
import { residualJacobian, type JacobianMode } from "./residualJacobian.js";

export interface NaturalGradientOptions {
  /** First trial step length (a fraction of the Gauss-Newton step) or schedule (default 1); the grid's largest. */
  lr?: LearningRate;
  /** Tikhonov damping λ of JᵀJ (default 1e-3); with "cholesky" raised tenfold while the factorization fails. */
  damping?: number;
  /**
   * The step length: true or "armijo" halves lr until ½‖r‖² decreases enough (default); "grid"
   * tries lr·2⁻ᵏ for k = 0 .. gridSize − 1 and takes the one of least ½‖r‖² (0 if none is below the
   * current); false takes lr.
   */
  lineSearch?: boolean | "armijo" | "grid";
  /** Armijo's sufficient-decrease constant (default 1e-4). */
  c1?: number;
  /** Halvings before giving up on a step (then the step is 0) (default 20). */
  maxBacktracks?: number;
  /** Step sizes on the grid (default 31: down to lr·2⁻³⁰, the ENGD paper's grid). */
  gridSize?: number;
  /**
   * The solve of (JᵀJ + λI) δ = −Jᵀr: "cholesky" (default), or "pinv", the least-squares
   * (pseudo-inverse) solution from the eigendecomposition, eigenvalues below rcond times the
   * largest dropped (the ENGD paper's lstsq; JᵀJ is near singular on an overparametrized PINN).
   */
  solver?: "cholesky" | "pinv";
  /** "pinv"'s relative cutoff (default n·2⁻⁵², numpy's and JAX's lstsq default). */
  rcond?: number;
  /**
   * With "pinv" and "grid": cutoffs tried, rcond·100ʲ for j < rcondTries, moving to the next while
   * the grid's best step is below lr·2⁻¹⁰; the best of all tries is taken (default 1: rcond only).
   */
  rcondTries?: number;
  /**
   * How J is built when extra.residualJacobian is absent: "rows" (a reverse pass per residual),
   * "columns" (a forward-mode product per parameter) or "auto" (the fewer passes; default).
   */
  jacobian?: JacobianMode;
  /** Refuse models with more parameters than this (the step forms an n x n matrix; default 5000). */
  maxParams?: number;
}

export interface NaturalGradientState {
  count: number;
  /** Step length the line search accepted on the last step (0: no decrease found). */
  lastStep: number;
}

/**
 * Dense Gauss-Newton / natural-gradient step for residual models (loss ½‖r(p)‖²), residuals
 * from `extra.residuals` (`fit` supplies them for `loss: "mse"`, scaled so that ½‖r‖² is the
 * batch's mse) and their Jacobian from `extra.residualJacobian` when given, else by autodiff:
 *   J = ∂r/∂p (m x n),  g = Jᵀ r
 *   (JᵀJ + λ I) δ = −g            (Cholesky, λ ← 10 λ while it fails; or the pseudo-inverse)
 *   α = lr, halved until ½‖r(p + α δ)‖² ≤ ½‖r(p)‖² + c1·α·gᵀδ  (lineSearch "armijo")
 *   α = argmin over k < gridSize of ½‖r(p + lr 2⁻ᵏ δ)‖²          (lineSearch "grid")
 *   u = α δ
 * The incoming gradient is not used (g is recomputed with J). With λ → 0 on a linear model one
 * step lands on the least-squares solution. Cost: min(m, n) autodiff passes for J and an n³/3
 * factorization (or an eigendecomposition) per step, so for small models (n up to a few thousand).
 * ENGD (Müller and Zeinhofer 2023) on a PINN whose loss is L = ‖r‖² with the boundary and
 * interior terms in r: θ ← θ − η G⁺∇L with η ∈ {2⁻ᵏ} is this step with lr 2 (∇L = 2 Jᵀr), grid,
 * pinv and λ = 0.
 * @param options.lr (1) @param options.damping (1e-3) @param options.lineSearch ("armijo")
 * @param options.c1 (1e-4) @param options.maxBacktracks (20) @param options.gridSize (31)
 * @param options.solver ("cholesky") @param options.rcond (n·2⁻⁵²) @param options.rcondTries (1) @param options.jacobian ("auto")
 * @param options.maxParams (5000)
 * @see https://doi.org/10.1162/089976698300017746 (Amari, natural gradient)
 * @see https://proceedings.mlr.press/v202/muller23b.html (energy natural gradient for PINNs)
 * @example
 * const model = nn.sequential([nn.linear(1, 8), nn.tanh(), nn.linear(8, 1)]);
 * await fit(model, { x, y }, { optimizer: naturalGradient(), loss: "mse", steps: 20 });
 */
export function naturalGradient(options: NaturalGradientOptions = {}): GradientTransformation<NaturalGradientState> {
  const where = "naturalGradient";
  checkKnown(where, options, ["lr", "damping", "lineSearch", "c1", "maxBacktracks", "gridSize", "solver", "rcond", "rcondTries", "jacobian", "maxParams"]);
  const lr = learningRate(where, options.lr ?? 1);
  const damping0 = nonNegative(where, "damping", options.damping ?? 1e-3);
  const ls = options.lineSearch ?? "armijo";
  if (!(typeof ls === "boolean" || ls === "armijo" || ls === "grid")) throw new ArgumentError(`naturalGradient: lineSearch must be true, false, "armijo" or "grid", got ${JSON.stringify(ls)}`);
  const search = ls === true ? "armijo" : ls === false ? "none" : ls;
  const c1 = nonNegative(where, "c1", options.c1 ?? 1e-4);
  const maxBacktracks = positiveInt(where, "maxBacktracks", options.maxBacktracks ?? 20);
  const gridSize = positiveInt(where, "gridSize", options.gridSize ?? 31);
  const solver = options.solver ?? "cholesky";
  if (solver !== "cholesky" && solver !== "pinv") throw new ArgumentError(`naturalGradient: solver must be "cholesky" or "pinv", got ${JSON.stringify(solver)}`);
  const rcond = options.rcond === undefined ? undefined : nonNegative(where, "rcond", options.rcond);
  const rcondTries = positiveInt(where, "rcondTries", options.rcondTries ?? 1);
  const mode = options.jacobian ?? "auto";
  if (mode !== "auto" && mode !== "rows" && mode !== "columns") throw new ArgumentError(`naturalGradient: jacobian must be "auto", "rows" or "columns", got ${JSON.stringify(mode)}`);
  const maxParams = positiveInt(where, "maxParams", options.maxParams ?? 5000);
  return {
    init: () => ({ count: 0, lastStep: 0 }),
    update(_g, state, params, extra) {
      const p = needParams(where, params);
      const residuals = needExtra(where, extra, "residuals", "the Gauss-Newton matrix is JᵀJ of the residuals' Jacobian");
      const leaves = treeFlattenWithPaths(p, "params").map(([, t]) => t);
      const sizes = leaves.map((t) => t.size);
      const n = sizes.reduce((a, b) => a + b, 0);
      if (n > maxParams) throw new ArgumentError(`naturalGradient: the model has ${n} parameters, more than maxParams = ${maxParams} (the step solves a dense n x n system)`);
      const { r, J, m } = jacobianAt(residuals, extra?.residualJacobian, p, n, mode, where);
      const g = new Float64Array(n);
      const M = new Float64Array(n * n);
      for (let i = 0; i < m; i++) {
        const ri = r[i], o = i * n;
        for (let a = 0; a < n; a++) {
          const ja = J[o + a];
          if (ja === 0) continue;
          g[a] += ja * ri;
          for (let b = a; b < n; b++) M[a * n + b] += ja * J[o + b];
        }
      }
      for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) M[a * n + b] = M[b * n + a];
      const pinv = solver === "pinv" ? pinvSolver(M, n, damping0) : null;
      const cutoff0 = rcond ?? n * 2 ** -52;
      const direction = (cutoff: number) => {
        const d = pinv ? pinv(g, cutoff) : dampedCholeskySolve(M, n, g, damping0, state.count);
        for (let a = 0; a < n; a++) d[a] = -d[a];
        return d;
      };
      let delta = direction(cutoff0);

      const half = (x: ArrayLike<number>) => { let s = 0; for (let i = 0; i < x.length; i++) s += x[i] * x[i]; return s / 2; };
      const at = (alpha: number): Tree => {
        let o = 0;
        return treeUnflatten(p, leaves.map((t, k) => {
          const base = readSync(t, where), v = new Float64Array(sizes[k]);
          for (let i = 0; i < v.length; i++) v[i] = base[i] + alpha * delta[o + i];
          o += sizes[k];
          return tensorFrom(v, t.shape, t.dtype);
        }));
      };
      const lossAt = (alpha: number) => half(readSync(residuals(at(alpha)), where));
      let alpha = scheduleValue(where, "lr", lr, state.count);
      const f0 = half(r);
      if (search === "armijo") {
        let slope = 0;
        for (let a = 0; a < n; a++) slope += g[a] * delta[a];
        let k = 0;
        for (; k <= maxBacktracks; k++, alpha /= 2) if (lossAt(alpha) <= f0 + c1 * alpha * slope) break;
        if (k > maxBacktracks) alpha = 0;
      } else if (search === "grid") {
        const lr0 = alpha;
        let best = 0, fBest = f0, bestDelta = delta;
        // with rcondTries > 1, a step below lr·2⁻¹⁰ (a direction ruled by the Gramian's smallest
        // kept eigenvalues) tries the cutoff 100x higher, keeping the best of all tries
        for (let j = 0, cutoff = cutoff0; j < (pinv ? rcondTries : 1); j++, cutoff *= 100) {
          if (j > 0) delta = direction(cutoff);
          let found = 0;
          for (let k = 0, a = lr0; k < gridSize; k++, a /= 2) {
            const f = lossAt(a);
            if (f < fBest) { fBest = f; best = a; bestDelta = delta; found = a; }
          }
          if (found >= lr0 * 2 ** -10) break;
        }
        alpha = best;
        delta = bestDelta;
      }
      let o = 0;
      const updates = leaves.map((t, k) => {
        const v = new Float64Array(sizes[k]);
        for (let i = 0; i < v.length; i++) v[i] = alpha * delta[o + i];
        o += sizes[k];
        return tensorFrom(v, t.shape, t.dtype);
      });
      return { updates: treeUnflatten(p, updates), state: { count: state.count + 1, lastStep: alpha } };
    },
  };
}

/** r and J at p: the caller's Jacobian (checked against r's size and n) or autodiff's. */
function jacobianAt(residuals: (p: Tree) => Tensor, given: ((p: Tree) => Tensor) | undefined, p: Tree, n: number, mode: JacobianMode, where: string) {
  if (!given) return residualJacobian(residuals, p, mode, where);
  const r = Float64Array.from(readSync(residuals(p), where));
  const Jt = given(p);
  const m = r.length;
  if (Jt.rank !== 2 || Jt.shape[0] !== m || Jt.shape[1] !== n) throw new ArgumentError(`naturalGradient: extra.residualJacobian must return [${m}, ${n}] (residuals x parameters), got [${Jt.shape.join(", ")}]`);
  return { r, J: Float64Array.from(readSync(Jt, where)), m };
}

/** (M + λI)⁻¹ g by Cholesky, λ raised tenfold (from 1e-12 when 0) while the factorization fails. */
function dampedCholeskySolve(M: Float64Array, n: number, g: Float64Array, damping0: number, step: number): Float64Array {
  let damping = damping0, L: Float64Array | null = null;
  for (let tries = 0; tries < 30 && L === null; tries++, damping = damping > 0 ? damping * 10 : 1e-12) {
    const D = Float64Array.from(M);
    for (let a = 0; a < n; a++) D[a * n + a] += damping;
    L = cholesky(D, n);
  }
  if (L === null) throw new ArgumentError(`naturalGradient: JᵀJ + λI could not be factorized at step ${step} (non-finite residuals or Jacobian?)`);
  return choleskySolve(L, n, g);
}

/** g ↦ (M + λI)⁺ g from M + λI = V diag(w) Vᵀ (one eigendecomposition), dropping w_i ≤ rcond·max w. */
function pinvSolver(M: Float64Array, n: number, damping: number): (g: Float64Array, rcond: number) => Float64Array {
  const D = Float64Array.from(M);
  for (let a = 0; a < n; a++) D[a * n + a] += damping;
  for (let i = 0; i < D.length; i++) if (!Number.isFinite(D[i])) throw new ArgumentError("naturalGradient: JᵀJ has non-finite entries (non-finite residuals or Jacobian?)");
  const { values: w, vectors: V } = symEig(D, n);
  let wMax = 0;
  for (let i = 0; i < n; i++) wMax = Math.max(wMax, Math.abs(w[i]));
  return (g, rcond) => {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (!(w[i] > rcond * wMax)) continue;
      let c = 0; // (column i of V) · g
      for (let a = 0; a < n; a++) c += V[a * n + i] * g[a];
      c /= w[i];
      for (let a = 0; a < n; a++) x[a] += c * V[a * n + i];
    }
    return x;
  };
}
