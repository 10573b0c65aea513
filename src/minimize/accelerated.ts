/**
 * Momentum methods for smooth problems.
 *
 * Heavy ball (Polyak):  x_{k+1} = x_k - alpha grad f(x_k) + beta (x_k - x_{k-1}),
 *   with the velocity reset whenever f increases (a function-value restart).
 *
 * Nesterov's accelerated gradient (the FISTA form of Beck & Teboulle, 2009):
 *   x_{k+1} = y_k - (1/L) grad f(y_k)
 *   t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2
 *   y_{k+1} = x_{k+1} + ((t_k - 1) / t_{k+1}) (x_{k+1} - x_k)
 * which gives f(x_T) - f* <= 2 L ||x0 - x*||^2 / (T + 1)^2 on a convex L-smooth f.
 * With `restart` (default on), the gradient restart of O'Donoghue & Candès (2015, "Adaptive
 * restart for accelerated gradient schemes"): when grad f(y_k)^T (x_{k+1} - x_k) > 0 the momentum
 * points uphill, so set t = 1 and y_{k+1} = x_{k+1}.
 *
 * Step size: alpha = 1/L with L = 1/lr when `lr` is given; otherwise L is found by backtracking
 * on the descent lemma  f(y - g/L) <= f(y) - ||g||^2 / (2L)  (L doubles until it holds; each
 * iteration first tries 0.9 L so the estimate can shrink again).
 */
import type { MethodSteps, Run } from "./run.js";
import { addScaled, dot } from "./linalg.js";

export interface MomentumOptions { lr?: number; momentum: number; restart: boolean }

const MAX_DOUBLINGS = 60;

/**
 * The step 1/L from y with gradient g (fixed, or by backtracking on L).
 * Returns the gradient-step point and f there when it was evaluated (NaN otherwise).
 */
function gradientStep(run: Run, y: Float64Array, fy: number, g: Float64Array, lr: number | undefined, Lref: { L: number }): { x: Float64Array; fx: number } | null {
  if (lr !== undefined) return { x: addScaled(y, -lr, g), fx: NaN };
  const gg = dot(g, g);
  let L = Lref.L * 0.9;
  for (let i = 0; i < MAX_DOUBLINGS; i++) {
    const x = addScaled(y, -1 / L, g);
    const fx = run.obj.fun(x);
    if (fx <= fy - gg / (2 * L)) { Lref.L = L; return { x, fx }; }
    L *= 2;
  }
  return null;
}

export function* nesterov(run: Run, opts: MomentumOptions): MethodSteps {
  const Lref = { L: 1 };
  let xPrev = run.x;
  let t = 1;
  while (!run.done) {
    const y = run.x, g = run.g;
    const s = gradientStep(run, y, run.f, g, opts.lr, Lref);
    if (!s) { run.fail("line search failed: no Lipschitz estimate L satisfies the descent lemma"); break; }
    const x = s.x;
    let tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    let yNext: Float64Array;
    let up = 0;
    for (let i = 0; i < x.length; i++) up += g[i] * (x[i] - xPrev[i]);
    if (opts.restart && up > 0) {
      tNext = 1;
      yNext = x;
    } else {
      const beta = (t - 1) / tNext;
      yNext = new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) yNext[i] = x[i] + beta * (x[i] - xPrev[i]);
    }
    xPrev = x;
    t = tNext;
    run.primal = x;
    const ev = run.obj.funGrad(yNext);
    run.accept(yNext, ev.f, ev.g);
    yield;
  }
}

export function* momentum(run: Run, opts: MomentumOptions): MethodSteps {
  const Lref = { L: 1 };
  const beta = opts.momentum;
  let v = new Float64Array(run.x.length);
  while (!run.done) {
    const x = run.x, g = run.g;
    let alpha: number;
    if (opts.lr !== undefined) alpha = opts.lr;
    else {
      const s = gradientStep(run, x, run.f, g, undefined, Lref);
      if (!s) { run.fail("line search failed: no Lipschitz estimate L satisfies the descent lemma"); break; }
      alpha = 1 / Lref.L;
    }
    const vNext = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) vNext[i] = beta * v[i] - alpha * g[i];
    const xNext = addScaled(x, 1, vNext);
    const ev = run.obj.funGrad(xNext);
    v = ev.f > run.f ? new Float64Array(x.length) : vNext;
    run.accept(xNext, ev.f, ev.g);
    yield;
  }
}
