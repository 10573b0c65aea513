// Dense linear algebra, float32 and float64: ms per call of dh.linalg's cholesky, triangularSolve
// (one right-hand side), symEig, qr and inversePthRoot (p = 4) at n = 64, 128, 256, 512 (and 1024
// for symEig with --big). Contenders, all measured in this run on the same matrices:
//   dh        downhill in its default configuration (the WebAssembly core's kernels, assembly/linalg.ts)
//   dh js     the JS reference (setBackend("js"): float64 loops, cyclic Jacobi for symEig), up to
//             n = 256 for symEig / inversePthRoot and qr (O(n^3) with a large constant)
//   numpy     numpy.linalg (cholesky, eigh, qr, eigh + V diag V^T) and scipy.linalg.solve_triangular,
//             in one python3 process kept open, when python3 with numpy is on the PATH (skipped with a
//             note otherwise; the library itself never needs it). Its BLAS runs on ONE thread unless
//             --numpy-threads=N: OpenBLAS's spinning threads measured 10-100x slower, and all over
//             the place, on this shared 2-core machine (downhill's GEMM in inversePthRoot may use 2).
// Rounds alternate the sides (dh, numpy, dh js, ...), 5 rounds of ~WINDOW ms each; the median
// round is reported with the range. Prints ms and ratios (dh / numpy, dh js / dh); asserts nothing.
//   npm run build && node bench/linalg.bench.mjs [--quick] [--big] [--sizes=64,128] [--only=symEig,qr] [--numpy-threads=2] [--no-numpy] [--ready]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import * as dh from "../dist/index.js";
import { configLine, start } from "./setup.mjs";

const quick = process.argv.includes("--quick");
const WINDOW_MS = quick ? 60 : 200;
const ROUNDS = 5;
const sizesArg = process.argv.find((a) => a.startsWith("--sizes="));
const SIZES = sizesArg ? sizesArg.slice(8).split(",").map(Number) : [64, 128, 256, 512, ...(process.argv.includes("--big") ? [1024] : [])];
const onlyArg = process.argv.find((a) => a.startsWith("--only="));
const ROUTINES = onlyArg ? onlyArg.slice(7).split(",") : ["cholesky", "triangularSolve", "symEig", "qr", "inversePthRoot"];
/** The JS reference's largest n per routine (Jacobi sweeps and strided QR get slow beyond). */
const JS_MAX = { cholesky: 512, triangularSolve: 1024, symEig: 256, qr: 256, inversePthRoot: 256 };
const BIG_ONLY = new Set(["symEig"]); // n = 1024 only for these

await start(dh);

// ---- the matrices: one SPD and one general matrix per n and dtype, shared with python via files ----
const dir = mkdtempSync(join(tmpdir(), "dh-linalg-bench-"));
function random(n, seed) {
  let s = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}
/** B B^T / n + I (SPD, well conditioned), its lower triangle's Cholesky factor, a general matrix, a vector. */
function matrices(n) {
  const b = random(n * n, n);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
    a[i * n + j] = a[j * n + i] = s / n + (i === j ? 1 : 0);
  }
  return { spd: a, general: random(n * n, n + 1), rhs: random(n, n + 2) };
}
const data = new Map();
for (const n of SIZES) {
  const m = matrices(n);
  dh.setBackend("js");
  const l = dh.linalg.cholesky(m.spd, n);
  dh.setBackend("wasm");
  for (const [dtype, T] of [["float64", Float64Array], ["float32", Float32Array]]) {
    const d = { spd: T.from(m.spd), general: T.from(m.general), rhs: T.from(m.rhs), l: T.from(l) };
    for (const [k, v] of Object.entries(d)) writeFileSync(join(dir, `${k}-${n}-${dtype}.bin`), Buffer.from(v.buffer));
    data.set(`${n}-${dtype}`, d);
  }
}

