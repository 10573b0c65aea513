/**
 * A training problem of the training race (`raceTraining`): a model's initial parameters per
 * seed, the full-batch training loss and what the extra channel needs (src/optim/extraArgs.ts),
 * the problem's own quality metric with a target, and its step budget. Full batch: every step
 * sees the same data, so the loss curve, the sharpness at the end and the runs are deterministic.
 */
import type { Tensor } from "../../tensor/tensor.js";
import type { Tree } from "../../tensor/tree.js";
import type { ExtraArgs } from "../../optim/extraArgs.js";

export interface TrainingMetric {
  /** Column header, e.g. "held-out accuracy", "relative L2 error". */
  readonly name: string;
  /** "higher": accuracy; "lower": errors. */
  readonly better: "higher" | "lower";
  /** The level that counts as reached (steps and seconds to target). */
  readonly target: number;
  /** Plot on a log axis (errors spanning decades). */
  readonly log: boolean;
  /** The metric at parameters p (no graph needed). */
  evaluate(p: Tree): number;
}

export interface TrainingProblem {
  /** Short id (`--problems`), e.g. "linear-regression". */
  readonly name: string;
  /** One line for tables and reports. */
  readonly description: string;
  /** Trainable scalars. */
  readonly paramCount: number;
  /** Initial parameters for a seed (fresh tensors each call: the optimizer updates them in place). */
  init(seed: number): Tree;
  /**
   * The step's extra channel: always `loss` (the full-batch training loss); `outputs` and
   * `captureLinear` when the loss is softmax cross-entropy on the model's logits (K-FAC, SophiaG),
   * `residuals` when it is ½‖r‖² (natural gradient).
   */
  readonly extra: ExtraArgs & { readonly loss: (p: Tree) => Tensor };
  readonly metric: TrainingMetric;
  /** Default number of steps. */
  readonly steps: number;
  /** Centres of the learning-rate sweep where a method's default does not suit this problem. */
  readonly lr?: Readonly<Record<string, number>>;
  /** Fewer steps for methods whose step is costly and which need few (natural gradient on the PINN). */
  readonly methodSteps?: Readonly<Record<string, number>>;
  /** Per-method option overrides (e.g. natural gradient's damping). */
  readonly methodOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Adds the flag that a method is usable: K-FAC and SophiaG need a softmax classifier, natural gradient residuals. */
export function isClassifier(p: TrainingProblem): boolean {
  return typeof p.extra.outputs === "function" && typeof p.extra.captureLinear === "function";
}
