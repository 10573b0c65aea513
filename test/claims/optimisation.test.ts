// The gallery's optimisation claims (examples/claims/), each in its quick configuration with its
// fixed seed: the test pins the verdict we measured and the direction of its key numbers, so it
// fails when a change to the library flips a verdict. The claims import the built package
// ("downhill" resolves to dist/ through package.json "exports"): npm test builds first.
import { describe, expect, it } from "vitest";
import { claim as learningRate } from "../../examples/claims/learning-rate.js";
import { claim as momentumRavine } from "../../examples/claims/momentum-ravine.js";
import { claim as nesterovPolyak } from "../../examples/claims/nesterov-polyak.js";
import { claim as newtonOrder } from "../../examples/claims/newton-order.js";
import { claim as saddleEscape } from "../../examples/claims/saddle-escape.js";

const quick = { quick: true, seed: 0 };

describe("claims gallery: optimisation", () => {
  it("learning rate: above 2/L diverges, below it the step count grows like 1/lr", async () => {
    const r = await learningRate.run(quick);
    expect(r.holds).toBe(true);
    expect(r.numbers["steps@1.05x"]).toBe(-1); // diverged
    expect(r.numbers["steps@0.05x"]).toBeGreaterThan(5 * r.numbers["steps@0.5x"]);
    expect(r.numbers.stepsTimesLrSpread).toBeLessThan(1.1);
    expect(r.svg).toMatch(/^<svg/);
  });

  it("momentum in a ravine: faster and less zig-zag at moderate tuning, not at the fastest tuning", async () => {
    const r = await momentumRavine.run(quick);
    expect([r.holds, r.partly]).toEqual([true, true]);
    expect(r.numbers.momentum09Steps).toBeLessThan(r.numbers.gdSteps);
    expect(r.numbers.momentum09Across).toBeLessThan(r.numbers.gdAcross / 3);
    expect(r.numbers.heavyBallSteps).toBeLessThan(r.numbers.gdSteps / 3);
    expect(r.numbers.heavyBallAcross).toBeGreaterThan(r.numbers.gdAcross / 2);
  });

  it("Nesterov vs Polyak: the optimally tuned heavy ball is faster on a quadratic, and cycles on Lessard's function", async () => {
    const r = await nesterovPolyak.run(quick);
    expect(r.holds).toBe(false);
    expect(r.numbers.polyakSteps).toBeLessThan(r.numbers.nesterovSteps);
    // the fitted rates match the textbook rates
    expect(Math.abs(r.numbers.polyakRate - r.numbers.polyakRateTheory)).toBeLessThan(0.01);
    expect(Math.abs(r.numbers.nesterovRate - r.numbers.nesterovRateTheory)).toBeLessThan(0.01);
    expect(r.numbers.lessardPolyakFinal).toBeGreaterThan(1e-3);
    expect(r.numbers.lessardNesterovSteps).toBeLessThan(300);
  });

  it("Newton's fitted order is 2, gradient descent's 1", async () => {
    const r = await newtonOrder.run(quick);
    expect(r.holds).toBe(true);
    expect(r.numbers.newtonOrder).toBeGreaterThan(1.8);
    expect(Math.abs(r.numbers.gdOrder - 1)).toBeLessThan(0.05);
    expect(r.numbers.gdRatio).toBeGreaterThan(0.5);
    expect(r.numbers.gdRatio).toBeLessThan(1);
    expect(r.numbers.newtonIterations).toBeLessThan(r.numbers.gdIterations / 10);
  });

  it("saddle: GD on the stable manifold stalls, noisy GD escapes sooner than GD from 1e-8 off", async () => {
    const r = await saddleEscape.run(quick);
    expect(r.holds).toBe(true);
    expect(r.numbers.exactEscapeSteps).toBe(Infinity);
    expect(r.numbers.exactFinalGradNorm).toBeLessThan(1e-10);
    expect(r.numbers.noisyEscapedFraction).toBe(1);
    expect(r.numbers.noisyMedianSteps).toBeLessThan(r.numbers.nearEscapeSteps);
  });
});
