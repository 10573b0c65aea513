/** The training race: problems (one file each), the method table, the race and its report. */
export type { TrainingProblem, TrainingMetric } from "./problem.js";
export { linearRegression, type LinearRegressionOptions } from "./linearRegression.js";
export { poissonPinn, poissonExact, poissonSource, type PoissonPinnOptions } from "./poissonPinn.js";
export { mnistMlp, type MnistMlpOptions } from "./mnistMlp.js";
export { mnistAutoencoder, type MnistAutoencoderOptions } from "./mnistAutoencoder.js";
export { TRAINING_METHODS, NATURAL_GRADIENT_MAX_PARAMS, trainingMethod, type TrainingMethod, type TrainingMethodName } from "./methods.js";
export { raceTraining, sweepLrs, bestOfSweep, verdictOf, type TrainingRaceOptions, type TrainingRaceResult, type TrainingEntry, type TrainingRun } from "./raceTraining.js";
export { reportTrainingHtml, trainingTableRows, trainingSummaryMarkdown, type TrainingReportOptions } from "./reportTraining.js";
