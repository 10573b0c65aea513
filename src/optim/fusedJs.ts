/**
 * The fused plain-JS kernels: one pass per parameter leaf doing everything the alias's chain does,
 * with the same formulas (formulas.ts) and the same rounding points, so the result is
 * bit-identical to the pure `update` + `applyUpdates` path. `R` rounds to the storage dtype
 * (Math.fround for float32, identity for float64): a stored intermediate of the pure path is
 * `R(...)` here. Arrays: P (param), G (grad), slots (moments), all of n elements.
 */
import type { FloatArray } from "../tensor/dtype.js";
import { adamBiasCorrection, adamDir, adamScalars, decayed, ema, emaSq, lrStep, momentumBuf, nesterovDir, rmsDir, sgn } from "./formulas.js";
import type { AdagradHyper, AdamHyper, LionHyper, RmspropHyper, SgdHyper } from "./fusedSpec.js";

export type Round = (x: number) => number;
export const identityRound: Round = (x) => x;

/** Per-step scalars: learning rate, clip scale (1 = no clip), step count before this step. */
export interface StepScalars { lr: number; gScale: number; clip: boolean; count: number }

export function sgdJs(P: FloatArray, G: FloatArray, S: FloatArray[], n: number, h: SgdHyper, c: StepScalars, R: Round): void {
  const { lr, gScale, clip } = c;
  const { wd, momentum: mu, nesterov } = h;
  const keep = 1 - h.dampening;
  const B = S[0];
  const first = c.count === 0;
  for (let i = 0; i < n; i++) {
    const p = P[i];
    let g = G[i];
    if (clip) g = R(g * gScale);
    if (wd > 0) g = R(decayed(g, wd, p));
    if (mu > 0) {
      const b = first ? g : R(momentumBuf(mu, B[i], keep, g));
      B[i] = b;
      g = nesterov ? R(nesterovDir(g, mu, b)) : b;
    }
    P[i] = R(p + R(lrStep(lr, g)));
  }
}

export function adamJs(P: FloatArray, G: FloatArray, S: FloatArray[], n: number, h: AdamHyper, c: StepScalars, R: Round): void {
  const { lr, gScale, clip } = c;
  const { wd, decoupled, b1, b2, eps, amsgrad } = h;
  const t = c.count + 1;
  const [bc1, sqrtBc2] = adamBiasCorrection(b1, b2, t, h.biasCorrection);
  const [sc, epsHat] = adamScalars(bc1, sqrtBc2, eps);
  const l2 = wd > 0 && !decoupled, dw = wd > 0 && decoupled;
  const M = S[0], V = S[1], VM = S[2];
  for (let i = 0; i < n; i++) {
    const p = P[i];
    let g = G[i];
    if (clip) g = R(g * gScale);
    if (l2) g = R(decayed(g, wd, p));
    const m = R(ema(b1, M[i], g));
    const v = R(emaSq(b2, V[i], g));
    M[i] = m;
    V[i] = v;
    let vh = v;
    if (amsgrad) VM[i] = vh = Math.max(VM[i], v);
    let u = R(adamDir(m, vh, sc, epsHat));
    if (dw) u = R(decayed(u, wd, p));
    P[i] = R(p + R(lrStep(lr, u)));
  }
}

export function adagradJs(P: FloatArray, G: FloatArray, S: FloatArray[], n: number, h: AdagradHyper, c: StepScalars, R: Round): void {
  const { lr, gScale, clip } = c;
  const { wd, eps, epsMode } = h;
  const A = S[0];
  for (let i = 0; i < n; i++) {
    const p = P[i];
    let g = G[i];
    if (clip) g = R(g * gScale);
    if (wd > 0) g = R(decayed(g, wd, p));
    const s = R(A[i] + g * g);
    A[i] = s;
    P[i] = R(p + R(lrStep(lr, R(rmsDir(g, s, 0, eps, epsMode)))));
  }
}

export function rmspropJs(P: FloatArray, G: FloatArray, S: FloatArray[], n: number, h: RmspropHyper, c: StepScalars, R: Round): void {
  const { lr, gScale, clip } = c;
  const { wd, alpha, eps, epsMode, centered, momentum: mom, lrInsideMomentum } = h;
  const NU = S[0], MU = centered ? S[1] : S[0], B = S[centered ? 2 : 1];
  const first = c.count === 0;
  for (let i = 0; i < n; i++) {
    const p = P[i];
    let g = G[i];
    if (clip) g = R(g * gScale);
    if (wd > 0) g = R(decayed(g, wd, p));
    const nu = R(emaSq(alpha, NU[i], g));
    NU[i] = nu;
    let u: number;
    if (centered) {
      const mu = R(ema(alpha, MU[i], g));
      MU[i] = mu;
      u = R(rmsDir(g, nu, mu * mu, eps, epsMode));
    } else u = R(rmsDir(g, nu, 0, eps, epsMode));
    let upd: number;
    if (mom > 0) {
      if (lrInsideMomentum) {
        const x = R(lrStep(lr, u));
        upd = B[i] = first ? x : R(momentumBuf(mom, B[i], 1, x));
      } else {
        const b = first ? u : R(momentumBuf(mom, B[i], 1, u));
        B[i] = b;
        upd = R(lrStep(lr, b));
      }
    } else upd = R(lrStep(lr, u));
    P[i] = R(p + upd);
  }
}

export function lionJs(P: FloatArray, G: FloatArray, S: FloatArray[], n: number, h: LionHyper, c: StepScalars, R: Round): void {
  const { lr, gScale, clip } = c;
  const { wd, b1, b2 } = h;
  const M = S[0];
  for (let i = 0; i < n; i++) {
    const p = P[i];
    let g = G[i];
    if (clip) g = R(g * gScale);
    const m = M[i];
    let u = sgn(ema(b1, m, g));
    M[i] = R(ema(b2, m, g));
    if (wd > 0) u = R(decayed(u, wd, p));
    P[i] = R(p + R(lrStep(lr, u)));
  }
}
