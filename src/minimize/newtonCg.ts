/**
 * Truncated Newton (Newton-CG; Nocedal & Wright Algorithm 7.1, scipy's `newton-cg` behaviour):
 * the direction p approximately solves H p = -g by conjugate gradients using only H v products,
 * stopped when the residual r = H p + g satisfies
 *   ||r||_1 <= eta ||g||_1,   eta = min(0.5, sqrt(||g||_1))      (superlinear forcing sequence),
 * or ||r||_2 <= tol / 10, or at 20 n CG steps. When CG meets a direction d with d^T H d <= 0: on the first CG step the
 * direction is steepest descent scaled by the curvature seen, -(g^T g / |d^T H d|) g, otherwise
 * the CG iterate so far. Then a strong-Wolfe line search from alpha = 1. Unlike scipy, the run stops on the
 * gradient norm (scipy stops when the mean |step| < xtol, which can report success early).
 * The gradient graph recorded at each iterate serves all of that iteration's H v products.
 */
import type { MethodSteps, Run } from "./run.js";
import { dot } from "./linalg.js";
import { wolfeStep } from "./wolfeStep.js";

const EPS = 2.220446049250313e-16;
/** CG stops at this fraction of the run's gradient tolerance (see `truncatedCg`). */
const CG_FLOOR = 0.1;

function l1(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Math.abs(v[i]);
  return s;
}

/**
 * Approximate solution of H p = -g by CG with the forcing rule above, also stopped once
 * ||r||_2 <= `floor`: the gradient after a full step is r plus second-order terms, so solving
 * further than the run's tolerance buys nothing (logistic 10000x100: 96 -> 81 H v products).
 */
export function truncatedCg(hvp: (v: Float64Array) => Float64Array, g: Float64Array, maxIter: number, floor = 0): Float64Array {
  const n = g.length;
  const maggrad = l1(g);
  const termcond = Math.min(0.5, Math.sqrt(maggrad)) * maggrad;
  const p = new Float64Array(n);
  const r = Float64Array.from(g);
  const d = g.map((v) => -v);
  let rr = dot(r, r);
  for (let i = 0; i < maxIter; i++) {
    if (l1(r) <= termcond || rr <= floor * floor) break;
    const Hd = hvp(d);
    const curv = dot(d, Hd);
    // Curvature at rounding level relative to ||d||^2 (scipy compares with 3 eps absolutely,
    // which stops CG at p = 0 once ||g|| is below ~1e-8 and so can never reach a tight tol).
    if (curv >= 0 && curv <= 3 * EPS * dot(d, d)) {
      if (i === 0) for (let j = 0; j < n; j++) p[j] = -g[j];
      break;
    }
    if (curv < 0) {
      if (i > 0) break;
      const scale = rr / -curv;
      for (let j = 0; j < n; j++) p[j] = -scale * g[j];
      break;
    }
    const alpha = rr / curv;
    for (let j = 0; j < n; j++) { p[j] += alpha * d[j]; r[j] += alpha * Hd[j]; }
    const rrNext = dot(r, r);
    const beta = rrNext / rr;
    for (let j = 0; j < n; j++) d[j] = -r[j] + beta * d[j];
    rr = rrNext;
  }
  return p;
}

export function* newtonCg(run: Run, opts: { c1: number; c2: number }): MethodSteps {
  const n = run.x.length;
  while (!run.done) {
    const p = truncatedCg(run.ev!.hvp!, run.g, 20 * n, CG_FLOOR * run.rules.tol);
    if (!(dot(p, run.g) < 0)) { run.fail("CG returned no descent direction (the Hessian is singular or indefinite along g)"); break; }
    const step = wolfeStep(run, p, { alpha0: 1, c1: opts.c1, c2: opts.c2 }, true);
    if (!step) break;
    run.ev = step.ev;
    run.accept(step.x, step.ev.f, step.ev.g);
    yield;
  }
}
