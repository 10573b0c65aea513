/** Model pieces: layers, initializers, losses and metrics (exported as the `nn` namespace). */
export {
  linear, sequential, activation, relu, leakyRelu, elu, gelu, tanh, sigmoid, softmax, flatten, dropout, batchNorm, paramCount,
  type Layer, type Model, type Sequential, type ParamsOf, type Context, type ApplyOptions, type State, type LinearOptions, type BatchNormOptions, type ActivationName,
} from "./layers.js";
export {
  computeFans, glorotUniform, glorotNormal, heUniform, heNormal, zerosInit as zeros, resolveInitializer,
  glorotUniform as xavierUniform, glorotNormal as xavierNormal, heUniform as kaimingUniform, heNormal as kaimingNormal,
  type Initializer, type InitializerName,
} from "./init.js";
export { mse, crossEntropy, binaryCrossEntropy, resolveLoss, type LossFn, type LossName, type Labels, type Reduction } from "./losses.js";
export { accuracy, topKAccuracy, meanSquaredError, meanAbsoluteError, confusionMatrix, resolveMetric, type MetricFn, type MetricName } from "./metrics.js";
export { captureLinear, concatCaptures, type LinearCapture, type CaptureLinear } from "./capture.js";
export { summary, summarize, type SummaryOptions, type SummaryRow, type ModelSummary } from "./summary.js";
export { predict, type PredictOptions } from "./predict.js";
