import type { Problem } from "./problem.js";
import { rosenbrock, beale, booth, himmelblau } from "./classic.js";
import { quadratic } from "./quadratic.js";
import { powellSingular, wood, brownBadlyScaled, freudensteinRoth, box3d, trigonometric } from "./mgh.js";
import { logistic } from "./logistic.js";

/** The default race: the data-free problems plus a synthetic logistic regression (MNIST problems need the data passed in). */
export function suite(): Problem[] {
  return [
    rosenbrock(2), beale(), booth(), himmelblau(), rosenbrock(20),
    quadratic({ dim: 20, cond: 1000 }),
    powellSingular(), wood(), brownBadlyScaled(), freudensteinRoth(), box3d(), trigonometric(10),
    logistic({ n: 2000, d: 50 }),
  ];
}
