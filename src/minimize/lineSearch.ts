/**
 * Line searches on phi(alpha) = f(x + alpha p), for a descent direction p (phi'(0) < 0).
 *
 * - `backtrackingArmijo` (Nocedal & Wright, Algorithm 3.1): alpha <- rho alpha until the
 *   sufficient-decrease (Armijo) condition  phi(alpha) <= phi(0) + c1 alpha phi'(0)  holds.
 * - `strongWolfe` (Nocedal & Wright, Algorithms 3.5 and 3.6): bracketing then zoom, until
 *     phi(alpha) <= phi(0) + c1 alpha phi'(0)   and   |phi'(alpha)| <= c2 |phi'(0)|.
 * Neither throws when it fails: the result says `ok: false` with a reason, and the caller
 * reports it in the minimize record.
 */
import { ArgumentError } from "../errors.js";

export interface LineSearchResult {
  /** The accepted step (the last one tried when `ok` is false). */
  alpha: number;
  /** phi(alpha). */
  f: number;
  /** phi'(alpha) when it was evaluated (strong Wolfe), else NaN. */
  d: number;
  /** Evaluations of phi made by the search. */
  nfev: number;
  ok: boolean;
  message: string;
}

export interface ArmijoOptions {
  /** First trial step. Default 1. */
  alpha0?: number;
  /** Sufficient-decrease constant. Default 1e-4. */
  c1?: number;
  /** Contraction factor in (0, 1). Default 0.5. */
  rho?: number;
  /** Give up after this many evaluations. Default 60. */
  maxIter?: number;
}

/**
 * Backtracking line search with the Armijo condition (Nocedal & Wright, Alg. 3.1):
 *   alpha_0 = alpha0;  while phi(alpha) > phi(0) + c1 alpha phi'(0):  alpha <- rho alpha.
 * A non-finite phi(alpha) counts as a failed trial (the step is shrunk).
 * @example backtrackingArmijo((a) => (1 - a) ** 2, 1, -2)  // alpha = 1, f = 0
 */
export function backtrackingArmijo(phi: (alpha: number) => number, phi0: number, dphi0: number, options: ArmijoOptions = {}): LineSearchResult {
  const { alpha0 = 1, c1 = 1e-4, rho = 0.5, maxIter = 60 } = options;
  if (!(rho > 0 && rho < 1)) throw new ArgumentError(`backtrackingArmijo: rho must be in (0, 1), got ${rho}`);
  if (!(dphi0 < 0)) return { alpha: 0, f: phi0, d: dphi0, nfev: 0, ok: false, message: `not a descent direction (phi'(0) = ${dphi0})` };
  let alpha = alpha0;
  let f = NaN;
  for (let i = 1; i <= maxIter; i++) {
    f = phi(alpha);
    if (f <= phi0 + c1 * alpha * dphi0) return { alpha, f, d: NaN, nfev: i, ok: true, message: "Armijo condition satisfied" };
    alpha *= rho;
  }
  return { alpha: alpha / rho, f, d: NaN, nfev: maxIter, ok: false, message: `no sufficient decrease after ${maxIter} backtracking steps` };
}

export interface WolfeOptions {
  /** First trial step. Default 1. */
  alpha0?: number;
  /** Sufficient-decrease constant. Default 1e-4. */
  c1?: number;
  /** Curvature constant, c1 < c2 < 1. Default 0.9 (quasi-Newton); use 0.1 for nonlinear CG. */
  c2?: number;
  /** Largest step tried while bracketing. Default 1e10. */
  alphaMax?: number;
  /** Give up after this many evaluations. Default 30. */
  maxIter?: number;
  /**
   * Relative f-noise level of the approximate Wolfe test (Hager & Zhang 2005): when
   * |phi(alpha) - phi(0)| <= approxTol max(1, |phi(0)|), sufficient decrease is judged from the
   * slope instead, phi'(alpha) <= (1 - 2 c1) |phi'(0)|, since f differences there are rounding.
   * Default 1e-10; 0 turns it off (the exact Nocedal & Wright conditions).
   */
  approxTol?: number;
}

/** Minimizer of the quadratic with value fa and slope da at a, value fb at b; NaN if it has none. */
function quadMin(a: number, fa: number, da: number, b: number, fb: number): number {
  const h = b - a, curv = fb - fa - da * h;
  return curv > 0 ? a - (da * h * h) / (2 * curv) : NaN;
}

/** Minimizer of the cubic interpolating phi and phi' at a and b (N&W eq. 3.59); NaN if none. */
function cubicMin(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - 3 * (fa - fb) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
}

/**
 * Line search for the strong Wolfe conditions (Nocedal & Wright, Algorithms 3.5 and 3.6).
 * `phi(alpha)` returns {f, d} = {phi(alpha), phi'(alpha)}. Bracketing doubles alpha until the
 * Armijo condition fails, phi increases, or phi' >= 0; zoom then shrinks the bracket
 * [lo, hi] with safeguarded interpolation (the cubic minimizer, or when phi(hi) > phi(lo) the
 * cubic or quadratic one as in More-Thuente's case 1, clamped to the inner 98% of the bracket;
 * bisection when there is none or the bracket shrinks too slowly), keeping phi(lo) the lowest
 * sufficient-decrease value seen.
 */
