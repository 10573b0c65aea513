// The comparison report (src/compare/reportHtml) opened offline from a file in headless Chromium:
// - under the bare POSIX locale (LANG=C.UTF-8, where Chromium's navigator.language is
//   "en-US@posix", a tag Intl rejects and on which uPlot used to throw as it loaded, leaving only
//   the first section's table), every section draws its four interactive charts and its contour
//   plot, with no page error;
// - with JavaScript off, the tables are there and every chart is an inline SVG with one polyline
//   per curve (log-scaled like the interactive chart).
// Each mode leaves a screenshot in $REPORT_SHOTS (default: <tmpdir>/downhill-report-shots).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { problems, race, reportHtml, type RaceResult } from "../../src/index.js";
import { sharedChromium } from "./chromium.js";

const require = createRequire(import.meta.url);
const uplotDir = resolve(require.resolve("uplot/dist/uPlot.iife.min.js"), "..");
const shots = process.env.REPORT_SHOTS ?? join(tmpdir(), "downhill-report-shots");

let races: RaceResult[] = [];
let reportUrl = "";

beforeAll(() => {
  // 2-D problems (contour plots), larger ones, a skipped entry (newton above newtonMaxDim).
  const list = [problems.rosenbrock(2), problems.himmelblau(), problems.powellSingular(), problems.box3d(), problems.quadratic({ dim: 20, cond: 1000 }), problems.rosenbrock(20)];
  races = list.map((p) => race(p, { warmup: false, gridSize: 40, newtonMaxDim: 10 }));
  const html = reportHtml(races, {
    uplotJs: readFileSync(join(uplotDir, "uPlot.iife.min.js"), "utf8"),
    uplotCss: readFileSync(join(uplotDir, "uPlot.min.css"), "utf8"),
    subtitle: "test/browser/report.test.ts",
  });
  const file = join(mkdtempSync(join(tmpdir(), "downhill-report-")), "report.html");
  writeFileSync(file, html);
  reportUrl = pathToFileURL(file).href;
  mkdirSync(shots, { recursive: true });
}, 120_000);

/** A full-page screenshot and one per section, `<mode>.png` and `<mode>-<problem>.png`. */
async function screenshots(page: Page, mode: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${mode}.png`), fullPage: true });
  for (const [k, r] of races.entries()) {
    const section = page.locator(`#p${k}`);
    if (await section.count()) await section.screenshot({ path: join(shots, `${mode}-${r.problem.name}.png`) });
  }
}

/** Methods that have a curve (not skipped, some history), per race. */
const curves = (r: RaceResult) => r.entries.filter((e) => !e.skipped && e.result.history.length).map((e) => e.method);

