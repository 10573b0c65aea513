// MNIST through `fit`, compiled step (default) against `jit: false`, one epoch each, alternating,
// ROUNDS rounds (same data, model seed and batch order on both sides): seconds per epoch and the
// ratio per round. The issue's target is the compiled epoch; the eager one is the same run's baseline.
//   npm run build && node --expose-gc bench/probes/fitJit.mjs      ROUNDS=4 by default
import * as dh from "../../dist/index.js";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const ROUNDS = Number(process.env.ROUNDS ?? 4);
const require = createRequire(import.meta.url);
const xs = [], ys = [];
for (let d = 0; d < 10; d++) {
  const raw = JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), "utf8")).data;
  const n = Math.floor(0.8 * (raw.length / 784));
  for (let s = 0; s < n; s++) { xs.push(raw.slice(s * 784, (s + 1) * 784)); ys.push(d); }
}
const train = { x: dh.tensor(Float32Array.from(xs.flat()), { shape: [ys.length, 784] }), y: dh.tensor(Float32Array.from(ys)) };

async function epoch(jit) {
  const rng = new dh.Rng(0);
  const model = dh.nn.sequential([dh.nn.linear(784, 256, { init: "heNormal", rng }), dh.nn.relu(), dh.nn.linear(256, 10, { rng })]);
  // a first epoch warms V8 and the compiled step; the second is timed
  const times = [];
  const r = await dh.fit(model, train, { optimizer: dh.adam({ lr: 1e-3 }), epochs: 2, batchSize: 64, seed: 1, progress: "none", jit, onEpoch: (rec) => void times.push(rec.seconds) });
  return { s: times[1], loss: r.history.epochs?.[1]?.loss ?? r.history.at?.(-1)?.loss, jit: r.jit };
}

const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const c = [], e = [], ratios = [];
for (let r = 0; r < ROUNDS; r++) {
  const first = r % 2 === 0;
  const a = await epoch(first), b = await epoch(!first);
  const [jc, je] = first ? [a, b] : [b, a];
  c.push(jc.s); e.push(je.s); ratios.push(je.s / jc.s);
  console.log(`round ${r}: compiled ${jc.s.toFixed(3)} s (${jc.jit.compiled ? "compiled" : `eager: ${jc.jit.reason}`}), jit: false ${je.s.toFixed(3)} s`);
}
console.log(`MNIST epoch through fit (${ys.length} digits, batch 64, Adam): compiled ${med(c).toFixed(3)} s (${Math.min(...c).toFixed(3)}-${Math.max(...c).toFixed(3)}), eager ${med(e).toFixed(3)} s (${Math.min(...e).toFixed(3)}-${Math.max(...e).toFixed(3)}), eager/compiled ${med(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}); load average ${(await import("node:os")).loadavg()[0].toFixed(1)}`);
process.exit(0);
