/**
 * Sharpness-aware minimization (Foret et al. 2021) and its adaptive variant ASAM (Kwon et al.
 * 2021) as a wrapper around any transform, following davda54/sam (sam.py: SAM.first_step /
 * second_step), the implementation the papers' users run.
 */
import { ArgumentError } from "../../errors.js";
import type { Tree } from "../../tensor/tree.js";
import { needParams, type GradientTransformation } from "../base.js";
import { valueAndGradAt } from "../extraArgs.js";
import { ewise, sumOfSquares } from "../treeMath.js";
import { bool, checkKnown, nonNegative } from "../validate.js";

export interface SamOptions {
  /** Radius of the neighbourhood (default 0.05). */
  rho?: number;
  /** ASAM: scale the perturbation elementwise by |p| (default false). */
  adaptive?: boolean;
}

export interface SamState<S> { base: S }

/** The denominator's guard, as sam.py: rho / (||T g|| + 1e-12). */
const NORM_EPS = 1e-12;

/**
 * Sharpness-aware minimization: the base transform's update, fed the gradient at the worst point
 * of a rho-ball around p instead of the gradient at p:
 *   ε = rho · g / (||g|| + 1e-12)                       (SAM)
 *   ε = rho · p² ⊙ g / (|| |p| ⊙ g || + 1e-12)          (ASAM, `adaptive`: T = diag|p|, ε = rho T² g / ||T g||)
 *   g_sam = ∇L(p + ε);   (u, s) = base.update(g_sam, s, p)
 * The norms run over all leaves together. The second gradient comes from the extra channel
 * (`extra.valueAndGrad`, or autodiff of `extra.loss`): `fit` supplies it; with the stateful
 * optimizer pass `opt.step(grads, { loss })`. Its state is the base's, as `{ base }`.
 * @param base any GradientTransformation (sgd with momentum in the paper)
 * @param options.rho neighbourhood radius (default 0.05)  @param options.adaptive ASAM (default false)
 * @see https://arxiv.org/abs/2010.01412 (SAM) @see https://arxiv.org/abs/2102.11600 (ASAM)
 * @see https://github.com/davda54/sam/blob/main/sam.py
 * @example
 * const x = tensor([3, -2]);
 * const loss = (x: Tree) => (x as Tensor).square().sum();
 * const opt = optimizer(sam(sgd({ lr: 0.1 }), { rho: 0.05 }), x);
 * for (let i = 0; i < 5; i++) opt.step(grad(loss)(x), { loss });
 */
export function sam<S>(base: GradientTransformation<S>, options: SamOptions = {}): GradientTransformation<SamState<S>> {
  if (!base || typeof base.init !== "function" || typeof base.update !== "function") throw new ArgumentError("sam: base must be a GradientTransformation, e.g. sam(sgd({ lr: 0.1, momentum: 0.9 }))");
  checkKnown("sam", options, ["rho", "adaptive"]);
  const rho = nonNegative("sam", "rho", options.rho ?? 0.05);
  const adaptive = bool("sam", "adaptive", options.adaptive ?? false);
  return {
    init: (params) => ({ base: base.init(params) }),
    update(g, state, params, extra) {
      const p = needParams("sam", params);
      const norm = Math.sqrt(sumOfSquares(adaptive ? ewise((x, w) => Math.abs(w) * x, [g, p], ["updates", "params"]) : g));
      const scale = rho / (norm + NORM_EPS);
      const perturbed: Tree = adaptive
        ? ewise((w, x) => w + w * w * x * scale, [p, g], ["params", "updates"])
        : ewise((w, x) => w + x * scale, [p, g], ["params", "updates"]);
      const { grad } = valueAndGradAt("sam", extra, perturbed);
      const r = base.update(grad, state.base, p, extra);
      return { updates: r.updates, state: { base: r.state } };
    },
  };
}
