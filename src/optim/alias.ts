/**
 * The documented optimizers: each is a `chain` of the building blocks in transforms/, with
 * torch.optim's defaults and names (camelCase) and optax's b1/b2. The fusable ones also record a
 * fused descriptor against the object they return (`lowerToFused` in base.ts, not a field of it),
 * which the stateful `optimizer` uses to run the whole chain as one kernel per step as long as
 * that object is used unmodified.
 * Differences between torch, optax and TensorFlow.js: see conventions.ts and docs/OPTIMIZERS.md.
 */
import type { Tensor } from "../tensor/tensor.js";
import { treeLeaves, type Tree } from "../tensor/tree.js";
import { chain, lowerToFused, type GradientTransformation, type OptState } from "./base.js";
import { convention, defaults, type Convention } from "./conventions.js";
import type { FusedKind, FusedSpec } from "./fusedSpec.js";
import type { Schedule } from "./schedules/types.js";
import { scaleByAdam } from "./transforms/adam.js";
import { addDecayedWeights } from "./transforms/decay.js";
import { scaleByLion } from "./transforms/lion.js";
import { scaleByRms, scaleByRss } from "./transforms/rms.js";
import { scaleByLearningRate } from "./transforms/scale.js";
import { trace } from "./transforms/trace.js";
import { scaleByNadam, scaleByRadam } from "./transforms/nadamRadam.js";
import { scaleByAdamax } from "./transforms/adamax.js";
import { bool, checkKnown, learningRate, nonNegative, unitInterval } from "./validate.js";
import { ArgumentError } from "../errors.js";

export type LearningRate = number | Schedule;

type Part = [name: string, t: GradientTransformation<any>];

/**
 * chain(parts), recorded as computing what the fused descriptor's kernel computes; `slotsOf` names
 * which part's state fields hold moments. The parts are private to the returned object.
 */
function build(parts: Part[], kind: FusedKind, conv: Convention, lr: Schedule, slotsOf: Array<[part: string, field: string]>): GradientTransformation<OptState[]> {
  const c = unfused(parts);
  const index = (name: string) => parts.findIndex(([n]) => n === name);
  const fused: FusedSpec = {
    ...kind,
    convention: conv,
    lr,
    slots: (s) => slotsOf.map(([p, f]) => treeLeaves(((s as OptState[])[index(p)] as Record<string, Tree>)[f]) as Tensor[]),
    setCount(s, n) {
      for (const sub of s as Record<string, unknown>[]) if (sub && typeof sub === "object" && typeof sub.count === "number") sub.count = n;
    },
  };
  return lowerToFused(c, fused);
}

/** chain(parts) as a fresh `{init, update}` object, with no fused descriptor: the pure path. */
function unfused(parts: Part[]): GradientTransformation<OptState[]> {
  const c = chain(...parts.map(([, t]) => t));
  return { init: c.init, update: c.update };
}

const LR_KEYS = ["lr", "convention"];

export interface SgdOptions { lr?: LearningRate; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number; convention?: Convention }

/**
 * Stochastic gradient descent with momentum, torch.optim.SGD's algorithm:
 *   g ← g + wd·p;  b_1 = g_1,  b_t = μ·b_{t−1} + (1 − τ)·g_t;  g ← g + μ·b_t (nesterov) or b_t;
 *   p ← p − lr·g.
 * @param options.lr learning rate or schedule (default 1e-3)
 * @param options.momentum μ (default 0)  @param options.dampening τ (default 0)
 * @param options.nesterov (default false) @param options.weightDecay L2 coefficient (default 0)
 * TensorFlow.js's momentum optimizer is the τ = 0 case (b = μb + g from b_0 = 0).
 * @example
 * const opt = optimizer(sgd({ lr: 0.1, momentum: 0.9 }), x);
 * for (let i = 0; i < 5; i++) opt.step(grad((x) => x.square().sum())(x));
 */
