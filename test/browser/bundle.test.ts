// The built bundle (dist/index.js: one ESM file, wasm bytes inlined) in real headless Chromium:
// it loads on a page and in a module Web Worker, starts the SIMD WebAssembly core, and computes a
// gradient and matmuls that agree with plain JS loops. `npm test` builds dist/ first; this file
// builds nothing. Pages live in test/browser/pages/, served with COOP/COEP (cross-origin isolated)
// and, for the fallback check, without.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedChromium } from "./chromium.js";
import { serveStatic, type StaticServer } from "./server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bundlePath = `${root}dist/index.js`;

interface MatmulCheck { n: number; dtype: string; shape: number[]; scaledErr: number }
interface Checks {
  info: { backend: string; variant: string | null; threads: number; error: string | null };
  readyMs: number;
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  hardwareConcurrency: number | null;
  grad: number[];
  matmul64: MatmulCheck;
  matmul256: MatmulCheck;
}
interface PageResult { bundle: string; page: Checks; worker: Checks; error?: string }

/** u = 2^-24, the f32 unit roundoff; a length-n dot product is within n u |a|.|b|. */
const F32_U = 2 ** -24;

function expectCorrect(r: Checks): void {
  expect(r.info.error).toBeNull();
  expect(r.info.backend).toBe("wasm");
  // Chromium validates relaxed SIMD by default, so the relaxed binary must be the one chosen.
  expect(r.info.variant).toBe("relaxed-simd");
  expect(r.grad).toEqual([2, 4, 6]);
  for (const m of [r.matmul64, r.matmul256]) {
    expect(m.shape).toEqual([m.n, m.n]);
    expect(m.dtype).toBe("float32");
    expect(m.scaledErr).toBeLessThan(m.n * F32_U);
  }
}

