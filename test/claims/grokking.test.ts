// The gallery's grokking claim (examples/claims/grokking.ts) in its quick configuration: with
// weight decay the held-out accuracy reaches 95% many times later than the training accuracy
// reaches 99%; without weight decay it does not within the quick budget. Its own file so that
// it runs beside the other claim tests (see optimisation.test.ts for why it needs dist/).
import { describe, expect, it } from "vitest";
import { claim as grokking } from "../../examples/claims/grokking.js";

describe("claims gallery: grokking", () => {
  it("modular addition: memorised early, generalised much later, only with weight decay", async () => {
    const r = await grokking.run({ quick: true, seed: 0 });
    expect(r.holds).toBe(true);
    expect(r.numbers.memorisedStep).toBeGreaterThanOrEqual(0);
    expect(r.numbers.memorisedStep).toBeLessThan(200);
    expect(r.numbers.generalisedStep).toBeLessThan(1800);
    expect(r.numbers.delayFactor).toBeGreaterThan(5);
    expect(r.numbers.noDecayMemorisedStep).toBeGreaterThanOrEqual(0);
    expect(r.numbers.noDecayFinalTest).toBeLessThan(0.5);
  }, 120_000);
});