// ---- numpy side: one process; each request "routine n dtype ms" answers "<ms per call>" ----
const PY = String.raw`
import sys, time, os
import numpy as np
try:
    from scipy.linalg import solve_triangular
except Exception:
    solve_triangular = None
d = sys.argv[1]
def load(k, n, dt):
    return np.fromfile(os.path.join(d, f"{k}-{n}-{dt}.bin"), dtype=np.float32 if dt == "float32" else np.float64)
def ipr(a, p):
    w, v = np.linalg.eigh(a)
    return (v * np.power(np.maximum(w, 0), -1.0 / p)) @ v.T
print("ready", np.__version__, "scipy" if solve_triangular else "no-scipy", flush=True)
for line in sys.stdin:
    r, n, dt, ms = line.split()
    n = int(n); ms = float(ms)
    spd = load("spd", n, dt).reshape(n, n); gen = load("general", n, dt).reshape(n, n)
    rhs = load("rhs", n, dt); l = load("l", n, dt).reshape(n, n)
    f = {"cholesky": lambda: np.linalg.cholesky(spd),
         "triangularSolve": (lambda: solve_triangular(l, rhs, lower=True)) if solve_triangular else None,
         "symEig": lambda: np.linalg.eigh(spd),
         "qr": lambda: np.linalg.qr(gen),
         "inversePthRoot": lambda: ipr(spd, 4)}[r]
    if f is None:
        print("nan", flush=True); continue
    f()
    reps = 0; t0 = time.perf_counter()
    while True:
        f(); reps += 1
        el = (time.perf_counter() - t0) * 1000
        if el >= ms: break
    print(el / reps, flush=True)
`;
let py = null;
let pyNote = "";
if (process.argv.includes("--no-numpy")) pyNote = "numpy: skipped (--no-numpy)";
else {
  try {
    const threads = process.argv.find((a) => a.startsWith("--numpy-threads="))?.slice(16) ?? "1";
    const env = { ...process.env, OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads };
    const child = spawn("python3", ["-c", PY, dir], { stdio: ["pipe", "pipe", "pipe"], env });
    const lines = createInterface({ input: child.stdout });
    const waiting = [];
    lines.on("line", (l) => waiting.shift()?.(l));
    const next = () => new Promise((resolve) => waiting.push(resolve));
    let stderr = "";
    child.stderr.on("data", (b) => (stderr += b));
    const failed = new Promise((resolve) => { child.on("error", () => resolve(null)); child.on("exit", () => resolve(null)); });
    const hello = await Promise.race([next(), failed]);
    if (hello && hello.startsWith("ready")) {
      const [, version, sc] = hello.split(" ");
      pyNote = `numpy ${version}${sc === "scipy" ? " (+ scipy.linalg.solve_triangular)" : " (no scipy: no triangular solve)"}, BLAS threads ${threads}`;
      py = { ask: (r, n, dt, ms) => { child.stdin.write(`${r} ${n} ${dt} ${ms}\n`); return next().then(Number); }, close: () => child.stdin.end() };
    } else pyNote = `numpy: not available (${(stderr.trim().split("\n").pop() || "python3 not found").slice(0, 80)}); the numpy column is skipped`;
  } catch (e) {
    pyNote = `numpy: not available (${e.message}); the numpy column is skipped`;
  }
}

// ---- downhill side ----
function call(routine, d, n) {
  switch (routine) {
    case "cholesky": return () => dh.linalg.cholesky(d.spd, n);
    case "triangularSolve": return () => dh.linalg.triangularSolve(d.l, n, d.rhs, { lower: true });
    case "symEig": return () => dh.linalg.symEig(d.spd, n);
    case "qr": return () => dh.linalg.qr(d.general, n, n);
    case "inversePthRoot": return () => dh.linalg.inversePthRoot(d.spd, n, 4, 1e-12);
  }
}
/** ms per call of f, over at least `ms` ms (at least one call). */
function time(f, ms) {
  let reps = 0;
  const t0 = performance.now();
  let el = 0;
  do { f(); reps++; el = performance.now() - t0; } while (el < ms);
  return el / reps;
}
const median = (x) => [...x].sort((a, b) => a - b)[x.length >> 1];
const fmt = (v) => (v === undefined || Number.isNaN(v) ? "—" : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const ratio = (a, b) => (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) ? "—" : (a / b).toFixed(2) + "x");
const range = (x) => (x.length ? `${fmt(Math.min(...x))}-${fmt(Math.max(...x))}` : "—");

console.log(`dense linear algebra, ms per call (median of ${ROUNDS} alternating rounds, range in brackets); ${pyNote}`);
console.log(`${"routine".padEnd(16)} ${"dtype".padEnd(7)} ${"n".padStart(5)} ${"dh".padStart(8)} ${"[range]".padEnd(15)} ${"numpy".padStart(8)} ${"[range]".padEnd(15)} ${"dh js".padStart(8)} | ${"dh/numpy".padStart(8)} ${"js/dh".padStart(7)}`);
for (const routine of ROUTINES) {
  for (const n of SIZES) {
    if (n > 512 && !BIG_ONLY.has(routine)) continue;
    for (const dtype of ["float64", "float32"]) {
      const d = data.get(`${n}-${dtype}`);
      const f = call(routine, d, n);
      const withJs = n <= JS_MAX[routine];
      f(); // warm (starts the core on the first call)
      const dhT = [], npT = [], jsT = [];
      for (let r = 0; r < ROUNDS; r++) {
        dhT.push(time(f, WINDOW_MS));
        if (py) npT.push(await py.ask(routine, n, dtype, WINDOW_MS));
        if (withJs) {
          dh.setBackend("js");
          jsT.push(time(f, WINDOW_MS));
          dh.setBackend("wasm");
        }
      }
      const m = median(dhT), np = npT.length && !npT.some(Number.isNaN) ? median(npT) : undefined, js = jsT.length ? median(jsT) : undefined;
      console.log(`${routine.padEnd(16)} ${dtype.padEnd(7)} ${String(n).padStart(5)} ${fmt(m).padStart(8)} ${`[${range(dhT)}]`.padEnd(15)} ${fmt(np).padStart(8)} ${`[${np === undefined ? "—" : range(npT)}]`.padEnd(15)} ${fmt(js).padStart(8)} | ${ratio(m, np).padStart(8)} ${ratio(js, m).padStart(7)}`);
    }
  }
}
py?.close();
rmSync(dir, { recursive: true, force: true });
console.log(configLine(dh));
