// Not a benchmark of its own: an A/B of two builds of the library on bench/minimize.bench.mjs's
// Rosenbrock-100 cases, for a change that should not move them (e.g. the small-array allocator).
// Both bundles are imported into this one process (each with its own WebAssembly core), warmed
// up, then timed in alternation, run by run (A B B A ...), so a slow stretch of a shared machine
// hits both. Reports wall and CPU time (process.cpuUsage: this process's threads only, so other
// processes on the machine disturb it less) per minimize() call, median [min-max].
//   node bench/probes/minimizeAB.mjs <dist A>/index.js <dist B>/index.js [reps]
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [a, b] = process.argv.slice(2, 4).map((p) => pathToFileURL(resolve(p)).href);
const reps = Number(process.argv[4] ?? 7);
if (!a || !b) throw new Error("usage: node bench/probes/minimizeAB.mjs <dist A>/index.js <dist B>/index.js [reps]");
const libs = { A: await import(a), B: await import(b) };
for (const dh of Object.values(libs)) await dh.ready({ waitForThreads: true });

const METHODS = ["newton-cg", "trust-ncg", "lbfgs", "bfgs"];
const run = (dh, method) => {
  const p = dh.problems.rosenbrock(100);
  const c0 = process.cpuUsage(), t0 = performance.now();
  const r = dh.minimize(p.f, dh.tensor(p.x0, { dtype: "float64" }), { method, tol: 1e-6, maxIter: 5000 });
  const wall = performance.now() - t0, c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000, nit: r.nit };
};
const stats = (xs) => { const s = [...xs].sort((x, y) => x - y); return `${s[s.length >> 1].toFixed(1)} [${s[0].toFixed(1)}-${s[s.length - 1].toFixed(1)}]`; };

console.log(`Rosenbrock-100 from zeros, tol 1e-6; A = ${a}, B = ${b}; ${reps} alternating runs each after 3 warm-up runs; ms per minimize()`);
for (const method of METHODS) {
  for (const dh of Object.values(libs)) for (let i = 0; i < 3; i++) run(dh, method);
  const t = { A: [], B: [] };
  let nit = {};
  for (let i = 0; i < reps; i++) {
    for (const v of i % 2 ? ["B", "A"] : ["A", "B"]) {
      const r = run(libs[v], method);
      t[v].push(r);
      nit[v] = r.nit;
    }
  }
  const col = (v) => `wall ${stats(t[v].map((r) => r.wall))}  cpu ${stats(t[v].map((r) => r.cpu))}  nit ${nit[v]}`;
  console.log(`${method.padEnd(10)} A: ${col("A")}\n${"".padEnd(10)} B: ${col("B")}`);
}
process.exit(0);
