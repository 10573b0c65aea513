/** First-order optimizers as composable transforms (optax-shaped), schedules and the fused stateful optimizer. */
export { chain, identity, applyUpdates, type GradientTransformation, type OptState, type UpdateResult } from "./base.js";
export { scale, scaleByLearningRate, type ScaleByLearningRateState } from "./transforms/scale.js";
export { addDecayedWeights } from "./transforms/decay.js";
export { trace, type TraceState, type TraceOptions } from "./transforms/trace.js";
export { scaleByAdam, type ScaleByAdamState, type ScaleByAdamOptions } from "./transforms/adam.js";
export { scaleByRms, scaleByRss, type ScaleByRmsState, type ScaleByRssState, type ScaleByRmsOptions, type ScaleByRssOptions } from "./transforms/rms.js";
export { scaleByLion, type ScaleByLionState } from "./transforms/lion.js";
export { clipByGlobalNorm, clipByValue } from "./transforms/clip.js";
export { masked, partition } from "./transforms/masked.js";
export { accumulate, skipNonFinite, type AccumulateState, type SkipNonFiniteState } from "./transforms/accumulate.js";
export { injectHyperparams, type InjectState } from "./transforms/inject.js";
export { scaleByNadam, scaleByRadam, type ScaleByNadamState, type ScaleByRadamState } from "./transforms/nadamRadam.js";
export { scaleByAdamax, type ScaleByAdamaxState } from "./transforms/adamax.js";
export { sgd, adam, adamw, adagrad, rmsprop, lion, nadam, radam, adamax, type AdamaxOptions, type NadamOptions, type RadamOptions, type LearningRate, type SgdOptions, type AdamOptions, type AdagradOptions, type RmspropOptions, type LionOptions } from "./alias.js";
export type { Convention } from "./conventions.js";
export { optimizer, type Optimizer, type OptimizerOptions, type OptimizerPath } from "./optimizer.js";
export * from "./schedules/index.js";
export { lrFinder, type LrFinderOptions, type LrFinderResult } from "./lrFinder.js";
