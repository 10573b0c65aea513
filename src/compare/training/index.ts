/** The training race: problems (one file each), the method table, the race and its report. */
export type { TrainingProblem, TrainingMetric } from "./problem.js";
export { linearRegression, type LinearRegressionOptions } from "./linearRegression.js";
export { poissonPinn, poissonExact, poissonSource, type PoissonPinnOptions } from "./poissonPinn.js";
export { mnistMlp, type MnistMlpOptions } from "./mnistMlp.js";
export { mnistAutoencoder, type MnistAutoencoderOptions } from "./mnistAutoencoder.js";
