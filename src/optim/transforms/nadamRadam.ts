/** NAdam's and RAdam's preconditioners (pure path only; the stateful optimizer runs them unfused). */
import type { GradientTransformation } from "../base.js";
import type { Tree } from "../../tensor/tree.js";
import { ema, emaSq } from "../../backend/fused/formulas.js";
import { ewise, fullTree } from "../treeMath.js";
import { checkKnown, nonNegative, unitInterval } from "../validate.js";

export interface ScaleByNadamState { count: number; muProduct: number; mu: Tree; nu: Tree }

/**
 * NAdam (Dozat 2016) as torch.optim.NAdam, with momentum decay ψ (default 4e-3):
 *   μ_t = b1·(1 − ½·0.96^{tψ});  m = b1·m + (1−b1)·g;  v = b2·v + (1−b2)·g²;  v̂ = v/(1 − b2^t);
 *   u = μ_{t+1}·m/(1 − Π_{i≤t+1} μ_i)/(√v̂ + eps) + (1 − μ_t)·g/(1 − Π_{i≤t} μ_i)/(√v̂ + eps).
 * @see {@link nadam}
 */
export function scaleByNadam(options: { b1?: number; b2?: number; eps?: number; momentumDecay?: number } = {}): GradientTransformation<ScaleByNadamState> {
  checkKnown("scaleByNadam", options, ["b1", "b2", "eps", "momentumDecay"]);
  const b1 = unitInterval("scaleByNadam", "b1", options.b1 ?? 0.9);
  const b2 = unitInterval("scaleByNadam", "b2", options.b2 ?? 0.999);
  const eps = nonNegative("scaleByNadam", "eps", options.eps ?? 1e-8);
  const psi = nonNegative("scaleByNadam", "momentumDecay", options.momentumDecay ?? 4e-3);
  return {
    init: (params) => ({ count: 0, muProduct: 1, mu: fullTree(params, 0), nu: fullTree(params, 0) }),
    update(g, state) {
      const t = state.count + 1;
      const muT = b1 * (1 - 0.5 * Math.pow(0.96, t * psi));
      const muNext = b1 * (1 - 0.5 * Math.pow(0.96, (t + 1) * psi));
      const prod = state.muProduct * muT, prodNext = prod * muNext;
      const bc2 = 1 - Math.pow(b2, t);
      const mu = ewise((m, x) => ema(b1, m, x), [state.mu, g], ["mu", "updates"]);
      const nu = ewise((v, x) => emaSq(b2, v, x), [state.nu, g], ["nu", "updates"]);
      const updates = ewise((x, m, v) => {
        const d = Math.sqrt(v / bc2) + eps;
        return (muNext * m) / (1 - prodNext) / d + ((1 - muT) * x) / (1 - prod) / d;
      }, [g, mu, nu], ["updates", "mu", "nu"]);
      return { updates, state: { count: t, muProduct: prod, mu, nu } };
    },
  };
}

export interface ScaleByRadamState { count: number; mu: Tree; nu: Tree }

/**
 * RAdam (Liu et al. 2020) as torch.optim.RAdam: ρ∞ = 2/(1−b2) − 1, ρ_t = ρ∞ − 2t·b2^t/(1−b2^t),
 * m̂ = m/(1−b1^t); if ρ_t > 5: u = m̂·√(1−b2^t)/(√v + eps)·r_t with
 * r_t = √((ρ_t−4)(ρ_t−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρ_t)); else u = m̂. @see {@link radam}
 */
export function scaleByRadam(options: { b1?: number; b2?: number; eps?: number } = {}): GradientTransformation<ScaleByRadamState> {
  checkKnown("scaleByRadam", options, ["b1", "b2", "eps"]);
  const b1 = unitInterval("scaleByRadam", "b1", options.b1 ?? 0.9);
  const b2 = unitInterval("scaleByRadam", "b2", options.b2 ?? 0.999);
  const eps = nonNegative("scaleByRadam", "eps", options.eps ?? 1e-8);
  const rhoInf = 2 / (1 - b2) - 1;
  return {
    init: (params) => ({ count: 0, mu: fullTree(params, 0), nu: fullTree(params, 0) }),
    update(g, state) {
      const t = state.count + 1;
      const bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
      const rho = rhoInf - (2 * t * Math.pow(b2, t)) / bc2;
      const mu = ewise((m, x) => ema(b1, m, x), [state.mu, g], ["mu", "updates"]);
      const nu = ewise((v, x) => emaSq(b2, v, x), [state.nu, g], ["nu", "updates"]);
      let updates: Tree;
      if (rho > 5) {
        const r = Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho));
        updates = ewise((m, v) => (m / bc1) * (Math.sqrt(bc2) / (Math.sqrt(v) + eps)) * r, [mu, nu], ["mu", "nu"]);
      } else updates = ewise((m) => m / bc1, [mu], ["mu"]);
      return { updates, state: { count: t, mu, nu } };
    },
  };
}
