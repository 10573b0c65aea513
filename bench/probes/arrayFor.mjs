// Not a benchmark of the library: the measurement behind src/tensor/dtype.ts's small-array
// allocator. Times `arrayFor` as it is in the working tree ("new") against the version at a git
// revision ("old", default: the last commit before size-classed slabs) on mixes of sizes, and
// measures what 10,000 kept one-value arrays hold when a few 100-1000-value temporaries are made
// and dropped between them. Both versions are loaded from their TypeScript source (esbuild strips
// the types), so the probe measures exactly the code, not a copy.
//
// Each timed run allocates 2e6 arrays (writing one element, keeping the last 256 alive so they
// die young, as temporaries do) after a 2e5 warm-up; old and new alternate, 9 rounds. Time is the
// process's CPU time (process.cpuUsage: all its threads, so the GC's helper threads count too,
// and other processes on a shared machine count less than in wall time), ns per array,
// median [min-max].
//   node --expose-gc bench/probes/arrayFor.mjs [old-revision]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { transformSync } from "esbuild";

const rev = process.argv[2] ?? "c8f155c";
const load = async (src) => import(`data:text/javascript;base64,${Buffer.from(transformSync(src, { loader: "ts", format: "esm" }).code).toString("base64")}`);
const versions = {
  old: await load(execFileSync("git", ["show", `${rev}:src/tensor/dtype.ts`], { encoding: "utf8" })),
  new: await load(readFileSync(new URL("../../src/tensor/dtype.ts", import.meta.url), "utf8")),
};

/** [dtype, n] cycles of 64 entries. */
const mix = (pairs) => Array.from({ length: 64 }, (_, i) => pairs[i % pairs.length]);
const MIXES = {
  // what minimize() on Rosenbrock-100 allocates most: float64 scalars and 99/100-vectors
  "rosenbrock-100 (f64 1, 99, 100)": mix([["float64", 100], ["float64", 1], ["float64", 99], ["float64", 1], ["float64", 100]]),
  // a small training step: float32 scalars to 2048-value activations
  "training (f32 1..2048)": mix([["float32", 1], ["float32", 32], ["float32", 100], ["float32", 300], ["float32", 1000], ["float32", 2048], ["float32", 1], ["float32", 10]]),
  "f32 1": mix([["float32", 1]]),
  "f32 16 (64 B)": mix([["float32", 16]]),
  "f32 17 (68 B)": mix([["float32", 17]]),
  "f32 100": mix([["float32", 100]]),
  "f32 1000": mix([["float32", 1000]]),
  "f64 1000 (8000 B)": mix([["float64", 1000]]),
};

function timeRun(arrayFor, m, N) {
  const ring = new Array(256).fill(null);
  let sink = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const [dt, n] = m[i & 63];
    const a = arrayFor(dt, n);
    a[0] = i;
    ring[i & 255] = a;
    sink += a.length;
  }
  const c = process.cpuUsage(c0);
  const ns = ((c.user + c.system) * 1000) / N;
  if (sink < 0) console.log(ring);
  return ns;
}

function retained(arrayFor) {
  const gc = globalThis.gc;
  if (!gc) throw new Error("run with node --expose-gc");
  const kept = [];
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const mark = () => { gc(); gc(); const m = process.memoryUsage(); return [m.arrayBuffers, m.heapUsed]; };
  for (let s = 0; s < 10_000; s++) {
    for (let k = 0; k < 4; k++) arrayFor("float32", 100 + Math.floor(rnd() * 900))[0] = 1;
    kept.push(arrayFor("float32", 1));
  }
  const [ab1, h1] = mark();
  kept.length = 0;
  const [ab0, h0] = mark();
  return `${((ab1 - ab0) / 1024).toFixed(0)} KiB array buffers, ${((h1 - h0) / 1024).toFixed(0)} KiB heap`;
}

console.log(`node ${process.versions.node}; old = ${rev}:src/tensor/dtype.ts, new = working tree`);
for (const v of ["old", "new"]) console.log(`10,000 kept 1-value arrays among 4 dropped 100-1000-value ones each: ${v} holds ${retained(versions[v].arrayFor)}`);
const ROUNDS = 9;
const stats = (xs) => { const s = [...xs].sort((a, b) => a - b); return `${s[s.length >> 1].toFixed(0)} [${s[0].toFixed(0)}-${s[s.length - 1].toFixed(0)}]`; };
console.log(`CPU ns per array, median [min-max] of ${ROUNDS} alternating rounds`);
console.log(`${"mix".padEnd(34)} ${"old".padEnd(16)} new`);
for (const [name, m] of Object.entries(MIXES)) {
  const t = { old: [], new: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of r % 2 ? ["new", "old"] : ["old", "new"]) {
      timeRun(versions[v].arrayFor, m, 2e5);
      t[v].push(timeRun(versions[v].arrayFor, m, 2e6));
    }
  }
  console.log(`${name.padEnd(34)} ${stats(t.old).padEnd(16)} ${stats(t.new)}`);
}
