/**
 * Gradient descent  x_{k+1} = x_k - alpha_k grad f(x_k).
 * With `lr` the step is fixed (alpha_k = lr; lr = 1/L gives f(x_T) - f* <= L ||x0 - x*||^2 / (2T)
 * on a convex L-smooth f). Without it, alpha_k comes from backtracking Armijo, starting each
 * search from twice the previous step so the step can grow back after a short one.
 */
import type { MethodSteps, Run } from "./run.js";
import { addScaled, dot } from "./linalg.js";
import { backtrackingArmijo } from "./lineSearch.js";

export interface GdOptions { lr?: number; c1: number }

export function* gd(run: Run, opts: GdOptions): MethodSteps {
  const obj = run.obj;
  let alpha = 1;
  while (!run.done) {
    const g = run.g;
    if (opts.lr !== undefined) {
      const x = addScaled(run.x, -opts.lr, g);
      const ev = obj.funGrad(x);
      run.accept(x, ev.f, ev.g);
      yield;
      continue;
    }
    const d = g.map((v) => -v);
    const ls = backtrackingArmijo((a) => obj.fun(addScaled(run.x, a, d)), run.f, -dot(g, g), { alpha0: Math.min(2 * alpha, 1e10), c1: opts.c1 });
    if (!ls.ok) { run.fail(`line search failed: ${ls.message}`); break; }
    alpha = ls.alpha;
    const x = addScaled(run.x, alpha, d);
    if (x.every((v, i) => v === run.x[i])) { run.fail(`line search failed: the accepted step ${alpha.toExponential(2)} no longer changes x`); break; }
    const ev = obj.funGrad(x);
    run.accept(x, ev.f, ev.g);
    yield;
  }
}
