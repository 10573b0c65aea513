/**
 * The methods of the training race: one typed table entry per method, how to build its
 * transform for a learning rate and a seed, its default learning rate (the sweep's centre unless
 * the problem names another), and what a problem must offer for it to apply.
 */
import type { GradientTransformation } from "../../optim/base.js";
import { adam, adamw, lion, sgd } from "../../optim/alias.js";
import { kfac } from "../../optim/secondOrder/kfac.js";
import { shampoo } from "../../optim/secondOrder/shampoo.js";
import { soap } from "../../optim/secondOrder/soap.js";
import { sophia } from "../../optim/secondOrder/sophia.js";
import { sam } from "../../optim/secondOrder/sam.js";
import { naturalGradient } from "../../optim/secondOrder/naturalGradient.js";
import { isClassifier, type TrainingProblem } from "./problem.js";

export const TRAINING_METHODS = [
  "sgd-momentum", "adam", "adamw", "lion", "kfac", "shampoo", "soap", "sophia-g", "sophia-h", "sam-sgd", "sam-adamw", "natural-gradient",
] as const;
export type TrainingMethodName = (typeof TRAINING_METHODS)[number];

/** Models above this many parameters skip natural gradient (its step solves a dense n x n system). */
export const NATURAL_GRADIENT_MAX_PARAMS = 2000;

type Options = Readonly<Record<string, unknown>>;

export interface TrainingMethod {
  readonly name: TrainingMethodName;
  /** The equation's family for tables: "first-order" or "second-order" (curvature, or a second gradient). */
  readonly order: "first" | "second";
  /** Default learning rate (the sweep's centre). */
  readonly lr: number;
  /** No sweep: the method sets its own step (a line search). */
  readonly fixedLr?: boolean;
  /** For SAM: the method it perturbs (compared by sharpness at the end). */
  readonly base?: TrainingMethodName;
  /** Why the method does not apply to a problem, or null. */
  skip(problem: TrainingProblem): string | null;
  build(lr: number, seed: number, options: Options): GradientTransformation<any>;
}

const always = () => null;
const classifierOnly = (name: string) => (p: TrainingProblem) =>
  isClassifier(p) ? null : `${name} samples labels from the model's softmax; this problem's loss is not softmax cross-entropy`;

const TABLE: Record<TrainingMethodName, Omit<TrainingMethod, "name">> = {
  "sgd-momentum": { order: "first", lr: 0.03, skip: always, build: (lr, _s, o) => sgd({ lr, momentum: 0.9, ...o }) },
  adam: { order: "first", lr: 1e-3, skip: always, build: (lr, _s, o) => adam({ lr, ...o }) },
  adamw: { order: "first", lr: 1e-3, skip: always, build: (lr, _s, o) => adamw({ lr, weightDecay: 1e-4, ...o }) },
  lion: { order: "first", lr: 1e-4, skip: always, build: (lr, _s, o) => lion({ lr, ...o }) },
  kfac: { order: "second", lr: 1e-2, skip: classifierOnly("K-FAC"), build: (lr, seed, o) => kfac({ lr, momentum: 0.9, damping: 1e-3, seed, ...o }) },
  // Adam grafting (the step takes Adam's per-block norm, as distributed_shampoo is usually run), so
  // Adam's learning rates carry over; raw Shampoo diverged at them on every problem.
  shampoo: {
    order: "second", lr: 1e-3, skip: always,
    build: (lr, _s, o) => shampoo({ lr, betas: [0.9, 0.999], epsilon: 1e-10, graftingConfig: { type: "adam", beta2: 0.999, epsilon: 1e-8 }, preconditionFrequency: 10, ...o }),
  },
  soap: { order: "second", lr: 3e-3, skip: always, build: (lr, _s, o) => soap({ lr, weightDecay: 0, ...o }) },
  "sophia-g": { order: "second", lr: 1e-3, skip: classifierOnly("SophiaG (Gauss-Newton-Bartlett)"), build: (lr, seed, o) => sophia({ lr, estimator: "gnb", weightDecay: 0, seed, ...o }) },
  "sophia-h": { order: "second", lr: 1e-3, skip: always, build: (lr, seed, o) => sophia({ lr, estimator: "hutchinson", weightDecay: 0, seed, ...o }) },
  "sam-sgd": { order: "second", lr: 0.03, base: "sgd-momentum", skip: always, build: (lr, _s, o) => sam(sgd({ lr, momentum: 0.9 }), { rho: 0.05, ...o }) },
  "sam-adamw": { order: "second", lr: 1e-3, base: "adamw", skip: always, build: (lr, _s, o) => sam(adamw({ lr, weightDecay: 1e-4 }), { rho: 0.05, ...o }) },
  "natural-gradient": {
    order: "second", lr: 1, fixedLr: true,
    skip: (p) => typeof p.extra.residuals !== "function" ? "natural gradient (Gauss-Newton form) needs a least-squares loss ½‖r‖²"
      : p.paramCount > NATURAL_GRADIENT_MAX_PARAMS ? `natural gradient skipped: ${p.paramCount} parameters > ${NATURAL_GRADIENT_MAX_PARAMS} (dense n x n system per step)`
      : null,
    build: (lr, _s, o) => naturalGradient({ lr, ...o }),
  },
};

export function trainingMethod(name: TrainingMethodName): TrainingMethod {
  return { name, ...TABLE[name] };
}
