// Fused optimizer steps, f32: million parameters updated per second at N = 1e5 / 1e6 / 1e7 for
// Adam, AdamW, SGD-momentum and Lion. Contenders, all measured in this run:
//   dh wasm step    downhill `optimizer(alias, params).step(grads)` on the WebAssembly path (grads
//                   copied into the slab each step: the whole cost a training loop pays); column
//                   `thr` = threads that step ran on (2 from THREAD_MIN_PARAMS on, with a worker pool)
//   dh wasm kernel  the same fused kernel called directly on slabs (no gradient copy)
//   dh js           the fused plain-JS path (`fused: "js"`)
//   tfjs-wasm       TensorFlow.js wasm backend: tf.train.adam / momentum; AdamW and Lion (which
//                   tfjs lacks) composed from tf ops in one tidy
//   tfjs-cpu        TensorFlow.js cpu backend, at 1e5 only (slow)
//   numpy           optional: the same update in place with numpy (preallocated temporaries),
//                   when python3 with numpy is on the PATH (the library itself never needs it)
//   bound           a WebAssembly loop with the same memory traffic per parameter and no arithmetic
//                   (Adam/AdamW 28 B: 4 streams read, 3 written; SGD-momentum/Lion 20 B: 3 read, 2 written),
//                   on ONE thread: a split (2-thread) step can exceed it
// Contenders are timed in interleaved rounds (median of 5). Prints Mparam/s and ratios (wasm step / tfjs-wasm, wasm step / bound, kernel / bound); asserts nothing.
//   npm run build && node --expose-gc bench/optim.bench.mjs [--quick] [--sizes=1e5,1e6] [--opt=adam,lion]
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as dh from "../dist/index.js";
import { configLine, start } from "./setup.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
const sizesArg = process.argv.find((a) => a.startsWith("--sizes="));
const SIZES = sizesArg ? sizesArg.slice(8).split(",").map(Number) : [1e5, 1e6, 1e7];
const optArg = process.argv.find((a) => a.startsWith("--opt="));
const OPTS = optArg ? optArg.slice(6).split(",") : ["adam", "adamw", "sgd-momentum", "lion"];
const WINDOW_MS = quick ? 250 : 800;
const require = createRequire(import.meta.url);

await start(dh);
const tf = await import("@tensorflow/tfjs");
const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm")) + "/");
await tf.setBackend("wasm");
await tf.ready();

// The kernels alone, on our own instance of the same binary the library picked.
const info = dh.backendInfo();
const variant = info.variant === "relaxed-simd" ? "relaxed" : info.variant ?? "simd";
const { instance } = await WebAssembly.instantiate(readFileSync(join(root, `build/downhill.${variant}.wasm`)), { env: { hostMath: (op, x) => [Math.sin, Math.cos, Math.log1p, Math.expm1][op](x) } });
const K = instance.exports;
const heapBase = K.heapBase();

/**
 * Mparam/s of each contender: 5 rounds, each running every contender for ~WINDOW_MS/5 in turn
 * (interleaved, so load from other processes on this shared machine hits all of them alike);
 * the median round per contender is reported.
 */
function rates(n, fns) {
  for (const fn of fns) fn(), fn();
  const all = fns.map(() => []);
  for (let w = 0; w < 5; w++) {
    fns.forEach((fn, k) => {
      let reps = 0;
      const t0 = performance.now();
      let t = t0;
      do {
        fn();
        reps++;
        t = performance.now();
      } while (t - t0 < WINDOW_MS / 5 || reps < 2);
      all[k].push((n * reps) / ((t - t0) / 1000) / 1e6);
    });
  }
  return all.map((r) => r.sort((a, b) => a - b)[2]);
}

function makeAlias(name) {
  switch (name) {
    case "adam": return dh.adam({ lr: 1e-3 });
    case "adamw": return dh.adamw({ lr: 1e-3, weightDecay: 1e-2 });
    case "sgd-momentum": return dh.sgd({ lr: 1e-3, momentum: 0.9 });
    case "lion": return dh.lion({ lr: 1e-4, weightDecay: 1e-2 });
  }
}

