// The math a NumPy or torch user expects: trigonometric and hyperbolic functions and their
// inverses, log1p / expm1 / log2 / log10, reciprocal, rsqrt, atan2, hypot and rounding. Each op:
// hand-checked values, then agreement with the Math.* reference over a range, then the gradient
// against central differences, and for a few the second derivative through hvp (f = sum op(x),
// so hvp(f, x, v) = op''(x) v elementwise).
import { describe, it, expect, beforeAll } from "vitest";
import * as dh from "../../src/index.js";
import { BACKENDS, useBackend, checkOpGrad, vals } from "../helpers.js";

const t = (x: number[], dtype: dh.DType = "float64") => dh.tensor(x, { dtype });
/** n float64 values evenly spaced over [lo, hi]. */
const span = (lo: number, hi: number, n = 41) => t(Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1)));

type Unary = (x: dh.Tensor) => dh.Tensor;
// op, its Math reference, a domain [lo, hi] for values and gradients
const UNARY: Array<[string, Unary, (v: number) => number, number, number]> = [
  ["sin", dh.sin, Math.sin, -7, 7],
  ["cos", dh.cos, Math.cos, -7, 7],
  ["tan", dh.tan, Math.tan, -1.4, 1.4],
  ["asin", dh.asin, Math.asin, -0.95, 0.95],
  ["acos", dh.acos, Math.acos, -0.95, 0.95],
  ["atan", dh.atan, Math.atan, -5, 5],
  ["sinh", dh.sinh, Math.sinh, -4, 4],
  ["cosh", dh.cosh, Math.cosh, -4, 4],
  ["asinh", dh.asinh, Math.asinh, -5, 5],
  ["acosh", dh.acosh, Math.acosh, 1.05, 6],
  ["atanh", dh.atanh, Math.atanh, -0.95, 0.95],
  ["log1p", dh.log1p, Math.log1p, -0.9, 5],
  ["expm1", dh.expm1, Math.expm1, -5, 3],
  ["log2", dh.log2, Math.log2, 0.1, 9],
  ["log10", dh.log10, Math.log10, 0.1, 9],
  ["reciprocal", dh.reciprocal, (v) => 1 / v, 0.2, 4],
  ["rsqrt", dh.rsqrt, (v) => 1 / Math.sqrt(v), 0.2, 4],
];

