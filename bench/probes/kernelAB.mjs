// A/B timing of the same kernels in two builds of assembly/ (before and after a change to it), in
// one process, interleaved: every round times each kernel in build A, then in build B (the order
// alternating per round), so load from other processes on this shared machine hits both alike.
// Prints, per kernel, ns per element (matmul: GFLOP/s; packing: ns per packed element) for A and
// B as median [min..max] over the rounds, and the ratio of medians B/A (< 1: B faster).
// Asserts nothing. Also reports whether A and B wrote the same bytes from the same inputs (one run).
//
//   cp -r build /tmp/build-before   # ... change assembly/, npm run build:wasm ...
//   node bench/probes/kernelAB.mjs --a=/tmp/build-before --b=build [--variant=simd|scalar]
//        [--suite=elementwise,optim,matmul] [--rounds=9] [--ms=60] [--filter=exp]
import { readFileSync } from "node:fs";
import { join } from "node:path";

const arg = (name, dflt) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const dirA = arg("a", null), dirB = arg("b", "build");
if (!dirA) throw new Error("usage: node bench/probes/kernelAB.mjs --a=DIR --b=DIR [--variant=simd] [--suite=...] [--rounds=9] [--ms=60]");
const variant = arg("variant", "simd");
const suites = arg("suite", "elementwise,optim,matmul").split(",");
const ROUNDS = Number(arg("rounds", "9"));
const MS = Number(arg("ms", "60"));
const filter = arg("filter", "");

function instantiate(dir) {
  const bytes = readFileSync(join(dir, `downhill.${variant}.wasm`));
  const { exports: K } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: {} });
  let top = (K.heapBase() + 63) & ~63;
  const alloc = (bytes) => {
    const p = top;
    top = (top + bytes + 63) & ~63;
    const need = Math.ceil(top / 65536) - K.memory.buffer.byteLength / 65536;
    if (need > 0) K.memory.grow(need);
    return p;
  };
  return { K, alloc, mark: () => top, reset: (t) => (top = t) };
}
const A = instantiate(dirA), B = instantiate(dirB);

