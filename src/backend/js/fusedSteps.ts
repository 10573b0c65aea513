/**
 * The fused plain-JS kernels: one pass per parameter leaf doing everything the alias's chain does,
 * with the same formulas (formulas.ts) and the same rounding points, so the result is
 * bit-identical to the pure `update` + `applyUpdates` path (src/optim). `R` rounds to the storage dtype
 * (Math.fround for float32, identity for float64): a stored intermediate of the pure path is
 * `R(...)` here. Arrays: P (param), G (grad), slots (moments), all of n elements.
 */
import type { FloatArray } from "../../tensor/dtype.js";
import type { Storage } from "../backend.js";
import { adamBiasCorrection, adamDir, adamScalars, decayed, ema, emaSq, lrStep, momentumBuf, nesterovDir, rmsDir, sgn } from "../fused/formulas.js";
import type { AdagradHyper, AdamHyper, FusedEngine, FusedEngineRequest, FusedStep, LionHyper, RmspropHyper, SgdHyper, StorageCell } from "../fused/spec.js";

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

/** CPU storage's typed array (this file is part of the CPU backends; see js/backend.ts). */
const arr = (s: Storage): FloatArray => s as unknown as FloatArray;

/**
 * The JS backend's fused engine: the kernel above per parameter leaf, on the leaves' own arrays,
 * bit-identical to the pure path.
 */
export class JsEngine implements FusedEngine {
  readonly path = "js";
  readonly threads = 1;
  private readonly R: Round;
  private readonly c: StepScalars = { lr: 0, gScale: 1, clip: false, count: 0 };
  private readonly step_: FusedStep;
  private readonly params: StorageCell[];
  private readonly slots: StorageCell[][];
  private readonly S: FloatArray[];
  constructor(request: FusedEngineRequest) {
    this.step_ = request.step;
    this.params = request.params;
    this.slots = request.slots;
    this.S = request.slots.map(() => new Float32Array(0));
    this.R = request.dtype === "float32" ? Math.fround : identityRound;
  }
  step(grads: readonly Storage[], count: number, lr: number): void {
    const c = this.c, spec = this.step_;
    c.lr = lr;
    c.count = count;
    c.clip = false;
    c.gScale = 1;
    if (spec.clipNorm !== undefined) {
      let s = 0;
      for (const g of grads) {
        const d = arr(g);
        for (let i = 0; i < d.length; i++) s += d[i] * d[i];
      }
      const norm = Math.sqrt(s);
      if (norm > spec.clipNorm) {
        c.clip = true;
        c.gScale = spec.clipNorm / norm;
      }
    }
    for (let l = 0; l < this.params.length; l++) {
      // slot arrays are looked up per step (setState may have given a slot new storage), into a reused array
      const P = arr(this.params[l]._storage), G = arr(grads[l]), S = this.S, n = P.length;
      for (let k = 0; k < S.length; k++) S[k] = arr(this.slots[k][l]._storage);
      switch (spec.kind) {
        case "sgd": sgdJs(P, G, S, n, spec.hp, c, this.R); break;
        case "adam": adamJs(P, G, S, n, spec.hp, c, this.R); break;
        case "adagrad": adagradJs(P, G, S, n, spec.hp, c, this.R); break;
        case "rmsprop": rmspropJs(P, G, S, n, spec.hp, c, this.R); break;
        case "lion": lionJs(P, G, S, n, spec.hp, c, this.R); break;
      }
    }
  }
  syncOut(): void {}
  syncIn(): void {}
  dispose(): void {}
}
