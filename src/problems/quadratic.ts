/**
 * A strongly convex quadratic with a chosen condition number:
 *   f(x) = 1/2 x^T A x - b^T x,   A = Q diag(lambda) Q^T,
 * lambda log-spaced from mu = 1 to L = cond, Q a seeded random orthogonal matrix (Gram-Schmidt
 * of a Gaussian matrix), x* seeded Gaussian, b = A x*, so f* = -1/2 b^T x*. Start: zeros.
 */
import { Tensor, tensorOf } from "../tensor/tensor.js";
import { Rng } from "../tensor/random.js";
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import type { Problem } from "./problem.js";

export function quadratic(options: { dim?: number; cond?: number; seed?: number } = {}): Problem {
  checkOptions("problems.quadratic", options, { dim: true, cond: true, seed: true } satisfies OptionKeys<typeof options>);
  const { dim: n = 10, cond = 100, seed = 0 } = options;
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`quadratic: dim must be a positive integer, got ${n}`);
  if (!(cond >= 1)) throw new ArgumentError(`quadratic: cond must be >= 1, got ${cond}`);
  const rng = new Rng(seed);
  // Q: orthonormal columns by modified Gram-Schmidt (row-major, Q[i, j] = q[i*n + j], column j = q_j).
  const q = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) q[i] = rng.normal();
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += q[i * n + j] * q[i * n + k];
      for (let i = 0; i < n; i++) q[i * n + j] -= d * q[i * n + k];
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += q[i * n + j] ** 2;
    s = Math.sqrt(s);
    for (let i = 0; i < n; i++) q[i * n + j] /= s;
  }
  const lambda = Array.from({ length: n }, (_, i) => (n === 1 ? 1 : cond ** (i / (n - 1))));
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += q[i * n + k] * lambda[k] * q[j * n + k];
    A[i * n + j] = s;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A[j * n + i] = A[i * n + j];
  const xStar = Array.from({ length: n }, () => rng.normal());
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i] += A[i * n + j] * xStar[j];
  let fStar = 0;
  for (let i = 0; i < n; i++) fStar -= 0.5 * b[i] * xStar[i];
  const cache = new Map<string, { A: Tensor; b: Tensor }>();
  const data = (dtype: string) => {
    let d = cache.get(dtype);
    if (!d) {
      const mk = (v: Float64Array, shape: number[]) => tensorOf(dtype === "float64" ? Float64Array.from(v) : Float32Array.from(v), shape);
      d = { A: mk(A, [n, n]), b: mk(b, [n]) };
      cache.set(dtype, d);
    }
    return d;
  };
  const f = (x: Tensor) => {
    const { A: At, b: bt } = data(x.dtype);
    const Ax = At.matmul(x.reshape([n, 1])).reshape([n]);
    return x.mul(Ax).sum().mul(0.5).sub(bt.mul(x).sum());
  };
  return {
    name: "quadratic", description: `quadratic, n = ${n}, cond = ${cond}`, dim: n, f, x0: new Array(n).fill(0), fStar, minimizers: [xStar],
    L: cond, mu: 1, convex: true,
  };
}