/** Deterministic uniform [lo, hi) (mulberry32). */
function fill(arr, lo, hi, seed) {
  let s = seed >>> 0;
  for (let i = 0; i < arr.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    arr[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return arr;
}

/**
 * A case: setup(inst) allocates and fills its operands in one instance and returns
 * { run, out: [ptr, bytes][] }; `work` is the element count (or flops) one run does.
 */
const cases = [];
const add = (suite, name, work, unit, setup) => suites.includes(suite) && name.includes(filter) && cases.push({ name, work, unit, setup });

function arrayIn(inst, Ctor, n, lo, hi, seed) {
  const p = inst.alloc(n * Ctor.BYTES_PER_ELEMENT);
  fill(new Ctor(inst.K.memory.buffer, p, n), lo, hi, seed);
  return p;
}

for (const [Ctor, sfx] of [[Float32Array, "F32"], [Float64Array, "F64"]]) {
  const bpe = Ctor.BYTES_PER_ELEMENT;
  for (const n of [4096, 1 << 16]) {
    for (const [op, lo, hi] of [["exp", -10, 10], ["sigmoid", -10, 10], ["tanh", -4, 4], ["softplus", -10, 10], ["log", 1e-3, 100], ["sigmoidSlope", -10, 10]]) {
      add("elementwise", `${op}${sfx} n=${n}`, n, "ns/elem", (inst) => {
        const x = arrayIn(inst, Ctor, n, lo, hi, 1), out = inst.alloc(n * bpe), f = inst.K[`${op}${sfx}`];
        return { run: () => f(x, out, n), out: [[out, n * bpe]] };
      });
    }
    add("elementwise", `crossEntropyLogits${sfx} n=${n}`, n, "ns/elem", (inst) => {
      const x = arrayIn(inst, Ctor, n, -10, 10, 1), t = arrayIn(inst, Ctor, n, 0, 1, 2), out = inst.alloc(n * bpe), f = inst.K[`crossEntropyLogits${sfx}`];
      return { run: () => f(x, t, out, n), out: [[out, n * bpe]] };
    });
    add("elementwise", `crossEntropyResidual${sfx} n=${n}`, n, "ns/elem", (inst) => {
      const x = arrayIn(inst, Ctor, n, -10, 10, 1), t = arrayIn(inst, Ctor, n, 0, 1, 2), l = inst.alloc(n * bpe), r = inst.alloc(n * bpe), f = inst.K[`crossEntropyResidual${sfx}`];
      return { run: () => f(x, t, l, r, n), out: [[l, n * bpe], [r, n * bpe]] };
    });
  }
  // Optimizer steps update their slabs in place. Each call reads the next of four gradient slabs,
  // so the state follows a stationary process instead of settling on a fixed point (a constant
  // gradient drives centered RMSProp's ν − μ² to 0 and its arithmetic into subnormals and NaNs,
  // whose cost then depends on last-bit differences between the builds).
  const n = 1 << 16;
  const slabs = (inst, k) => Array.from({ length: k }, (_, j) => arrayIn(inst, Ctor, n, j === 3 || j === 4 ? 0 : -1, 1, 10 + j));
  const gradients = (inst) => {
    const gs = [0, 1, 2, 3].map((j) => arrayIn(inst, Ctor, n, -1, 1, 20 + j));
    let k = 0;
    return () => gs[k++ & 3];
  };
  add("optim", `adamStep${sfx} n=${n}`, n, "ns/elem", (inst) => {
    const [p, , m, v, vm] = slabs(inst, 5), g = gradients(inst), f = inst.K[`adamStep${sfx}`];
    return { run: () => f(p, g(), m, v, vm, n, 1e-3, 0.9, 0.999, 1e-8, 0.5, 0.3, 0, 0, 1), out: [[p, n * bpe], [m, n * bpe], [v, n * bpe]] };
  });
  add("optim", `adamwStep${sfx} n=${n}`, n, "ns/elem", (inst) => {
    const [p, , m, v, vm] = slabs(inst, 5), g = gradients(inst), f = inst.K[`adamStep${sfx}`];
    return { run: () => f(p, g(), m, v, vm, n, 1e-3, 0.9, 0.999, 1e-8, 0.5, 0.3, 0.01, 2, 1), out: [[p, n * bpe], [m, n * bpe], [v, n * bpe]] };
  });
  add("optim", `rmspropStep${sfx} centered momentum n=${n}`, n, "ns/elem", (inst) => {
    const [p, , nu, mu, b] = slabs(inst, 5), g = gradients(inst), f = inst.K[`rmspropStep${sfx}`];
    return { run: () => f(p, g(), nu, mu, b, n, 1e-4, 0, 0.99, 1e-8, 0, 0.9, 1, 1), out: [[p, n * bpe], [nu, n * bpe], [mu, n * bpe], [b, n * bpe]] };
  });
  add("optim", `lionStep${sfx} n=${n}`, n, "ns/elem", (inst) => {
    const [p, , m] = slabs(inst, 3), g = gradients(inst), f = inst.K[`lionStep${sfx}`];
    return { run: () => f(p, g(), m, n, 1e-4, 0.01, 0.9, 0.99, 1), out: [[p, n * bpe], [m, n * bpe]] };
  });
  add("optim", `sgdStep${sfx} momentum n=${n}`, n, "ns/elem", (inst) => {
    const [p, , b] = slabs(inst, 3), g = gradients(inst), f = inst.K[`sgdStep${sfx}`];
    return { run: () => f(p, g(), b, n, 1e-4, 0, 0.9, 1, 0, 0, 1), out: [[p, n * bpe], [b, n * bpe]] };
  });
  // matmul: packing B alone, then the packed kernel (one thread, rows 0..m) on a packed B.
  for (const [m, k, nn] of [[256, 256, 256], [512, 512, 512], [100, 300, 70]]) {
    for (const transB of [0, 1]) {
      add("matmul", `packB${sfx} ${k}x${nn} transB=${transB}`, k * nn, "ns/elem", (inst) => {
        const b = arrayIn(inst, Ctor, k * nn, -1, 1, 3), bp = inst.alloc(inst.K[`packedBElements${sfx}`](k, nn) * bpe), f = inst.K[`packB${sfx}`];
        return { run: () => f(b, bp, k, nn, transB), out: [[bp, inst.K[`packedBElements${sfx}`](k, nn) * bpe]] };
      });
    }
    for (const transA of [0, 1]) {
      add("matmul", `matmul${sfx} ${m}x${k}x${nn} transA=${transA}`, 2 * m * k * nn, "GFLOP/s", (inst) => {
        const a = arrayIn(inst, Ctor, m * k, -1, 1, 4), b = arrayIn(inst, Ctor, k * nn, -1, 1, 5), c = inst.alloc(m * nn * bpe);
        const bp = inst.alloc(inst.K[`packedBElements${sfx}`](k, nn) * bpe), work = inst.alloc(inst.K.matmulWorkBytes());
        inst.K[`packB${sfx}`](b, bp, k, nn, 0);
        const f = inst.K[`matmul${sfx}`];
        return { run: () => f(a, bp, c, m, k, nn, transA, 0, m, work), out: [[c, m * nn * bpe]] };
      });
    }
  }
  for (const [m, k, nn, tb] of [[2, 300, 70, 0], [3, 256, 64, 1], [57, 400, 1, 0]]) {
    add("matmul", `matmulSmall${sfx} ${m}x${k}x${nn} transB=${tb}`, 2 * m * k * nn, "GFLOP/s", (inst) => {
      const a = arrayIn(inst, Ctor, m * k, -1, 1, 6), b = arrayIn(inst, Ctor, k * nn, -1, 1, 7), c = inst.alloc(m * nn * bpe), f = inst.K[`matmulSmall${sfx}`];
      return { run: () => f(a, b, c, m, k, nn, 0, tb), out: [[c, m * nn * bpe]] };
    });
  }
}

/** Seconds per run: runs for MS milliseconds, returns the mean over them. */
function timeRuns(run) {
  let reps = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    run();
    reps++;
    t = performance.now();
  } while (t - t0 < MS);
  return (t - t0) / 1e3 / reps;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const show = (unit, work, s) => (unit === "GFLOP/s" ? work / s / 1e9 : (s * 1e9) / work);
console.log(`A = ${dirA}, B = ${dirB}, variant ${variant}, ${ROUNDS} rounds of ${MS} ms per kernel and build`);
console.log(`${"kernel".padEnd(44)} ${"unit".padEnd(8)} ${"A median [min..max]".padEnd(24)} ${"B median [min..max]".padEnd(24)} B/A  same bits`);
for (const c of cases) {
  const ma = A.mark(), mb = B.mark();
  const a = c.setup(A), b = c.setup(B);
  // one run each from the same inputs (in-place kernels included): the outputs should be equal
  a.run(); b.run();
  const bytesOf = (inst, [p, len]) => new Uint8Array(inst.K.memory.buffer, p, len);
  const same = a.out.every((o, i) => Buffer.compare(bytesOf(A, o), bytesOf(B, b.out[i])) === 0);
  const ta = [], tb = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r & 1) { tb.push(timeRuns(b.run)); ta.push(timeRuns(a.run)); }
    else { ta.push(timeRuns(a.run)); tb.push(timeRuns(b.run)); }
  }
  const va = ta.map((s) => show(c.unit, c.work, s)), vb = tb.map((s) => show(c.unit, c.work, s));
  const f = (v) => `${median(v).toFixed(2)} [${Math.min(...v).toFixed(2)}..${Math.max(...v).toFixed(2)}]`.padEnd(24);
  const ratio = median(tb) / median(ta); // time ratio: < 1 means B is faster, whatever the unit
  console.log(`${c.name.padEnd(44)} ${c.unit.padEnd(8)} ${f(va)} ${f(vb)} ${ratio.toFixed(3)} ${same ? "yes" : "NO"}`);
  A.reset(ma);
  B.reset(mb);
}
