// Compiled (dh.jit) against eager, per call, in the same run: Rosenbrock-100 value and gradient
// (float64) written with slices and with shift-matrix matmuls, its H v, and an MLP 784-256-10
// loss and gradient (batch 128, float32). Each of ROUNDS rounds times PAIRS pairs of short blocks,
// eager and compiled back to back (alternating which goes first); printed: per-call µs (median
// of the round medians, and their range) and eager / compiled (median over rounds of each
// round's median per-pair ratio, and the range of those).
// Also checks the compiled results against eager (max abs difference).
//   node bench/jit.bench.mjs [--ready]      ROUNDS=5 PAIRS=21 by default
//   node --disallow-code-generation-from-strings bench/jit.bench.mjs   the fused-pass interpreter (as under strict CSP, in workerd)
import * as dh from "../dist/index.js";
import { configLine, mlpCase, start } from "./setup.mjs";

await start(dh);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const PAIRS = Number(process.env.PAIRS ?? 21);
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };

/** Per-call µs of one block of `reps` calls. */
function block(fn, reps) {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return ((performance.now() - t0) * 1e3) / reps;
}
/**
 * One round: warm both sides (>= 150 ms), then PAIRS pairs of short blocks, eager and compiled
 * back to back (which goes first alternates), so that a slow stretch of this shared machine hits
 * both sides of a pair. Returns the per-call medians and the median of the per-pair ratios.
 */
function round(c) {
  for (let i = 0, t0 = performance.now(); i < 20 || performance.now() - t0 < 150; i++) { c.eager(); c.compiled(); }
  const es = [], cs = [], rs = [];
  for (let p = 0; p < PAIRS; p++) {
    let e, k;
    if (p % 2 === 0) { e = block(c.eager, c.reps); k = block(c.compiled, c.reps); }
    else { k = block(c.compiled, c.reps); e = block(c.eager, c.reps); }
    es.push(e); cs.push(k); rs.push(e / k);
  }
  return { e: median(es), k: median(cs), r: median(rs) };
}
const maxDiff = (a, b) => { const x = a.dataSync(), y = b.dataSync(); let m = 0; for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i])); return m; };

// --- Rosenbrock-100, two formulations ---
const N = 100;
const rosenSlices = (x) => {
  const a = x.slice([0], [N - 1]), b = x.slice([1]);
  return b.sub(a.square()).square().mul(100).add(dh.sub(1, a).square()).sum();
};
// S0 x = x[0..n-2], S1 x = x[1..n-1] as (n-1) x n matrices
const S0 = dh.tensor(Array.from({ length: (N - 1) * N }, (_, k) => (Math.floor(k / N) === k % N ? 1 : 0)), { dtype: "float64" }).reshape([N - 1, N]);
const S1 = dh.tensor(Array.from({ length: (N - 1) * N }, (_, k) => (Math.floor(k / N) + 1 === k % N ? 1 : 0)), { dtype: "float64" }).reshape([N - 1, N]);
const rosenShift = (x) => {
  const a = dh.matmul(S0, x), b = dh.matmul(S1, x);
  return b.sub(a.square()).square().mul(100).add(dh.sub(1, a).square()).sum();
};
const x0 = dh.randn([N], { seed: 7, dtype: "float64" });
const v0 = dh.randn([N], { seed: 8, dtype: "float64" });

// --- MLP 784-256-10, batch 128, f32 ---
const { params, loss: mlpLoss } = mlpCase(dh);

const cases = [];
for (const [label, f] of [["Rosenbrock-100 value+grad, slices", rosenSlices], ["Rosenbrock-100 value+grad, shift matmuls", rosenShift]]) {
  const vg = dh.valueAndGrad(f), c = dh.jit(vg);
  const e = vg(x0), j = c(x0);
  cases.push({ label, reps: 200, eager: () => vg(x0).grad, compiled: () => c(x0).grad, diff: Math.max(maxDiff(e.value, j.value), maxDiff(e.grad, j.grad)) });
}
{
  const h = (x, v) => dh.hvp(rosenSlices, x, v), c = dh.jit(h);
  cases.push({ label: "Rosenbrock-100 H v, slices", reps: 200, eager: () => h(x0, v0), compiled: () => c(x0, v0), diff: maxDiff(h(x0, v0), c(x0, v0)) });
}
{
  const vg = dh.valueAndGrad(mlpLoss), c = dh.jit(vg);
  const e = vg(params), j = c(params);
  const d = Math.max(maxDiff(e.value, j.value), ...Object.keys(params).map((k) => maxDiff(e.grad[k], j.grad[k])));
  cases.push({ label: "MLP 784-256-10 b128 f32 loss+grad", reps: 3, eager: () => vg(params).grad.w1, compiled: () => c(params).grad.w1, diff: d });
}

console.log(`dh.jit: compiled vs eager per call, ${ROUNDS} alternating rounds · Node ${process.versions.node}`);
console.log(`${"case".padEnd(44)}${"eager µs (range)".padEnd(28)}${"compiled µs (range)".padEnd(28)}${"eager/compiled (range)".padEnd(26)}max |diff|`);
for (const c of cases) {
  const es = [], cs = [], rs = [];
  for (let r = 0; r < ROUNDS; r++) {
    const x = round(c);
    es.push(x.e); cs.push(x.k); rs.push(x.r);
  }
  const rng = (a) => `${median(a).toFixed(1)} (${Math.min(...a).toFixed(1)}-${Math.max(...a).toFixed(1)})`;
  console.log(`${c.label.padEnd(44)}${rng(es).padEnd(28)}${rng(cs).padEnd(28)}${`${median(rs).toFixed(2)}x (${Math.min(...rs).toFixed(2)}-${Math.max(...rs).toFixed(2)})`.padEnd(26)}${c.diff.toExponential(1)}`);
}
console.log(configLine(dh));
process.exit(0);
