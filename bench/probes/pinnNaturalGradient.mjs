// Natural gradient on the 2-D Poisson PINN of Müller and Zeinhofer (ICML 2023): their ENGD
// (least squares on the Gramian, the best of a grid of 31 step sizes) reaches L2 errors of 1e-6
// to 1e-8 in about 50 iterations with a [2, 32, 1] tanh network, where Adam stalls near 1e-3.
// Two parts:
//  1. step time of naturalGradient by how J is built, alternating: "rows" (a reverse pass per
//     residual, the old way), "columns" (a forward-mode product per parameter), and the PINN's
//     closed form (extra.residualJacobian), each on the same parameters;
//  2. the ENGD runs (closed-form J) on seeds 0 .. seeds-1, relative L2 error every 5 steps, and
//     Adam (seed 0) beside them.
//   node bench/probes/pinnNaturalGradient.mjs [ngSteps=70] [adamSteps=3000] [interior=28] [boundary=29] [timingRounds=3] [seeds=3]
import * as dh from "../../dist/index.js";

const [ngSteps = 70, adamSteps = 3000, interior = 28, boundary = 29, rounds = 3, seeds = 3] = process.argv.slice(2).map(Number);
await dh.ready();
const P = dh.trainingProblems.poissonPinn({ interior, boundary });
const engd = P.methodOptions["natural-gradient"];
console.log(`${P.description}; seed 0; natural gradient ${JSON.stringify(engd)}`);

const { residualJacobian, ...autodiffOnly } = P.extra;
const ways = [["rows", { ...engd, jacobian: "rows" }, autodiffOnly], ["columns", { ...engd, jacobian: "columns" }, autodiffOnly], ["closed form", engd, P.extra]];
const times = Object.fromEntries(ways.map(([w]) => [w, []]));
for (let r = 0; r < rounds; r++) {
  for (const [w, o, extra] of r % 2 ? [...ways].reverse() : ways) {
    const p = P.init(0), tx = dh.naturalGradient(o);
    const t0 = performance.now();
    tx.update(p, tx.init(p), p, extra);
    times[w].push(performance.now() - t0);
  }
}
for (const [w, t] of Object.entries(times)) console.log(`step, J by ${w.padEnd(11)}: ${Math.min(...t).toFixed(0)}-${Math.max(...t).toFixed(0)} ms (${rounds} rounds, alternating)`);
// the line search alone: 31 evaluations of the residuals
{ const p = P.init(0), t0 = performance.now(); for (let k = 0; k < 31; k++) P.residuals(p).dataSync(); console.log(`31 residual evaluations (the grid line search): ${(performance.now() - t0).toFixed(0)} ms`); }

const runs = [...Array.from({ length: seeds }, (_, s) => [`natural-gradient seed ${s}`, dh.naturalGradient(engd), ngSteps, 5, s]), ["adam lr 1e-3", dh.adam({ lr: 1e-3 }), adamSteps, 500, 0]];
for (const [name, tx, steps, every, seed] of runs) {
  const p = P.init(seed);
  const opt = dh.optimizer(tx, p);
  const vg = dh.valueAndGrad(P.extra.loss);
  let ms = 0, best = Infinity;
  for (let k = 1; k <= steps; k++) {
    const t0 = performance.now();
    const { grad } = vg(p);
    opt.step(grad, P.extra);
    ms += performance.now() - t0;
    if (k % every === 0 || k === steps) {
      const e = P.metric.evaluate(p);
      best = Math.min(best, e);
      console.log(`${name.padEnd(24)} step ${String(k).padStart(5)}  loss ${P.extra.loss(p).item().toExponential(2)}  relative L2 ${e.toExponential(2)}  ${(ms / 1000).toFixed(1)} s`);
    }
  }
  console.log(`${name}: best relative L2 error ${best.toExponential(2)} in ${steps} steps, ${(ms / steps).toFixed(1)} ms/step`);
}
