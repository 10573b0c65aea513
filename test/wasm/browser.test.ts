// The same backend in a real Chromium page (playwright-core + the system /usr/bin/chromium):
// the bundled bytes validate (relaxed SIMD is on by default there), worker threads come up from a
// Blob URL only on a cross-origin-isolated page, and results match a naive reference.
// Skipped, with the reason printed, when no Chromium is installed.
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain .mjs helper without types
import { esbuildLoaders } from "../../scripts/assetLoaders.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`test/wasm/browser.test.ts skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);

/** Runs in the page: a threaded-size matmul (op(B) transposed) against a naive reference. */
const RUN_SOURCE = `
import { initWasm } from "./wasm.mjs";
export async function run() {
  const w = await initWasm({ threads: 2 });
  const [m, k, n] = [200, 150, 170]; // above the threading threshold
  const a = new Float32Array(m * k).map((_, i) => Math.sin(i));
  const b = new Float32Array(k * n).map((_, i) => Math.cos(i));
  const c = new Float32Array(m * n);
  w.matmul(a, b, c, m, k, n, false, true);
  let maxRelErr = 0;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0, abs = 0;
      for (let p = 0; p < k; p++) { const x = a[i * k + p] * b[j * k + p]; s += x; abs += Math.abs(x); }
      maxRelErr = Math.max(maxRelErr, Math.abs(c[i * n + j] - s) / abs);
    }
  return { variant: w.variant, threads: w.threads, isolated: crossOriginIsolated, maxRelErr, cores: navigator.hardwareConcurrency };
}
`;

interface PageResult { variant: string; threads: number; isolated: boolean; maxRelErr: number; cores: number }

describe.skipIf(!hasChromium)("wasm kernels in Chromium", () => {
  let server: Server;
  let origin = "";
  let browser: import("playwright-core").Browser;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: ["src/backend/wasm/index.ts"], bundle: true, write: false, format: "esm",
      platform: "neutral", external: ["node:*"], loader: esbuildLoaders, target: "es2022", logLevel: "warning",
    });
    const js = bundle.outputFiles[0].text;
    server = createServer((req, res) => {
      const isolated = !req.url?.includes("plain");
      const headers: Record<string, string> = isolated ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } : {};
      if (req.url?.endsWith("/wasm.mjs")) res.writeHead(200, { ...headers, "Content-Type": "text/javascript" }).end(js);
      else if (req.url?.endsWith("/run.mjs")) res.writeHead(200, { ...headers, "Content-Type": "text/javascript" }).end(RUN_SOURCE);
      else res.writeHead(200, { ...headers, "Content-Type": "text/html" }).end("<!doctype html><title>downhill wasm</title>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  /** Opens `${dir}/index.html` and runs RUN_SOURCE there (backend bundle at `${dir}/wasm.mjs`). */
  async function runPage(dir: string): Promise<PageResult> {
    const page = await browser.newPage();
    await page.goto(`${origin}${dir}/index.html`);
    // A string expression, so vitest's transform never rewrites the page code's import().
    const result = await page.evaluate(`import("${dir}/run.mjs").then((m) => m.run())`);
    await page.close();
    return result as PageResult;
  }

  it("uses relaxed SIMD and worker threads on a cross-origin-isolated page", async () => {
    const r = await runPage("");
    expect(r.isolated).toBe(true);
    expect(r.variant).toBe("relaxed-simd");
    expect(r.threads).toBe(Math.min(r.cores, 4));
    expect(r.maxRelErr).toBeLessThanOrEqual(150 * 2 ** -24);
  });

  it("falls back to one thread without cross-origin isolation", async () => {
    const r = await runPage("/plain");
    expect(r.isolated).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.maxRelErr).toBeLessThanOrEqual(150 * 2 ** -24);
  });
});
