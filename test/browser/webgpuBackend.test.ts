// The built bundle's WebGPU backend in headless Chromium (its WebGPU over SwiftShader, no GPU
// needed), on a page and in a module worker: ready({ backend: "webgpu" }) names the adapter,
// matmuls with odd shapes, batches and transposes, broadcasting elementwise ops, reductions and
// log-softmax, an MLP's gradients and fused Adam steps agree with the JS reference backend run in
// the same page; under mixed precision products and a compiled chain store binary16 (a compiled
// chain with eager's bits); a synchronous read names the op; a device destroyed under the backend loses no
// tensor's values and work continues on the WebAssembly core. The pages are
// test/browser/pages/webgpuBackend.html, webgpuWorker.js and webgpuChecks.js.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedChromium } from "./chromium.js";
import { serveStatic, type StaticServer } from "./server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface Mixed { productDiff: number; productNotHalf: number; chainNotHalf: number; jitDiff: number; jitCompiled: number; precision: string }
interface Checks { info: { backend: string; adapter: string | null; error: string | null }; diffs: Record<string, number>; path: string; syncError: string | null; pendingLoss: number; lossRef: number; mixed: Mixed; error?: string }
interface Result { page: Checks; worker: Checks; loss: { info: { backend: string; error: string | null }; diff: number; after: number }; error?: string }

function expectCorrect(r: Checks): void {
  if (r.error) throw new Error(r.error);
  expect(r.info.backend).toBe("webgpu");
  expect(r.info.adapter).toMatch(/swiftshader/i);
  for (const [name, d] of Object.entries(r.diffs)) expect(d, name).toBeLessThan(1e-4);
  expect(r.path).toBe("webgpu");
  expect(r.syncError).toMatch(/^item: the webgpu backend holds this tensor's values on the GPU/);
  expect(Math.abs(r.pendingLoss - r.lossRef)).toBeLessThan(1e-4);
  // mixed precision: binary16 storage (rounded: off the float32 product by more than float32's
  // rounding, within binary16's), and a compiled chain with eager's bits
  expect(r.mixed.precision).toBe("mixed");
  expect(r.mixed.productNotHalf).toBe(0);
  expect(r.mixed.chainNotHalf).toBe(0);
  expect(r.mixed.productDiff).toBeGreaterThan(1e-5);
  expect(r.mixed.productDiff).toBeLessThan(2e-2); // k = 53 products of inputs rounded by up to 2^-11 each (5.4e-3 seen)
  expect(r.mixed.jitDiff).toBe(0);
  expect(r.mixed.jitCompiled).toBe(1);
}

describe("the WebGPU backend in headless Chromium", () => {
  const browser = sharedChromium();
  let server: StaticServer;
  beforeAll(async () => {
    if (!existsSync(`${root}dist/webgpu.js`)) throw new Error("dist/webgpu.js is missing: run `npm run build` first (npm test does)");
    server = await serveStatic(root, { isolate: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("on a page and in a module worker: kernels, gradients and fused Adam match the JS reference; a lost device loses nothing", async () => {
    const page = await browser().context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    try {
      await page.goto(`${server.origin}/test/browser/pages/webgpuBackend.html`);
      await page.waitForFunction(() => (window as unknown as { __webgpuBackend?: unknown }).__webgpuBackend !== undefined, null, { timeout: 240_000 });
      const r = await page.evaluate(() => (window as unknown as { __webgpuBackend: Result }).__webgpuBackend);
      if (r.error) throw new Error(r.error);
      console.log(`[chromium webgpu] adapter ${r.page.info.adapter}; page diffs ${JSON.stringify(r.page.diffs)}; worker diffs ${JSON.stringify(r.worker.diffs)}; mixed precision page ${JSON.stringify(r.page.mixed)}, worker ${JSON.stringify(r.worker.mixed)}`);
      expect(errors).toEqual([]);
      expectCorrect(r.page);
      expectCorrect(r.worker);
      // the webgpu chunk was fetched beside the bundle, once per realm at most
      expect(server.requested.filter((p) => p.endsWith("/dist/webgpu.js")).length).toBeGreaterThanOrEqual(1);
      expect(r.loss.info.backend).not.toBe("webgpu");
      expect(r.loss.info.error).toMatch(/WebGPU device was lost/);
      expect(r.loss.diff).toBeLessThan(1e-5);
      expect(Number.isFinite(r.loss.after)).toBe(true);
    } finally {
      await page.close();
    }
  }, 300_000);
});
