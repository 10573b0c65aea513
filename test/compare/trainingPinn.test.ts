// The Poisson PINN as Müller and Zeinhofer (ICML 2023) set it up, its closed-form residual
// Jacobian, and energy natural gradient reaching an error Adam does not (their claim, small).
import { describe, expect, it } from "vitest";
import { adam, naturalGradient, optimizer, tensor, trainingProblems, valueAndGrad, type Tensor, type Tree } from "../../src/index.js";
import { residualJacobian } from "../../src/optim/secondOrder/residualJacobian.js";

describe("Poisson PINN (Müller and Zeinhofer 2023)", () => {
  it("the paper's setup: 28² interior + 4·29 boundary points, N(0, 0.1²) weights and biases, float64, 129 parameters", () => {
    const P = trainingProblems.poissonPinn();
    expect(P.paramCount).toBe(129);
    expect(P.interiorPoints.shape).toEqual([784, 2]);
    expect(P.boundaryPoints.shape).toEqual([116, 2]);
    const X = Array.from(P.interiorPoints.dataSync());
    expect(Math.min(...X)).toBeCloseTo(1 / 29, 14);
    expect(Math.max(...X)).toBeCloseTo(28 / 29, 14);
    const p = P.init(0) as Array<Record<string, Tensor>>;
    const v = [p[0].w, p[0].b, p[2].w, p[2].b].flatMap((t) => { expect(t.dtype).toBe("float64"); return Array.from(t.dataSync()); });
    expect(v.length).toBe(129);
    const sd = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    expect(sd).toBeGreaterThan(0.08);
    expect(sd).toBeLessThan(0.12);
    // ½‖r‖² is half the paper's loss mean (Δu + f)² + 4 mean u² (a zero network: u = Δu = 0)
    const zero = (t: Tensor) => tensor(new Array(t.size).fill(0), { dtype: "float64" }).reshape(t.shape);
    const z = [{ w: zero(p[0].w), b: zero(p[0].b) }, {}, { w: zero(p[2].w), b: tensor([0.3], { dtype: "float64" }) }] as Tree;
    const f2 = Array.from({ length: 784 }, (_, i) => trainingProblems.poissonSource(X[2 * i], X[2 * i + 1]) ** 2);
    const paper = f2.reduce((s, x) => s + x, 0) / 784 + 4 * 0.3 ** 2;
    expect(P.extra.loss(z).item()).toBeCloseTo(paper / 2, 10);
  });

  it("the closed-form residual Jacobian equals autodiff's (reverse passes) at random parameters", () => {
    const P = trainingProblems.poissonPinn({ interior: 4, boundary: 3, hidden: 5 });
    for (const seed of [1, 2]) {
      const p = P.init(seed);
      const auto = residualJacobian(P.residuals, p, "rows", "test");
      const J = P.extra.residualJacobian!(p);
      expect(J.shape).toEqual([auto.m, auto.n]);
      expect([auto.m, auto.n]).toEqual([16 + 12, 21]);
      const scale = auto.J.reduce((s, x) => Math.max(s, Math.abs(x)), 0);
      expect(J).toBeAllclose(Array.from(auto.J), { atol: 1e-13 * scale, rtol: 1e-11 });
    }
  });

  it("ENGD (pinv, no damping, grid line search) reaches relative L2 error <= 1e-5 in 50 steps; Adam stays above 1e-3 after 400", () => {
    // 10² interior + 44 boundary points: full setting is bench/probes/pinnNaturalGradient.mjs
    const P = trainingProblems.poissonPinn({ interior: 10, boundary: 11 });
    const p = P.init(0);
    const ng = optimizer(naturalGradient(P.methodOptions!["natural-gradient"] as never), p);
    const errors: number[] = [];
    for (let k = 0; k < 50; k++) { ng.step(p, P.extra); errors.push(P.metric.evaluate(p)); }
    expect(Math.min(...errors.slice(-5))).toBeLessThanOrEqual(1e-5);
    expect(errors[errors.length - 1]).toBeLessThanOrEqual(1e-5);
    const q = P.init(0);
    const first = optimizer(adam({ lr: 1e-2 }), q);
    const vg = valueAndGrad(P.extra.loss as (t: Tree) => Tensor);
    let best = Infinity;
    for (let k = 0; k < 400; k++) { first.step(vg(q).grad, P.extra); if (k % 50 === 49) best = Math.min(best, P.metric.evaluate(q)); }
    expect(best).toBeGreaterThan(1e-3);
  }, 120_000);
});
