/**
 * The per-element update formulas, written once and called by both the pure transforms and the
 * fused JS kernels (optimizer.ts), so the two paths evaluate the same expressions in the same
 * order and round at the same places (every value that is stored is rounded to the dtype; the
 * pure path rounds by storing into a typed array, the fused path with `R`).
 * They are function declarations, not const arrows: the bundler turns module consts into `var`,
 * which V8 did not inline into the hot loops (measured 2x on the fused JS path).
 */

/** Exponential moving average: b·old + (1 − b)·x. */
export function ema(b: number, old: number, x: number): number {
  return b * old + (1 - b) * x;
}
/** Moving average of squares: b·old + (1 − b)·x². */
export function emaSq(b: number, old: number, x: number): number {
  return b * old + (1 - b) * (x * x);
}
/**
 * Adam's direction (m / bc1) / (√v / √bc2 + eps) (torch's form), evaluated with one division as
 * s·m / (√v + ê) where s = √bc2 / bc1 and ê = eps·√bc2 (see adamScalars).
 */
export function adamDir(m: number, v: number, s: number, epsHat: number): number {
  return (s * m) / (Math.sqrt(v) + epsHat);
}
/** [s, ê] for adamDir from the bias corrections bc1 = 1 − b1^t, √bc2 = √(1 − b2^t) and eps. */
export function adamScalars(bc1: number, sqrtBc2: number, eps: number): [number, number] {
  return [sqrtBc2 / bc1, eps * sqrtBc2];
}
/** u + wd·p (L2 gradient term or decoupled decay, depending on where it sits in the chain). */
export function decayed(u: number, wd: number, p: number): number {
  return u + wd * p;
}
/** Heavy-ball momentum buffer: μ·buf + (1 − τ)·g (τ = dampening). */
export function momentumBuf(mu: number, buf: number, oneMinusDamp: number, g: number): number {
  return mu * buf + oneMinusDamp * g;
}
/** Nesterov look-ahead: g + μ·buf. */
export function nesterovDir(g: number, mu: number, buf: number): number {
  return g + mu * buf;
}
/** The learning-rate step (optax sign convention: applyUpdates adds it). */
export function lrStep(lr: number, u: number): number {
  return -lr * u;
}
/** sign(x) with sign(0) = 0 (Lion). */
export function sgn(x: number): number {
  return (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN);
}

/** Where epsilon sits in RMSProp/AdaGrad's denominator. */
export type EpsMode = "outside" | "inside" | "tfjsCentered";
/**
 * g / denom with s the second moment (minus the squared mean when centered, passed as c):
 *   outside (torch):        g / (√(s − c) + eps)
 *   inside (optax, tfjs):   g / √(s − c + eps)
 *   tfjsCentered:           g / √(s − (c + eps))
 */
export function rmsDir(g: number, s: number, c: number, eps: number, mode: EpsMode): number {
  return mode === "outside" ? g / (Math.sqrt(s - c) + eps) : mode === "inside" ? g / Math.sqrt(s - c + eps) : g / Math.sqrt(s - (c + eps));
}

/** float32 running products b^t (b rounded to float32, then t float32 multiplications), cached per b. */
const f32Powers = new Map<number, number[]>();
function runningPowerF32(b: number, t: number): number {
  let a = f32Powers.get(b);
  if (!a) f32Powers.set(b, (a = [1]));
  const fb = Math.fround(b);
  while (a.length <= t) a.push(Math.fround(a[a.length - 1] * fb));
  return a[t];
}

/**
 * Adam's bias corrections [1 − b1^t, √(1 − b2^t)]. "exact" (torch, optax) uses float64 powers;
 * "tfjs" reproduces TensorFlow.js, which keeps b^t as a float32 running product of the float32
 * beta (at b2 = 0.999 that makes 1 − b2^t 1.3e-5 relatively smaller).
 */
export function adamBiasCorrection(b1: number, b2: number, t: number, mode: "exact" | "tfjs"): [number, number] {
  if (mode === "exact") return [1 - Math.pow(b1, t), Math.sqrt(1 - Math.pow(b2, t))];
  return [Math.fround(1 - runningPowerF32(b1, t)), Math.sqrt(Math.fround(1 - runningPowerF32(b2, t)))];
}
