// The explorer's formula language (web/formula.ts): values against JS, precedence, gradients
// and Hessians from the library against finite differences and closed forms, and parse errors that
// name the column.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ArgumentError, grad, hessian, minimize, tensor } from "../../src/index.js";
import { FormulaError, compileFormula, parseFormula } from "../../web/formula.js";

const at = (text: string, x: number, y = 0): number => compileFormula(text).f(tensor(text.includes("y") ? [x, y] : [x], { dtype: "float64" })).item();

describe("values", () => {
  test.each<[string, (x: number, y: number) => number]>([
    ["(1 - x)^2 + 100 (y - x^2)^2", (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2],
    ["(1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2", (x, y) => (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2],
    ["sin(x) cos(y) + exp(-x^2/4) - log(1 + y^2) + sqrt(abs(x) + 1) + tanh(x - y)", (x, y) => Math.sin(x) * Math.cos(y) + Math.exp(-(x * x) / 4) - Math.log(1 + y * y) + Math.sqrt(Math.abs(x) + 1) + Math.tanh(x - y)],
    ["max(x, y) - min(x, 2y) + atan(x) + cosh(y/3) - sinh(x/3) + tan(x/10)", (x, y) => Math.max(x, y) - Math.min(x, 2 * y) + Math.atan(x) + Math.cosh(y / 3) - Math.sinh(x / 3) + Math.tan(x / 10)],
    ["2pi x - e y + 1.5e-1 x y", (x, y) => 2 * Math.PI * x - Math.E * y + 0.15 * x * y],
  ])("%s", (text, js) => {
    fc.assert(fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (x, y) => {
      const v = at(text, x, y), r = js(x, y);
      expect(Math.abs(v - r)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(r)));
    }), { numRuns: 40 });
  });

  test("precedence and associativity", () => {
    expect(at("-x^2", 3)).toBe(-9);
    expect(at("2^3^2 + 0 x", 1)).toBe(512);
    expect(at("x^-1", 4)).toBe(0.25);
    expect(at("2x^2", 3)).toBe(18);
    expect(at("x^2 y", 3, 2)).toBe(18);
    expect(at("1 - x - 1", 5)).toBe(-5);
    expect(at("8 / x / 2", 2)).toBe(2);
    expect(at("2 -x", 5)).toBe(-3);
    expect(at("3(x + 1)", 1)).toBe(6);
    expect(at("x/2y", 8, 2)).toBe(8); // juxtaposition binds like *, left to right: (x/2) y
  });

  test("the grid evaluation agrees with the pointwise one", () => {
    const F = compileFormula("(x^2 + y - 11)^2 + (x + y^2 - 7)^2");
    const xs = Float64Array.from([-4, -1.5, 0, 2.25, 3]), ys = Float64Array.from([1, -2, 0, 0.5, 2]);
    const grid = F.values(xs, ys);
    for (let i = 0; i < xs.length; i++) expect(grid[i]).toBe(at(F.text, xs[i], ys[i]));
  });

  test("dimension: x alone is 1-D, x and y 2-D", () => {
    expect(compileFormula("x^2").dim).toBe(1);
    expect(compileFormula("x^2 + y").dim).toBe(2);
  });
});

describe("the library differentiates it", () => {
  test("gradient of Rosenbrock against the closed form and central differences", () => {
    const F = compileFormula("(1 - x)^2 + 100 (y - x^2)^2");
    fc.assert(fc.property(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -1, max: 3, noNaN: true }), (x, y) => {
      const g = grad(F.f)(tensor([x, y], { dtype: "float64" })).toArray() as number[];
      const exact = [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)];
      for (let i = 0; i < 2; i++) expect(Math.abs(g[i] - exact[i])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(exact[i])));
      const h = 1e-6, fd = (dx: number, dy: number) => (at(F.text, x + dx, y + dy) - at(F.text, x - dx, y - dy)) / (2 * h);
      expect(Math.abs(g[0] - fd(h, 0))).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(g[0])));
      expect(Math.abs(g[1] - fd(0, h))).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(g[1])));
    }), { numRuns: 30 });
  });

  test("Hessian of a formula with sin, exp and a general power", () => {
    const F = compileFormula("sin(x) exp(y) + x^3 y");
    const [x, y] = [0.7, -0.4];
    const H = hessian(F.f, tensor([x, y], { dtype: "float64" })).toArray() as number[][];
    const exact = [[-Math.sin(x) * Math.exp(y) + 6 * x * y, Math.cos(x) * Math.exp(y) + 3 * x * x], [Math.cos(x) * Math.exp(y) + 3 * x * x, Math.sin(x) * Math.exp(y)]];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) expect(H[i][j]).toBeCloseTo(exact[i][j], 10);
  });

  test("Newton reaches Rosenbrock's minimum from the typed formula", () => {
    const F = compileFormula("(1 - x)^2 + 100 (y - x^2)^2");
    const r = minimize(F.f, [-1.2, 1], { method: "newton" });
    expect(r.converged, r.message).toBe(true);
    expect(r.nit).toBeLessThan(30);
    for (const v of r.x.toArray() as number[]) expect(v).toBeCloseTo(1, 6);
  });
});

describe("errors name the column", () => {
  test.each<[string, RegExp, number]>([
    ["x +", /expected a number, x, y, a function or "\(" at column 4, found the end/, 4],
    ["x $ y", /unexpected character "\$" at column 3/, 3],
    ["x + z", /unknown name "z" at column 5; the variables are x and y/, 5],
    ["sin x", /expected "\(" after sin at column 5, found "x"/, 5],
    ["max(x)", /max takes 2 arguments, got 1/, 1],
    ["sin(x, y)", /sin takes 1 argument, got 2/, 1],
    ["(x + y", /expected "\)" at column 7, found the end/, 7],
    ["x y)", /expected an operator at column 4, found "\)"/, 4],
    ["  ", /empty/, 1],
    ["3 + 4", /has no variable/, 1],
    ["y^2", /uses y but not x/, 1],
  ])("%j", (text, message, column) => {
    let err: unknown;
    try { compileFormula(text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(FormulaError);
    expect(err).toBeInstanceOf(ArgumentError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/^formula: /);
    if (!/takes/.test(text)) expect((err as FormulaError).column).toBe(column);
  });

  test("not a string", () => {
    expect(() => parseFormula(3 as never)).toThrow(/formula: expected a string, got number/);
  });
});
