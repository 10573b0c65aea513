/**
 * Sophia (Liu et al. 2023, "Sophia: A Scalable Stochastic Second-order Optimizer for Language
 * Model Pre-training"), following Liuhong99/Sophia `sophia.py` (SophiaG: update_hessian, the
 * clipped step of _single_tensor_sophiag) and `train_sophiag.py` (when the Hessian estimate is
 * refreshed, the sampled-label loss), with the paper's Hutchinson estimator (SophiaH) as well.
 */
import { ArgumentError } from "../../errors.js";
import { readSync } from "../../backend/select.js";
import { Rng } from "../../tensor/random.js";
import type { Tensor } from "../../tensor/tensor.js";
import { treeFlattenWithPaths, treeUnflatten, type Tree } from "../../tensor/tree.js";
import { vjp } from "../../autodiff/grad.js";
import { needParams, type GradientTransformation } from "../base.js";
import type { LearningRate } from "../alias.js";
import { hvpAt, needExtra, type ExtraArgs } from "../extraArgs.js";
import { ewise, fullTree } from "../treeMath.js";
import { checkKnown, learningRate, nonNegative, positiveInt, scheduleValue, unitInterval } from "../validate.js";
import { tensorFrom } from "./kronecker.js";
import { rngFrom, rngStateOf, sampleSoftmax, type RngState } from "./sampling.js";

export type SophiaEstimator = "gnb" | "hutchinson";

export interface SophiaOptions {
  /** Learning rate or schedule (default 1e-4). */
  lr?: LearningRate;
  /** Momentum decay (default 0.965). */
  b1?: number;
  /** Decay of the Hessian-diagonal EMA (default 0.99). */
  b2?: number;
  /** Clipping scale γ: the step is clip(m / (rho·h), 1) (default 0.04). */
  rho?: number;
  /** Decoupled weight decay, p ← p·(1 − lr·wd) (default 0.1). */
  weightDecay?: number;
  /** Steps between Hessian-diagonal estimates (default 10). */
  k?: number;
  /** "gnb" (Gauss-Newton-Bartlett, SophiaG; needs extra.outputs) or "hutchinson" (SophiaH; needs extra.hvp or extra.loss). Default "gnb". */
  estimator?: SophiaEstimator;
  /** Floor of the denominator (default 1e-15, sophia.py's constant). */
  eps?: number;
  /** Seed of the estimator's random labels / probe vectors (default 0); the generator's state is in the optimizer state. */
  seed?: number;
}

/** The estimator's generator state (Rng.getState as named fields: checkpoints restore them). */
export type SophiaRngState = RngState;

export interface SophiaState { count: number; mu: Tree; hessian: Tree; rng: SophiaRngState }

/**
 * Sophia: momentum divided elementwise by an EMA of a Hessian-diagonal estimate, clipped:
 *   every k steps (steps k + 1, 2k + 1, ...: sophia.py's training loop refreshes after steps k, 2k, ...):
 *       h ← b2·h + (1 − b2)·ĥ,
 *       ĥ = u ⊙ (H u), u Rademacher                        ("hutchinson", SophiaH; H u from extra.hvp or extra.loss)
 *       ĥ = B·ĝ ⊙ ĝ, ĝ = ∇ (1/B) Σ_b CE(f_b(p), ŷ_b), ŷ_b ~ softmax(f_b(p))   ("gnb", SophiaG; f = extra.outputs, B its rows)
 *   p ← p·(1 − lr·wd);  m ← b1·m + (1 − b1)·g
 *   p ← p − lr·sign(m)·min(|m| / (max(rho·h, 0) + eps), 1)
 * This is sophia.py's step: its `rho·bs·h + 1e-15`, with its h the EMA of ĝ² and bs the batch's
 * label count, is rho·h + eps here (h holds B·ĝ² already). The max(·, 0) only matters for the
 * Hutchinson estimate, which can be negative: the paper's max(γh, ε) then gives the sign step.
 * Until the first estimate h = 0 and the step is −lr·sign(m) (as in the reference). sophia.py's
 * training loop also clips the sampled-label gradient by the gradient-clipping norm; that is not
 * done here. The estimator's generator (seeded by `seed`) lives in the state, so a resumed run
 * draws the same labels and probes.
 * @param options.lr (1e-4) @param options.b1 (0.965) @param options.b2 (0.99) @param options.rho (0.04)
 * @param options.weightDecay (0.1) @param options.k (10) @param options.estimator ("gnb")
 * @param options.eps (1e-15) @param options.seed (0)
 * @see https://arxiv.org/abs/2305.14342 @see https://github.com/Liuhong99/Sophia/blob/main/sophia.py
 * @example
 * const x = tensor([3, -2]);
 * const loss = (x: Tree) => (x as Tensor).square().sum();
 * const opt = optimizer(sophia({ lr: 0.1, estimator: "hutchinson", k: 1 }), x);
 * for (let i = 0; i < 5; i++) opt.step(grad(loss)(x), { loss });
 */
