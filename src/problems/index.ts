/** The problem suite: each problem knows its dimension, standard start, minimum and minimizer(s). */
export type { Problem } from "./problem.js";
export { rosenbrock, beale, booth, himmelblau } from "./classic.js";
export { quadratic } from "./quadratic.js";
export { powellSingular, wood, brownBadlyScaled, freudensteinRoth, box3d, trigonometric } from "./mgh.js";
export { logistic, logisticData, logisticProblem, type LogisticData } from "./logistic.js";
export { mnistLogistic, mnistMlp, type MnistLike } from "./mnist.js";
export { suite } from "./suite.js";
