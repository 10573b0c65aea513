// Compiled calls hold the heap and WebAssembly memory flat: N calls (default 20,000;
// DOWNHILL_JIT_CALLS=100000 for the count) of (1) a jit-compiled value and gradient of a
// small program (Rosenbrock 20-D, float64, slices), (2) N/4 compiled MLP steps (their product
// buffers in WebAssembly memory: kernels.ts homeArray) and (3) minimize's compiled evaluations
// (src/minimize/objective.ts: f and g as one program, and the two-stage f, g, H v program, one
// H v per call), always on the same arguments, so every call replays the one trace. Every N/10
// calls: a full GC, then the JS heap (heapUsed + arrayBuffers, where typed-array storage is
// counted) and the WebAssembly memory size. After the first checkpoint:
//   - WebAssembly memory: exactly the same byte length (memory.grow can never be undone).
//   - JS heap: growth below 1 MiB (GC noise: up to ~0.4 MiB measured here, not growing with the calls) plus 8 bytes per call. The smallest thing a call
//     could keep, a one-value Float64Array, costs ~150 bytes; the test proves its bound catches
//     that: the same loop keeping one such array per call must cross it.
// Runs in-process (vitest's worker) so it measures src/ with the vitest asset loaders; gc() from
// V8's --expose-gc flag set at runtime, as in leak.test.ts.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { wasmKernelsSync } from "../../src/backend/wasm/index.js";
import { Objective } from "../../src/minimize/objective.js";
import type { Tensor } from "../../src/index.js";

const CALLS = Number(process.env.DOWNHILL_JIT_CALLS ?? 20_000);
const CHECKPOINTS = 10;
const BYTES_PER_CALL_BOUND = 8;
const NOISE_BYTES = 1024 * 1024;

function fullGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

const n = 20;
const rosen = (x: Tensor) => {
  const head = x.slice([0], [n - 1]), tail = x.slice([1], [n - 1]);
  return tail.sub(head.square()).square().mul(100).add(head.sub(1).square()).sum();
};
const x0 = Float64Array.from({ length: n }, (_, i) => 0.1 * i - 0.5);

/** `call(i)` CALLS times; heap and wasm memory at each checkpoint, and what the first checkpoint allows. */
function measure(call: (i: number) => void, calls = CALLS) {
  const gc = fullGc();
  const wasmBytes = () => wasmKernelsSync()!.memory().byteLength;
  const every = Math.floor(calls / CHECKPOINTS);
  const samples: { call: number; heap: number; wasm: number }[] = [];
  const t0 = performance.now();
  for (let i = 1; i <= calls; i++) {
    call(i);
    if (i % every === 0) {
      gc();
      gc();
      const m = process.memoryUsage();
      samples.push({ call: i, heap: m.heapUsed + m.arrayBuffers, wasm: wasmBytes() });
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const base = samples[0];
  const bound = (s: { call: number }) => NOISE_BYTES + BYTES_PER_CALL_BOUND * (s.call - base.call);
  const over = samples.find((s) => s.heap - base.heap >= bound(s));
  const worst = Math.max(...samples.map((s) => s.heap - base.heap));
  const line = `${calls} calls in ${seconds.toFixed(1)} s (${((seconds * 1e6) / calls).toFixed(1)} us/call); heap growth after the first checkpoint (KiB): ` +
    samples.map((s) => Math.round((s.heap - base.heap) / 1024)).join(" ") + `; worst ${(worst / 1024).toFixed(0)} KiB, bound ${(bound(samples.at(-1)!) / 1024).toFixed(0)} KiB; wasm memory ${samples.map((s) => s.wasm / 65536).join(" ")} pages`;
  return { samples, base, over, line };
}

describe(`compiled calls keep memory flat (${CALLS} calls)`, () => {
  it("jit(valueAndGrad(f)) on a 20-D Rosenbrock: heap and WebAssembly memory flat; one kept array per call would cross the bound", async () => {
    await dh.ready();
    expect(dh.backendInfo().backend).toBe("wasm");
    const step = dh.jit(dh.valueAndGrad(rosen));
    const x = dh.tensor(x0, { dtype: "float64" });
    let last = 0;
    const flat = measure(() => { last = step(x).value.item(); });
    console.log(`[jit calls] ${flat.line}`);
    expect(last).toBeCloseTo(rosen(x).item(), 9);
    expect(step.stats).toMatchObject({ traces: 1, eagerCalls: 0 });
    for (const s of flat.samples) expect(s.wasm, `WebAssembly memory at call ${s.call}`).toBe(flat.base.wasm);
    expect(flat.over, `heap growth ${flat.line}`).toBeUndefined();

    // The bound can fail: the same calls, keeping one one-value array per call, cross it.
    const kept: Float64Array[] = [];
    const leaky = measure(() => { kept.push(step(x).value.dataSync() as Float64Array); });
    console.log(`[jit calls, keeping one value per call] ${leaky.line}`);
    expect(leaky.over, "a leak of one small array per call must cross the bound").toBeDefined();
    expect(kept.length).toBe(CALLS);
  }, 300_000);

  it(`a compiled MLP step (its product buffers live in WebAssembly memory), ${CALLS / 4} steps: heap and WebAssembly memory flat`, async () => {
    await dh.ready();
    const X = dh.randn([64, 32], { seed: 1 }), Y = dh.oneHot(Array.from({ length: 64 }, (_, i) => i % 10), 10);
    const p = { w1: dh.randn([32, 128], { seed: 2 }), b1: dh.zeros([128]), w2: dh.randn([128, 10], { seed: 3 }), b2: dh.zeros([10]) };
    const loss = (q: typeof p) => {
      const h = dh.relu(dh.add(dh.matmul(X, q.w1), q.b1));
      return dh.neg(dh.mean(dh.sum(dh.mul(dh.logSoftmax(dh.add(dh.matmul(h, q.w2), q.b2)), Y), -1)));
    };
    const step = dh.jit(dh.valueAndGrad(loss));
    const want = dh.valueAndGrad(loss)(p).value.item();
    let last = 0;
    const flat = measure(() => { last = step(p).value.item(); }, CALLS / 4);
    console.log(`[jit MLP steps] ${flat.line}`);
    expect(last).toBe(want);
    expect(step.stats).toMatchObject({ traces: 1, eagerCalls: 0 });
    expect(step.stats.lastProgram!.epilogues).toBeGreaterThan(0);
    for (const s of flat.samples) expect(s.wasm, `WebAssembly memory at call ${s.call}`).toBe(flat.base.wasm);
    expect(flat.over, `heap growth ${flat.line}`).toBeUndefined();
  }, 300_000);

  it("minimize's compiled evaluations (f and g; f, g and one H v per call): heap and WebAssembly memory flat", async () => {
    await dh.ready();
    const obj = new Objective(rosen, [n], "float64");
    const v = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
    let checksum = 0;
    const flat = measure((i) => {
      if (i % 2) checksum += obj.funGrad(x0).f;
      else checksum += obj.funGrad(x0, true).hvp!(v)[0];
    });
    console.log(`[minimize evaluations] ${flat.line}`);
    expect(obj.isCompiled).toBe(true);
    expect(obj.jitReason).toBeNull();
    expect(Number.isFinite(checksum)).toBe(true);
    expect(obj.counts).toMatchObject({ ngev: CALLS, nhvp: CALLS / 2 });
    for (const s of flat.samples) expect(s.wasm, `WebAssembly memory at call ${s.call}`).toBe(flat.base.wasm);
    expect(flat.over, `heap growth ${flat.line}`).toBeUndefined();
  }, 300_000);
});
