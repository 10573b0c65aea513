// The training race (raceTraining + reportTrainingHtml) from the built bundle in headless
// Chromium: a tiny race on the regression and the PINN runs in the page, natural gradient
// reaches the regression's target, the sharpness of AdamW on the regression is the Hessian's top
// eigenvalue (1), and the report renders with a chart per curve in every section.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedChromium } from "./chromium.js";
import { serveStatic, type StaticServer } from "./server.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface Result {
  error?: string;
  backend: string;
  results: Array<{ problem: string; verdict: string; entries: Array<{ method: string; skipped: string | null; reached: number; metric: number; sharpness: number | null; cost: number }> }>;
  sections: number;
  svgs: number[];
}

describe("training race in headless Chromium", () => {
  const browser = sharedChromium();
  let server: StaticServer;
  beforeAll(async () => {
    if (!existsSync(`${root}dist/index.js`)) throw new Error("dist/index.js is missing: run `npm run build` first (npm test does)");
    server = await serveStatic(root, { isolate: true });
  });
  afterAll(async () => { await server?.close(); });

  it("runs a tiny race from the public API and renders its report", async () => {
    const page = await browser().context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    try {
      await page.goto(`${server.origin}/test/browser/pages/training.html`);
      await page.waitForFunction(() => (window as unknown as { __training?: unknown }).__training !== undefined, null, { timeout: 90_000 });
      const r = await page.evaluate(() => (window as unknown as { __training: Result }).__training);
      expect(errors).toEqual([]);
      if (r.error) throw new Error(r.error);
      expect(r.backend).toBe("wasm");
      expect(r.results.map((x) => x.problem)).toEqual(["linear-regression", "poisson-pinn"]);
      const lr = Object.fromEntries(r.results[0].entries.map((e) => [e.method, e]));
      expect(lr.kfac.skipped).toMatch(/softmax/);
      expect(lr["natural-gradient"].reached).toBe(1);
      expect(lr.adamw.cost).toBe(1);
      expect(lr.adamw.sharpness).toBeCloseTo(1, 4);
      expect(r.results[0].verdict).toMatch(/fewest steps natural-gradient/);
      expect(r.sections).toBe(2);
      // three charts per section, one curve each for adamw, sam-adamw and natural-gradient
      expect(r.svgs).toEqual([9, 9]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
