/** Model pieces: layers, initializers, losses and metrics (exported as the `nn` namespace). */
export {
  linear, sequential, activation, relu, leakyRelu, elu, gelu, tanh, sigmoid, softmax, flatten, dropout, batchNorm, paramCount,
  type Layer, type Model, type Sequential, type ParamsOf, type Context, type ApplyOptions, type State, type LinearOptions, type BatchNormOptions, type ActivationName,
} from "./layers.js";
// Initializers live at nn.init.* only (nn.zeros was an initializer beside dh.zeros, a tensor).
export * as init from "./initializers.js";
export type { Initializer, InitializerName } from "./init.js";
export { mse, crossEntropy, binaryCrossEntropy, resolveLoss, type LossFn, type LossName, type Labels, type Reduction } from "./losses.js";
export { accuracy, topKAccuracy, meanSquaredError, meanAbsoluteError, confusionMatrix, resolveMetric, type MetricFn, type MetricName } from "./metrics.js";
export { captureLinear, concatCaptures, type LinearCapture, type CaptureLinear } from "./capture.js";
export { summary, summarize, type SummaryOptions, type SummaryRow, type ModelSummary } from "./summary.js";
export { predict, type PredictOptions } from "./predict.js";
export { conv2d, type Conv2dOptions } from "./conv.js";
export { maxPool2d, avgPool2d } from "./pool.js";
export { layerNorm, type LayerNormOptions } from "./layerNorm.js";
export { embedding, type EmbeddingOptions } from "./embedding.js";