export function sophia(options: SophiaOptions = {}): GradientTransformation<SophiaState> {
  const where = "sophia";
  checkKnown(where, options, ["lr", "b1", "b2", "rho", "weightDecay", "k", "estimator", "eps", "seed"]);
  const lr = learningRate(where, options.lr ?? 1e-4);
  const b1 = unitInterval(where, "b1", options.b1 ?? 0.965);
  const b2 = unitInterval(where, "b2", options.b2 ?? 0.99);
  const rho = nonNegative(where, "rho", options.rho ?? 0.04);
  const wd = nonNegative(where, "weightDecay", options.weightDecay ?? 0.1);
  const k = positiveInt(where, "k", options.k ?? 10);
  const estimator = options.estimator ?? "gnb";
  if (estimator !== "gnb" && estimator !== "hutchinson") throw new ArgumentError(`sophia: estimator must be "gnb" or "hutchinson", got ${JSON.stringify(estimator)}`);
  const eps = options.eps ?? 1e-15;
  if (typeof eps !== "number" || !(eps > 0) || !Number.isFinite(eps)) throw new ArgumentError(`sophia: eps must be a finite number > 0, got ${String(eps)}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new ArgumentError(`sophia: seed must be an integer, got ${String(seed)}`);

  return {
    init(params) {
      return { count: 0, mu: fullTree(params, 0), hessian: fullTree(params, 0), rng: rngStateOf(new Rng(seed)) };
    },
    update(g, state, params, extra) {
      const p = needParams(where, params);
      const t = state.count + 1;
      const step = scheduleValue(where, "lr", lr, state.count);
      let hessian = state.hessian;
      let rngState = state.rng;
      if (t > 1 && (t - 1) % k === 0) {
        const rng = rngFrom(rngState);
        const est = estimator === "hutchinson" ? hutchinsonDiagonal(extra, p, rng) : gaussNewtonBartlettDiagonal(extra, p, rng);
        hessian = ewise((h, e) => b2 * h + (1 - b2) * e, [state.hessian, est], ["hessian", "estimate"]);
        rngState = rngStateOf(rng);
      }
      const mu = ewise((m, x) => b1 * m + (1 - b1) * x, [state.mu, g], ["mu", "updates"]);
      const updates = ewise((w, m, h) => {
        const ratio = Math.min(Math.abs(m) / (Math.max(rho * h, 0) + eps), 1);
        return -step * wd * w - step * Math.sign(m) * ratio;
      }, [p, mu, hessian], ["params", "mu", "hessian"]);
      return { updates, state: { count: t, mu, hessian, rng: rngState } };
    },
  };
}

/**
 * Hutchinson's estimate of diag(H) at `params`: u ⊙ (H u) with u Rademacher (±1, drawn from
 * `rng`); its mean over u is diag(H) exactly (E[u_i u_j] = δ_ij).
 */
export function hutchinsonDiagonal(extra: ExtraArgs | undefined, params: Tree, rng: Rng): Tree {
  const leaves = treeFlattenWithPaths(params, "params");
  const u = leaves.map(([, t]) => {
    const a = new Float64Array(t.size);
    for (let i = 0; i < a.length; i++) a[i] = rng.nextU32() >>> 31 ? 1 : -1;
    return tensorFrom(a, t.shape, t.dtype);
  });
  const uTree = treeUnflatten(params, u);
  return ewise((ui, hu) => ui * hu, [uTree, hvpAt("sophia", extra, params, uTree)], ["probe", "hvp"]);
}

/**
 * The Gauss-Newton-Bartlett estimate of diag(H) at `params` (Sophia's Algorithm 2): labels ŷ_b
 * sampled from softmax(f_b) of the model's logits f = extra.outputs(params) (rows b = 1..B, classes
 * on the last axis), ĝ = the gradient of the mean cross-entropy (1/B) Σ_b CE(f_b, ŷ_b), estimate
 * B·ĝ ⊙ ĝ; its mean over ŷ is the diagonal of the Gauss-Newton matrix (1/B) Σ_b J_bᵀ (diag s_b −
 * s_b s_bᵀ) J_b. One forward pass: the cotangent (softmax(f) − onehot(ŷ))/B goes through f's VJP.
 */
export function gaussNewtonBartlettDiagonal(extra: ExtraArgs | undefined, params: Tree, rng: Rng): Tree {
  const outputs = needExtra("sophia", extra, "outputs", 'the "gnb" estimator samples labels from the softmax of the model\'s logits');
  const { value, vjp: pullback } = vjp(outputs, params);
  const z = readSync(value, "sophia");
  const c = value.rank === 0 ? 1 : value.shape[value.rank - 1];
  const rows = c === 0 ? 0 : z.length / c;
  const { probs, labels } = sampleSoftmax(z, c, rng);
  const cot = new Float64Array(z.length);
  for (let b = 0; b < rows; b++) {
    for (let j = 0; j < c; j++) cot[b * c + j] = (probs[b * c + j] - (j === labels[b] ? 1 : 0)) / rows;
  }
  const ghat = pullback(tensorFrom(cot, value.shape, value.dtype));
  return ewise((x) => rows * x * x, [ghat], ["gradient"]);
}
