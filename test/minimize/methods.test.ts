// Each method reaches the known minimizer of each problem where it is expected to, from the
// standard start (float64, tol 1e-6 on ||grad f||_2), and the result record is consistent.
import { vals } from "../helpers.js";
import { describe, expect, test } from "vitest";
import { minimize, problems, tensor, type MethodName } from "../../src/index.js";
import type { Problem } from "../../src/problems/index.js";

const SECOND = ["lbfgs", "bfgs", "newton", "newton-cg", "trust-ncg"] as const;

function dist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Relative distance to the nearest known minimizer. */
function nearest(p: Problem, x: ArrayLike<number>): number {
  return Math.min(...p.minimizers.map((m) => dist(x, m) / Math.max(1, Math.hypot(...m))));
}

const cases: Array<[string, () => Problem, readonly string[], number]> = [
  ["rosenbrock", () => problems.rosenbrock(2), [...SECOND, "nesterov", "momentum"], 1e-5],
  ["beale", problems.beale, [...SECOND, "nesterov", "gd", "adam"], 1e-5],
  ["booth", problems.booth, [...SECOND, "nesterov", "gd", "momentum", "adam"], 1e-6],
  ["himmelblau", problems.himmelblau, [...SECOND, "nesterov", "gd", "momentum", "adam"], 1e-6],
  ["rosenbrock-20", () => problems.rosenbrock(20), [...SECOND, "nesterov"], 1e-5],
  ["quadratic", () => problems.quadratic({ dim: 20, cond: 1000 }), SECOND, 1e-6],
  ["wood", problems.wood, [...SECOND, "nesterov"], 1e-5],
  ["box3d", problems.box3d, [...SECOND, "nesterov"], 1e-4],
  ["brown-badly-scaled", problems.brownBadlyScaled, ["lbfgs", "bfgs", "newton", "newton-cg"], 1e-9],
  ["logistic", () => problems.logistic({ n: 400, d: 10 }), [...SECOND, "nesterov", "gd", "adam"], 1e-5],
];

describe.each(cases)("%s", (_name, make, methods, xtol) => {
  const p = make();
  test.each(methods)("%s reaches a known minimizer", (method) => {
    const r = minimize(p.f, p.x0, { method: method as MethodName, maxIter: 20000, lr: method === "adam" ? 0.01 : undefined });
    expect(r.converged, r.message).toBe(true);
    expect(r.gradNorm).toBeLessThanOrEqual(1e-6);
    expect(r.message).toMatch(/gradient norm/);
    if (p.mu !== undefined) {
      // mu-strongly convex: ||x - x*|| <= ||g|| / mu and f - f* <= ||g||^2 / (2 mu).
      expect(dist(vals(r.x), p.minimizers[0])).toBeLessThanOrEqual(r.gradNorm / p.mu + 1e-12);
      expect(r.fun - p.fStar).toBeLessThanOrEqual(r.gradNorm ** 2 / (2 * p.mu) + 1e-14 * Math.max(1, Math.abs(p.fStar)));
    } else {
      expect(nearest(p, vals(r.x))).toBeLessThan(xtol);
      expect(r.fun - p.fStar).toBeLessThan(1e-9 * Math.max(1, Math.abs(p.fStar)));
    }
    expect(r.x.dtype).toBe("float64");
    expect(r.history.length).toBe(r.nit + 1);
    expect(r.history[r.nit].f).toBe(r.fun);
  });
});

test("MGH 26 trigonometric, n = 10, from the standard start: lbfgs and newton-cg converge to MGH's point with f = 2.79506e-5; from half the start, to f* = 0 at 0", () => {
  const p = problems.trigonometric(10);
  const local = p.localMinima![0];
  for (const method of ["lbfgs", "newton-cg"] as const) {
    const r = minimize(p.f, p.x0, { method });
    expect(r.converged, `${method}: ${r.message}`).toBe(true);
    expect(r.gradNorm).toBeLessThanOrEqual(1e-6);
    // the stationary point every method here reaches from (1/n, ..., 1/n), as scipy's L-BFGS-B and BFGS
    // do (2.79509e-5 and 2.79506e-5 at their default tolerances, scipy 1.17): a local minimum, not f* = 0
    expect(Math.abs(r.fun - local.f), method).toBeLessThan(1e-12);
    expect(dist(vals(r.x), local.x), method).toBeLessThan(1e-5);
    const near = minimize(p.f, p.x0.map((v) => v / 2), { method });
    expect(near.converged, `${method} from x0 / 2: ${near.message}`).toBe(true);
    expect(near.fun).toBeLessThan(1e-13);
    expect(dist(vals(near.x), p.minimizers[0])).toBeLessThan(1e-6);
  }
});

