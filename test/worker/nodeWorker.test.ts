// The built bundle in a Node worker_threads Worker: it imports, starts the SIMD WebAssembly core
// (with its own nested thread pool over shared memory), and computes a gradient and matmuls that
// agree with plain JS loops, exactly as on the page and in a Web Worker (test/browser/).
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";

const bundlePath = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const F32_U = 2 ** -24;

interface MatmulCheck { n: number; dtype: string; shape: number[]; scaledErr: number }
interface Checks {
  info: { backend: string; variant: string | null; threads: number; error: string | null };
  grad: number[];
  matmul64: MatmulCheck;
  matmul256: MatmulCheck;
  error?: string;
}

function runInWorker(): Promise<Checks> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./worker.mjs", import.meta.url), { workerData: { bundleUrl: pathToFileURL(bundlePath).href } });
    worker.once("message", (m: Checks) => {
      void worker.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`worker exited with code ${code} before posting`)));
  });
}

describe("built bundle in a Node worker thread", () => {
  it("imports dist/index.js, runs the SIMD core, gradient and matmul are correct", async () => {
    if (!existsSync(bundlePath)) throw new Error(`${bundlePath} is missing: run \`npm run build\` first (npm test does)`);
    const r = await runInWorker();
    console.log(`[node ${process.version} worker] ${JSON.stringify({ ...r.info, err64: r.matmul64.scaledErr / (64 * F32_U), err256: r.matmul256.scaledErr / (256 * F32_U) })}`);
    expect(r.info.error).toBeNull();
    expect(r.info.backend).toBe("wasm");
    // Node 20 validates plain SIMD; relaxed SIMD only behind a flag (either counts as the SIMD binary).
    expect(["simd", "relaxed-simd"]).toContain(r.info.variant);
    // From a worker thread the pool nests its own workers: min(cores, 4) threads in all.
    expect(r.info.threads).toBe(Math.min(availableParallelism(), 4));
    expect(r.grad).toEqual([2, 4, 6]);
    for (const m of [r.matmul64, r.matmul256]) {
      expect(m.shape).toEqual([m.n, m.n]);
      expect(m.dtype).toBe("float32");
      // |fl(a.b) - a.b| <= n u |a|.|b| for any summation order (see test/browser/pages/checks.js).
      expect(m.scaledErr).toBeLessThan(m.n * F32_U);
    }
  });
});