/** Kernel-only step on raw slabs in our own instance: [kernel(), probe()]. */
function kernelRunners(name, n) {
  const mem = K.memory;
  const need = heapBase + 5 * n * 4 + 1024;
  if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
  const base = (heapBase + 63) & ~63;
  const [p, g, a, b, c] = [0, 1, 2, 3, 4].map((i) => base + i * n * 4);
  const f = new Float32Array(mem.buffer);
  for (let i = 0; i < n; i++) f[(p >> 2) + i] = Math.sin(i), f[(g >> 2) + i] = Math.cos(i) * 1e-2;
  f.fill(0, a >> 2, (c >> 2) + n);
  let t = 0;
  const kernel = {
    adam: () => { t++; K.adamStepF32(p, g, a, b, c, n, 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9 ** t, Math.sqrt(1 - 0.999 ** t), 0, 0, 1); },
    adamw: () => { t++; K.adamStepF32(p, g, a, b, c, n, 1e-3, 0.9, 0.999, 1e-8, 1 - 0.9 ** t, Math.sqrt(1 - 0.999 ** t), 1e-2, 2, 1); },
    "sgd-momentum": () => { K.sgdStepF32(p, g, a, n, 1e-3, 0, 0.9, 1, 0, t++ === 0 ? 1 : 0, 1); },
    lion: () => { K.lionStepF32(p, g, a, n, 1e-4, 1e-2, 0.9, 0.99, 1); },
  }[name];
  const probe = name.startsWith("adam") ? () => K.streamProbe4r3wF32(p, g, a, b, n) : () => K.streamProbe3r2wF32(p, g, a, n);
  return [kernel, probe];
}

/** A tfjs step for `name` over one variable of n f32; returns [step, dispose]. */
function tfjsRunner(name, n) {
  const v = tf.variable(tf.randomNormal([n], 0, 1, "float32", 1));
  const g = tf.randomNormal([n], 0, 1e-2, "float32", 2);
  const lr = name === "lion" ? 1e-4 : 1e-3;
  let step, extra = [];
  if (name === "adam" || name === "adamw") {
    const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
    step = name === "adam"
      ? () => opt.applyGradients({ [v.name]: g })
      : () => { tf.tidy(() => v.assign(v.mul(1 - lr * 1e-2))); opt.applyGradients({ [v.name]: g }); };
    extra.push(opt);
  } else if (name === "sgd-momentum") {
    const opt = tf.train.momentum(lr, 0.9);
    step = () => opt.applyGradients({ [v.name]: g });
    extra.push(opt);
  } else {
    const m = tf.variable(tf.zerosLike(v));
    step = () => tf.tidy(() => {
      const u = tf.sign(m.mul(0.9).add(g.mul(0.1))).add(v.mul(1e-2));
      m.assign(m.mul(0.99).add(g.mul(0.01)));
      v.assign(v.sub(u.mul(lr)));
    });
    extra.push(m);
  }
  const sync = () => { step(); v.dataSync(); };
  return [sync, () => { v.dispose(); g.dispose(); extra.forEach((e) => e.dispose()); }];
}

