/**
 * The extra-arguments channel of `update(grads, state, params, extra)`: what a transform may need
 * besides the gradient at `params` (optax's GradientTransformationExtraArgs, whose `update` takes
 * `**extra_args` and whose `chain` hands them to every member). SAM needs a second gradient at a
 * perturbed point, Sophia a Hessian-vector product or gradients on labels sampled from the model,
 * K-FAC the layers' inputs and output gradients. Whoever owns the loss supplies them: `fit`
 * (every step, for the step's batches) and the user of `optimizer(...).step(grads, extra)`.
 * Transforms that do not read a field ignore it; one that needs a field it did not get throws an
 * ArgumentError naming itself and the field (`needExtra`).
 * @see https://optax.readthedocs.io/en/latest/api/transformations.html#optax.GradientTransformationExtraArgs
 */
import { ArgumentError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { treeLeaves, treeUnflatten, type Tree } from "../tensor/tree.js";
import { zerosLike } from "../tensor/create.js";
import type { CaptureLinear } from "../nn/capture.js";
import { valueAndGrad as autodiffValueAndGrad } from "../autodiff/grad.js";
import { hvp as autodiffHvp } from "../autodiff/curvature.js";

export interface ExtraArgs {
  /**
   * The loss of this step's batch as a function of the parameters (a tree like `params`; returns a
   * scalar). Enough by itself: gradients elsewhere and Hessian-vector products are derived from it
   * by autodiff when `valueAndGrad` / `hvp` are not given.
   */
  readonly loss?: (params: Tree) => Tensor;
  /** Value and gradient of the same loss at any parameters (overrides autodiff of `loss`). */
  readonly valueAndGrad?: (params: Tree) => { value: Tensor; grad: Tree };
  /** H v at this step's parameters, v a tree like `params` (overrides reverse-over-reverse of `loss`). */
  readonly hvp?: (v: Tree) => Tree;
  /**
   * The model's outputs on this step's batch as a function of the parameters: logits, rows are
   * examples, the last axis the classes (Sophia's Gauss-Newton-Bartlett estimator samples labels
   * from their softmax).
   */
  readonly outputs?: (params: Tree) => Tensor;
  /**
   * For each `nn.linear` layer of the model, its input rows and the gradient of a loss (a function
   * of the model's outputs on this step's batch) with respect to its outputs (K-FAC's factors;
   * see nn/capture.ts).
   */
  readonly captureLinear?: CaptureLinear;
  /**
   * Residuals r of a least-squares loss ½‖r(params)‖² on this step's batch (naturalGradient's
   * Gauss-Newton matrix JᵀJ); `fit` supplies them for loss "mse", scaled so ½‖r‖² is the mse.
   */
  readonly residuals?: (params: Tree) => Tensor;
  /**
   * ∂r/∂params of those residuals as an [m, n] matrix (columns in the flattened parameter tree's
   * order), for callers with a faster way than autodiff (the PINN's closed form); naturalGradient
   * builds it by autodiff when absent.
   */
  readonly residualJacobian?: (params: Tree) => Tensor;
}

/** The names of the fields, for messages and for checking user input. */
export const EXTRA_FIELDS = ["loss", "valueAndGrad", "hvp", "outputs", "captureLinear", "residuals", "residualJacobian"] as const;

/** Throws unless `extra` is absent or an object whose known fields are functions. */
export function checkExtra(where: string, extra: unknown): ExtraArgs | undefined {
  if (extra === undefined) return undefined;
  if (extra === null || typeof extra !== "object") throw new ArgumentError(`${where}: extra must be an object of functions (${EXTRA_FIELDS.join(", ")}), got ${extra === null ? "null" : typeof extra}`);
  for (const k of EXTRA_FIELDS) {
    const v = (extra as Record<string, unknown>)[k];
    if (v !== undefined && typeof v !== "function") throw new ArgumentError(`${where}: extra.${k} must be a function, got ${v === null ? "null" : typeof v}`);
  }
  return extra as ExtraArgs;
}

/** The field `field` of `extra`, or an ArgumentError naming the transform `where` and the field. */
export function needExtra<K extends keyof ExtraArgs>(where: string, extra: ExtraArgs | undefined, field: K, why = ""): NonNullable<ExtraArgs[K]> {
  const v = extra?.[field];
  if (typeof v !== "function") {
    throw new ArgumentError(`${where}: update needs extra.${field}${why ? ` (${why})` : ""}; fit supplies it, and optimizer(...).step(grads, { ${field}: ... }) takes it`);
  }
  return v as NonNullable<ExtraArgs[K]>;
}

/** Value and gradient of the step's loss at `at`: `extra.valueAndGrad`, else autodiff of `extra.loss`. */
export function valueAndGradAt(where: string, extra: ExtraArgs | undefined, at: Tree): { value: Tensor; grad: Tree } {
  if (typeof extra?.valueAndGrad === "function") return extra.valueAndGrad(at);
  if (typeof extra?.loss !== "function") throw new ArgumentError(`${where}: update needs extra.loss (or extra.valueAndGrad) to evaluate a gradient away from params; fit supplies it, and optimizer(...).step(grads, { loss }) takes it`);
  return autodiffValueAndGrad(extra.loss)(at);
}

/** H v at `params`: `extra.hvp`, else reverse-over-reverse of `extra.loss` at `params`. */
export function hvpAt(where: string, extra: ExtraArgs | undefined, params: Tree, v: Tree): Tree {
  if (typeof extra?.hvp === "function") return extra.hvp(v);
  if (typeof extra?.loss !== "function") throw new ArgumentError(`${where}: update needs extra.hvp (or extra.loss) for Hessian-vector products; fit supplies it, and optimizer(...).step(grads, { loss }) takes it`);
  return autodiffHvp(extra.loss, params, v);
}

/**
 * `extra` as seen by a transform that runs on a subset of the leaves (`masked`, `partition`): its
 * params are the kept leaves in canonical order, so the closures take such a subset, fill in the
 * other leaves from `params` (their values at this step), and gradients and H v products come back
 * restricted to the subset (an H v product is taken with zeros in the other leaves: the kept block
 * of the Hessian).
 */
export function restrictExtra(extra: ExtraArgs | undefined, params: Tree, keep: readonly boolean[]): ExtraArgs | undefined {
  if (extra === undefined) return undefined;
  const full = treeLeaves(params);
  const embed = (sub: Tree, other: (t: Tensor) => Tensor): Tree => {
    const s = treeLeaves(sub);
    let k = 0;
    return treeUnflatten(params, full.map((t, i) => (keep[i] ? s[k++] : other(t))));
  };
  const pick = (tree: Tree): Tensor[] => treeLeaves(tree).filter((_, i) => keep[i]);
  const same = (t: Tensor) => t;
  const { loss, valueAndGrad, hvp, outputs, captureLinear, residuals } = extra;
  return {
    ...extra,
    loss: loss && ((sub) => loss(embed(sub, same))),
    valueAndGrad: valueAndGrad && ((sub) => {
      const r = valueAndGrad(embed(sub, same));
      return { value: r.value, grad: pick(r.grad) };
    }),
    hvp: hvp && ((v) => pick(hvp(embed(v, zerosLike)))),
    outputs: outputs && ((sub) => outputs(embed(sub, same))),
    captureLinear: captureLinear && ((sub, lossOfOutputs) => captureLinear(embed(sub, same), lossOfOutputs)),
    residuals: residuals && ((sub) => residuals(embed(sub, same))),
  };
}