export function sgd(options: SgdOptions = {}): GradientTransformation<OptState[]> {
  checkKnown("sgd", options, [...LR_KEYS, "momentum", "dampening", "nesterov", "weightDecay"]);
  const conv = convention("sgd", options.convention);
  const d = defaults.sgd[conv];
  const lr = learningRate("sgd", options.lr ?? d.lr);
  const momentum = unitInterval("sgd", "momentum", options.momentum ?? 0);
  const dampening = nonNegative("sgd", "dampening", options.dampening ?? 0);
  const nesterov = bool("sgd", "nesterov", options.nesterov ?? false);
  const wd = nonNegative("sgd", "weightDecay", options.weightDecay ?? 0);
  if (nesterov && (momentum === 0 || dampening !== 0)) throw new ArgumentError("sgd: nesterov needs momentum > 0 and dampening 0");
  const parts: Part[] = [];
  if (wd > 0) parts.push(["decay", addDecayedWeights(wd)]);
  if (momentum > 0) parts.push(["trace", trace({ decay: momentum, dampening, nesterov })]);
  parts.push(["lr", scaleByLearningRate(lr)]);
  return build(parts, { kind: "sgd", hp: { wd, momentum, dampening, nesterov } }, conv, lr, momentum > 0 ? [["trace", "trace"]] : []);
}

export interface AdamOptions { lr?: LearningRate; b1?: number; b2?: number; eps?: number; weightDecay?: number; amsgrad?: boolean; convention?: Convention }

function adamFamily(where: "adam" | "adamw", options: AdamOptions, decoupled: boolean): GradientTransformation<OptState[]> {
  checkKnown(where, options, [...LR_KEYS, "b1", "b2", "eps", "weightDecay", "amsgrad"]);
  const conv = convention(where, options.convention);
  const d = defaults[where][conv];
  const lr = learningRate(where, options.lr ?? d.lr);
  const b1 = unitInterval(where, "b1", options.b1 ?? 0.9);
  const b2 = unitInterval(where, "b2", options.b2 ?? 0.999);
  const eps = nonNegative(where, "eps", options.eps ?? d.eps);
  const wd = nonNegative(where, "weightDecay", options.weightDecay ?? d.weightDecay);
  const amsgrad = bool(where, "amsgrad", options.amsgrad ?? false);
  const parts: Part[] = [];
  if (wd > 0 && !decoupled) parts.push(["decay", addDecayedWeights(wd)]);
  const biasCorrection = conv === "tfjs" ? "tfjs" : "exact";
  const amsgradMax = conv === "optax" ? "corrected" : "raw";
  parts.push(["adam", scaleByAdam({ b1, b2, eps, amsgrad, biasCorrection, amsgradMax })]);
  if (wd > 0 && decoupled) parts.push(["decay", addDecayedWeights(wd)]);
  parts.push(["lr", scaleByLearningRate(lr)]);
  const slots: Array<[string, string]> = [["adam", "mu"], ["adam", "nu"]];
  if (amsgrad) slots.push(["adam", "nuMax"]);
  // optax's AMSGrad (maximum of the bias-corrected moment) has no fused kernel: pure path
  if (amsgrad && amsgradMax === "corrected") return unfused(parts);
  return build(parts, { kind: "adam", hp: { wd, decoupled, b1, b2, eps, amsgrad, biasCorrection } }, conv, lr, slots);
}

/**
 * Adam (Kingma & Ba 2015), torch.optim.Adam's algorithm:
 *   g ← g + wd·p (L2, as torch);  m = b1·m + (1−b1)·g;  v = b2·v + (1−b2)·g²;  v̂ = max(v̂, v) (amsgrad);
 *   p ← p − lr·(m/(1−b1^t)) / (√v̂/√(1−b2^t) + eps).
 * @param options.lr (default 1e-3) @param options.b1 (0.9) @param options.b2 (0.999)
 * @param options.eps (1e-8; tfjs convention 1e-7) @param options.weightDecay L2 (0) @param options.amsgrad (false)
 * Note: optax's and tfjs's eps placement is the same as torch's here; tfjs's default eps differs.
 * Fused by the stateful `optimizer` except `amsgrad` with `convention: "optax"` (the maximum of the
 * bias-corrected moment has no kernel), which runs the pure path.
 * @see https://arxiv.org/abs/1412.6980
 * @example
 * const opt = optimizer(adam({ lr: 0.1 }), x);
 * for (let i = 0; i < 5; i++) opt.step(grad((x) => x.square().sum())(x));
 */
