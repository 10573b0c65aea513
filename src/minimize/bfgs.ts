/**
 * BFGS (Nocedal & Wright, Algorithm 6.1) with a strong-Wolfe line search: a dense n x n inverse
 * Hessian approximation H, the direction p = -H g, and after each step the update
 *   H+ = (I - rho s y^T) H (I - rho y s^T) + rho s s^T,   rho = 1 / (y^T s)
 *      = H - rho (s (Hy)^T + (Hy) s^T) + (rho^2 y^T H y + rho) s s^T       (H symmetric; O(n^2))
 * Before the first update H = I is rescaled to (y^T s / y^T y) I (N&W eq. 6.20). scipy's BFGS
 * does not rescale; measured on the problem suite, rescaling takes fewer iterations on
 * Rosenbrock-100, logistic and Wood (361/78/38 against 454/103/82) and more on Rosenbrock-2,
 * Beale, Box 3-D, Freudenstein-Roth, Powell and the quadratic (37/16/33/21/58/41 against
 * 32/13/20/11/36/11); without it the 10-D logistic converged only linearly (ratios 0.4-0.7) and a
 * Himmelblau start jumped to another basin. A pair with y^T s <= eps y^T y is skipped (H stays
 * positive definite); an uphill direction or a failed line search resets H to I and retries
 * once along -g. The first step has length 1 (alpha_0 = min(1, 1/||g||)). H lives in WebAssembly
 * memory from n = 64 (src/minimize/linalg.ts `inverseHessian`: H v and the update are kernels
 * there; MNIST logistic, n = 785: 1.25 s -> 0.2 s). For large n use lbfgs: H costs 8 n^2 bytes
 * and n^2 work per iteration.
 */
import { ArgumentError } from "../errors.js";
import type { Run } from "./run.js";
import { dot, inverseHessian, type InverseHessian } from "./linalg.js";
import { quasiNewtonStep } from "./wolfeStep.js";

export interface BfgsOptions { c1: number; c2: number }

/** Largest n for which the dense inverse Hessian (8 n^2 bytes) is allowed: 8 * 4096^2 = 128 MiB. */
const MAX_N = 4096;

export function bfgs(run: Run, opts: BfgsOptions): void {
  const n = run.x.length;
  if (n > MAX_N) throw new ArgumentError(`minimize: method "bfgs" keeps a dense ${n} x ${n} inverse Hessian (${((8 * n * n) / 2 ** 20).toFixed(0)} MiB); use "lbfgs" above n = ${MAX_N}`);
  const H = inverseHessian(n); // in WebAssembly memory for n >= 64 (src/minimize/linalg.ts)
  try {
    iterate(run, opts, H, n);
  } finally {
    H.dispose();
  }
}

function iterate(run: Run, opts: BfgsOptions, H: InverseHessian, n: number): void {
  H.setIdentity(1);
  let fresh = true; // H is the identity (no update yet): unit first step, rescale at the first update
  while (!run.done) {
    const p = H.times(run.g);
    for (let j = 0; j < n; j++) p[j] = -p[j];
    if (!(dot(p, run.g) < 0)) {
      H.setIdentity(1);
      fresh = true;
      for (let j = 0; j < n; j++) p[j] = -run.g[j];
    }
    const step = quasiNewtonStep(run, p, fresh, opts, () => {
      H.setIdentity(1);
      fresh = true;
    });
    if (!step) break;
    const { s, y } = step;
    const sy = dot(s, y), yy = dot(y, y);
    if (sy > 2.220446049250313e-16 * yy && yy > 0) {
      if (fresh) H.setIdentity(sy / yy);
      fresh = false;
      H.update(s, y, 1 / sy);
    }
    run.accept(step.x, step.ev.f, step.ev.g);
  }
}