describe.each(BACKENDS)("math ops on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("computes hand-checked values", () => {
    const opts = { atol: 1e-15, rtol: 1e-14 };
    expect(dh.sin(t([0, Math.PI / 6, Math.PI / 2, -Math.PI / 2]))).toBeAllclose([0, 0.5, 1, -1], opts);
    expect(dh.cos(t([0, Math.PI / 3, Math.PI]))).toBeAllclose([1, 0.5, -1], opts);
    expect(dh.tan(t([0, Math.PI / 4, -Math.PI / 4]))).toBeAllclose([0, 1, -1], opts);
    expect(dh.asin(t([0, 0.5, 1, -1]))).toBeAllclose([0, Math.PI / 6, Math.PI / 2, -Math.PI / 2], opts);
    expect(dh.acos(t([1, 0.5, 0, -1]))).toBeAllclose([0, Math.PI / 3, Math.PI / 2, Math.PI], opts);
    expect(dh.atan(t([0, 1, -1]))).toBeAllclose([0, Math.PI / 4, -Math.PI / 4], opts);
    expect(dh.sinh(t([0, 1]))).toBeAllclose([0, (Math.E - 1 / Math.E) / 2], opts);
    expect(dh.cosh(t([0, 1]))).toBeAllclose([1, (Math.E + 1 / Math.E) / 2], opts);
    expect(dh.asinh(t([0, 0.75]))).toBeAllclose([0, Math.log(2)], opts); // asinh(3/4) = ln(3/4 + 5/4)
    expect(dh.acosh(t([1, 1.25]))).toBeAllclose([0, Math.log(2)], opts); // acosh(5/4) = ln(5/4 + 3/4)
    expect(dh.atanh(t([0, 0.5]))).toBeAllclose([0, Math.log(3) / 2], opts);
    // log1p and expm1 keep the digits log(1 + x) and exp(x) - 1 lose: x - x^2/2 and x + x^2/2 at 1e-10
    expect(dh.log1p(t([1e-10, Math.E - 1, 0]))).toBeAllclose([1e-10 - 5e-21, 1, 0], { atol: 0, rtol: 1e-15 });
    expect(dh.expm1(t([1e-10, Math.log(2), 0]))).toBeAllclose([1e-10 + 5e-21, 1, 0], { atol: 0, rtol: 1e-15 });
    expect(dh.log2(t([8, 0.25, 1]))).toBeAllclose([3, -2, 0], opts);
    expect(dh.log10(t([1000, 0.01]))).toBeAllclose([3, -2], opts);
    expect(dh.reciprocal(t([4, -0.5]))).toBeAllclose([0.25, -2], opts);
    expect(dh.rsqrt(t([4, 0.25]))).toBeAllclose([0.5, 2], opts);
    // outside the domain: NaN or infinities, as Math and NumPy
    expect(Array.from(dh.asin(t([2])).dataSync())[0]).toBeNaN();
    expect(Array.from(dh.atanh(t([1, -1])).dataSync())).toEqual([Infinity, -Infinity]);
    expect(Array.from(dh.log1p(t([-1])).dataSync())).toEqual([-Infinity]);
    expect(Array.from(dh.reciprocal(t([0])).dataSync())).toEqual([Infinity]);
  });

  it.each(UNARY)("%s matches Math over its domain, in float64 and float32, as function and method", (name, op, ref, lo, hi) => {
    const x = span(lo, hi, 301);
    const want = Array.from(vals(x), ref);
    expect(op(x)).toBeAllclose(want, { atol: 0, rtol: 1e-15 });
    const x32 = dh.cast(x, "float32");
    const y32 = op(x32);
    expect(y32.dtype).toBe("float32");
    expect(y32).toBeAllclose(Array.from(vals(x32), ref), { atol: 1e-30, rtol: 3 * 2 ** -24 });
    const method = (x as unknown as Record<string, () => dh.Tensor>)[name].call(x);
    expect(Array.from(method.dataSync())).toEqual(Array.from(op(x).dataSync()));
  });

  it.each(UNARY)("%s: gradient vs central differences", (_n, op, _r, lo, hi) => {
    const x = dh.reshape(span(lo + 0.02 * (hi - lo), hi - 0.02 * (hi - lo), 15), [3, 5]);
    checkOpGrad(op, [x], 1e-6);
  });

  // f = sum op(x): hvp(f, x, v) = op''(x) v.
  const SECOND: Array<[string, Unary, (v: number) => number, number, number]> = [
    ["sin'' = -sin", dh.sin, (v) => -Math.sin(v), -4, 4],
    ["cos'' = -cos", dh.cos, (v) => -Math.cos(v), -4, 4],
    ["tan'' = 2 tan (1 + tan^2)", dh.tan, (v) => 2 * Math.tan(v) * (1 + Math.tan(v) ** 2), -1.2, 1.2],
    ["atan'' = -2x / (1 + x^2)^2", dh.atan, (v) => (-2 * v) / (1 + v * v) ** 2, -3, 3],
    ["asin'' = x / (1 - x^2)^(3/2)", dh.asin, (v) => v / (1 - v * v) ** 1.5, -0.9, 0.9],
    ["sinh'' = sinh", dh.sinh, Math.sinh, -3, 3],
    ["asinh'' = -x / (1 + x^2)^(3/2)", dh.asinh, (v) => -v / (1 + v * v) ** 1.5, -3, 3],
    ["log1p'' = -1 / (1 + x)^2", dh.log1p, (v) => -1 / (1 + v) ** 2, -0.8, 3],
    ["expm1'' = e^x", dh.expm1, Math.exp, -3, 3],
    ["rsqrt'' = 3/4 x^(-5/2)", dh.rsqrt, (v) => 0.75 * v ** -2.5, 0.3, 3],
  ];
  it.each(SECOND)("second derivative through hvp: %s", (_n, op, d2, lo, hi) => {
    const x = span(lo, hi, 17);
    const v = dh.tensor(Array.from({ length: 17 }, (_, i) => 1 + 0.1 * i), { dtype: "float64" });
    const hv = dh.hvp((u: dh.Tensor) => op(u).sum(), x, v);
    expect(hv).toBeAllclose(Array.from(vals(x), (xi, i) => d2(xi) * vals(v)[i]), { atol: 1e-12, rtol: 1e-11 });
  });

  it("expm1's gradient is e^x, exact where out + 1 would have lost it (x = -30)", () => {
    const g = dh.grad((u: dh.Tensor) => dh.expm1(u).sum())(t([-30, -745]));
    expect(g).toBeAllclose([Math.exp(-30), Math.exp(-745)], { atol: 0, rtol: 1e-15 });
  });

  it("asinh's gradient stays finite and right for huge x (1 / hypot(x, 1), not 1 / sqrt(x^2 + 1))", () => {
    const g = dh.grad((u: dh.Tensor) => dh.asinh(u).sum())(t([1e200, -1e200, 0]));
    expect(g).toBeAllclose([1e-200, 1e-200, 1], { atol: 0, rtol: 1e-15 });
  });

  it("round is half to even (as NumPy and torch), floor / ceil / trunc as Math; all with zero gradient", () => {
    // numpy.round([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5]) = [0, 2, 2, 4, -0, -2, -2]
    const ties = t([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 2.4999999999999996, 0.5000000000000001, 4503599627370495.5, -4503599627370495.5]);
    const r = Array.from(dh.round(ties).dataSync());
    expect(r).toEqual([0, 2, 2, 4, -0, -2, -2, 2, 1, 4503599627370496, -4503599627370496]);
    expect(Object.is(r[4], -0)).toBe(true);
    const x = t([-2.5, -1.2, -0.5, -0, 0, 0.5, 1.7, 3]);
    expect(Array.from(dh.floor(x).dataSync())).toEqual([-3, -2, -1, -0, 0, 0, 1, 3]);
    expect(Array.from(dh.ceil(x).dataSync())).toEqual([-2, -1, -0, -0, 0, 1, 2, 3]);
    expect(Array.from(dh.trunc(x).dataSync())).toEqual([-2, -1, -0, -0, 0, 0, 1, 3]);
    expect(Array.from(dh.round(x).dataSync())).toEqual([-2, -1, -0, -0, 0, 0, 2, 3]);
    for (const op of [dh.floor, dh.ceil, dh.round, dh.trunc]) {
      // f = sum x op(x): the gradient is op(x) (the op's own contribution is zero)
      const g = dh.grad((u: dh.Tensor) => u.mul(op(u)).sum())(x);
      expect(Array.from(g.dataSync())).toEqual(Array.from(op(x).dataSync()));
      expect(op(dh.cast(x, "float32")).dtype).toBe("float32");
    }
    expect(Array.from(dh.tensor([2.5, 3.5, -2.5], { dtype: "float32" }).round().dataSync())).toEqual([2, 4, -2]);
  });

  it("atan2(y, x): the angle in every quadrant and on the axes, broadcasting, function and method", () => {
    const y = t([1, 1, -1, -1, 0, 0, 1, -1, 0, -0]), x = t([1, -1, -1, 1, 1, -1, 0, 0, 0, -1]);
    const p = Math.PI;
    expect(dh.atan2(y, x)).toBeAllclose([p / 4, (3 * p) / 4, (-3 * p) / 4, -p / 4, 0, p, p / 2, -p / 2, 0, -p], { atol: 1e-15, rtol: 1e-15 });
    const grid = dh.atan2(dh.reshape(t([1, 2, 3]), [3, 1]), t([1, -1]));
    expect(grid.shape).toEqual([3, 2]);
    expect(grid).toBeAllclose([1, 2, 3].flatMap((a) => [Math.atan2(a, 1), Math.atan2(a, -1)]), { atol: 0, rtol: 1e-15 });
    expect(Array.from(y.atan2(x).dataSync())).toEqual(Array.from(dh.atan2(y, x).dataSync()));
    expect(dh.atan2(1, t([1])).item()).toBeCloseTo(p / 4, 15);
  });

  it("atan2 and hypot: gradients vs central differences, reduced to broadcast shapes", () => {
    const a = dh.tensor([[0.3, -1.2, 2], [1.5, -0.4, -2.2]], { dtype: "float64" });
    const b = dh.tensor([0.7, 1.1, -0.9], { dtype: "float64" });
    for (const op of [dh.atan2, dh.hypot]) {
      const [ga, gb] = dh.grad((xs: dh.Tensor[]) => op(xs[0], xs[1]).sum())([a, b]);
      expect(ga.shape).toEqual([2, 3]);
      expect(gb.shape).toEqual([3]);
      checkOpGrad(op, [a, b]);
    }
    // d atan2(y, x) = (x dy - y dx) / r^2: at (y, x) = (1, 1): (1/2, -1/2)
    const [gy, gx] = dh.grad((xs: dh.Tensor[]) => dh.atan2(xs[0], xs[1]).sum())([t([1]), t([1])]);
    expect([gy.item(), gx.item()]).toBeAllclose([0.5, -0.5], { atol: 0, rtol: 4e-16 });
  });

  it("hypot neither overflows nor underflows; the gradients of hypot and atan2 at the origin are 0", () => {
    expect(dh.hypot(t([3e200, 3e-200, 0]), t([4e200, 4e-200, 0]))).toBeAllclose([5e200, 5e-200, 0], { atol: 0, rtol: 1e-15 });
    expect(dh.hypot(dh.tensor([3e30], { dtype: "float32" }), 4e30)).toBeAllclose([5e30], { atol: 0, rtol: 2 ** -23 });
    // far from 0 the gradients are the unit vector and (x, -y) / r^2, without overflow or underflow
    const [ha, hb] = dh.grad((xs: dh.Tensor[]) => dh.hypot(xs[0], xs[1]).sum())([t([3e200]), t([4e200])]);
    expect([ha.item(), hb.item()]).toBeAllclose([0.6, 0.8], { atol: 0, rtol: 4e-16 });
    const [sy, sx] = dh.grad((xs: dh.Tensor[]) => dh.atan2(xs[0], xs[1]).sum())([t([3e-200]), t([4e-200])]);
    expect([sy.item(), sx.item()]).toBeAllclose([0.16e200, -0.12e200], { atol: 0, rtol: 1e-15 });
    for (const op of [dh.hypot, dh.atan2]) {
      const g = dh.grad((xs: dh.Tensor[]) => op(xs[0], xs[1]).sum())([t([0, 1]), t([0, 1])]);
      expect(Math.abs(g[0].dataSync()[0])).toBe(0);
      expect(Math.abs(g[1].dataSync()[0])).toBe(0);
    }
  });

  it("hypot's Hessian (1/r)(I - u u^T) through hvp", () => {
    // f(p) = hypot(p0, p1) at p = (3, 4): H = (1/5) [[16/25, -12/25], [-12/25, 9/25]]
    const f = (p: dh.Tensor) => dh.hypot(p.slice([0], [1]), p.slice([1], [1])).sum();
    const h = dh.hessian(f, t([3, 4]));
    expect(h).toBeAllclose([16 / 125, -12 / 125, -12 / 125, 9 / 125], { atol: 1e-15, rtol: 1e-13 });
  });

  it("a PINN-style source term sin(pi x) sin(pi y) and its Laplacian -2 pi^2 sin(pi x) sin(pi y) through hvp", () => {
    const u = (p: dh.Tensor) => dh.sin(p.slice([0], [1]).mul(Math.PI)).mul(dh.sin(p.slice([1], [1]).mul(Math.PI))).sum();
    const p = t([0.3, 0.7]);
    const lap = dh.hvp(u, p, t([1, 0])).dataSync()[0] + dh.hvp(u, p, t([0, 1])).dataSync()[1];
    expect(lap).toBeCloseTo(-2 * Math.PI ** 2 * Math.sin(0.3 * Math.PI) * Math.sin(0.7 * Math.PI), 12);
  });
});
