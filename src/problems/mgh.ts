/**
 * A selection of the More-Garbow-Hillstrom unconstrained test set (More, Garbow & Hillstrom,
 * "Testing unconstrained optimization software", ACM TOMS 7(1), 1981), with their standard
 * starts and published minima. (Beale is #5 and extended Rosenbrock #21: see classic.ts.)
 */
import type { Tensor } from "../tensor/tensor.js";
import { exp, sin, cos, sub } from "../ops/elementwise.js";
import { sum } from "../ops/reduce.js";
import { tensor } from "../tensor/create.js";
import { at, type Problem } from "./problem.js";
import { ArgumentError } from "../errors.js";

/** #13 Powell singular (n = 4): f* = 0 at 0, where the Hessian is singular (Newton converges only linearly). Start (3, -1, 0, 1). */
export function powellSingular(): Problem {
  const f = (v: Tensor) => {
    const [x1, x2, x3, x4] = [0, 1, 2, 3].map((i) => at(v, i));
    return x1.add(x2.mul(10)).square()
      .add(x3.sub(x4).square().mul(5))
      .add(x2.sub(x3.mul(2)).square().square())
      .add(x1.sub(x4).square().square().mul(10)).sum();
  };
  return { name: "powell-singular", description: "Powell singular (MGH 13)", dim: 4, f, x0: [3, -1, 0, 1], fStar: 0, minimizers: [[0, 0, 0, 0]], convex: true };
}

/** #14 Wood (n = 4): f* = 0 at (1, 1, 1, 1). Start (-3, -1, -3, -1). */
export function wood(): Problem {
  const f = (v: Tensor) => {
    const [x1, x2, x3, x4] = [0, 1, 2, 3].map((i) => at(v, i));
    return x1.square().sub(x2).square().mul(100)
      .add(x1.sub(1).square())
      .add(x3.square().sub(x4).square().mul(90))
      .add(x3.sub(1).square())
      .add(x2.sub(1).square().add(x4.sub(1).square()).mul(10.1))
      .add(x2.sub(1).mul(x4.sub(1)).mul(19.8)).sum();
  };
  return { name: "wood", description: "Wood (MGH 14)", dim: 4, f, x0: [-3, -1, -3, -1], fStar: 0, minimizers: [[1, 1, 1, 1]], convex: false };
}

/** #4 Brown badly scaled (n = 2): f* = 0 at (1e6, 2e-6). Start (1, 1). Needs float64. */
export function brownBadlyScaled(): Problem {
  const f = (v: Tensor) => {
    const x1 = at(v, 0), x2 = at(v, 1);
    return x1.sub(1e6).square().add(x2.sub(2e-6).square()).add(x1.mul(x2).sub(2).square()).sum();
  };
  return { name: "brown-badly-scaled", description: "Brown badly scaled (MGH 4)", dim: 2, f, x0: [1, 1], fStar: 0, minimizers: [[1e6, 2e-6]], convex: false };
}

/** #2 Freudenstein and Roth (n = 2): f* = 0 at (5, 4); a local minimum 48.9842... at (11.41..., -0.8968...). Start (0.5, -2). */
export function freudensteinRoth(): Problem {
  const f = (v: Tensor) => {
    const x1 = at(v, 0), x2 = at(v, 1);
    const f1 = x1.add(x2.mul(-1).add(5).mul(x2).sub(2).mul(x2)).sub(13);
    const f2 = x1.add(x2.add(1).mul(x2).sub(14).mul(x2)).sub(29);
    return f1.square().add(f2.square()).sum();
  };
  return {
    name: "freudenstein-roth", description: "Freudenstein-Roth (MGH 2)", dim: 2, f, x0: [0.5, -2], fStar: 0, minimizers: [[5, 4]], convex: false,
    localMinima: [{ x: [11.4127789, -0.8968052], f: 48.98425367924 }],
  };
}

/**
 * #12 Box three-dimensional (n = 3, m = 10): f_i = e^{-t_i x1} - e^{-t_i x2} - x3 (e^{-t_i} - e^{-10 t_i}),
 * t_i = 0.1 i. f* = 0 at (1, 10, 1), (10, 1, -1), and wherever x1 = x2 with x3 = 0. Start (0, 10, 20).
 */
export function box3d(): Problem {
  const t = Array.from({ length: 10 }, (_, i) => 0.1 * (i + 1));
  const c = t.map((ti) => Math.exp(-ti) - Math.exp(-10 * ti));
  const cache = new Map<string, { t: Tensor; c: Tensor }>();
  const data = (dtype: "float32" | "float64") => {
    let d = cache.get(dtype);
    if (!d) cache.set(dtype, (d = { t: tensor(t, { dtype }), c: tensor(c, { dtype }) }));
    return d;
  };
  const f = (v: Tensor) => {
    const { t: tt, c: ct } = data(v.dtype);
    const x1 = at(v, 0), x2 = at(v, 1), x3 = at(v, 2);
    const r = exp(tt.mul(x1).neg()).sub(exp(tt.mul(x2).neg())).sub(ct.mul(x3));
    return r.square().sum();
  };
  return { name: "box3d", description: "Box three-dimensional (MGH 12)", dim: 3, f, x0: [0, 10, 20], fStar: 0, minimizers: [[1, 10, 1], [10, 1, -1]], convex: false };
}

/**
 * #26 Trigonometric (n variables, m = n): f_i(x) = n - sum_j cos x_j + i (1 - cos x_i) - sin x_i,
 * i = 1..n, f = sum_i f_i^2. f* = 0 at x = 0 (and at its shifts by multiples of 2 pi); for n = 10
 * there is also a local minimum f = 2.79506e-5 (More, Garbow & Hillstrom). Start (1/n, ..., 1/n).
 */
export function trigonometric(n = 10): Problem {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`trigonometric: n must be a positive integer, got ${n}`);
  const cache = new Map<string, Tensor>();
  const index = (dtype: "float32" | "float64") => {
    let t = cache.get(dtype);
    if (!t) cache.set(dtype, (t = tensor(Array.from({ length: n }, (_, i) => i + 1), { dtype })));
    return t;
  };
  const f = (x: Tensor) => {
    const c = cos(x);
    // f_i = (n - sum_j cos x_j) + i (1 - cos x_i) - sin x_i
    const r = sub(n, sum(c)).add(index(x.dtype).mul(sub(1, c))).sub(sin(x));
    return r.square().sum();
  };
  return {
    name: `trigonometric-${n}`, description: `Trigonometric, n = ${n} (MGH 26)`, dim: n, f, x0: new Array<number>(n).fill(1 / n),
    fStar: 0, minimizers: [new Array<number>(n).fill(0)], convex: false,
    // where L-BFGS, BFGS, Newton-CG, trust-ncg and Newton all stop from the standard start (f, ||g|| <= 1e-9 at these digits)
    ...(n === 10 ? { localMinima: [{ x: [0.05515090326, 0.05684061603, 0.05876400093, 0.06099060775, 0.06362621268, 0.06684317829, 0.2081615199, 0.1643630982, 0.08500688652, 0.09143144944], f: 2.795056121877e-5 }] } : {}),
  };
}
