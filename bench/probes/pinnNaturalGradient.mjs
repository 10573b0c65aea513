// How close does naturalGradient (damped Gauss-Newton with Armijo backtracking) get on the 2-D
// Poisson PINN? Müller and Zeinhofer (ICML 2023) report relative L2 errors of 1e-6 to 1e-8 after
// about 50 energy-natural-gradient iterations with a [2, 32, 1] tanh network, where Adam stalls
// near 1e-3. Prints the relative L2 error of natural gradient and of Adam along their runs.
//   node bench/probes/pinnNaturalGradient.mjs [ngSteps=100] [adamSteps=2000] [interior=10] [damping=1e-10]
import * as dh from "../../dist/index.js";

const [ngSteps = 100, adamSteps = 2000, interior = 10, damping = 1e-10] = process.argv.slice(2).map(Number);
const P = dh.trainingProblems.poissonPinn({ interior, boundary: interior });
console.log(`${P.description}; seed 0; damping ${damping}`);
for (const [name, tx, steps, every] of [["natural-gradient", dh.naturalGradient({ damping }), ngSteps, 10], ["adam lr 1e-2", dh.adam({ lr: 1e-2 }), adamSteps, 250]]) {
  const p = P.init(0);
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
      console.log(`${name.padEnd(16)} step ${String(k).padStart(5)}  loss ${P.extra.loss(p).item().toExponential(2)}  relative L2 ${e.toExponential(2)}  ${(ms / 1000).toFixed(1)} s`);
    }
  }
  console.log(`${name}: best relative L2 error ${best.toExponential(2)} in ${steps} steps, ${(ms / steps).toFixed(2)} ms/step`);
}