/** Opens the report; collects page errors, console errors and every request that is not the file itself. */
async function open(page: Page): Promise<{ errors: string[]; requests: string[] }> {
  const errors: string[] = [], requests: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console.error: ${m.text()}`); });
  page.on("request", (r) => { if (r.url() !== reportUrl) requests.push(r.url()); });
  await page.setViewportSize({ width: 1300, height: 900 });
  await page.goto(reportUrl, { waitUntil: "load" });
  return { errors, requests };
}

describe("the report under the POSIX locale (LANG=C.UTF-8: navigator.language is en-US@posix)", () => {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "LANGUAGE" && !k.startsWith("LC_")) env[k] = v;
  const browser = sharedChromium({ env: { ...env, LANG: "C.UTF-8", LC_ALL: "C.UTF-8" }, args: ["--lang=en-US@posix"] });

  it("the browser's locale tag is one Intl rejects (the condition under test)", async () => {
    const page = await browser().context.newPage();
    try {
      const r = await page.evaluate(() => {
        let intl = "ok";
        try { new Intl.NumberFormat(navigator.language); } catch (e) { intl = String(e); }
        return { language: navigator.language, intl };
      });
      expect(r.language).toBe("en-US@posix");
      expect(r.intl).toMatch(/RangeError: Invalid language tag/);
    } finally {
      await page.close();
    }
  });

  it("every section draws its four interactive charts (and 2-D ones their contour), no page error, nothing fetched", async () => {
    const page = await browser().context.newPage();
    try {
      const { errors, requests } = await open(page);
      const sections = await page.$$eval("section[data-race]", (secs) => secs.map((s) => ({
        charts: Array.from(s.querySelectorAll("figure.chart")).map((f) => ({
          live: f.querySelectorAll(".uplot canvas").length,
          legend: Array.from(f.querySelectorAll(".u-legend .u-series .u-label")).map((l) => l.textContent),
          statics: f.querySelectorAll(".static, svg").length,
        })),
        canvases: s.querySelectorAll(".contour .plot canvas").length,
        staticContours: s.querySelectorAll(".contour svg").length,
        tableRows: s.querySelectorAll(":scope > table tr").length,
      })));
      const rawLanguage = await page.evaluate(() => Object.getOwnPropertyDescriptor(Navigator.prototype, "language")!.get!.call(navigator));
      await screenshots(page, "posix-locale");
      expect(rawLanguage).toBe("en-US@posix");
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(sections.length).toBe(races.length);
      sections.forEach((s, k) => {
        const r = races[k];
        expect(s.tableRows, r.problem.name).toBe(r.entries.length + 1);
        expect(s.charts.length, r.problem.name).toBe(4);
        for (const c of s.charts) {
          expect(c.live, r.problem.name).toBeGreaterThan(0);
          expect(c.statics, r.problem.name).toBe(0);
          expect(c.legend.slice(1), r.problem.name).toEqual(curves(r));
        }
        expect(s.canvases, r.problem.name).toBe(r.grid ? 1 : 0);
        expect(s.staticContours, r.problem.name).toBe(0);
      });
    } finally {
      await page.close();
    }
  });
});

describe("the report with JavaScript off", () => {
  const browser = sharedChromium({ javaScriptEnabled: false });

  it("shows every table and one inline SVG per chart, with a polyline for each curve, log-scaled", async () => {
    const page = await browser().context.newPage();
    try {
      const { errors, requests } = await open(page);
      // the page's scripts did not run (playwright's own evaluate still does)
      expect(await page.evaluate(() => typeof (window as unknown as { uPlot?: unknown }).uPlot)).toBe("undefined");
      const sections = await page.$$eval("section[data-race]", (secs) => secs.map((s) => ({
        rows: Array.from(s.querySelectorAll(":scope > table tr")).map((tr) => Array.from(tr.children).map((c) => c.textContent)),
        charts: Array.from(s.querySelectorAll("figure.chart")).map((f) => {
          const svgs = f.querySelectorAll("svg");
          const box = svgs[0]?.getBoundingClientRect();
          return {
            svgs: svgs.length,
            visible: box ? box.width > 100 && box.height > 50 : false,
            text: svgs[0]?.textContent ?? "",
            lines: Array.from(f.querySelectorAll("svg polyline")).map((p) => ({ series: p.getAttribute("data-series"), points: (p.getAttribute("points") ?? "").trim().split(/\s+/).filter(Boolean).length })),
          };
        }),
        contours: Array.from(s.querySelectorAll(".contour svg")).map((svg) => Array.from(svg.querySelectorAll("polyline")).map((p) => p.getAttribute("data-series"))),
        live: s.querySelectorAll(".uplot, canvas").length,
      })));
      await screenshots(page, "no-javascript");
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(sections.length).toBe(races.length);
      sections.forEach((s, k) => {
        const r = races[k], name = r.problem.name;
        expect(s.rows[0], name).toEqual(["method", "iterations", "f evals", "grad evals", "Hv", "time ms", "final f", "f - f*", "||grad||", "converged", "message"]);
        expect(s.rows.slice(1).map((row) => row[0]), name).toEqual(r.entries.map((e) => e.method));
        r.entries.forEach((e, i) => {
          if (e.skipped) expect(s.rows[i + 1][10], name).toBe(e.skipped);
          else expect(s.rows[i + 1][1], name).toBe(String(e.result.nit));
        });
        expect(s.charts.length, name).toBe(4);
        for (const [j, c] of s.charts.entries()) {
          expect(c.svgs, `${name} chart ${j}`).toBe(1);
          expect(c.visible, `${name} chart ${j}`).toBe(true);
          expect(c.lines.map((l) => l.series), `${name} chart ${j}`).toEqual(curves(r));
          // a run of more than one iteration is a line (at least two distinct points)
          r.entries.filter((e) => !e.skipped && e.result.history.length > 1).forEach((e) => {
            expect(c.lines.find((l) => l.series === e.method)!.points, `${name} chart ${j} ${e.method}`).toBeGreaterThan(1);
          });
          // the y axis is log-scaled: decade labels (1e-6, 1e+0, ...) and no linear ones
          expect(c.text, `${name} chart ${j}`).toMatch(/1e[+-]\d+/);
        }
        expect(s.contours, name).toEqual(r.grid ? [r.entries.filter((e) => !e.skipped && e.result.history.length).map((e) => e.method)] : []);
        expect(s.live, name).toBe(0);
      });
    } finally {
      await page.close();
    }
  });
});
