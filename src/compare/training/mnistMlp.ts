/**
 * MNIST MLP: 196-32-10 tanh on 14 x 14 digits (mnistData.ts), softmax cross-entropy on a
 * training set of `perClass` images per digit, full batch; the metric is the accuracy on the
 * next `testPerClass` images of each digit (held out). The extra channel has the model's logits
 * (SophiaG) and its linear layers' captures (K-FAC).
 */
import { checkOptions, type OptionKeys } from "../../options.js";
import { tensorOf } from "../../tensor/tensor.js";
import type { Tree } from "../../tensor/tree.js";
import { linear, sequential, tanh } from "../../nn/layers.js";
import { crossEntropy } from "../../nn/losses.js";
import { accuracy } from "../../nn/metrics.js";
import { captureLinear } from "../../nn/capture.js";
import type { MnistLike } from "../../problems/mnist.js";
import { mnistSmall, PIXELS } from "./mnistData.js";
import type { TrainingProblem } from "./problem.js";

export interface MnistMlpOptions {
  /** Hidden units (default 32). */
  hidden?: number;
  /** Training images per digit (default 100). */
  perClass?: number;
  /** Held-out images per digit (default 50). */
  testPerClass?: number;
  /** Steps (default 100). */
  steps?: number;
}

const KEYS = { hidden: true, perClass: true, testPerClass: true, steps: true } satisfies OptionKeys<MnistMlpOptions>;

export function mnistMlp(mnist: MnistLike, options: MnistMlpOptions = {}): TrainingProblem {
  checkOptions("trainingProblems.mnistMlp", options, KEYS);
  const { hidden = 32, perClass = 100, testPerClass = 50, steps = 100 } = options;
  const train = mnistSmall(mnist, 0, perClass), test = mnistSmall(mnist, perClass, testPerClass);
  const X = tensorOf(Float32Array.from(train.x), [train.labels.length, PIXELS]);
  const Xt = tensorOf(Float32Array.from(test.x), [test.labels.length, PIXELS]);
  const build = (seed: number) => sequential([linear(PIXELS, hidden, { seed }), tanh(), linear(hidden, 10, { seed: seed + 1000 })]);
  const model = build(0);
  const logits = (p: Tree) => model.apply(p as never, X);
  return {
    name: "mnist-mlp",
    description: `MNIST MLP ${PIXELS}-${hidden}-10 (tanh, 14 x 14 digits), ${train.labels.length} training images, full batch`,
    paramCount: PIXELS * hidden + hidden + hidden * 10 + 10,
    init: (seed) => build(seed).params,
    extra: {
      loss: (p) => crossEntropy(logits(p), train.labels),
      outputs: logits,
      captureLinear: captureLinear(model, X),
    },
    metric: {
      name: "held-out accuracy", better: "higher", log: false, target: 0.85,
      evaluate: (p) => accuracy(model.apply(p as never, Xt), test.labels),
    },
    steps,
    // Centres at the rates the sweep chose in the full race of 2026-12-02 (every sweep around the
    // earlier centres, 10-30x lower, ran to its capped top end: 5 runs where 3 do).
    lr: { "sgd-momentum": 1, "sam-sgd": 1, adam: 0.1, adamw: 0.1, "sam-adamw": 0.1, lion: 0.01, kfac: 0.3, shampoo: 0.1, soap: 0.1, "sophia-g": 0.03, "sophia-h": 0.03 },
  };
}
