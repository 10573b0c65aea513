// No dispose, no leak: 100,000 forward + backward steps (eager, and compiled with jit) of a small MLP (32-64-10, batch 32,
// softmax cross-entropy) with the core's valueAndGrad and plain SGD written as tensor ops. Every
// 10,000 steps: a full GC, then the JS heap (heapUsed + arrayBuffers, where typed-array storage is
// counted) and the WebAssembly memory size. Both must stay flat after the first checkpoint:
//   - WebAssembly memory: exactly the same byte length (the arena reuses its scratch; a leak there
//     shows up as memory.grow, which can never be undone).
//   - JS heap: growth below 256 KiB (GC/JIT noise, measured at up to ~100 KiB here) plus 32 bytes
//     per step. The smallest thing a step could leak, one Tensor (a JS object, its typed array and
//     the ArrayBuffer behind it), costs ~320 bytes (measured by leaking a zeros([1]) per step: it
//     fails this test at the first checkpoint), so a leak of even one object per step crosses the
//     bound (256 KiB + 2.8 MiB over 90,000 steps; a one-tensor leak adds ~27 MiB).
// Runs in-process (vitest's worker) so it measures src/ with the vitest asset loaders; gc() comes
// from V8's --expose-gc flag set at runtime. DOWNHILL_LEAK_STEPS=20000 gives a quicker run.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { wasmKernelsSync } from "../../src/backend/wasm/index.js";
import type { Tensor } from "../../src/index.js";

const STEPS = Number(process.env.DOWNHILL_LEAK_STEPS ?? 100_000);
const EVERY = STEPS / 10;
const BYTES_PER_STEP_BOUND = 32;
const NOISE_BYTES = 256 * 1024;

/** The real `gc()` without restarting the worker with --expose-gc (V8 flag set at runtime). */
function fullGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

interface Sample { step: number; heap: number; wasm: number; loss: number }

describe.each(["eager", "compiled (jit)"] as const)("memory stays flat without dispose: %s", (mode) => {
  it(`${STEPS} MLP forward+backward+SGD steps: JS heap and WebAssembly memory flat`, async () => {
    const gc = fullGc();
    await dh.ready();
    expect(dh.backendInfo().backend).toBe("wasm");
    const wasmBytes = () => wasmKernelsSync()!.memory().byteLength;

    const batch = 32, nIn = 32, nHidden = 64, nOut = 10, lr = 0.05;
    const x = dh.randn([batch, nIn], { seed: 1 });
    const y = dh.oneHot(dh.tensor(Array.from({ length: batch }, (_, i) => (i * 7) % nOut)), nOut);
    type Params = { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor };
    let params: Params = {
      w1: dh.randn([nIn, nHidden], { seed: 2 }).mul(Math.sqrt(2 / nIn)),
      b1: dh.zeros([nHidden]),
      w2: dh.randn([nHidden, nOut], { seed: 3 }).mul(Math.sqrt(1 / nHidden)),
      b2: dh.zeros([nOut]),
    };
    // L = -1/B sum_b sum_c y_bc log softmax(relu(x W1 + b1) W2 + b2)_bc
    const loss = (p: Params) => {
      const h = dh.relu(dh.add(dh.matmul(x, p.w1), p.b1));
      const logits = dh.add(dh.matmul(h, p.w2), p.b2);
      return dh.neg(dh.mean(dh.sum(dh.mul(y, dh.logSoftmax(logits)), -1)));
    };
    // Compiled: one trace (every step's params have the same shapes), its buffers planned once.
    const step = mode === "eager" ? dh.valueAndGrad(loss) : dh.jit(dh.valueAndGrad(loss));

    const samples: Sample[] = [];
    const t0 = performance.now();
    for (let s = 1; s <= STEPS; s++) {
      const { value, grad } = step(params);
      params = dh.treeMap((p: Tensor, g: Tensor) => p.sub(g.mul(lr)), params, grad) as Params;
      if (s % EVERY === 0) {
        const l = value.item();
        gc();
        gc();
        const m = process.memoryUsage();
        samples.push({ step: s, heap: m.heapUsed + m.arrayBuffers, wasm: wasmBytes(), loss: l });
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const base = samples[0];
    const worst = Math.max(...samples.map((s) => s.heap - base.heap));
    console.log(
      `[leak ${mode}] ${STEPS} steps in ${seconds.toFixed(1)} s (${((seconds * 1e6) / STEPS).toFixed(0)} us/step); heap at checkpoints (KiB): ` +
        samples.map((s) => Math.round(s.heap / 1024)).join(" ") +
        `; worst growth ${(worst / 1024).toFixed(0)} KiB (bound ${((NOISE_BYTES + BYTES_PER_STEP_BOUND * (STEPS - base.step)) / 1024).toFixed(0)} KiB); wasm memory ${samples.map((s) => s.wasm / 65536).join(" ")} pages; loss ${base.loss.toExponential(2)} -> ${samples.at(-1)!.loss.toExponential(2)}`,
    );

    expect(samples.at(-1)!.loss).toBeLessThan(base.loss); // it really trained
    if (mode !== "eager") expect((step as { stats?: dh.JitStats }).stats).toMatchObject({ traces: 1, eagerCalls: 0 });
    for (const s of samples) {
      expect(s.wasm, `WebAssembly memory at step ${s.step}`).toBe(base.wasm);
      expect(s.heap - base.heap, `heap growth by step ${s.step}`).toBeLessThan(NOISE_BYTES + BYTES_PER_STEP_BOUND * (s.step - base.step) + 1);
    }
  }, 300_000);
});
