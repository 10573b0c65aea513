export type { Schedule } from "./types.js";
export { constant, linearWarmup, cosineDecay, warmupCosine, stepDecay, multiStep, exponentialDecay, polynomialDecay, inverseSqrt, wsd, cosineRestarts, joinSchedules } from "./basic.js";
export { oneCycle, type OneCycleOptions, type OneCycleSchedule } from "./oneCycle.js";
export { reduceOnPlateau, type ReduceOnPlateau, type PlateauState } from "./plateau.js";
