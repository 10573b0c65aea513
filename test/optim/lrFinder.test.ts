/** The range test on a problem whose stability limit is known: SGD on ½·a·x² diverges for lr > 2/a. */
import { vals } from "../helpers.js";
import { expect, it } from "vitest";
import { ArgumentError, tensor, valueAndGrad, type Tensor } from "../../src/index.js";
import { lrFinder, sgd } from "../../src/optim/index.js";

it("sweeps exponentially, stops on divergence beyond 2/a, suggests a stable rate, leaves params alone", () => {
  const a = tensor([1, 4, 10], { dtype: "float64" }); // curvatures: SGD diverges once lr > 2/10 = 0.2
  const x0 = tensor([1, 1, 1], { dtype: "float64" });
  const f = (x: Tensor) => x.square().mul(a).sum().mul(0.5);
  const r = lrFinder({ transform: (lr) => sgd({ lr }), params: x0, lossAndGrad: (p) => valueAndGrad(f)(p as Tensor), minLr: 1e-4, maxLr: 10, steps: 60 });
  expect(vals(x0)).toEqual(new Float64Array([1, 1, 1]));
  expect(r.lrs[0]).toBeCloseTo(1e-4, 15);
  expect(r.lrs[1] / r.lrs[0]).toBeCloseTo(Math.pow(1e5, 1 / 59), 12);
  expect(r.stoppedEarly).toBe(true);
  expect(r.lrs[r.lrs.length - 1]).toBeGreaterThan(0.2);
  expect(r.lrs.length).toBeLessThan(60);
  expect(r.suggestion).toBeLessThan(0.2);
  expect(r.suggestion).toBeGreaterThan(1e-3);
  expect(r.plot.x).toEqual(r.lrs);
  expect(r.plot.y).toEqual(r.smoothed);
});

it("validates its options", () => {
  const p = tensor([1]);
  const lag = (q: unknown) => valueAndGrad((x: Tensor) => x.square().sum())(q as Tensor);
  expect(() => lrFinder({ transform: (lr) => sgd({ lr }), params: p, lossAndGrad: lag, minLr: 1, maxLr: 0.1 })).toThrow(ArgumentError);
  expect(() => lrFinder({ transform: (lr: number) => sgd({ lr }), params: p, lossAndGrad: lag, beta: 0.9 } as never)).toThrow(/unknown option "beta"/);
});
