/**
 * Natural gradient for least-squares models in its Gauss-Newton form (for a Gaussian likelihood
 * the Fisher is JᵀJ): a dense damped Gauss-Newton step from the residuals' Jacobian, with a
 * backtracking (Armijo) line search on ½‖r‖². For models of up to a few thousand parameters.
 * (Levenberg 1944 / Marquardt 1963 damping, held fixed here; Amari 1998 for the natural gradient.)
 */
import { ArgumentError } from "../../errors.js";
import { readSync } from "../../backend/select.js";
import { vjp } from "../../autodiff/grad.js";
import { tryCholesky as cholesky, choleskySolve } from "../../linalg/index.js";
import type { Tensor } from "../../tensor/tensor.js";
import { treeFlattenWithPaths, treeUnflatten, type Tree } from "../../tensor/tree.js";
import { needParams, type GradientTransformation } from "../base.js";
import type { LearningRate } from "../alias.js";
import { needExtra } from "../extraArgs.js";
import { bool, checkKnown, learningRate, nonNegative, positiveInt, scheduleValue } from "../validate.js";
import { tensorFrom } from "./kronecker.js";

export interface NaturalGradientOptions {
  /** First trial step length (a fraction of the Gauss-Newton step) or schedule (default 1). */
  lr?: LearningRate;
  /** Tikhonov damping λ of JᵀJ (default 1e-3); raised tenfold while the Cholesky factorization fails. */
  damping?: number;
  /** Backtrack (halve) the step until ½‖r‖² decreases enough (default true). */
  lineSearch?: boolean;
  /** Armijo's sufficient-decrease constant (default 1e-4). */
  c1?: number;
  /** Halvings before giving up on a step (then the step is 0) (default 20). */
  maxBacktracks?: number;
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
 * batch's mse):
 *   J = ∂r/∂p (m x n, one reverse pass per residual),  g = Jᵀ r
 *   (JᵀJ + λ I) δ = −g                                    (Cholesky; λ ← 10 λ while it fails)
 *   α = lr, halved until ½‖r(p + α δ)‖² ≤ ½‖r(p)‖² + c1·α·gᵀδ  (lineSearch)
 *   u = α δ
 * The incoming gradient is not used (g is recomputed with J). With λ → 0 on a linear model one
 * step lands on the least-squares solution. Cost: m backward passes and an n³/3 factorization per
 * step, so for small models (n up to a few thousand).
 * @param options.lr (1) @param options.damping (1e-3) @param options.lineSearch (true)
 * @param options.c1 (1e-4) @param options.maxBacktracks (20) @param options.maxParams (5000)
 * @see https://doi.org/10.1162/089976698300017746 (Amari, natural gradient)
 * @example
 * const model = nn.sequential([nn.linear(1, 8), nn.tanh(), nn.linear(8, 1)]);
 * await fit(model, { x, y }, { optimizer: naturalGradient(), loss: "mse", steps: 20 });
 */
export function naturalGradient(options: NaturalGradientOptions = {}): GradientTransformation<NaturalGradientState> {
  const where = "naturalGradient";
  checkKnown(where, options, ["lr", "damping", "lineSearch", "c1", "maxBacktracks", "maxParams"]);
  const lr = learningRate(where, options.lr ?? 1);
  const damping0 = nonNegative(where, "damping", options.damping ?? 1e-3);
  const search = bool(where, "lineSearch", options.lineSearch ?? true);
  const c1 = nonNegative(where, "c1", options.c1 ?? 1e-4);
  const maxBacktracks = positiveInt(where, "maxBacktracks", options.maxBacktracks ?? 20);
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
      const { value: r0, vjp: pullback } = vjp(residuals, p);
      const r = Float64Array.from(readSync(r0, where));
      const m = r.length;
      // J row by row: the VJP of each unit cotangent
      const J = new Float64Array(m * n);
      const unit = new Float64Array(m);
      for (let i = 0; i < m; i++) {
        unit.fill(0);
        unit[i] = 1;
        const rows = treeFlattenWithPaths(pullback(tensorFrom(unit, r0.shape, r0.dtype))).map(([, t]) => readSync(t, where));
        let o = i * n;
        for (const row of rows) for (let j = 0; j < row.length; j++) J[o++] = row[j];
      }
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
      let damping = damping0, L: Float64Array | null = null;
      for (let tries = 0; tries < 30 && L === null; tries++, damping = damping > 0 ? damping * 10 : 1e-12) {
        const D = Float64Array.from(M);
        for (let a = 0; a < n; a++) D[a * n + a] += damping;
        L = cholesky(D, n);
      }
      if (L === null) throw new ArgumentError(`naturalGradient: JᵀJ + λI could not be factorized at step ${state.count} (non-finite residuals or Jacobian?)`);
      const delta = choleskySolve(L, n, g).map((v) => -v);

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
      let alpha = scheduleValue(where, "lr", lr, state.count);
      if (search) {
        const f0 = half(r);
        let slope = 0;
        for (let a = 0; a < n; a++) slope += g[a] * delta[a];
        let k = 0;
        for (; k <= maxBacktracks; k++, alpha /= 2) {
          const f = half(readSync(residuals(at(alpha)), where));
          if (f <= f0 + c1 * alpha * slope) break;
        }
        if (k > maxBacktracks) alpha = 0;
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
