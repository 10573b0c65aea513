/**
 * The per-element update formulas, written once and called by both the pure transforms and the
 * fused JS kernels (optimizer.ts), so the two paths evaluate the same expressions in the same
 * order and round at the same places (every value that is stored is rounded to the dtype; the
 * pure path rounds by storing into a typed array, the fused path with `R`).
 */

/** Exponential moving average: b·old + (1 − b)·x. */
export const ema = (b: number, old: number, x: number): number => b * old + (1 - b) * x;
/** Moving average of squares: b·old + (1 − b)·x². */
export const emaSq = (b: number, old: number, x: number): number => b * old + (1 - b) * (x * x);
/** Adam's direction (torch form): (m / bc1) / (√v / √bc2 + eps). */
export const adamDir = (m: number, v: number, bc1: number, sqrtBc2: number, eps: number): number => m / bc1 / (Math.sqrt(v) / sqrtBc2 + eps);
/** u + wd·p (L2 gradient term or decoupled decay, depending on where it sits in the chain). */
export const decayed = (u: number, wd: number, p: number): number => u + wd * p;
/** Heavy-ball momentum buffer: μ·buf + (1 − τ)·g (τ = dampening). */
export const momentumBuf = (mu: number, buf: number, oneMinusDamp: number, g: number): number => mu * buf + oneMinusDamp * g;
/** Nesterov look-ahead: g + μ·buf. */
export const nesterovDir = (g: number, mu: number, buf: number): number => g + mu * buf;
/** The learning-rate step (optax sign convention: applyUpdates adds it). */
export const lrStep = (lr: number, u: number): number => -lr * u;
/** sign(x) with sign(0) = 0 (Lion). */
export const sgn = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN);

/** Where epsilon sits in RMSProp/AdaGrad's denominator. */
export type EpsMode = "outside" | "inside" | "tfjsCentered";
/**
 * g / denom with s the second moment (minus the squared mean when centered, passed as c):
 *   outside (torch):        g / (√(s − c) + eps)
 *   inside (optax, tfjs):   g / √(s − c + eps)
 *   tfjsCentered:           g / √(s − (c + eps))
 */
export const rmsDir = (g: number, s: number, c: number, eps: number, mode: EpsMode): number =>
  mode === "outside" ? g / (Math.sqrt(s - c) + eps) : mode === "inside" ? g / Math.sqrt(s - c + eps) : g / Math.sqrt(s - (c + eps));
