/**
 * A test problem for `minimize`: a scalar function written dtype-generically (constants are plain
 * numbers, data tensors are built in the dtype of x), a standard start, and what is known
 * about its minimum.
 */
import type { Tensor } from "../tensor/tensor.js";
import { slice } from "../ops/shape.js";

export interface Problem {
  /** Short id, e.g. "rosenbrock", "beale", "quadratic". */
  readonly name: string;
  /** One line for tables and reports. */
  readonly description: string;
  readonly dim: number;
  /** f(x) for x of shape [dim], float32 or float64. */
  readonly f: (x: Tensor) => Tensor;
  /** The standard start point. */
  readonly x0: number[];
  /** The known global minimum f* (for problems solved numerically: computed once, in float64, on first read). */
  readonly fStar: number;
  /** Known global minimizer(s), when they are known in closed form or published. */
  readonly minimizers: number[][];
  /** Local minimizers that are not global, with their values (e.g. Freudenstein-Roth). */
  readonly localMinima?: Array<{ x: number[]; f: number }>;
  /** Smoothness constant L and strong-convexity constant mu, when known exactly. */
  readonly L?: number;
  readonly mu?: number;
  readonly convex: boolean;
}

/** x[i] as a shape-[1] tensor (differentiable). */
export function at(x: Tensor, i: number): Tensor {
  return slice(x, [i], [1]);
}
