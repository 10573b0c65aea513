/**
 * Ill-conditioned linear regression: loss (1/2n)‖Xw − y‖², X built as √n·Q diag(s) Rᵀ (Q with
 * orthonormal columns, R orthogonal, both from seeded Gaussian matrices by QR) with s log-spaced
 * from 1 down to 1/√cond, so the Hessian XᵀX/n = R diag(s²) Rᵀ has eigenvalues from 1 down to
 * 1/cond: condition number `cond` exactly. y = X w_true + noise; the metric is the excess loss
 * f(w) − f(w_ls) against the least-squares solution (solved once by Cholesky in float64).
 */
import { ArgumentError } from "../../errors.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import { Rng } from "../../tensor/random.js";
import { tensorOf, type Tensor } from "../../tensor/tensor.js";
import type { Tree } from "../../tensor/tree.js";
import { readSync } from "../../backend/select.js";
import { cholesky, choleskySolve, qr } from "../../linalg/index.js";
import { linear } from "../../nn/layers.js";
import type { TrainingProblem } from "./problem.js";

export interface LinearRegressionOptions {
  /** Rows (default 500). */
  n?: number;
  /** Features (default 20). */
  d?: number;
  /** Condition number of the Hessian XᵀX/n (default 1e4). */
  cond?: number;
  /** Standard deviation of the label noise (default 0.1). */
  noise?: number;
  /** Seed of the data (default 0); the parameters' start is the race's seed. */
  dataSeed?: number;
  /** Steps (default 300). */
  steps?: number;
}

const KEYS = { n: true, d: true, cond: true, noise: true, dataSeed: true, steps: true } satisfies OptionKeys<LinearRegressionOptions>;

/** Q from a seeded Gaussian m x k matrix (m ≥ k): orthonormal columns, row-major m x k. */
function orthonormal(rng: Rng, m: number, k: number): Float64Array {
  const a = new Float64Array(m * k);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  const { q } = qr(a, m, k);
  // qr returns the thin or the full Q; keep the first k columns
  const cols = q.length / m;
  const out = new Float64Array(m * k);
  for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) out[i * k + j] = q[i * cols + j];
  return out;
}

export function linearRegression(options: LinearRegressionOptions = {}): TrainingProblem & { X: Float64Array; y: Float64Array; wLs: Float64Array; fStar: number } {
  checkOptions("trainingProblems.linearRegression", options, KEYS);
  const { n = 500, d = 20, cond = 1e4, noise = 0.1, dataSeed = 0, steps = 300 } = options;
  if (!(Number.isInteger(n) && Number.isInteger(d) && d >= 2 && n >= d)) throw new ArgumentError(`trainingProblems.linearRegression: need integers n >= d >= 2, got n = ${n}, d = ${d}`);
  if (!(cond >= 1)) throw new ArgumentError(`trainingProblems.linearRegression: cond must be >= 1, got ${cond}`);
  const rng = new Rng(dataSeed);
  const Q = orthonormal(rng, n, d), R = orthonormal(rng, d, d);
  const s = Array.from({ length: d }, (_, i) => cond ** (-i / (2 * (d - 1))));
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
    let v = 0;
    for (let k = 0; k < d; k++) v += Q[i * d + k] * s[k] * R[j * d + k];
    X[i * d + j] = Math.sqrt(n) * v;
  }
  const wTrue = Array.from({ length: d }, () => rng.normal());
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let j = 0; j < d; j++) v += X[i * d + j] * wTrue[j];
    y[i] = v + noise * rng.normal();
  }
  // least squares: (XᵀX) w = Xᵀy
  const A = new Float64Array(d * d), b = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) {
    b[j] += X[i * d + j] * y[i];
    for (let k = 0; k < d; k++) A[j * d + k] += X[i * d + j] * X[i * d + k];
  }
  const wLs = choleskySolve(cholesky(A, d)!, d, b);
  const lossOf = (w: ArrayLike<number>) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      let r = -y[i];
      for (let j = 0; j < d; j++) r += X[i * d + j] * w[j];
      f += r * r;
    }
    return f / (2 * n);
  };
  const fStar = lossOf(wLs);
  const Xt = tensorOf(X, [n, d]), Yt = tensorOf(y, [n, 1]);
  const model = linear(d, 1, { bias: false, dtype: "float64" });
  const residuals = (p: Tree) => model.apply(p as { w: Tensor }, Xt).sub(Yt).mul(1 / Math.sqrt(n)).reshape([n]);
  return {
    name: "linear-regression",
    description: `linear regression, ${n} x ${d}, Hessian condition number ${cond.toExponential(0)}`,
    paramCount: d,
    init: (seed) => linear(d, 1, { bias: false, dtype: "float64", seed }).params,
    extra: {
      loss: (p) => residuals(p).square().sum().mul(0.5),
      residuals,
    },
    metric: {
      name: "excess loss f - f*", better: "lower", log: true, target: 1e-5,
      evaluate: (p) => lossOf(readSync((p as { w: Tensor }).w, "linearRegression")) - fStar,
    },
    steps,
    methodSteps: { "natural-gradient": 30 },
    // Centres at the rates the sweep chose in the full race of 2026-12-02 (sweeps that ran past an end cost 4-5 runs).
    lr: { "sgd-momentum": 3, "sam-sgd": 0.3, adam: 0.3, adamw: 1, "sam-adamw": 0.3, lion: 0.03, shampoo: 0.1, soap: 0.03, "sophia-h": 0.03 },
    X, y, wLs, fStar,
  };
}
