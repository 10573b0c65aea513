/**
 * MNIST deep autoencoder: 196-32-16-8-16-32-196 (tanh, sigmoid output) on 14 x 14 digits, trained
 * full batch on the mean squared reconstruction error of `perClass` images per digit; the metric
 * is the same error on the next `testPerClass` images of each digit (held out). A small cousin of
 * Hinton and Salakhutdinov's 784-1000-500-250-30 autoencoder, the usual K-FAC benchmark; here
 * K-FAC and SophiaG do not apply (their Fisher samples labels from a softmax), and natural
 * gradient's dense n x n system is too large (13,436 parameters).
 */
import { checkOptions, type OptionKeys } from "../../options.js";
import { tensorOf } from "../../tensor/tensor.js";
import type { Tree } from "../../tensor/tree.js";
import { readSync } from "../../backend/select.js";
import { linear, sequential, sigmoid, tanh } from "../../nn/layers.js";
import { mse } from "../../nn/losses.js";
import { paramCount } from "../../nn/layers.js";
import type { MnistLike } from "../../problems/mnist.js";
import { mnistSmall, PIXELS } from "./mnistData.js";
import type { TrainingProblem } from "./problem.js";

export interface MnistAutoencoderOptions {
  /** Widths of the encoder's layers after the input; the decoder mirrors them (default [32, 16, 8]). */
  widths?: readonly number[];
  /** Training images per digit (default 50). */
  perClass?: number;
  /** Held-out images per digit (default 20). */
  testPerClass?: number;
  /** Steps (default 150). */
  steps?: number;
}

const KEYS = { widths: true, perClass: true, testPerClass: true, steps: true } satisfies OptionKeys<MnistAutoencoderOptions>;

export function mnistAutoencoder(mnist: MnistLike, options: MnistAutoencoderOptions = {}): TrainingProblem {
  checkOptions("trainingProblems.mnistAutoencoder", options, KEYS);
  const { widths = [32, 16, 8], perClass = 50, testPerClass = 20, steps = 150 } = options;
  const train = mnistSmall(mnist, 0, perClass), test = mnistSmall(mnist, perClass, testPerClass);
  const X = tensorOf(Float32Array.from(train.x), [train.labels.length, PIXELS]);
  const Xt = tensorOf(Float32Array.from(test.x), [test.labels.length, PIXELS]);
  const dims = [PIXELS, ...widths, ...widths.slice(0, -1).reverse(), PIXELS];
  const build = (seed: number) => sequential(dims.slice(1).flatMap((out, i) => [
    linear(dims[i], out, { seed: seed + 1000 * i }),
    i === dims.length - 2 ? sigmoid() : tanh(),
  ]));
  const model = build(0);
  const n = train.labels.length;
  return {
    name: "mnist-autoencoder",
    description: `MNIST autoencoder ${dims.join("-")} (tanh, sigmoid output, 14 x 14 digits), ${n} training images, full batch`,
    paramCount: paramCount(model.params),
    init: (seed) => build(seed).params,
    extra: {
      loss: (p: Tree) => mse(model.apply(p as never, X), X),
      residuals: (p: Tree) => model.apply(p as never, X).sub(X).mul(Math.sqrt(2 / (n * PIXELS))).reshape([-1]),
    },
    metric: {
      name: "held-out reconstruction error (mse)", better: "lower", log: true, target: 0.04,
      evaluate: (p) => readSync(mse(model.apply(p as never, Xt), Xt), "mnistAutoencoder")[0],
    },
    steps,
    // Centres at the rates the sweep chose in the full race of 2026-12-02 (sweeps that ran past an end cost 4-5 runs).
    lr: { "sgd-momentum": 3, "sam-sgd": 3, adam: 0.01, adamw: 0.01, "sam-adamw": 0.03, lion: 1e-3, shampoo: 0.01, soap: 0.1, "sophia-h": 1e-3 },
  };
}
