/** Training: batching, the fit loop, early stopping, progress, checkpoints and diagnostics. */
export { batches, Batches, takeRows, checkData, type Batch, type BatchOptions } from "./data.js";
export { fit, evaluate, evaluateAsync, History, type FitOptions, type FitResult, type EpochRecord, type StepInfo, type StopReason, type Dataset, type DiagnosticsOptions, type ConvergenceOptions, type EvaluateOptions, type CheckpointOptions, type CheckpointInfo } from "./fit.js";
export { EarlyStopping, earlyStopping, type EarlyStoppingOptions } from "./earlyStopping.js";
export { Progress, defaultSink, type ProgressMode, type ProgressSink } from "./progress.js";
export { saveCheckpoint, saveCheckpointAsync, loadCheckpoint, type CheckpointExtras, type LoadedCheckpoint, type LoadOptions, type Checkpointable } from "./checkpoint.js";
export { writeSafetensors, readSafetensors, crc32, type SafetensorsFile } from "./safetensors.js";
export { gradientNorms, gradientWarnings, firstNonFinite, deadReluFraction, layerOf, type GradientNorms, type GradientWarning, type HealthThresholds } from "./diagnostics.js";
export { plotHistory, type PlotHistoryOptions } from "./plotHistory.js";
export { lossScaler, LossScaler, type LossScalerOptions, type LossScalerState } from "./lossScaler.js";
