// The fusable transforms every fused-path test runs: each alias with its options and conventions,
// and chains with clipping folded into the fused step.
import { adagrad, adam, adamw, chain, clipByGlobalNorm, lion, rmsprop, sgd, type GradientTransformation } from "../../src/optim/index.js";

export const FUSED_CASES: Array<[string, () => GradientTransformation<any>]> = [
  ["sgd", () => sgd({ lr: 0.05 })],
  ["sgd momentum dampening wd", () => sgd({ lr: 0.05, momentum: 0.9, dampening: 0.2, weightDecay: 0.01 })],
  ["sgd nesterov", () => sgd({ lr: 0.05, momentum: 0.9, nesterov: true })],
  ["adam", () => adam({ lr: 0.05 })],
  ["adam l2 amsgrad", () => adam({ lr: 0.05, weightDecay: 0.05, amsgrad: true })],
  ["adamw", () => adamw({ lr: 0.05, weightDecay: 0.1 })],
  ["adagrad", () => adagrad({ lr: 0.1, weightDecay: 0.01 })],
  ["adagrad tfjs", () => adagrad({ lr: 0.1, convention: "tfjs" })],
  ["rmsprop", () => rmsprop({ lr: 0.01 })],
  ["rmsprop centered momentum", () => rmsprop({ lr: 0.01, centered: true, momentum: 0.9, weightDecay: 0.01 })],
  ["rmsprop tfjs centered momentum", () => rmsprop({ lr: 0.01, centered: true, momentum: 0.9, convention: "tfjs" })],
  ["rmsprop optax momentum", () => rmsprop({ lr: 0.01, momentum: 0.5, convention: "optax" })],
  ["lion", () => lion({ lr: 0.01, weightDecay: 0.1 })],
  // b1 (alpha) <= 0.5: the first moment's other lerp form, in the wasm kernels' copy with run-time flags
  ["adam b1=0.3 l2 amsgrad", () => adam({ lr: 0.05, b1: 0.3, weightDecay: 0.05, amsgrad: true })],
  ["adamw b1=0", () => adamw({ lr: 0.05, b1: 0, weightDecay: 0.1 })],
  ["rmsprop alpha=0.4 centered momentum eps=0.1", () => rmsprop({ lr: 0.01, alpha: 0.4, centered: true, momentum: 0.5, eps: 0.1 })], // eps keeps ν − μ² (short window: mostly cancellation) from dominating
  ["clip + adam", () => chain(clipByGlobalNorm(0.5), adam({ lr: 0.05 }))],
  ["clip + adamw", () => chain(clipByGlobalNorm(0.5), adamw({ lr: 0.05, weightDecay: 0.1 }))],
  ["clip + sgd momentum", () => chain(clipByGlobalNorm(0.5), sgd({ lr: 0.05, momentum: 0.9 }))],
];
