export { minimize, minimizeAsync, METHOD_NAMES, type MethodName, type MinimizeOptions, type MinimizeResult } from "./minimize.js";
export { minimizeSteps, type MinimizeStep, type MinimizeSteps } from "./steps.js";
export type { HistoryEntry, MinimizeState } from "./run.js";
export { backtrackingArmijo, strongWolfe, type LineSearchResult, type ArmijoOptions, type WolfeOptions } from "./lineSearch.js";
export type { GradientTransformationLike } from "./transform.js";
