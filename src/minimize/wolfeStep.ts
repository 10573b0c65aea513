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
