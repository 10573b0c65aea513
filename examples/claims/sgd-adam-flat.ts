/**
 * Claim: SGD finds flatter minima than Adam, and they generalise better.
 * A 784-128-10 ReLU MLP on real MNIST digits, trained by SGD (lr 0.1), SGD with momentum 0.9
 * (lr 0.01) and Adam (lr 1e-3) until the epoch's mean training loss falls below the same target,
 * so that the minima are compared at the same depth (cross-entropy's Hessian shrinks as the loss
 * goes to 0, so a lower loss alone would look flatter). Sharpness: the top eigenvalue of the
 * training loss's Hessian by power iteration on `hvp`, on a fixed subset of the training digits.
 *
 *   npx tsx examples/claims/sgd-adam-flat.ts [--quick] [--seed 0]
 */
import * as dh from "downhill";
import { runDirect, fmtNum, pct, type Claim } from "./claim.js";
import { barChart } from "./plot.js";
import { digits } from "./mnistData.js";
import { topEigenvalue } from "./sharpness.js";

export const claim: Claim = {
  id: "sgd-adam-flat",
  title: "SGD finds flatter minima than Adam",
  statement: "Adaptive methods converge to sharper minima than SGD, which is why SGD generalises better.",
  async run({ quick, seed }) {
    const data = await digits(quick ? 1000 : 4000, quick ? 500 : 2000, seed);
    const target = quick ? 0.15 : 0.05, seeds = quick ? [seed] : [seed, seed + 1];
    const probe = { x: dh.slice(data.train.x, [0, 0], [quick ? 300 : 1000, 784]), y: dh.slice(data.train.y, [0], [quick ? 300 : 1000]) };
    const methods = [
      { label: "SGD lr 0.1", make: () => dh.sgd({ lr: 0.1 }) },
      { label: "SGD+momentum 0.9, lr 0.01", make: () => dh.sgd({ lr: 0.01, momentum: 0.9 }) },
      { label: "Adam lr 1e-3", make: () => dh.adam({ lr: 1e-3 }) },
    ];
    const runs: Array<{ label: string; seed: number; epochs: number; trainLoss: number; accuracy: number; sharpness: number }> = [];
    for (const s of seeds) for (const m of methods) {
      const rng = new dh.Rng(s);
      const model = dh.nn.sequential([dh.nn.linear(784, 128, { init: "heNormal", rng }), dh.nn.relu(), dh.nn.linear(128, 10, { rng })]);
      const r = await dh.fit(model, data.train, { optimizer: m.make(), epochs: 100, batchSize: 64, seed: s, progress: "none", onEpoch: (e) => e.values.loss > target });
      const f = (p: dh.Tree) => dh.crossEntropy(model.apply(p as typeof model.params, probe.x), probe.y);
      runs.push({
        label: m.label, seed: s, epochs: r.history.epochs.length,
        trainLoss: dh.evaluate(model, data.train).loss, accuracy: dh.evaluate(model, data.test).accuracy,
        sharpness: topEigenvalue(f, model.params, { iterations: 20, seed: s + 100 }),
      });
    }
    const mean = (label: string, k: "sharpness" | "accuracy" | "trainLoss" | "epochs") => { const r = runs.filter((x) => x.label === label); return r.reduce((a, b) => a + b[k], 0) / r.length; };
    const numbers: Record<string, number> = {};
    for (const m of methods) for (const k of ["sharpness", "accuracy", "trainLoss", "epochs"] as const) numbers[`${k} ${m.label}`] = mean(m.label, k);
    const sgdSharp = Math.min(mean(methods[0].label, "sharpness"), mean(methods[1].label, "sharpness")), adamSharp = mean(methods[2].label, "sharpness");
    numbers.adamOverSgdSharpness = adamSharp / sgdSharp;
    const holds = sgdSharp < 0.8 * adamSharp;
    const row = (m: (typeof methods)[number]) => `${m.label}: λ_max ${fmtNum(mean(m.label, "sharpness"))}, held-out ${pct(mean(m.label, "accuracy"))} after ${fmtNum(mean(m.label, "epochs"))} epochs`;
    const verdict = `${holds ? "Holds" : "Not here"}: trained to the same training loss (${target}), ${methods.map(row).join("; ")}. Adam's minimum is ${fmtNum(adamSharp / sgdSharp)}x as sharp as the flatter SGD one${seeds.length > 1 ? ` (mean of ${seeds.length} seeds)` : ""}.`;
    const svg = barChart(methods.map((m) => m.label), [{ label: "top Hessian eigenvalue", values: methods.map((m) => mean(m.label, "sharpness")) }], { title: `sharpness at training loss ${target}`, yLabel: "λ_max" })
      + barChart(methods.map((m) => m.label), [{ label: "held-out accuracy (%)", values: methods.map((m) => 100 * mean(m.label, "accuracy")) }], { title: "held-out accuracy (%)", yLabel: "%", yMin: 80, yMax: 100 });
    return {
      holds, verdict, numbers, svg,
      summary: `λ_max at training loss ${target}: ${methods.map((m) => `${m.label.split(",")[0].replace(" lr", "")} ${fmtNum(mean(m.label, "sharpness"))}`).join(", ")}; held-out ${methods.map((m) => pct(mean(m.label, "accuracy"))).join(" / ")}`,
      notes: `${data.nTrain} training digits, batch 64, stop at the first epoch whose mean training loss is below ${target}; λ_max from 20 power iterations of hvp on ${probe.x.shape[0]} training digits; accuracy on ${data.nTest} held-out. The reports of sharper Adam minima and an SGD generalisation edge (Keskar & Socher 2017, Wilson et al. 2017) come from convolutional nets on CIFAR-scale data trained far longer; on a small MLP on MNIST, at matched training loss, the three optimizers land on minima of about the same curvature and accuracy.`,
    };
  },
};

await runDirect(claim, import.meta.url);
