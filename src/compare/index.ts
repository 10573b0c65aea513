export { race, outcomeOf, DEFAULT_METHODS, type RaceOptions, type RaceResult, type RaceEntry, type Outcome } from "./race.js";
export { reportHtml, type ReportOptions } from "./report.js";
export * as trainingProblems from "./training/problems.js";
export { raceTraining, reportTrainingHtml, trainingTableRows, trainingSummaryMarkdown, TRAINING_METHODS, type TrainingRaceOptions, type TrainingRaceResult, type TrainingEntry, type TrainingRun, type TrainingReportOptions, type TrainingProblem, type TrainingMetric, type TrainingMethodName } from "./training/index.js";
