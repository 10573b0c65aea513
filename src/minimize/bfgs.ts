/**
 * BFGS (Nocedal & Wright, Algorithm 6.1) with a strong-Wolfe line search: a dense n x n inverse
 * Hessian approximation H, the direction p = -H g, and after each step the update
 *   H+ = (I - rho s y^T) H (I - rho y s^T) + rho s s^T,   rho = 1 / (y^T s)
 *      = H - rho (s (Hy)^T + (Hy) s^T) + (rho^2 y^T H y + rho) s s^T       (H symmetric; O(n^2))
 * Scale of the first steps. H starts as I; before the first update it is rescaled to
 * (y^T s / y^T y) I (N&W eq. 6.20) only when that lengthens the step (y^T s > y^T y: the
 * curvature met along the first step is below 1, so unit-H steps would be too short and each
 * line search would have to extrapolate). Otherwise H = I is kept, as scipy's BFGS always does:
 * its overlong steps make the line search interpolate to near the exact minimizer along p, which
 * is what gives BFGS its finite termination on quadratics. With one pair, H does not know the
 * scale yet, so that step's first trial is scipy's (N&W eq. 3.60):
 * alpha_0 = min(1, 2.02 (f_k - f_{k-1}) / phi'(0)); without it a Himmelblau start jumped basins.
 * Iterations to ||g|| <= 1e-6 on the suite, these rules / always rescaling with alpha_0 = 1 (the
 * previous rule) / scipy 1.17 BFGS (2-norm test): Rosenbrock-2 32/37/32, Rosenbrock-20
 * 103/87/108+, Rosenbrock-100 451/361/489+, Wood 76/38/89, Powell 40/58/41, Beale 14/16/15,
 * Freudenstein-Roth 9/21/9, Box 3-D 26/33, quadratic-20 (cond 1e3) 23/104, logistic 2000x50
 * 113/113, logistic 10000x100 (bench) 115/-/234. Never rescaling made the 10-D logistic converge
 * only linearly (66 against 52 iterations).
 * A pair with y^T s <= eps y^T y is skipped (H stays
 * positive definite); an uphill direction or a failed line search resets H to I and retries
 * once along -g. The first step has length 1 (alpha_0 = min(1, 1/||g||)). H lives in WebAssembly
 * memory from n = 64 (src/minimize/linalg.ts `inverseHessian`: H v and the update are kernels
 * there; MNIST logistic, n = 785: 1.25 s -> 0.2 s). For large n use lbfgs: H costs 8 n^2 bytes
 * and n^2 work per iteration.
 */
import { ArgumentError } from "../errors.js";
import type { MethodSteps, Run } from "./run.js";
import { dot, inverseHessian, type InverseHessian } from "./linalg.js";
import { quasiNewtonStep } from "./wolfeStep.js";

export interface BfgsOptions { c1: number; c2: number }

/** Largest n for which the dense inverse Hessian (8 n^2 bytes) is allowed: 8 * 4096^2 = 128 MiB. */
export const BFGS_MAX_N = 4096;

export function* bfgs(run: Run, opts: BfgsOptions): MethodSteps {
  const n = run.x.length;
  if (n > BFGS_MAX_N) throw new ArgumentError(`minimize: method "bfgs" keeps a dense ${n} x ${n} inverse Hessian (${((8 * n * n) / 2 ** 20).toFixed(0)} MiB); use "lbfgs" above n = ${BFGS_MAX_N}`);
  const H = inverseHessian(n); // in WebAssembly memory for n >= 64 (src/minimize/linalg.ts)
  try {
    yield* iterate(run, opts, H, n);
  } finally {
    H.dispose();
  }
}

function* iterate(run: Run, opts: BfgsOptions, H: InverseHessian, n: number): MethodSteps {
  H.setIdentity(1);
  let fresh = true; // H is the identity (no update yet): unit first step, maybe rescaled at the first update
  let pairs = 0; // secant pairs in H since it was last the identity
  let fPrev = NaN;
  while (!run.done) {
    const p = H.times(run.g);
    for (let j = 0; j < n; j++) p[j] = -p[j];
    if (!(dot(p, run.g) < 0)) {
      H.setIdentity(1);
      fresh = true;
      pairs = 0;
      for (let j = 0; j < n; j++) p[j] = -run.g[j];
    }
    // With one pair H does not know the scale yet: first trial from the last decrease (see the header).
    const interpolated = pairs === 1 ? Math.min(1, 2.02 * (run.f - fPrev) / dot(p, run.g)) : NaN;
    const step = quasiNewtonStep(run, p, fresh, opts, () => {
      H.setIdentity(1);
      fresh = true;
      pairs = 0;
    }, interpolated > 0 ? interpolated : undefined);
    if (!step) break;
    const { s, y } = step;
    const sy = dot(s, y), yy = dot(y, y);
    if (sy > 2.220446049250313e-16 * yy && yy > 0) {
      if (fresh && sy > yy) H.setIdentity(sy / yy); // lengthen only (see the header)
      fresh = false;
      H.update(s, y, 1 / sy);
      pairs++;
    }
    fPrev = run.f;
    run.accept(step.x, step.ev.f, step.ev.g);
    yield;
  }
}
