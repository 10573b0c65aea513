/**
 * One strong-Wolfe line search along p from the run's current point, evaluating f and its
 * gradient at each trial (optionally keeping the gradient graph for H v products).
 * Returns the accepted evaluation, or null (after calling `run.fail` with the reason, unless
 * `failRun` is false so the caller can retry).
 */
import type { Run } from "./run.js";
import type { Evaluation } from "./objective.js";
import { addScaled, dot } from "./linalg.js";
import { strongWolfe, type WolfeOptions } from "./lineSearch.js";

export function wolfeStep(run: Run, p: Float64Array, options: WolfeOptions, curvature = false, failRun = true): { x: Float64Array; ev: Evaluation; alpha: number } | null {
  const trials = new Map<number, { x: Float64Array; ev: Evaluation }>();
  const dphi0 = dot(run.g, p);
  const ls = strongWolfe((a) => {
    const x = addScaled(run.x, a, p);
    const ev = run.obj.funGrad(x, curvature);
    trials.set(a, { x, ev });
    return { f: ev.f, d: dot(ev.g, p) };
  }, run.f, dphi0, options);
  if (!ls.ok && !(ls.alpha > 0 && ls.f < run.f)) {
    if (failRun) run.fail(`line search failed: ${ls.message}`);
    return null;
  }
  const t = trials.get(ls.alpha)!;
  return { x: t.x, ev: t.ev, alpha: ls.alpha };
}

/**
 * The step of a quasi-Newton method (lbfgs, bfgs): a strong-Wolfe search along p, starting at
 * `alpha0` if given, else at alpha = 1, or at alpha = min(1, 1/||g||) (a step no longer than 1)
 * when the model has no curvature yet (`fresh`). If the search fails on a model with curvature,
 * `reset()` drops it and the search is retried once along -g (as L-BFGS-B restarts) before the
 * failure is reported. Returns the accepted point with its secant pair s = x+ - x, y = g+ - g, or
 * null when the run failed.
 */
export function quasiNewtonStep(run: Run, p: Float64Array, fresh: boolean, options: { c1: number; c2: number }, reset: () => void, alpha0?: number): { x: Float64Array; ev: Evaluation; s: Float64Array; y: Float64Array } | null {
  const unit = () => Math.min(1, 1 / run.gradNorm);
  let step = wolfeStep(run, p, { alpha0: alpha0 ?? (fresh ? unit() : 1), c1: options.c1, c2: options.c2 }, false, fresh);
  if (!step && !fresh) {
    reset();
    step = wolfeStep(run, run.g.map((v) => -v), { alpha0: unit(), c1: options.c1, c2: options.c2 });
  }
  if (!step) return null;
  const n = p.length, s = new Float64Array(n), y = new Float64Array(n);
  for (let j = 0; j < n; j++) { s[j] = step.x[j] - run.x[j]; y[j] = step.ev.g[j] - run.g[j]; }
  return { x: step.x, ev: step.ev, s, y };
}