test("Powell singular (singular Hessian at x* = 0): f ~ ||g||^(4/3) on this quartic, so ||g|| <= 1e-6 means f below ~1e-8", () => {
  const p = problems.powellSingular();
  for (const method of [...SECOND, "nesterov"] as const) {
    const r = minimize(p.f, p.x0, { method });
    expect(r.converged, `${method}: ${r.message}`).toBe(true);
    expect(r.fun).toBeLessThan(1e-7);
    expect(nearest(p, vals(r.x))).toBeLessThan(2e-2); // |x| ~ ||g||^(1/3) on this quartic valley
  }
});

test("Freudenstein-Roth: from the standard start methods stop at the global (5, 4) or the published local minimum 48.9842", () => {
  const p = problems.freudensteinRoth();
  for (const method of SECOND) {
    const r = minimize(p.f, p.x0, { method });
    expect(r.converged, `${method}: ${r.message}`).toBe(true);
    const local = p.localMinima![0];
    const atGlobal = dist(vals(r.x), [5, 4]) < 1e-5;
    const atLocal = dist(vals(r.x), local.x) < 1e-5 && Math.abs(r.fun - local.f) < 1e-8;
    expect(atGlobal || atLocal, `${method} stopped at ${Array.from(vals(r.x))}`).toBe(true);
  }
  // From a start in the global basin every method finds (5, 4).
  for (const method of SECOND) expect(dist(minimize(p.f, [4, 3], { method }).x.dataSync(), [5, 4])).toBeLessThan(1e-6);
});

test("Himmelblau: each of the four minima is reached from a start in its basin", () => {
  const p = problems.himmelblau();
  for (const m of p.minimizers) {
    const start = m.map((v) => v * 1.15);
    for (const method of SECOND) expect(dist(minimize(p.f, start, { method }).x.dataSync(), m)).toBeLessThan(1e-6);
  }
});

test("float32: x0 as a float32 tensor runs f in float32 and still reaches the minimizer to float32 accuracy", () => {
  for (const method of SECOND) {
    const p = problems.rosenbrock(2);
    const r = minimize(p.f, tensor(p.x0, { dtype: "float32" }), { method, tol: 1e-3 });
    expect(r.x.dtype).toBe("float32");
    expect(r.converged, `${method}: ${r.message}`).toBe(true);
    expect(r.x).toBeAllclose([1, 1], { atol: 2e-3, rtol: 0 });
  }
});

test("a GradientTransformation ({init, update}) can be passed as the method", () => {
  // A plain gradient step x <- x - 0.1 g, written as a transform.
  const sgd = {
    init: () => ({}),
    update: (g: any, state: unknown) => ({ updates: g.mul(-0.1), state }),
  };
  const r = minimize(problems.booth().f, [0, 0], { method: sgd, maxIter: 5000 });
  expect(r.converged).toBe(true);
  expect(r.x).toBeAllclose([1, 3], { atol: 1e-6 });
  expect(r.method).toBe("transform");
});

test("callback sees every iteration and can stop the run", () => {
  const seen: number[] = [];
  const r = minimize(problems.rosenbrock(2).f, [-1.2, 1], { method: "lbfgs", callback: (s) => { seen.push(s.nit); return s.nit === 5; } });
  expect(seen).toEqual([1, 2, 3, 4, 5]);
  expect(r.nit).toBe(5);
  expect(r.converged).toBe(false);
  expect(r.message).toMatch(/callback/);
});

test("maxIter, maxEval and ftol stop the run and say so", () => {
  const f = problems.rosenbrock(2).f;
  const a = minimize(f, [-1.2, 1], { method: "gd", maxIter: 7 });
  expect([a.nit, a.converged]).toEqual([7, false]);
  expect(a.message).toMatch(/maximum number of iterations \(7\)/);
  const b = minimize(f, [-1.2, 1], { method: "lbfgs", maxEval: 20 });
  expect(b.nfev + b.ngev).toBeGreaterThanOrEqual(20);
  expect(b.nfev + b.ngev).toBeLessThan(40);
  expect(b.message).toMatch(/maxEval/);
  const c = minimize(f, [-1.2, 1], { method: "lbfgs", ftol: 1e-3 });
  expect(c.converged).toBe(true);
  expect(c.message).toMatch(/relative change of f/);
});

test('method "adam" is the optimizers\' adam: the same trajectory as passing adam({lr}) as a transform', async () => {
  const { adam } = await import("../../src/optim/index.js");
  const f = problems.beale().f;
  const a = minimize(f, [1, 1], { method: "adam", lr: 0.01, maxIter: 50 });
  const b = minimize(f, [1, 1], { method: adam({ lr: 0.01 }), maxIter: 50 });
  expect(a.x).toBeAllclose(b.x, { atol: 0, rtol: 0 });
  expect(a.history.map((h) => h.f)).toEqual(b.history.map((h) => h.f));
});
