/**
 * The 2-D Poisson PINN of Müller and Zeinhofer (ICML 2023, "Achieving high accuracy with PINNs
 * via energy natural gradient descent"): −Δu = f on (0, 1)² with f = 2π² sin(πx) sin(πy) and
 * u = 0 on the boundary, whose solution is u* = sin(πx) sin(πy); a [2, 32, 1] tanh network
 * (129 parameters) trained on the residuals
 *   r = [ (Δu_θ + f)(x_i) / √N_Ω  (interior points),  u_θ(x_b) / √N_∂  (boundary points) ],
 * loss ½‖r‖². Δu_θ comes from the library's autodiff (`laplacian`: reverse over reverse).
 * The metric is the relative L2 error ‖u_θ − u*‖ / ‖u*‖ on a finer grid of test points.
 * @see https://proceedings.mlr.press/v202/muller23b.html
 */
import { ArgumentError } from "../../errors.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import { tensorOf, type Tensor } from "../../tensor/tensor.js";
import type { Tree } from "../../tensor/tree.js";
import { readSync } from "../../backend/select.js";
import { concat } from "../../ops/shape.js";
import { laplacian } from "../../autodiff/curvature.js";
import { linear, sequential, tanh } from "../../nn/layers.js";
import type { TrainingProblem } from "./problem.js";

export interface PoissonPinnOptions {
  /** Interior collocation points per side: a k x k grid of cell centres (default 10). */
  interior?: number;
  /** Boundary points per side (default 10). */
  boundary?: number;
  /** Hidden units (default 32: 129 parameters). */
  hidden?: number;
  /** Test points per side for the error (default 40). */
  test?: number;
  /** Steps (default 300; natural gradient 50). */
  steps?: number;
}

const KEYS = { interior: true, boundary: true, hidden: true, test: true, steps: true } satisfies OptionKeys<PoissonPinnOptions>;

/** The exact solution sin(πx) sin(πy). */
export const poissonExact = (x: number, y: number): number => Math.sin(Math.PI * x) * Math.sin(Math.PI * y);
/** The right-hand side f = −Δu* = 2π² sin(πx) sin(πy). */
export const poissonSource = (x: number, y: number): number => 2 * Math.PI * Math.PI * poissonExact(x, y);

const points = (pts: Array<[number, number]>) => tensorOf(Float64Array.from(pts.flat()), [pts.length, 2]);

export function poissonPinn(options: PoissonPinnOptions = {}): TrainingProblem & {
  /** The network u_θ at points [N, 2] ([N, 1]). */
  u: (p: Tree, x: Tensor) => Tensor;
  residuals: (p: Tree) => Tensor;
  interiorPoints: Tensor; boundaryPoints: Tensor;
} {
  checkOptions("trainingProblems.poissonPinn", options, KEYS);
  const { interior = 10, boundary = 10, hidden = 32, test = 40, steps = 300 } = options;
  for (const [k, v] of Object.entries({ interior, boundary, hidden, test, steps })) {
    if (!(Number.isInteger(v) && v > 0)) throw new ArgumentError(`trainingProblems.poissonPinn: ${k} must be a positive integer, got ${v}`);
  }
  const inner: Array<[number, number]> = [];
  for (let i = 0; i < interior; i++) for (let j = 0; j < interior; j++) inner.push([(i + 0.5) / interior, (j + 0.5) / interior]);
  const edge: Array<[number, number]> = [];
  for (let i = 0; i < boundary; i++) {
    const t = i / boundary; // each side from one corner, so the four corners appear once
    edge.push([t, 0], [1, t], [1 - t, 1], [0, 1 - t]);
  }
  const tests: Array<[number, number]> = [];
  for (let i = 0; i < test; i++) for (let j = 0; j < test; j++) tests.push([(i + 0.5) / test, (j + 0.5) / test]);
  const X = points(inner), B = points(edge), T = points(tests);
  const F = tensorOf(Float64Array.from(inner.map(([x, y]) => poissonSource(x, y))), [inner.length]);
  const uStar = tests.map(([x, y]) => poissonExact(x, y));
  const uStarNorm = Math.sqrt(uStar.reduce((s, v) => s + v * v, 0));
  const build = (seed: number) => sequential([linear(2, hidden, { dtype: "float64", seed }), tanh(), linear(hidden, 1, { dtype: "float64", seed: seed + 1000 })]);
  const model = build(0);
  const u = (p: Tree, x: Tensor) => model.apply(p as never, x);
  const wi = 1 / Math.sqrt(inner.length), wb = 1 / Math.sqrt(edge.length);
  const residuals = (p: Tree) => concat([
    laplacian((x) => u(p, x), X).add(F).mul(wi),
    u(p, B).reshape([edge.length]).mul(wb),
  ], 0);
  return {
    name: "poisson-pinn",
    description: `2-D Poisson PINN, [2, ${hidden}, 1] tanh, ${inner.length} interior + ${edge.length} boundary points`,
    paramCount: 4 * hidden + 1,
    init: (seed) => build(seed).params,
    extra: { loss: (p) => residuals(p).square().sum().mul(0.5), residuals },
    metric: {
      name: "relative L2 error", better: "lower", log: true, target: 1e-3,
      evaluate: (p) => {
        const v = readSync(u(p, T), "poissonPinn");
        let s = 0;
        for (let i = 0; i < uStar.length; i++) s += (v[i] - uStar[i]) ** 2;
        return Math.sqrt(s) / uStarNorm;
      },
    },
    steps,
    lr: { "sgd-momentum": 3e-3, "sam-sgd": 3e-3, adam: 3e-2, adamw: 3e-2, "sam-adamw": 3e-2, lion: 3e-3, shampoo: 3e-2, soap: 3e-2, "sophia-h": 3e-3 },
    methodSteps: { "natural-gradient": 50 },
    methodOptions: { "natural-gradient": { damping: 1e-10 } },
    u, residuals, interiorPoints: X, boundaryPoints: B,
  };
}
