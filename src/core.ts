/**
 * `downhill/core`: tensors, ops, autodiff, backends and optimizers, without compiled functions
 * (`jit`, 7.6 KiB gzipped: minimize and fit are its users) and the minimize, training and
 * comparison workflows. Same names as the main entry; for the smallest bundle and
 * the fastest import (start-up is measured by bench/startup.bench.mjs).
 */
export { DownhillError, ShapeError, DTypeError, ArgumentError, NonFiniteError, CheckpointError, BackendError } from "./errors.js";
export { Tensor, type TensorLike, type Axis } from "./tensor/tensor.js";
export type { DType, FloatArray } from "./tensor/dtype.js";
export { tensor, scalar, zeros, ones, full, zerosLike, onesLike, fullLike, eye, arange, randn, rand } from "./tensor/create.js";
export { Rng } from "./tensor/random.js";
export { treeLeaves, treeMap, treeFlattenWithPaths, treeUnflatten, type Tree } from "./tensor/tree.js";
export * from "./ops/index.js";
export { grad, valueAndGrad, vjp, GradientError } from "./autodiff/grad.js";
export { jvp, hvp, hessian, checkGrad, type CheckGradResult } from "./autodiff/curvature.js";
export { ready, setBackend, backendInfo, type BackendName, type ReadyOptions } from "./backend/select.js";
export * from "./optim/index.js";
export * as schedules from "./optim/schedules/index.js";
