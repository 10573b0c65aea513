/** A diagonal quadratic f(x) = ½ Σ λ_i x_i², the textbook model of a ravine (shared by several claims). */
import * as dh from "downhill";

export interface Quadratic {
  /** The curvatures λ_i, log-spaced from mu to L. */
  lambdas: Float64Array;
  mu: number;
  L: number;
  f: (x: dh.Tensor) => dh.Tensor;
  /** A starting point with every coordinate 1. */
  x0: () => dh.Tensor;
}

export function quadratic(d: number, mu: number, L: number): Quadratic {
  const lambdas = new Float64Array(d);
  for (let i = 0; i < d; i++) lambdas[i] = d === 1 ? L : mu * (L / mu) ** (i / (d - 1));
  const lam = dh.tensor(lambdas);
  return {
    lambdas, mu, L,
    f: (x) => dh.mul(lam, dh.square(x)).sum().mul(0.5),
    x0: () => dh.ones([d], { dtype: "float64" }),
  };
}

/**
 * Runs `transform` on f from x0 until f(x) <= target f(x0) (counting steps), f exceeds 1e6 f(x0)
 * (diverged) or maxSteps pass. Returns the relative values f(x_k)/f(x0) for k = 0.. and the outcome.
 */
export function descend(f: (x: dh.Tensor) => dh.Tensor, x0: dh.Tensor, transform: dh.GradientTransformation<any>, o: { target: number; maxSteps: number; noise?: (k: number) => dh.Tensor | null; record?: (x: dh.Tensor) => void }) {
  const x = x0;
  const opt = dh.optimizer(transform, x);
  const vg = dh.valueAndGrad(f);
  let { value, grad } = vg(x);
  const f0 = value.item();
  const rel: number[] = [1];
  let steps = 0, outcome: "reached" | "diverged" | "maxSteps" = "maxSteps";
  o.record?.(x);
  while (steps < o.maxSteps) {
    const n = o.noise?.(steps) ?? null;
    opt.step(n ? dh.add(grad, n) : grad);
    steps++;
    ({ value, grad } = vg(x));
    const r = value.item() / f0;
    rel.push(r);
    o.record?.(x);
    if (r <= o.target) { outcome = "reached"; break; }
    if (!(r < 1e6)) { outcome = "diverged"; break; }
  }
  return { steps, outcome, rel, final: rel[rel.length - 1] };
}
