/**
 * `convention: "tfjs"` against real TensorFlow.js optimizers (cpu backend), step by step on the
 * same non-quadratic function, float32 on both sides: SGD, momentum (+ Nesterov), RMSProp
 * (plain, centered, momentum, centered + momentum), AdaGrad, Adam.
 */
import { vals } from "../helpers.js";
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { tensor, type Tensor } from "../../src/index.js";
import { adagrad, adam, adamax, optimizer, rmsprop, sgd, type GradientTransformation } from "../../src/optim/index.js";
import { testGrad, X0 } from "./reference.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
  await tf.ready();
});

const CASES: Array<[string, () => tf.Optimizer, () => GradientTransformation<any>]> = [
  ["sgd", () => tf.train.sgd(0.05), () => sgd({ lr: 0.05, convention: "tfjs" })],
  ["momentum", () => tf.train.momentum(0.05, 0.9), () => sgd({ lr: 0.05, momentum: 0.9, convention: "tfjs" })],
  ["momentum nesterov", () => tf.train.momentum(0.05, 0.9, true), () => sgd({ lr: 0.05, momentum: 0.9, nesterov: true, convention: "tfjs" })],
  ["rmsprop", () => tf.train.rmsprop(0.01), () => rmsprop({ lr: 0.01, convention: "tfjs" })],
  ["rmsprop centered", () => tf.train.rmsprop(0.01, 0.9, 0, undefined, true), () => rmsprop({ lr: 0.01, centered: true, convention: "tfjs" })],
  ["rmsprop momentum", () => tf.train.rmsprop(0.01, 0.9, 0.8), () => rmsprop({ lr: 0.01, momentum: 0.8, convention: "tfjs" })],
  ["rmsprop centered momentum", () => tf.train.rmsprop(0.01, 0.95, 0.5, undefined, true), () => rmsprop({ lr: 0.01, alpha: 0.95, momentum: 0.5, centered: true, convention: "tfjs" })],
  // small gradients make eps matter: tfjs's √(ν − (μ² + eps)) vs optax's √(ν − μ² + eps) differ by ~1% here
  ["rmsprop centered, gradients x0.01", () => tf.train.rmsprop(0.01, 0.9, 0, undefined, true), () => rmsprop({ lr: 0.01, centered: true, convention: "tfjs" })],
  ["adagrad, gradients x0.01", () => tf.train.adagrad(0.1), () => adagrad({ lr: 0.1, convention: "tfjs" })],
  ["adam, gradients x0.01", () => tf.train.adam(0.05), () => adam({ lr: 0.05, convention: "tfjs" })],
  ["adagrad", () => tf.train.adagrad(0.1), () => adagrad({ lr: 0.1, convention: "tfjs" })],
  ["adam", () => tf.train.adam(0.05), () => adam({ lr: 0.05, convention: "tfjs" })],
  ["adamax", () => tf.train.adamax(0.05), () => adamax({ lr: 0.05, convention: "tfjs" })],
  ["adamax decay, gradients x0.01", () => tf.train.adamax(0.05, 0.8, 0.99, undefined, 0.1), () => adamax({ lr: 0.05, b1: 0.8, b2: 0.99, lrDecay: 0.1, convention: "tfjs" })],
  ["adam betas", () => tf.train.adam(0.02, 0.8, 0.99), () => adam({ lr: 0.02, b1: 0.8, b2: 0.99, convention: "tfjs" })],
];

/** adamax has no fused kernel: its cases run the pure path only (and a fused one is refused, below). */
const pathsOf = (name: string): Array<"pure" | "js"> => (name.startsWith("adamax") ? ["pure"] : ["pure", "js"]);

describe.each(CASES)("tfjs %s", (name, makeTf, makeDh) => {
  it.each(pathsOf(name))("matches TensorFlow.js step by step for 50 steps (%s path)", (path) => {
    const v = tf.variable(tf.tensor1d(X0, "float32"));
    const tfo = makeTf();
    const x: Tensor = tensor(X0);
    const opt = optimizer(makeDh(), x, { fused: path });
    for (let k = 0; k < 50; k++) {
      // Both get the same gradient (at TensorFlow.js's iterate), so differences cannot feed back
      // through the function: what remains is rounding. float32 on both sides; tfjs rounds after
      // every op (and keeps Adam's b^t as a float32 running product), downhill rounds only
      // stored values.
      const scale = name.includes("x0.01") ? 0.01 : 1;
      const gx = testGrad(Array.from(v.dataSync())).map((g) => g * scale);
      tf.tidy(() => tfo.applyGradients({ [v.name]: tf.tensor1d(gx, "float32") }));
      opt.step(tensor(gx));
      // Centered RMSProp divides by √(ν − μ²): when the gradient is nearly constant ν − μ² is a
      // small difference of two O(1) numbers and float32 rounding differences grow (measured
      // 9e-6 at step 40 here), so later steps get a wider band; momentum buffers accumulate rounding
      // differences (tfjs rounds g + μ·b, then c·(...), then adds: 1e-6 relative by step 10); the first ten are tight for all,
      // and the x0.01 cases tell tfjs's √(ν − (μ² + eps)) from optax's √(ν − μ² + eps).
      const late = name.includes("centered") ? { atol: 3e-5, rtol: 3e-5 } : { atol: 1e-6, rtol: 2e-6 };
      expect(x).toBeAllclose(v.dataSync(), k < 10 ? { atol: 1e-7, rtol: name.includes("momentum") ? 1e-6 : 4e-7 } : late);
    }
    tfo.dispose();
    v.dispose();
  });
});

it("adamax (no fused kernel) runs the pure path, and a fused path is refused", () => {
  for (const [name, , makeDh] of CASES.filter(([n]) => n.startsWith("adamax"))) {
    expect(optimizer(makeDh(), tensor(X0)).path, name).toBe("pure");
    expect(() => optimizer(makeDh(), tensor(X0), { fused: "js" }), name).toThrow(/needs an alias transform/);
  }
  expect(CASES.filter(([n]) => n.startsWith("adamax")).length).toBe(2);
});

it("the tfjs and torch conventions really differ (the tests above would catch a wrong preset)", () => {
  const a = tensor(X0), b = tensor(X0);
  const oa = optimizer(rmsprop({ lr: 0.01, convention: "tfjs" }), a);
  const ob = optimizer(rmsprop({ lr: 0.01 }), b);
  for (let k = 0; k < 5; k++) {
    oa.step(tensor(testGrad(Array.from(vals(a)))));
    ob.step(tensor(testGrad(Array.from(vals(b)))));
  }
  expect(Math.max(...Array.from(vals(a), (v, i) => Math.abs(v - vals(b)[i])))).toBeGreaterThan(1e-3);
});
