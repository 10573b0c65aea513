/**
 * Classic two-dimensional test functions and the n-dimensional Rosenbrock function.
 * Minima: Rosenbrock f(1, ..., 1) = 0; Beale f(3, 0.5) = 0; Booth f(1, 3) = 0;
 * Himmelblau f = 0 at four points.
 */
import type { Tensor } from "../tensor/tensor.js";
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { at, type Problem } from "./problem.js";

/**
 * Rosenbrock: f(x) = sum_{i<n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, minimum 0 at (1, ..., 1).
 * Standard start: (-1.2, 1) in 2-D; zeros for n > 2 (as scipy's benchmarks), or `start`.
 */
export function rosenbrock(n = 2, options: { start?: number[] } = {}): Problem {
  checkOptions("problems.rosenbrock", options, { start: true } satisfies OptionKeys<typeof options>);
  if (!Number.isInteger(n) || n < 2) throw new ArgumentError(`rosenbrock: dimension must be an integer >= 2, got ${n}`);
  const f = (x: Tensor) => {
    const head = x.slice([0], [n - 1]), tail = x.slice([1], [n - 1]);
    return tail.sub(head.square()).square().mul(100).add(head.sub(1).square()).sum();
  };
  const x0 = options.start ?? (n === 2 ? [-1.2, 1] : new Array(n).fill(0));
  return { name: n === 2 ? "rosenbrock" : `rosenbrock-${n}`, description: `Rosenbrock ${n}-D`, dim: n, f, x0, fStar: 0, minimizers: [new Array(n).fill(1)], convex: false };
}

/** Beale: (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2; 0 at (3, 0.5); start (1, 1) (More-Garbow-Hillstrom #5). */
export function beale(): Problem {
  const f = (v: Tensor) => {
    const x = at(v, 0), y = at(v, 1);
    const t1 = x.mul(y).sub(x).add(1.5), t2 = x.mul(y.square()).sub(x).add(2.25), t3 = x.mul(y.square().mul(y)).sub(x).add(2.625);
    return t1.square().add(t2.square()).add(t3.square()).sum();
  };
  return { name: "beale", description: "Beale (MGH 5)", dim: 2, f, x0: [1, 1], fStar: 0, minimizers: [[3, 0.5]], convex: false };
}

/** Booth: (x + 2y - 7)^2 + (2x + y - 5)^2, a convex quadratic; 0 at (1, 3); start (0, 0). */
export function booth(): Problem {
  const f = (v: Tensor) => {
    const x = at(v, 0), y = at(v, 1);
    return x.add(y.mul(2)).sub(7).square().add(x.mul(2).add(y).sub(5).square()).sum();
  };
  // Hessian [[10, 8], [8, 10]]: eigenvalues 2 and 18.
  return { name: "booth", description: "Booth (quadratic)", dim: 2, f, x0: [0, 0], fStar: 0, minimizers: [[1, 3]], L: 18, mu: 2, convex: true };
}

/** Himmelblau: (x^2 + y - 11)^2 + (x + y^2 - 7)^2; four global minima with f = 0; start (0, 0). */
export function himmelblau(): Problem {
  const f = (v: Tensor) => {
    const x = at(v, 0), y = at(v, 1);
    return x.square().add(y).sub(11).square().add(x.add(y.square()).sub(7).square()).sum();
  };
  return {
    name: "himmelblau", description: "Himmelblau (four minima)", dim: 2, f, x0: [0, 0], fStar: 0, convex: false,
    minimizers: [[3, 2], [-2.805118086952745, 3.131312518250573], [-3.779310253377747, -3.283185991286170], [3.584428340330492, -1.848126526964404]],
  };
}
