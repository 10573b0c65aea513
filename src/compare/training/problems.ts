/** The training race's problems (the `trainingProblems` namespace). */
export { linearRegression, type LinearRegressionOptions } from "./linearRegression.js";
export { poissonPinn, poissonExact, poissonSource, type PoissonPinnOptions } from "./poissonPinn.js";
export { mnistMlp, type MnistMlpOptions } from "./mnistMlp.js";
export { mnistAutoencoder, type MnistAutoencoderOptions } from "./mnistAutoencoder.js";
export type { TrainingProblem, TrainingMetric } from "./problem.js";