export function adam(options: AdamOptions = {}): GradientTransformation<OptState[]> {
  return adamFamily("adam", options, false);
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay multiplied by the learning
 * rate, p ← p − lr·(u_adam + wd·p). Default weightDecay 1e-2 (torch; optax convention 1e-4).
 * As {@link adam}, `amsgrad` with `convention: "optax"` runs the pure path (no fused kernel).
 * @see https://arxiv.org/abs/1711.05101 @see {@link adam}
 * @example
 * const opt = optimizer(adamw({ lr: 0.1, weightDecay: 1e-2 }), x);
 * for (let i = 0; i < 5; i++) opt.step(grad((x) => x.square().sum())(x));
 */
export function adamw(options: AdamOptions = {}): GradientTransformation<OptState[]> {
  return adamFamily("adamw", options, true);
}

export interface AdagradOptions { lr?: LearningRate; lrDecay?: number; initialAccumulatorValue?: number; eps?: number; weightDecay?: number; convention?: Convention }

/**
 * AdaGrad, torch.optim.Adagrad's algorithm:
 *   g ← g + wd·p;  s = s + g²;  p ← p − lr/(1 + (t−1)·lrDecay) · g/(√s + eps).
 * Defaults lr 1e-2, lrDecay 0, initialAccumulatorValue 0, eps 1e-10. optax and tfjs start the
 * accumulator at 0.1 and put eps (1e-7) inside the root: `convention: "optax" | "tfjs"`.
 * @see https://jmlr.org/papers/v12/duchi11a.html
 * @example
 * const opt = optimizer(adagrad({ lr: 0.5 }), x);
 * for (let i = 0; i < 5; i++) opt.step(grad((x) => x.square().sum())(x));
 */
export function adagrad(options: AdagradOptions = {}): GradientTransformation<OptState[]> {
  checkKnown("adagrad", options, [...LR_KEYS, "lrDecay", "initialAccumulatorValue", "eps", "weightDecay"]);
  const conv = convention("adagrad", options.convention);
  const d = defaults.adagrad[conv];
  const base = learningRate("adagrad", options.lr ?? d.lr);
  const lrDecay = nonNegative("adagrad", "lrDecay", options.lrDecay ?? 0);
  const init0 = nonNegative("adagrad", "initialAccumulatorValue", options.initialAccumulatorValue ?? d.initialAccumulatorValue);
  const eps = nonNegative("adagrad", "eps", options.eps ?? d.eps);
  const wd = nonNegative("adagrad", "weightDecay", options.weightDecay ?? 0);
  const lr: Schedule = lrDecay === 0 ? base : (step) => base(step) / (1 + step * lrDecay);
  const parts: Part[] = [];
  if (wd > 0) parts.push(["decay", addDecayedWeights(wd)]);
  parts.push(["rss", scaleByRss({ initialAccumulatorValue: init0, eps, epsMode: d.epsMode })]);
  parts.push(["lr", scaleByLearningRate(lr)]);
  return build(parts, { kind: "adagrad", hp: { wd, eps, epsMode: d.epsMode } }, conv, lr, [["rss", "sumOfSquares"]]);
}

export interface RmspropOptions { lr?: LearningRate; alpha?: number; eps?: number; momentum?: number; centered?: boolean; weightDecay?: number; convention?: Convention }

/**
 * RMSProp, torch.optim.RMSprop's algorithm:
 *   g ← g + wd·p;  ν = α·ν + (1−α)·g²;  centered: μ = α·μ + (1−α)·g, ν̃ = ν − μ² (else ν̃ = ν);
 *   u = g/(√ν̃ + eps);  momentum: b = m·b + u, p ← p − lr·b;  else p ← p − lr·u.
 * Defaults lr 1e-2, alpha 0.99, eps 1e-8, momentum 0, centered false. optax and tfjs put eps
 * inside the root and lr inside the momentum buffer; tfjs subtracts eps in the centered root
 * (√(ν − (μ² + eps))) and defaults to alpha 0.9, eps 1e-7: `convention: "optax" | "tfjs"`.
 * @see https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf
 * @example
 * const opt = optimizer(rmsprop({ lr: 0.01, momentum: 0.9 }), x);
 * for (let i = 0; i < 5; i++) opt.step(grad((x) => x.square().sum())(x));
 */
export function rmsprop(options: RmspropOptions = {}): GradientTransformation<OptState[]> {
  checkKnown("rmsprop", options, [...LR_KEYS, "alpha", "eps", "momentum", "centered", "weightDecay"]);
  const conv = convention("rmsprop", options.convention);
  const d = defaults.rmsprop[conv];
  const lr = learningRate("rmsprop", options.lr ?? d.lr);
  const alpha = unitInterval("rmsprop", "alpha", options.alpha ?? d.alpha);
  const eps = nonNegative("rmsprop", "eps", options.eps ?? d.eps);
  const momentum = unitInterval("rmsprop", "momentum", options.momentum ?? 0);
  const centered = bool("rmsprop", "centered", options.centered ?? false);
  const wd = nonNegative("rmsprop", "weightDecay", options.weightDecay ?? 0);
  const epsMode = centered && conv === "tfjs" ? "tfjsCentered" : d.epsMode;
  const parts: Part[] = [];
  if (wd > 0) parts.push(["decay", addDecayedWeights(wd)]);
  parts.push(["rms", scaleByRms({ decay: alpha, eps, centered, epsMode })]);
  const mom: Part[] = momentum > 0 ? [["trace", trace({ decay: momentum })]] : [];
  if (d.lrInsideMomentum) parts.push(["lr", scaleByLearningRate(lr)], ...mom);
  else parts.push(...mom, ["lr", scaleByLearningRate(lr)]);
  const slots: Array<[string, string]> = [["rms", "nu"]];
  if (centered) slots.push(["rms", "mu"]);
  if (momentum > 0) slots.push(["trace", "trace"]);
  return build(parts, { kind: "rmsprop", hp: { wd, alpha, eps, epsMode, centered, momentum, lrInsideMomentum: d.lrInsideMomentum } }, conv, lr, slots);
}

export interface LionOptions { lr?: LearningRate; b1?: number; b2?: number; weightDecay?: number; convention?: Convention }

/**
 * Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), as optax:
 *   u = sign(b1·m + (1−b1)·g);  m = b2·m + (1−b2)·g;  p ← p − lr·(u + wd·p).
 * Defaults lr 1e-4, b1 0.9, b2 0.99, weightDecay 0 (optax convention 1e-3).
 * @see https://arxiv.org/abs/2302.06675
 * @example
 * const opt = optimizer(lion({ lr: 0.01 }), x);
 * for (let i = 0; i < 5; i++) opt.step(grad((x) => x.square().sum())(x));
 */
export function lion(options: LionOptions = {}): GradientTransformation<OptState[]> {
  checkKnown("lion", options, [...LR_KEYS, "b1", "b2", "weightDecay"]);
  const conv = convention("lion", options.convention);
  const d = defaults.lion[conv];
  const lr = learningRate("lion", options.lr ?? d.lr);
  const b1 = unitInterval("lion", "b1", options.b1 ?? 0.9);
  const b2 = unitInterval("lion", "b2", options.b2 ?? 0.99);
  const wd = nonNegative("lion", "weightDecay", options.weightDecay ?? d.weightDecay);
  const parts: Part[] = [["lion", scaleByLion({ b1, b2 })]];
  if (wd > 0) parts.push(["decay", addDecayedWeights(wd)]);
  parts.push(["lr", scaleByLearningRate(lr)]);
  return build(parts, { kind: "lion", hp: { wd, b1, b2 } }, conv, lr, [["lion", "mu"]]);
}

export interface NadamOptions { lr?: LearningRate; b1?: number; b2?: number; eps?: number; weightDecay?: number; momentumDecay?: number; decoupledWeightDecay?: boolean }

/**
 * NAdam, torch.optim.NAdam's algorithm (see {@link scaleByNadam}); weightDecay is L2 unless
 * `decoupledWeightDecay` (then p ← p − lr·wd·p). Defaults lr 2e-3, b1 0.9, b2 0.999, eps 1e-8,
 * momentumDecay 4e-3. Runs on the pure path (not fused). @see https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ
 */
export function nadam(options: NadamOptions = {}): GradientTransformation<OptState[]> {
  checkKnown("nadam", options, ["lr", "b1", "b2", "eps", "weightDecay", "momentumDecay", "decoupledWeightDecay"]);
  const lr = learningRate("nadam", options.lr ?? 2e-3);
  const wd = nonNegative("nadam", "weightDecay", options.weightDecay ?? 0);
  const decoupled = bool("nadam", "decoupledWeightDecay", options.decoupledWeightDecay ?? false);
  const parts: GradientTransformation<any>[] = [];
  if (wd > 0 && !decoupled) parts.push(addDecayedWeights(wd));
  parts.push(scaleByNadam({ b1: options.b1, b2: options.b2, eps: options.eps, momentumDecay: options.momentumDecay }));
  if (wd > 0 && decoupled) parts.push(addDecayedWeights(wd));
  parts.push(scaleByLearningRate(lr));
  return chain(...parts);
}

export interface RadamOptions { lr?: LearningRate; b1?: number; b2?: number; eps?: number; weightDecay?: number; decoupledWeightDecay?: boolean }

/**
 * RAdam, torch.optim.RAdam's algorithm (see {@link scaleByRadam}). Defaults lr 1e-3, b1 0.9,
 * b2 0.999, eps 1e-8. Runs on the pure path (not fused). @see https://arxiv.org/abs/1908.03265
 */
export function radam(options: RadamOptions = {}): GradientTransformation<OptState[]> {
  checkKnown("radam", options, ["lr", "b1", "b2", "eps", "weightDecay", "decoupledWeightDecay"]);
  const lr = learningRate("radam", options.lr ?? 1e-3);
  const wd = nonNegative("radam", "weightDecay", options.weightDecay ?? 0);
  const decoupled = bool("radam", "decoupledWeightDecay", options.decoupledWeightDecay ?? false);
  const parts: GradientTransformation<any>[] = [];
  if (wd > 0 && !decoupled) parts.push(addDecayedWeights(wd));
  parts.push(scaleByRadam({ b1: options.b1, b2: options.b2, eps: options.eps }));
  if (wd > 0 && decoupled) parts.push(addDecayedWeights(wd));
  parts.push(scaleByLearningRate(lr));
  return chain(...parts);
}

export interface AdamaxOptions { lr?: LearningRate; b1?: number; b2?: number; eps?: number; weightDecay?: number; lrDecay?: number; convention?: Convention }

/**
 * Adamax, torch.optim.Adamax's algorithm (see {@link scaleByAdamax}): g ← g + wd·p;
 * m = b1·m + (1−b1)·g; u = max(b2·u, |g| + eps); p ← p − lr_t·(m/(1 − b1^t))/u, with
 * lr_t = lr/(1 + (t−1)·lrDecay) (tfjs's `decay`; 0 by default). Defaults lr 2e-3, b1 0.9,
 * b2 0.999, eps 1e-8. `convention: "tfjs"` adds eps outside the maximum and uses eps 1e-7 and
 * tfjs's float32 bias correction. Runs on the pure path (not fused).
 */
export function adamax(options: AdamaxOptions = {}): GradientTransformation<OptState[]> {
  checkKnown("adamax", options, [...LR_KEYS, "b1", "b2", "eps", "weightDecay", "lrDecay"]);
  const conv = convention("adamax", options.convention);
  const base = learningRate("adamax", options.lr ?? 2e-3);
  const lrDecay = nonNegative("adamax", "lrDecay", options.lrDecay ?? 0);
  const wd = nonNegative("adamax", "weightDecay", options.weightDecay ?? 0);
  const tfjs = conv === "tfjs";
  const lr: Schedule = lrDecay === 0 ? base : (step) => base(step) / (1 + step * lrDecay);
  const parts: GradientTransformation<any>[] = [];
  if (wd > 0) parts.push(addDecayedWeights(wd));
  parts.push(scaleByAdamax({ b1: options.b1, b2: options.b2, eps: options.eps ?? (tfjs ? 1e-7 : 1e-8), epsMode: tfjs ? "added" : "insideMax", biasCorrection: tfjs ? "tfjs" : "exact" }));
  parts.push(scaleByLearningRate(lr));
  return chain(...parts);
}
