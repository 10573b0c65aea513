/**
 * L2-regularised logistic regression, labels y in {-1, +1}:
 *   f(w) = (1/N) sum_i log(1 + exp(-y_i x_i^T w)) + (lambda/2) ||w||^2,
 * strongly convex (mu >= lambda) and smooth (L <= ||X||_2^2 / (4N) + lambda). Start: w = 0.
 * The minimum has no closed form: `fStar` and `minimizers` are computed once in float64 by
 * Newton-CG to a gradient norm of 1e-12 the first time they are read.
 */
import { readSync } from "../backend/select.js";
import { Tensor, tensorOf } from "../tensor/tensor.js";
import { Rng } from "../tensor/random.js";
import { sigmoidCrossEntropy } from "../ops/logisticLoss.js";
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { minimize } from "../minimize/minimize.js";
import type { Problem } from "./problem.js";

export interface LogisticData {
  /** Row-major N x d features. */
  X: Float64Array;
  /** N labels in {-1, +1}. */
  y: Float64Array;
  N: number;
  d: number;
}

/** Largest singular value squared of X by power iteration on X^T X (for the constant L). */
function spectralNormSq(X: Float64Array, N: number, d: number): number {
  let v = new Float64Array(d).fill(1 / Math.sqrt(d));
  let lam = 0;
  for (let it = 0; it < 100; it++) {
    const u = new Float64Array(N);
    for (let i = 0; i < N; i++) { let s = 0; for (let j = 0; j < d; j++) s += X[i * d + j] * v[j]; u[i] = s; }
    const w = new Float64Array(d);
    for (let i = 0; i < N; i++) for (let j = 0; j < d; j++) w[j] += X[i * d + j] * u[i];
    let nrm = 0;
    for (let j = 0; j < d; j++) nrm += w[j] * w[j];
    nrm = Math.sqrt(nrm);
    if (nrm === 0) return 0;
    const next = w.map((x) => x / nrm);
    if (Math.abs(nrm - lam) <= 1e-10 * nrm) { lam = nrm; break; }
    lam = nrm;
    v = next;
  }
  return lam;
}

/** A logistic-regression problem on given data. */
export function logisticProblem(data: LogisticData, options: { lambda?: number; name?: string; description?: string } = {}): Problem {
  checkOptions("problems.logisticProblem", options, { lambda: true, name: true, description: true } satisfies OptionKeys<typeof options>);
  const { X, y, N, d } = data;
  const lambda = options.lambda ?? 1e-3;
  if (X.length !== N * d || y.length !== N) throw new ArgumentError(`logisticProblem: X must hold N*d = ${N * d} values and y N = ${N}; got ${X.length} and ${y.length}`);
  const bad = y.findIndex((v) => v !== 1 && v !== -1);
  if (bad >= 0) throw new ArgumentError(`logisticProblem: labels must be -1 or +1; y[${bad}] = ${y[bad]}`);
  const cache = new Map<string, { X: Tensor; t: Tensor }>();
  const tensors = (dtype: string) => {
    let c = cache.get(dtype);
    if (!c) {
      const mk = (v: Float64Array, shape: number[]) => tensorOf(dtype === "float64" ? Float64Array.from(v) : Float32Array.from(v), shape);
      cache.set(dtype, (c = { X: mk(X, [N, d]), t: mk(y.map((v) => (v + 1) / 2), [N, 1]) }));
    }
    return c;
  };
  // softplus(-y z) with y in {-1, 1} is the cross-entropy of logit z against t = (y + 1) / 2.
  const f = (w: Tensor) => {
    const { X: Xt, t } = tensors(w.dtype);
    return sigmoidCrossEntropy(Xt.matmul(w.reshape([d, 1])), t).add(w.square().sum().mul(lambda / 2));
  };
  let solved: { x: number[]; f: number } | null = null;
  const solve = () => {
    if (!solved) {
      const r = minimize(f, new Array(d).fill(0), { method: "newton-cg", tol: 1e-12, dtype: "float64", maxIter: 200 });
      solved = { x: Array.from(r.x.dataSync()), f: r.fun };
    }
    return solved;
  };
  const L = spectralNormSq(X, N, d) / (4 * N) + lambda;
  return {
    name: options.name ?? "logistic",
    description: options.description ?? `L2 logistic regression ${N}x${d}, lambda = ${lambda}`,
    dim: d, f, x0: new Array(d).fill(0), convex: true, L, mu: lambda,
    get fStar() { return solve().f; },
    get minimizers() { return [solve().x]; },
  };
}

/**
 * Synthetic data: X with standard normal entries, column j scaled by scaleMax^(1 - j/(d-1)) * scaleMin^(j/(d-1))
 * (log-spaced from 1 to 0.01 by default, so the Hessian is ill-conditioned), labels
 * y = sign(X w_true + 0.5 noise) for a seeded w_true.
 */
export function logisticData(options: { n?: number; d?: number; seed?: number; scaleMin?: number } = {}): LogisticData {
  checkOptions("problems.logisticData", options, { n: true, d: true, seed: true, scaleMin: true } satisfies OptionKeys<typeof options>);
  const { n: N = 1000, d = 20, seed = 0, scaleMin = 0.01 } = options;
  const rng = new Rng(seed);
  const X = new Float64Array(N * d), y = new Float64Array(N);
  const scale = Array.from({ length: d }, (_, j) => (d === 1 ? 1 : scaleMin ** (j / (d - 1))));
  const wTrue = Array.from({ length: d }, () => rng.normal());
  for (let i = 0; i < N; i++) {
    let m = 0;
    for (let j = 0; j < d; j++) {
      const v = rng.normal() * scale[j];
      X[i * d + j] = v;
      m += v * wTrue[j] / scale[j] * 0.1;
    }
    y[i] = m + 0.5 * rng.normal() >= 0 ? 1 : -1;
  }
  return { X, y, N, d };
}

/** Seeded synthetic logistic regression (see `logisticData`), lambda = 1e-3 by default. */
export function logistic(options: { n?: number; d?: number; seed?: number; scaleMin?: number; lambda?: number } = {}): Problem {
  checkOptions("problems.logistic", options, { n: true, d: true, seed: true, scaleMin: true, lambda: true } satisfies OptionKeys<typeof options>);
  const data = logisticData({ n: options.n, d: options.d, seed: options.seed, scaleMin: options.scaleMin });
  return logisticProblem(data, { lambda: options.lambda, name: "logistic", description: `L2 logistic regression, synthetic ${data.N}x${data.d}, columns scaled 1 to ${options.scaleMin ?? 0.01}` });
}
