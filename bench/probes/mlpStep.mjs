// The jit bench's MLP case alone (784-256-10, batch 128, float32 loss and gradient), for profiling
// and quick A/B runs: SIDE=compiled|eager|both (default both, alternating blocks), STEPS per block.
//   npm run build && node --cpu-prof --cpu-prof-dir=/tmp/prof bench/probes/mlpStep.mjs
import * as dh from "../../dist/index.js";
import { mlpCase } from "../setup.mjs";

const SIDE = process.env.SIDE ?? "both";
const STEPS = Number(process.env.STEPS ?? 300);
const BLOCKS = Number(process.env.BLOCKS ?? 6);
const { params, loss: mlpLoss } = mlpCase(dh);
const vg = dh.valueAndGrad(mlpLoss), c = dh.jit(vg);
const eager = () => vg(params).grad.w1, compiled = () => c(params).grad.w1;
const time = (fn) => { const t0 = performance.now(); for (let i = 0; i < STEPS; i++) fn(); return ((performance.now() - t0) * 1e3) / STEPS; };
for (let i = 0; i < 30; i++) { eager(); compiled(); }
const es = [], cs = [];
for (let b = 0; b < BLOCKS; b++) {
  if (SIDE !== "compiled") es.push(time(eager));
  if (SIDE !== "eager") cs.push(time(compiled));
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const f = (a) => a.length ? `${med(a).toFixed(0)} us (${Math.min(...a).toFixed(0)}-${Math.max(...a).toFixed(0)})` : "-";
console.log(`MLP step: eager ${f(es)}, compiled ${f(cs)}${es.length && cs.length ? `, ratio ${(med(es) / med(cs)).toFixed(2)}x` : ""}; ${JSON.stringify(c.stats.lastProgram)}; ${dh.backendInfo().threads} thread(s); load ${(await import("node:os")).loadavg()[0].toFixed(1)}`);
process.exit(0);