export function strongWolfe(phi: (alpha: number) => { f: number; d: number }, phi0: number, dphi0: number, options: WolfeOptions = {}): LineSearchResult {
  const { alpha0 = 1, c1 = 1e-4, c2 = 0.9, alphaMax = 1e10, maxIter = 30, approxTol = 1e-10 } = options;
  if (!(0 < c1 && c1 < c2 && c2 < 1)) throw new ArgumentError(`strongWolfe: need 0 < c1 < c2 < 1, got c1 = ${c1}, c2 = ${c2}`);
  if (!(dphi0 < 0)) return { alpha: 0, f: phi0, d: dphi0, nfev: 0, ok: false, message: `not a descent direction (phi'(0) = ${dphi0})` };
  let nfev = 0;
  const evalAt = (a: number) => { nfev++; return phi(a); };
  const noise = approxTol * Math.max(1, Math.abs(phi0));
  const armijo = (a: number, f: number, d: number) => f <= phi0 + c1 * a * dphi0 || (Math.abs(f - phi0) <= noise && d <= -(1 - 2 * c1) * dphi0);
  const curvature = (d: number) => Math.abs(d) <= -c2 * dphi0;
  const done = (alpha: number, f: number, d: number, message = "strong Wolfe conditions satisfied"): LineSearchResult => ({ alpha, f, d, nfev, ok: true, message });

  const zoom = (lo: number, flo: number, dlo: number, hi: number, fhi: number, dhi: number): LineSearchResult => {
    let width1 = Infinity, width2 = Infinity; // the bracket's width one and two trials ago
    while (nfev < maxIter) {
      const lower = Math.min(lo, hi), upper = Math.max(lo, hi), width = upper - lower;
      let a = cubicMin(lo, flo, dlo, hi, fhi, dhi);
      if (fhi > flo && Number.isFinite(fhi)) {
        // hi has the higher value (More & Thuente's case 1): take the cubic step if it is closer
        // to lo than the quadratic one (value and slope at lo, value at hi), else their midpoint.
        // After a step far too long along a quartic (Rosenbrock), the cubic only divides it by
        // ~3 per trial and the quadratic cuts it at once: Newton-CG on Rosenbrock-100 took up to
        // 9 evaluations in one search, 305 in all over 200 iterations; 240 over 184 with this rule
        // (scipy: 216 over 186).
        const aq = quadMin(lo, flo, dlo, hi, fhi);
        if (Number.isFinite(aq)) a = !Number.isFinite(a) ? aq : Math.abs(a - lo) < Math.abs(aq - lo) ? a : a + (aq - a) / 2;
      }
      // The cubic step is kept 1% of the width away from the ends: a trial 100x too long is
      // corrected in one step (bisecting took up to six). Bisect when there is no cubic step, or
      // when two trials have not shrunk the bracket below 2/3 of its width (as in More-Thuente).
      if (!Number.isFinite(a) || width > 0.66 * width2) a = 0.5 * (lo + hi);
      else a = Math.min(upper - 0.01 * width, Math.max(lower + 0.01 * width, a));
      width2 = width1; width1 = width;
      if (width <= 1e-16 * Math.max(1, upper)) break;
      const { f, d } = evalAt(a);
      if (!Number.isFinite(f) || !armijo(a, f, d) || f > flo + (Math.abs(f - phi0) <= noise ? noise : 0)) {
        hi = a; fhi = Number.isFinite(f) ? f : Infinity; dhi = Number.isFinite(d) ? d : NaN;
        if (!Number.isFinite(fhi) || !Number.isFinite(dhi)) { fhi = Infinity; dhi = NaN; }
      } else {
        if (curvature(d)) return done(a, f, d);
        if (d * (hi - lo) >= 0) { hi = lo; fhi = flo; dhi = dlo; }
        lo = a; flo = f; dlo = d;
      }
    }
    // Out of evaluations: return the best sufficient-decrease point if it is not the start.
    if (lo > 0) return { alpha: lo, f: flo, d: dlo, nfev, ok: false, message: `zoom did not meet the curvature condition in ${maxIter} evaluations` };
    return { alpha: 0, f: phi0, d: dphi0, nfev, ok: false, message: `no step with sufficient decrease found in ${maxIter} evaluations` };
  };

  let prev = 0, fprev = phi0, dprev = dphi0;
  let alpha = Math.min(alpha0, alphaMax);
  for (let i = 0; nfev < maxIter; i++) {
    const { f, d } = evalAt(alpha);
    if (!Number.isFinite(f) || !Number.isFinite(d)) {
      // Stepped out of f's domain (overflow): treat as a bracket end with no usable slope.
      return zoom(prev, fprev, dprev, alpha, Infinity, NaN);
    }
    if (!armijo(alpha, f, d) || (i > 0 && f >= fprev && Math.abs(f - phi0) > noise)) return zoom(prev, fprev, dprev, alpha, f, d);
    if (curvature(d)) return done(alpha, f, d);
    if (d >= 0) return zoom(alpha, f, d, prev, fprev, dprev);
    if (alpha >= alphaMax) return { alpha, f, d, nfev, ok: false, message: `reached alphaMax = ${alphaMax} without meeting the curvature condition` };
    prev = alpha; fprev = f; dprev = d;
    alpha = Math.min(2 * alpha, alphaMax);
  }
  return { alpha: prev, f: fprev, d: dprev, nfev, ok: prev > 0 ? false : false, message: `bracketing did not finish in ${maxIter} evaluations` };
}
