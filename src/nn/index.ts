/** Model pieces: layers, initializers, losses and metrics (exported as the `nn` namespace). */
export {
  linear, sequential, activation, relu, leakyRelu, elu, gelu, tanh, sigmoid, softmax, flatten, dropout, batchNorm, paramCount,
  type Layer, type Model, type ParamsOf, type Context, type ApplyOptions, type State, type LinearOptions, type BatchNormOptions, type ActivationName,
} from "./layers.js";
export {
  computeFans, glorotUniform, glorotNormal, heUniform, heNormal, zerosInit as zeros, resolveInitializer,
  glorotUniform as xavierUniform, glorotNormal as xavierNormal, heUniform as kaimingUniform, heNormal as kaimingNormal,
  type Initializer, type InitializerName,
} from "./init.js";
export { mse, crossEntropy, binaryCrossEntropy, resolveLoss, type LossFn, type LossName, type Labels, type Reduction } from "./losses.js";
export { accuracy, resolveMetric, type MetricFn, type MetricName } from "./metrics.js";
export { captureLinear, concatCaptures, type LinearCapture, type CaptureLinear } from "./capture.js";
export { conv2d, type Conv2dOptions } from "./conv.js";
export { maxPool2d, avgPool2d } from "./pool.js";
export { layerNorm, type LayerNormOptions } from "./layerNorm.js";
export { embedding, type EmbeddingOptions } from "./embedding.js";