describe("built bundle in headless Chromium", () => {
  const browser = sharedChromium();
  let isolated: StaticServer;
  let plain: StaticServer;

  beforeAll(async () => {
    if (!existsSync(bundlePath)) throw new Error(`${bundlePath} is missing: run \`npm run build\` first (npm test does)`);
    isolated = await serveStatic(root, { isolate: true });
    plain = await serveStatic(root, { isolate: false });
  });
  afterAll(async () => {
    await isolated?.close();
    await plain?.close();
  });

  async function run(server: StaticServer, bundle = "index.js"): Promise<PageResult> {
    const page = await browser().context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console.error: ${m.text()}`);
    });
    try {
      await page.goto(`${server.origin}/test/browser/pages/index.html?bundle=${bundle}`);
      await page.waitForFunction(() => (window as unknown as { __downhill?: unknown }).__downhill !== undefined, null, { timeout: 60_000 });
      const result = await page.evaluate(() => (window as unknown as { __downhill: PageResult }).__downhill);
      expect(errors).toEqual([]);
      if (result.error) throw new Error(result.error);
      return result;
    } finally {
      await page.close();
    }
  }

  it("loads on a cross-origin-isolated page and in a module worker, SIMD core, correct grad and matmul", async () => {
    const r = await run(isolated);
    const { version } = browser();
    console.log(`[${version}] page:   ${JSON.stringify(summary(r.page))}`);
    console.log(`[${version}] worker: ${JSON.stringify(summary(r.worker))}`);
    expect(r.page.crossOriginIsolated).toBe(true);
    expect(r.page.sharedArrayBuffer).toBe(true);
    expectCorrect(r.page);
    expect(r.worker.crossOriginIsolated).toBe(true);
    expectCorrect(r.worker);
    // The bytes are inlined: nothing but the page, its scripts and the bundle was fetched.
    expect(isolated.requested.filter((p) => p.endsWith(".wasm"))).toEqual([]);
  });

  it("uses worker threads over shared memory when cross-origin isolated", async () => {
    const r = await run(isolated);
    const cores = r.page.hardwareConcurrency ?? 1;
    // The pool takes min(cores, 4) threads, calling thread included (src/backend/wasm/index.ts).
    const expected = Math.min(cores, 4);
    console.log(`[chromium] cores ${cores}: page threads ${r.page.info.threads}, worker threads ${r.worker.info.threads} (expected ${expected})`);
    expect(r.page.info.threads).toBe(expected);
    expect(r.worker.info.threads).toBe(expected);
  });

  it("falls back to one thread, still correct, on a page that is not cross-origin isolated", async () => {
    const r = await run(plain);
    console.log(`[chromium] not isolated: page ${JSON.stringify(summary(r.page))}`);
    expect(r.page.crossOriginIsolated).toBe(false);
    expect(r.page.info.threads).toBe(1);
    expectCorrect(r.page);
    expect(r.worker.info.threads).toBe(1);
    expectCorrect(r.worker);
  });

  it("the minified bundle (the one the size budget measures) works the same", async () => {
    const r = await run(isolated, "downhill.min.js");
    console.log(`[chromium] downhill.min.js: page ${JSON.stringify(summary(r.page))}`);
    expect(r.bundle).toBe("downhill.min.js");
    expectCorrect(r.page);
    expectCorrect(r.worker);
  });

  it.each(["relaxed-simd", "simd", "scalar"])("ready({ wasmModule }) with dist/wasm/%s.wasm compiled by the page runs that core", async (variant) => {
    const page = await browser().context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    try {
      await page.goto(`${plain.origin}/test/browser/pages/module.html?variant=${variant}`);
      await page.waitForFunction(() => (window as unknown as { __downhill?: unknown }).__downhill !== undefined, null, { timeout: 60_000 });
      const r = await page.evaluate(() => (window as unknown as { __downhill: Omit<Checks, "readyMs" | "crossOriginIsolated" | "sharedArrayBuffer" | "hardwareConcurrency"> & { error?: string } }).__downhill);
      expect(errors).toEqual([]);
      if (r.error) throw new Error(r.error);
      expect(r.info).toEqual({ backend: "wasm", variant, threads: 1, adapter: null, error: null });
      expect(r.grad).toEqual([2, 4, 6]);
      for (const m of [r.matmul64, r.matmul256]) expect(m.scaledErr).toBeLessThan(m.n * F32_U);
      expect(plain.requested).toContain(`/dist/wasm/${variant}.wasm`);
    } finally {
      await page.close();
    }
  });

  it.each([["cross-origin isolated", true], ["not isolated", false]] as const)("without ready() (%s), the first matmul runs on the WebAssembly core; threads attach once the page yields", async (_, isolate) => {
    const server = isolate ? isolated : plain;
    const page = await browser().context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    try {
      await page.goto(`${server.origin}/test/browser/pages/default.html`);
      await page.waitForFunction(() => (window as unknown as { __downhill?: unknown }).__downhill !== undefined, null, { timeout: 60_000 });
      const r = await page.evaluate(() => (window as unknown as { __downhill: Pick<Checks, "info" | "grad" | "matmul64" | "matmul256"> & { first: Checks["info"]; spun: Checks["info"]; after: Checks["info"]; ops: number; yields: number; error?: string } }).__downhill);
      expect(errors).toEqual([]);
      if (r.error) throw new Error(r.error);
      console.log(`[chromium] no ready(), ${isolate ? "isolated" : "not isolated"}: first op ${JSON.stringify(r.first)}; after 1 s never yielding (${r.ops} products) ${r.spun.threads} thread(s); after ${r.yields} yields ${JSON.stringify(r.after)}`);
      expect(r.first).toMatchObject({ backend: "wasm", variant: "relaxed-simd", error: null });
      if (isolate) expect(r.after.threads).toBeGreaterThan(1);
      else expect(r.after.threads).toBe(1);
      expect(r.grad).toEqual([2, 4, 6]);
      for (const m of [r.matmul64, r.matmul256]) expect(m.scaledErr).toBeLessThan(m.n * F32_U);
    } finally {
      await page.close();
    }
  });

  it("the bundle has no static node: import (a browser would fail to load it)", () => {
    for (const file of [bundlePath, `${root}dist/downhill.min.js`]) {
      const src = readFileSync(file, "utf8");
      // import x from "node:..." / import "node:..." / export ... from "node:..." (minified ones too)
      const staticNodeImports = src.match(/(?:^|[;}\s])(?:import|export)\s*(?:[\w*${}\s,]+from\s*)?["']node:[^"']+["']/g) ?? [];
      expect(staticNodeImports, file).toEqual([]);
      // the guarded dynamic imports in src/platform.ts are fine: they only run in Node
    }
  });
});

function summary(c: Checks) {
  return {
    backend: c.info.backend,
    variant: c.info.variant,
    threads: c.info.threads,
    isolated: c.crossOriginIsolated,
    readyMs: Math.round(c.readyMs),
    grad: c.grad,
    err64: +(c.matmul64.scaledErr / (64 * F32_U)).toFixed(4),
    err256: +(c.matmul256.scaledErr / (256 * F32_U)).toFixed(4),
  };
}
