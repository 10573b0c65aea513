/**
 * Limited-memory BFGS (Nocedal & Wright, Algorithm 7.4 and 7.5) with a strong-Wolfe line search.
 * The direction p = -H_k g comes from the two-loop recursion over the last m pairs
 *   s_i = x_{i+1} - x_i,  y_i = g_{i+1} - g_i,  rho_i = 1 / (y_i^T s_i),
 * with the initial matrix H_k^0 = gamma I, gamma = s^T y / y^T y of the newest pair (eq. 7.20).
 * A pair with y^T s <= eps y^T y (not enough curvature) is skipped, so H_k stays positive definite.
 * The first step has length 1 (alpha_0 = 1/||g_0||, as L-BFGS-B: on the 10000x100 logistic problem,
 * where ||g_0|| = 0.11, capping it at alpha_0 = 1 cost 77 iterations and 83 evaluations against
 * 74 and 75); later ones start at alpha = 1, and after a dropped memory at min(1, 1/||g||).
 * When the line search fails along the L-BFGS direction, the memory is dropped and the search is
 * retried once along -g before the failure is reported.
 */
import type { MethodSteps, Run } from "./run.js";
import { dot } from "./linalg.js";
import { quasiNewtonStep } from "./wolfeStep.js";

export interface LbfgsOptions { m: number; c1: number; c2: number }

export function* lbfgs(run: Run, opts: LbfgsOptions): MethodSteps {
  const S: Float64Array[] = [], Y: Float64Array[] = [], R: number[] = [];
  const n = run.x.length;
  const alphas = new Float64Array(opts.m);
  while (!run.done) {
    const p = twoLoop(run.g, S, Y, R, alphas);
    if (!(dot(p, run.g) < 0)) {
      // Rounding made the direction uphill: drop the memory and use steepest descent.
      S.length = Y.length = R.length = 0;
      for (let j = 0; j < n; j++) p[j] = -run.g[j];
    }
    // The first step has length 1, alpha_0 = 1/||g_0|| (L-BFGS-B's rule), even when ||g_0|| < 1.
    const first = run.nit === 0 ? 1 / run.gradNorm : undefined;
    const step = quasiNewtonStep(run, p, S.length === 0, opts, () => { S.length = Y.length = R.length = 0; }, first);
    if (!step) break;
    const { s, y } = step;
    const sy = dot(s, y), yy = dot(y, y);
    if (sy > 2.220446049250313e-16 * yy && yy > 0) {
      if (S.length === opts.m) { S.shift(); Y.shift(); R.shift(); }
      S.push(s); Y.push(y); R.push(1 / sy);
    }
    run.accept(step.x, step.ev.f, step.ev.g);
    yield;
  }
}

/**
 * p = -H g by the two-loop recursion: q = g; newest to oldest q -= a_i y_i; q *= gamma; oldest to
 * newest q += s_i (a_i - b_i). Its own small function so that V8 optimizes it as a whole instead
 * of on-stack-replacing the minimizer's outer loop (about half the time per iteration at n = 100).
 */
function twoLoop(g: Float64Array, S: Float64Array[], Y: Float64Array[], R: number[], alphas: Float64Array): Float64Array {
  const n = g.length, q = Float64Array.from(g);
  for (let i = S.length - 1; i >= 0; i--) {
    const a = (alphas[i] = R[i] * dot(S[i], q)), yi = Y[i];
    for (let j = 0; j < n; j++) q[j] -= a * yi[j];
  }
  const k = S.length - 1;
  const gamma = k >= 0 ? dot(S[k], Y[k]) / dot(Y[k], Y[k]) : 1;
  for (let j = 0; j < n; j++) q[j] *= gamma;
  for (let i = 0; i < S.length; i++) {
    const c = alphas[i] - R[i] * dot(Y[i], q), si = S[i];
    for (let j = 0; j < n; j++) q[j] += si[j] * c;
  }
  for (let j = 0; j < n; j++) q[j] = -q[j];
  return q;
}
