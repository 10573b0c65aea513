/**
 * Claim: deep tanh networks lose their gradients without Xavier/He initialisation.
 * A 20-hidden-layer tanh MLP (784 -> 128 x 20 -> 10) on a batch of real MNIST digits: the norm
 * of the cross-entropy gradient with respect to each layer's weights at initialisation, for
 * weights drawn N(0, 1), N(0, 0.01²), Xavier/Glorot normal (std √(2/(in+out))) and He normal
 * (std √(2/in)). Then each net trains briefly with Adam (whose steps do not depend on the
 * gradient's scale) to see which can learn.
 *
 *   npx tsx examples/claims/tanh-init.ts [--quick] [--seed 0]
 */
import * as dh from "downhill";
import { runDirect, fmtNum, pct, type Claim } from "./claim.js";
import { lineChart } from "./plot.js";
import { digits } from "./mnistData.js";

const normal = (std: number): ((shape: readonly number[], rng: dh.Rng, dtype?: dh.DType) => dh.Tensor) =>
  (shape, rng, dtype) => dh.randn([...shape], { rng, dtype }).mul(std);

export const claim: Claim = {
  id: "tanh-init",
  title: "Deep tanh nets lose their gradients without Xavier/He initialisation",
  statement: "In a deep tanh network with naive initial weights the gradient vanishes before it reaches the first layers; Xavier/He scaling keeps it alive.",
  async run({ quick, seed }) {
    const depth = 20, width = 128;
    const data = await digits(quick ? 1000 : 4000, quick ? 500 : 2000, seed);
    const batch = { x: dh.slice(data.train.x, [0, 0], [256, 784]), y: dh.slice(data.train.y, [0], [256]) };
    const inits = [
      { label: "N(0, 1)", init: normal(1) },
      { label: "N(0, 0.01²)", init: normal(0.01) },
      { label: "Xavier normal", init: "glorotNormal" as const },
      { label: "He normal", init: "heNormal" as const },
    ];
    const build = (init: (typeof inits)[number]["init"]) => {
      const rng = new dh.Rng(seed);
      const layers: dh.nn.Layer<any>[] = [];
      for (let l = 0; l < depth; l++) layers.push(dh.nn.linear(l ? width : 784, width, { init, rng }), dh.nn.tanh());
      layers.push(dh.nn.linear(width, 10, { init, rng }));
      return dh.nn.sequential(layers);
    };
    const results: Array<(typeof inits)[number] & { perLayer: number[]; accuracy: number }> = [];
    for (const it of inits) {
      const model = build(it.init);
      const g = dh.grad((p: dh.Tree) => dh.crossEntropy(model.apply(p as any, batch.x), batch.y))(model.params);
      const leaves = dh.gradientNorms(g).leaves;
      const perLayer = Object.keys(leaves).filter((k) => k.endsWith(".w")).map((k) => leaves[k]);
      await dh.fit(model, data.train, { optimizer: dh.adam({ lr: 1e-3 }), epochs: quick ? 1 : 3, batchSize: 64, seed, progress: "none", diagnostics: { nonFinite: "skip" } });
      results.push({ ...it, perLayer, accuracy: dh.evaluate(model, data.test).accuracy });
    }
    const [big, small, xavier, he] = results;
    const ratio = (r: (typeof results)[number]) => r.perLayer[0] / r.perLayer[depth - 1];
    const numbers = {
      n01FirstOverLast: ratio(big), n01FirstLayer: big.perLayer[0],
      smallFirstLayer: small.perLayer[0], xavierFirstOverLast: ratio(xavier), heFirstOverLast: ratio(he),
      xavierMinLayer: Math.min(...xavier.perLayer),
      n01Accuracy: big.accuracy, smallAccuracy: small.accuracy, xavierAccuracy: xavier.accuracy, heAccuracy: he.accuracy,
    };
    const holds = small.perLayer[0] < 1e-6 && ratio(big) < 1e-2 && xavier.accuracy > Math.max(big.accuracy, small.accuracy);
    const verdict = `Half right. Too small a scale, N(0, 0.01²), does lose the gradient: every layer's is ~${small.perLayer[0].toExponential(0)} and the net stays at ${pct(small.accuracy)} held-out. `
      + `But N(0, 1) does not vanish, it explodes backwards: the first layer's gradient is ${fmtNum(ratio(big))}x the last hidden layer's (${big.perLayer[0].toExponential(1)}), through saturated units, and it trains to ${pct(big.accuracy)}. `
      + `Xavier keeps every layer within ${fmtNum(xavier.perLayer[0] / Math.min(...xavier.perLayer))}x of each other (first/last ${fmtNum(ratio(xavier))}) and trains to ${pct(xavier.accuracy)}; He (gain √2, meant for ReLU) ${pct(he.accuracy)}.`;
    const svg = lineChart(results.map((r) => ({ label: r.label, x: r.perLayer.map((_, i) => i + 1), y: r.perLayer })),
      { title: `gradient norm per layer at initialisation, ${depth} tanh layers of ${width}`, xLabel: `linear layer (1 = input side, ${depth + 1} = output)`, yLabel: "||∂L/∂W_l||", logY: true });
    const summary = `layer-1/layer-20 gradient: N(0,1) ${ratio(big).toExponential(0)} (explodes), N(0,0.01²) all ~${small.perLayer[0].toExponential(0)} (vanishes), Xavier ${fmtNum(ratio(xavier))}; accuracy ${pct(big.accuracy)} / ${pct(small.accuracy)} / ${pct(xavier.accuracy)}`;
    return { holds, partly: true, verdict, summary, numbers, svg, notes: `Mean-field theory (Poole et al. 2016, Schoenholz et al. 2017): with std σ/√fan_in, tanh nets are ordered (gradients vanish) for σ < 1 and chaotic (gradients explode) for large σ; N(0, 1) at fan-in 128 is σ ≈ 11, deep in the chaotic phase. Xavier (σ ≈ 1) sits at the edge of chaos. Training: Adam lr 1e-3, ${quick ? 1 : 3} epoch(s), batch 64, on ${data.nTrain} digits; held-out accuracy on ${data.nTest}.` };
  },
};

await runDirect(claim, import.meta.url);
