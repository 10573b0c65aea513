/**
 * Claim: too large a learning rate diverges, too small a one crawls.
 * Gradient descent on a quadratic with curvatures in [10, 100] (L = 100): the step count to
 * f = 1e-6 f(x0) for learning rates from 0.02 to 1.05 times 2/L. Theory: the error in the
 * direction of curvature λ shrinks by |1 - lr λ| per step, so lr < 2/L converges, lr > 2/L
 * diverges, and below 1/L the count grows like 1/lr.
 *
 *   npx tsx examples/claims/learning-rate.ts [--quick] [--seed 0]
 */
import * as dh from "downhill";
import { runDirect, fmtNum, type Claim } from "./claim.js";
import { lineChart } from "./plot.js";
import { quadratic, descend } from "./quadratic.js";

export const claim: Claim = {
  id: "learning-rate",
  title: "Too large a learning rate diverges, too small crawls",
  statement: "Gradient descent diverges above a critical learning rate and slows down in proportion below it.",
  async run({ quick }) {
    const q = quadratic(quick ? 20 : 100, 10, 100);
    const critical = 2 / q.L;
    const factors = quick ? [0.05, 0.5, 0.95, 1.05] : [0.02, 0.05, 0.1, 0.2, 0.5, 0.8, 0.95, 1.05];
    const runs = factors.map((c) => ({ c, lr: c * critical, ...descend(q.f, q.x0(), dh.sgd({ lr: c * critical }), { target: 1e-6, maxSteps: 5000 }) }));
    const numbers: Record<string, number> = { criticalLr: critical };
    for (const r of runs) {
      numbers[`steps@${r.c}x`] = r.outcome === "reached" ? r.steps : r.outcome === "diverged" ? -1 : Infinity;
    }
    const below = runs.filter((r) => r.c < 1), above = runs.filter((r) => r.c > 1);
    const slowest = below[0], fastest = below.reduce((a, b) => (b.steps < a.steps ? b : a));
    const holds = below.every((r) => r.outcome === "reached") && above.every((r) => r.outcome === "diverged") && slowest.steps > 5 * fastest.steps;
    numbers.slowdown = slowest.steps / fastest.steps;
    // below 1/L the slowest direction sets the pace: steps x lr should be about constant
    const crawl = below.filter((r) => r.c <= 0.5).map((r) => r.steps * r.lr);
    numbers.stepsTimesLrSpread = Math.max(...crawl) / Math.min(...crawl);
    const verdict = `On a quadratic with L = ${q.L}, lr = ${fmtNum(above[0].lr)} (just above 2/L = ${fmtNum(critical)}) diverges (f > 1e6 f0 after ${above[0].steps} steps); `
      + `lr = ${fmtNum(fastest.lr)} reaches 1e-6 f0 in ${fastest.steps} steps, lr = ${fmtNum(slowest.lr)} needs ${fmtNum(slowest.steps)} (${fmtNum(slowest.steps / fastest.steps)}x); `
      + `up to lr = 1/L, steps x lr is constant within ${fmtNum(100 * (numbers.stepsTimesLrSpread - 1))}%.`;
    const svg = lineChart(runs.map((r) => ({ label: `lr = ${r.c} x 2/L${r.outcome === "diverged" ? " (diverged)" : ""}`, x: r.rel.map((_, i) => i), y: r.rel })),
      { title: "gradient descent on a quadratic, curvatures 10..100", xLabel: "step", yLabel: "f(x) / f(x0)", logY: true, yMin: -7, yMax: 6, logX: false });
    const summary = `${above[0].c} x 2/L diverges; ${slowest.c} x 2/L takes ${fmtNum(slowest.steps)} steps, ${fmtNum(slowest.steps / fastest.steps)}x the ${fmtNum(fastest.steps)} of ${fastest.c} x 2/L`;
    return { holds, verdict, summary, numbers, svg, notes: `Plain gradient descent (sgd, no momentum), float64, x0 = (1, ..., 1). Per direction the error shrinks by |1 - lr λ| a step: ${below.map((r) => `at ${r.c} x 2/L the slowest factor is ${fmtNum(Math.max(Math.abs(1 - r.lr * q.mu), Math.abs(1 - r.lr * q.L)))}`).join("; ")}; above 2/L the steepest direction's factor exceeds 1.` };
  },
};

await runDirect(claim, import.meta.url);
