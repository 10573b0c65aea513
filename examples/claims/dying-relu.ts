/**
 * Claim: ReLUs die at high learning rates.
 * A 784-256-256-10 ReLU MLP (He init) trained on real MNIST digits with plain SGD and with Adam
 * at learning rates from small to large; afterwards, `deadReluFraction` counts the hidden units
 * whose output is 0 on every training digit (such a unit gets no gradient, so it stays dead).
 *
 *   npx tsx examples/claims/dying-relu.ts [--quick] [--seed 0]
 */
import * as dh from "downhill";
import { runDirect, fmtNum, pct, type Claim } from "./claim.js";
import { barChart } from "./plot.js";
import { digits } from "./mnistData.js";

export const claim: Claim = {
  id: "dying-relu",
  title: "ReLUs die at high learning rates",
  statement: "Train a ReLU network with too large a learning rate and many units end up never firing again.",
  async run({ quick, seed }) {
    const data = await digits(quick ? 2000 : 4000, quick ? 500 : 2000, seed);
    const runs = quick
      ? [{ label: "SGD 0.01", t: dh.sgd({ lr: 0.01 }) }, { label: "SGD 1", t: dh.sgd({ lr: 1 }) }, { label: "Adam 1e-3", t: dh.adam({ lr: 1e-3 }) }, { label: "Adam 3e-2", t: dh.adam({ lr: 3e-2 }) }]
      : [0.01, 0.1, 0.5, 1, 2].map((lr) => ({ label: `SGD ${lr}`, t: dh.sgd({ lr }) })).concat([1e-3, 1e-2, 3e-2].map((lr) => ({ label: `Adam ${lr.toExponential(0)}`, t: dh.adam({ lr }) })));
    const results = [];
    for (const r of runs) {
      const rng = new dh.Rng(seed);
      const model = dh.nn.sequential([dh.nn.linear(784, 256, { init: "heNormal", rng }), dh.nn.relu(), dh.nn.linear(256, 256, { init: "heNormal", rng }), dh.nn.relu(), dh.nn.linear(256, 10, { rng })]);
      const deadAtInit = Object.values(dh.deadReluFraction(model, model.params, data.train.x));
      await dh.fit(model, data.train, { optimizer: r.t, epochs: quick ? 2 : 3, batchSize: 64, seed, progress: "none", diagnostics: { nonFinite: "skip" } });
      const dead = Object.values(dh.deadReluFraction(model, model.params, data.train.x));
      results.push({ label: r.label, dead, deadAtInit, mean: (dead[0] + dead[1]) / 2, accuracy: dh.evaluate(model, data.test).accuracy });
    }
    const sgd = results.filter((r) => r.label.startsWith("SGD")), adam = results.filter((r) => r.label.startsWith("Adam"));
    const lo = sgd[0], hi = sgd[sgd.length - 1]; // the smallest and the largest SGD learning rate
    const numbers: Record<string, number> = { deadAtInit: Math.max(...results.flatMap((r) => r.deadAtInit)) };
    for (const r of results) { numbers[`dead ${r.label}`] = r.mean; numbers[`accuracy ${r.label}`] = r.accuracy; }
    const holds = lo.mean < 0.02 && hi.mean > 0.3 && adam[adam.length - 1].mean > adam[0].mean + 0.05;
    const verdict = `Holds. At init no unit is dead; after training, SGD at lr 0.01 leaves ${pct(lo.mean)} of the hidden units dead (held-out ${pct(lo.accuracy)}), SGD at lr ${hi.label.slice(4)} kills ${pct(hi.mean)} (layer 1: ${pct(hi.dead[0])}, layer 2: ${pct(hi.dead[1])}) and the net falls to ${pct(hi.accuracy)}. `
      + `Adam at ${adam[0].label.slice(5)}: ${pct(adam[0].mean)} dead; at ${adam[adam.length - 1].label.slice(5)}: ${pct(adam[adam.length - 1].mean)} (accuracy ${pct(adam[adam.length - 1].accuracy)}).`;
    const svg = barChart(results.map((r) => r.label), [{ label: "hidden layer 1", values: results.map((r) => 100 * r.dead[0]) }, { label: "hidden layer 2", values: results.map((r) => 100 * r.dead[1]) }],
      { title: "dead ReLU units after training (% of 256 per layer)", yLabel: "% dead", yMax: 100 })
      + barChart(results.map((r) => r.label), [{ label: "held-out accuracy", values: results.map((r) => 100 * r.accuracy) }], { title: "held-out accuracy (%)", yLabel: "%", yMax: 100 });
    const summary = `dead hidden units after training: ${results.map((r) => `${r.label} ${pct(r.mean)}`).join(", ")}`;
    return { holds, verdict, summary, numbers, svg, notes: `A unit is dead when its output is 0 for all ${data.nTrain} training digits. One oversized step can push a unit's bias and weights so far that its pre-activation is negative on every input; its gradient is then exactly 0 and no later step revives it. ${quick ? 2 : 3} epochs, batch 64, seed ${seed}; accuracy on ${fmtNum(data.nTest)} held-out digits.` };
  },
};

await runDirect(claim, import.meta.url);
