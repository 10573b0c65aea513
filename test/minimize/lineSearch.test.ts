// Line searches: a hand-computed case, then the conditions as properties over random 1-D functions.
import { expect, test } from "vitest";
import fc from "fast-check";
import { backtrackingArmijo, strongWolfe } from "../../src/index.js";

test("Armijo by hand: phi(a) = (1 - a)^2 - 1 from phi(0) = 0, phi'(0) = -2", () => {
  // a = 4: phi = 8 > 0 - 1e-4*4*2 -> halve; a = 2: phi = 0 > -4e-4 -> halve; a = 1: phi = -1 <= -2e-4 -> accept.
  const r = backtrackingArmijo((a) => (1 - a) ** 2 - 1, 0, -2, { alpha0: 4 });
  expect(r).toMatchObject({ alpha: 1, f: -1, nfev: 3, ok: true });
});

test("Armijo reports an ascent direction and a hopeless search without throwing", () => {
  expect(backtrackingArmijo((a) => a, 0, 1)).toMatchObject({ ok: false, nfev: 0 });
  const r = backtrackingArmijo(() => 1, 0, -1, { maxIter: 5 });
  expect(r.ok).toBe(false);
  expect(r.message).toMatch(/no sufficient decrease after 5/);
});

test("strong Wolfe by hand: on phi(a) = (a - 3)^2 the first step 1 is not enough and bracketing doubles to 2, 4", () => {
  const seen: number[] = [];
  const r = strongWolfe((a) => { seen.push(a); return { f: (a - 3) ** 2, d: 2 * (a - 3) }; }, 9, -6, { c2: 0.1 });
  expect(r.ok).toBe(true);
  expect(seen.slice(0, 2)).toEqual([1, 2]);
  expect(Math.abs(2 * (r.alpha - 3))).toBeLessThanOrEqual(0.1 * 6);
});

test("strong Wolfe: the result satisfies both conditions on random smooth 1-D functions", () => {
  // phi(a) = c (a - m)^2 + s sin(w a) + q a^4 with phi'(0) < 0 (filtered).
  fc.assert(fc.property(
    fc.double({ min: 0.1, max: 10, noNaN: true }), fc.double({ min: 0.1, max: 20, noNaN: true }),
    fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: 0.1, max: 5, noNaN: true }), fc.double({ min: 0, max: 0.1, noNaN: true }),
    fc.double({ min: 1e-3, max: 10, noNaN: true }), fc.constantFrom(0.1, 0.5, 0.9),
    (c, m, s, w, q, alpha0, c2) => {
      const phi = (a: number) => ({ f: c * (a - m) ** 2 + s * Math.sin(w * a) + q * a ** 4, d: 2 * c * (a - m) + s * w * Math.cos(w * a) + 4 * q * a ** 3 });
      const { f: f0, d: d0 } = phi(0);
      fc.pre(d0 < -1e-6); // a descent direction (fast-check draws again, so all 300 runs check something)
      const r = strongWolfe(phi, f0, d0, { alpha0, c1: 1e-4, c2, approxTol: 0 });
      expect(r.ok, r.message).toBe(true);
      expect(r.f).toBeLessThanOrEqual(f0 + 1e-4 * r.alpha * d0);
      expect(Math.abs(r.d)).toBeLessThanOrEqual(c2 * Math.abs(d0) + 1e-12);
      expect(r.nfev).toBeLessThanOrEqual(30);
    },
  ), { numRuns: 300, seed: 7 });
});

test("strong Wolfe: a first trial 1000x too long on a quartic is cut back in a few evaluations", () => {
  // phi(a) = (1 - 1000 a)^4: minimizer a* = 0.001, phi(1) ~ 1e12. The cubic fit alone divides the
  // step by ~3 per trial (8 evaluations); with More-Thuente's case-1 quadratic it takes 5.
  const phi = (a: number) => ({ f: (1 - 1000 * a) ** 4, d: -4000 * (1 - 1000 * a) ** 3 });
  const r = strongWolfe(phi, 1, -4000, { alpha0: 1, c1: 1e-4, c2: 0.9 });
  expect(r.ok).toBe(true);
  expect(Math.abs(phi(r.alpha).d)).toBeLessThanOrEqual(0.9 * 4000);
  expect(r.nfev).toBeLessThanOrEqual(5);
});

test("strong Wolfe: overflow (non-finite phi) shrinks the step instead of failing", () => {
  const phi = (a: number) => (a > 5 ? { f: Infinity, d: NaN } : { f: (a - 2) ** 2, d: 2 * (a - 2) });
  const r = strongWolfe(phi, 4, -4, { alpha0: 100 });
  expect(r.ok).toBe(true);
  expect(r.alpha).toBeLessThan(5);
});

test("strong Wolfe rejects bad constants and reports an ascent direction", () => {
  expect(() => strongWolfe(() => ({ f: 0, d: 0 }), 0, -1, { c1: 0.5, c2: 0.4 })).toThrow(/0 < c1 < c2 < 1/);
  expect(strongWolfe(() => ({ f: 0, d: 0 }), 0, 1)).toMatchObject({ ok: false, nfev: 0 });
});
