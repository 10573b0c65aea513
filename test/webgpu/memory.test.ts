// No dispose, no leak on WebGPU: MLP training steps (forward, backward, and the update both as
// tensor ops and as the fused Adam step) without a single dispose call. Tensors' buffers go back
// to the byte-bounded pool when the garbage collector takes the tensors, so the buffers held
// (live plus pooled) must stay flat from the first checkpoint on. (Between collections the
// garbage's buffers are still held: V8 does not see device memory, and a major GC is what
// reports collected tensors; seen: 12,000 buffers awaiting finalization in one checkpoint.) SwiftShader runs a step in a few
// milliseconds (20-25 ms a step at load average ~15), so the default is 2,000 steps; DOWNHILL_GPU_LEAK_STEPS=100000 runs the issue's
// 100,000 (DOWNHILL_GPU_LEAK_EVERY=5000 for twenty checkpoints, each printed as it happens). Run
// 2026-12-02 at load average 8-16: both passed, tensor-op SGD in 1,445 s (live buffers 18-113 at
// the checkpoints, no trend: 38 at step 100,000), fused Adam in 362 s (22-24 throughout); bytes
// held 256.0 MiB at every checkpoint (the pool at its bound), JS heap 46-49 MiB throughout.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/core.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/entry.js";
import { settleLiveBuffers, startGpu } from "./gpu.js";

const STEPS = Number(process.env.DOWNHILL_GPU_LEAK_STEPS ?? 2000);
/** Steps between checkpoints (DOWNHILL_GPU_LEAK_EVERY; default six checkpoints). */
const EVERY = Number(process.env.DOWNHILL_GPU_LEAK_EVERY ?? Math.floor(STEPS / 6));
/** A long run's budget: 100 ms a step (SwiftShader under load), never under 10 minutes. */
const TIMEOUT_MS = Math.max(600_000, STEPS * 100);

function fullGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await startGpu();
});

describe.each(["tensor-op SGD", "fused Adam"] as const)("GPU memory stays flat without dispose: %s", (mode) => {
  it(`${STEPS} steps: buffers held stay flat, the pool within its bound`, async () => {
    const gc = fullGc();
    const batch = 32, nIn = 32, nHidden = 64, nOut = 10;
    const x = dh.randn([batch, nIn], { seed: 1 });
    const y = dh.oneHot(Array.from({ length: batch }, (_, i) => (i * 7) % nOut), nOut);
    type Params = { w1: dh.Tensor; b1: dh.Tensor; w2: dh.Tensor; b2: dh.Tensor };
    let params: Params = { w1: dh.randn([nIn, nHidden], { seed: 2 }).mul(0.25), b1: dh.zeros([nHidden]), w2: dh.randn([nHidden, nOut], { seed: 3 }).mul(0.12), b2: dh.zeros([nOut]) };
    const loss = (p: Params) => dh.neg(dh.mean(dh.sum(dh.mul(y, dh.logSoftmax(dh.add(dh.matmul(dh.relu(dh.add(dh.matmul(x, p.w1), p.b1)), p.w2), p.b2))), -1)));
    const opt = mode === "fused Adam" ? dh.optimizer(dh.adam({ lr: 0.01 }), params) : null;
    const samples: Array<{ step: number; buffers: number; bytes: number; loss: number }> = [];
    const t0 = performance.now();
    for (let s = 1; s <= STEPS; s++) {
      const { value, grad } = dh.valueAndGrad(loss)(params);
      if (opt) opt.step(grad);
      else params = dh.treeMap((p: dh.Tensor, g: dh.Tensor) => p.sub(g.mul(0.05)), params, grad) as Params;
      if (s % EVERY === 0) {
        const l = (await value.data())[0];
        await settleLiveBuffers(gpu, gc);
        const st = gpu.stats();
        samples.push({ step: s, buffers: st.liveBuffers, bytes: st.liveBytes + st.pooledBytes, loss: l });
        // each checkpoint as it happens, so a long run that is stopped early still shows its curve
        if (STEPS > 2000) process.stderr.write(`[gpu leak ${mode}] step ${s} ${((performance.now() - t0) / 1000).toFixed(0)} s: live buffers ${st.liveBuffers}, held KiB ${Math.round((st.liveBytes + st.pooledBytes) / 1024)}, JS heap MiB ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)}, loss ${l.toFixed(4)}\n`);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`[gpu leak ${mode}] ${STEPS} steps in ${seconds.toFixed(1)} s; live buffers ${samples.map((s) => s.buffers).join(" ")}; held KiB ${samples.map((s) => Math.round(s.bytes / 1024)).join(" ")}; loss ${samples[0].loss.toFixed(4)} -> ${samples.at(-1)!.loss.toFixed(4)}`);
    const base = samples[0];
    for (const s of samples.slice(1)) {
      expect(s.buffers, `live buffers at step ${s.step}`).toBeLessThanOrEqual(base.buffers + 64);
      expect(s.bytes, `bytes held at step ${s.step}`).toBeLessThanOrEqual(base.bytes + 1024 * 1024);
    }
    expect(gpu.stats().pooledBytes).toBeLessThanOrEqual(gpu.ctx.pool.maxPooledBytes);
    expect(samples.at(-1)!.loss).toBeLessThan(samples[0].loss);
    expect(gpu.ctx.errors).toEqual([]);
  }, TIMEOUT_MS);
});
