/**
 * Newton's method with a dense Hessian (Nocedal & Wright sec. 3.3-3.4):
 *   solve (H_k + tau_k I) p_k = -g_k by Cholesky, tau_k = 0 when H_k is positive definite and
 *   otherwise the smallest shift making every eigenvalue >= delta (see `modifiedNewtonDirection`),
 *   then x_{k+1} = x_k + alpha_k p_k with backtracking Armijo from alpha = 1.
 * Near a minimizer with a positive definite Hessian the full step is accepted and the gradient
 * norm shrinks quadratically. f, g and H at each new iterate come from a single call of f.
 * For small n: the Hessian costs n reverse sweeps and O(n^2) memory.
 */
import type { MethodSteps, Run } from "./run.js";
import { addScaled, dot, modifiedNewtonDirection } from "./linalg.js";
import { backtrackingArmijo } from "./lineSearch.js";

export function* newton(run: Run, opts: { c1: number }): MethodSteps {
  const obj = run.obj, n = run.x.length;
  let shiftReported = false;
  while (!run.done) {
    const H = run.ev!.H!;
    const { p, shift } = modifiedNewtonDirection(H, run.g, n);
    if (!Number.isFinite(shift)) { run.fail("the Hessian could not be made positive definite (non-finite entries?)"); break; }
    if (shift > 0) shiftReported = true;
    const ls = backtrackingArmijo((a) => obj.fun(addScaled(run.x, a, p)), run.f, dot(run.g, p), { c1: opts.c1 });
    if (!ls.ok) {
      run.fail(`line search failed: ${ls.message}${shiftReported ? " (the Hessian needed a positive definite shift)" : ""}`);
      break;
    }
    const x = addScaled(run.x, ls.alpha, p);
    if (x.every((v, i) => v === run.x[i])) { run.fail(`line search failed: the accepted step ${ls.alpha.toExponential(2)} no longer changes x`); break; }
    const ev = obj.funGradHess(x);
    run.ev = ev;
    run.accept(x, ev.f, ev.g);
    yield;
  }
}
