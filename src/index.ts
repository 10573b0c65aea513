/**
 * downhill: gradient-based optimization in TypeScript.
 * The flat public surface of shared/DESIGN.md; importing it does no work (the WebAssembly core
 * starts with the first op that needs it, or on `ready()`).
 */
export { DownhillError, ShapeError, DTypeError, ArgumentError, NonFiniteError, CheckpointError, BackendError } from "./errors.js";
export { Tensor, type TensorLike, type Axis } from "./tensor/tensor.js";
export type { DType, FloatArray } from "./tensor/dtype.js";
export { tensor, scalar, zeros, ones, full, zerosLike, onesLike, fullLike, eye, arange, randn, rand } from "./tensor/create.js";
export { Rng } from "./tensor/random.js";
export { treeLeaves, treeMap, treeFlattenWithPaths, treeUnflatten, type Tree } from "./tensor/tree.js";
export * from "./ops/index.js";
export { grad, valueAndGrad, vjp, GradientError } from "./autodiff/grad.js";
export { jvp, hvp, hessian, checkGrad, laplacian, topHessianEigenvalue, type CheckGradResult, type TopEigenvalueOptions, type TopEigenvalueResult } from "./autodiff/curvature.js";
export { ready, setBackend, backendInfo, type BackendName, type ReadyOptions } from "./backend/select.js";
export { minimize, minimizeAsync, minimizeSteps, type MinimizeStep, type MinimizeSteps, backtrackingArmijo, strongWolfe, METHOD_NAMES, type MethodName, type MinimizeOptions, type MinimizeResult, type HistoryEntry, type MinimizeState, type LineSearchResult, type ArmijoOptions, type WolfeOptions } from "./minimize/index.js";
export * as problems from "./problems/index.js";
export { race, reportHtml, outcomeOf, DEFAULT_METHODS, type RaceOptions, type RaceResult, type RaceEntry, type Outcome, type ReportOptions } from "./compare/index.js";
export { trainingProblems, raceTraining, reportTrainingHtml, trainingTableRows, trainingSummaryMarkdown, TRAINING_METHODS, type TrainingRaceOptions, type TrainingRaceResult, type TrainingEntry, type TrainingRun, type TrainingReportOptions, type TrainingProblem, type TrainingMetric, type TrainingMethodName } from "./compare/index.js";
export * from "./optim/index.js";
// the second-order training optimizers (sam, shampoo, soap, sophia, kfac, naturalGradient): in the main entry, not in downhill/core
export * from "./optim/secondOrder/index.js";
export * as schedules from "./optim/schedules/index.js";
export * as nn from "./nn/index.js";
// image ops (the nn layers' functional forms), main entry only: downhill/core is at its size budget
export { conv2d, type Conv2dOptions } from "./ops/conv.js";
export { maxPool2d, avgPool2d, type MaxPool2dOptions, type AvgPool2dOptions, type Pool2dOptions } from "./ops/pool.js";
export * as data from "./train/data.js";
export { mse, crossEntropy, binaryCrossEntropy, type LossFn, type LossName, type Labels } from "./nn/losses.js";
export { accuracy, topKAccuracy, meanSquaredError, meanAbsoluteError, confusionMatrix } from "./nn/metrics.js";
export { fit, evaluate, evaluateAsync, History, type FitOptions, type FitResult, type EpochRecord, type StepInfo, type StopReason, type Dataset, type DiagnosticsOptions, type ConvergenceOptions, type EvaluateOptions, type CheckpointOptions, type CheckpointInfo } from "./train/fit.js";
export { plotHistory, type PlotHistoryOptions } from "./train/plotHistory.js";
export { lossScaler, LossScaler, type LossScalerOptions, type LossScalerState } from "./train/lossScaler.js";
export { earlyStopping, EarlyStopping, type EarlyStoppingOptions } from "./train/earlyStopping.js";
export { saveCheckpoint, saveCheckpointAsync, loadCheckpoint, type CheckpointExtras, type LoadedCheckpoint, type LoadOptions } from "./train/checkpoint.js";
export { readSafetensors, writeSafetensors } from "./train/safetensors.js";
export { gradientNorms, gradientWarnings, deadReluFraction, type GradientNorms, type GradientWarning } from "./train/diagnostics.js";
export * as linalg from "./linalg/index.js";
export { jit, TraceError, type JitOptions, type JitStats } from "./jit/jit.js";