/** numpy in-place Mparam/s for `name` at each size, or null when python3/numpy is unavailable. */
const NUMPY = `
import sys, time, json
import numpy as np
name, sizes, window = sys.argv[1], [int(float(x)) for x in sys.argv[2].split(",")], float(sys.argv[3])
out = {}
for n in sizes:
    rng = np.random.default_rng(0)
    p = rng.standard_normal(n, dtype=np.float32); g = (rng.standard_normal(n, dtype=np.float32) * 0.01).astype(np.float32)
    m = np.zeros(n, np.float32); v = np.zeros(n, np.float32); t = np.empty(n, np.float32)
    st = [0]
    f = np.float32
    def adam(wd=0.0):
        st[0] += 1; k = st[0]; lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
        if wd: np.multiply(p, f(1 - lr * wd), out=p)
        np.multiply(m, f(b1), out=m); np.multiply(g, f(1 - b1), out=t); np.add(m, t, out=m)
        np.multiply(v, f(b2), out=v); np.multiply(g, g, out=t); np.multiply(t, f(1 - b2), out=t); np.add(v, t, out=v)
        np.sqrt(v, out=t); np.multiply(t, f(1 / np.sqrt(1 - b2 ** k)), out=t); np.add(t, f(eps), out=t)
        np.divide(m, t, out=t); np.multiply(t, f(-lr / (1 - b1 ** k)), out=t); np.add(p, t, out=p)
    def sgdm():
        np.multiply(m, f(0.9), out=m); np.add(m, g, out=m); np.multiply(m, f(-1e-3), out=t); np.add(p, t, out=p)
    def lion():
        np.multiply(m, f(0.9), out=t); np.multiply(g, f(0.1), out=v); np.add(t, v, out=t); np.sign(t, out=t)
        np.multiply(p, f(1e-2), out=v); np.add(t, v, out=t); np.multiply(t, f(-1e-4), out=t); np.add(p, t, out=p)
        np.multiply(m, f(0.99), out=m); np.multiply(g, f(0.01), out=v); np.add(m, v, out=m)
    step = {"adam": adam, "adamw": lambda: adam(1e-2), "sgd-momentum": sgdm, "lion": lion}[name]
    step(); step()
    rates = []
    for w in range(5):
        reps = 0; t0 = time.perf_counter()
        while True:
            step(); reps += 1
            el = time.perf_counter() - t0
            if el >= window / 5 and reps >= 2: break
        rates.append(n * reps / el / 1e6)
    out[str(n)] = sorted(rates)[2]
print(json.dumps(out))
`;
function numpyRates(name) {
  if (process.argv.includes("--no-numpy")) return null;
  const r = spawnSync("python3", ["-c", NUMPY, name, SIZES.join(","), String(WINDOW_MS / 1000)], { encoding: "utf8" });
  if (r.status !== 0) return null;
  try {
    return JSON.parse(r.stdout.trim().split("\n").pop());
  } catch {
    return null;
  }
}

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)).padStart(8);
const ratio = (a, b) => (a / b).toFixed(2).padStart(7) + "x";

console.log(`downhill fused optimizer steps, f32, Mparam/s (median of 5 windows); wasm variant ${info.variant}, threads ${info.threads}; tfjs ${tf.version.tfjs} ${tf.getBackend()}`);
for (const name of OPTS) {
  console.log(`\n${name}`);
  const np = numpyRates(name);
  console.log(`${"N".padStart(9)} ${"thr".padStart(3)} ${"wasmStep".padStart(8)} ${"kernel".padStart(8)} ${"js".padStart(8)} ${"tfjsWasm".padStart(8)} ${"tfjsCpu".padStart(8)} ${"numpy".padStart(8)} ${"bound".padStart(8)} | ${"step/tfjs".padStart(9)} ${"step/bound".padStart(10)} ${"kern/bound".padStart(10)} ${"js/tfjs".padStart(8)}`);
  for (const n of SIZES) {
    const grads = dh.randn([n], { seed: 2 }).mul(1e-2);
    const pw = dh.randn([n], { seed: 1 });
    const ow = dh.optimizer(makeAlias(name), pw, { fused: "wasm" });
    const pj = dh.randn([n], { seed: 1 });
    const oj = dh.optimizer(makeAlias(name), pj, { fused: "js" });
    const [kernel, probe] = kernelRunners(name, n);
    const [tstep, tdispose] = tfjsRunner(name, n);
    const [wasmStep, kern, js, tfw, bound] = rates(n, [() => ow.step(grads), kernel, () => oj.step(grads), tstep, probe]);
    const threads = ow.threads;
    ow.dispose();
    tdispose();
    let tfc = NaN;
    if (n <= 1e5) {
      await tf.setBackend("cpu");
      const [cstep, cdispose] = tfjsRunner(name, n);
      [tfc] = rates(n, [cstep]);
      cdispose();
      await tf.setBackend("wasm");
    }
    console.log(`${n.toExponential(0).padStart(9)} ${String(threads).padStart(3)} ${fmt(wasmStep)} ${fmt(kern)} ${fmt(js)} ${fmt(tfw)} ${Number.isNaN(tfc) ? "       -" : fmt(tfc)} ${np ? fmt(np[String(n)]) : "       -"} ${fmt(bound)} | ${ratio(wasmStep, tfw).padStart(9)} ${(((wasmStep / bound) * 100).toFixed(0) + "%").padStart(10)} ${(((kern / bound) * 100).toFixed(0) + "%").padStart(10)} ${ratio(js, tfw).padStart(8)}`);
    globalThis.gc?.();
  }
}
console.log(configLine(dh));
