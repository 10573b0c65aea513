// WebGPU is reachable in the test Chromium (test/browser/chromium.ts: Dawn on SwiftShader, so no GPU
// is needed): on a secure page (http://127.0.0.1 counts) navigator.gpu gives an adapter and a
// device, and a compute shader doubling 64 floats in a storage buffer reads back the exact values.
// Groundwork for a WebGPU backend; the page is test/browser/pages/webgpu.html.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedChromium } from "./chromium.js";
import { serveStatic, type StaticServer } from "./server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface AdapterInfo { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter: boolean | null; maxStorageBufferBindingSize: number }
interface WebGpuResult {
  error?: string;
  secureContext: boolean;
  crossOriginIsolated: boolean;
  hasGpu: boolean;
  adapter?: AdapterInfo | null;
  validationError?: string | null;
  input?: number[];
  output?: number[];
}

describe("WebGPU in headless Chromium", () => {
  const browser = sharedChromium();
  let server: StaticServer;

  beforeAll(async () => {
    // cross-origin isolated, as a page running the wasm thread pool next to a WebGPU backend would be
    server = await serveStatic(root, { isolate: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("navigator.gpu gives an adapter on a secure page, and a compute shader doubles 64 floats", async () => {
    const chrome = browser();
    const page = await chrome.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    try {
      await page.goto(`${server.origin}/test/browser/pages/webgpu.html`);
      await page.waitForFunction(() => (window as unknown as { __webgpu?: unknown }).__webgpu !== undefined, null, { timeout: 60_000 });
      const r = await page.evaluate(() => (window as unknown as { __webgpu: WebGpuResult }).__webgpu);
      expect(errors).toEqual([]);
      if (r.error) throw new Error(r.error);
      console.log(`[${chrome.version}] WebGPU adapter: ${JSON.stringify(r.adapter)}`);
      expect(r.secureContext).toBe(true);
      expect(r.crossOriginIsolated).toBe(true);
      expect(r.hasGpu).toBe(true);
      expect(r.adapter).toBeTruthy();
      expect(r.validationError).toBeNull();
      expect(r.input).toHaveLength(64);
      // doubling is exact in f32, so the values must match exactly
      expect(r.output).toEqual(r.input!.map((v) => 2 * v));
    } finally {
      await page.close();
    }
  });
});
