// The race record and the offline HTML report; the CLI end to end when dist/ is built.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, test } from "vitest";
import { problems, race, reportHtml } from "../../src/index.js";
import { svgChart } from "../../src/compare/reportSvg.js";

const require = createRequire(import.meta.url);
const uplotDir = resolve(require.resolve("uplot/dist/uPlot.iife.min.js"), "..");
const uplot = { uplotJs: readFileSync(join(uplotDir, "uPlot.iife.min.js"), "utf8"), uplotCss: readFileSync(join(uplotDir, "uPlot.min.css"), "utf8") };

test("race: one entry per method, trajectories and a contour grid for a 2-D problem", () => {
  const started: string[] = [];
  const r = race(problems.himmelblau(), { methods: ["gd", "lbfgs", "newton"], gridSize: 20, onStart: (m) => started.push(m) });
  expect(started).toEqual(["gd", "lbfgs", "newton"]);
  expect(r.entries.map((e) => e.method)).toEqual(["gd", "lbfgs", "newton"]);
  for (const e of r.entries) {
    expect(e.result.converged).toBe(true);
    expect(e.result.history[0].x).toEqual([0, 0]);
    expect(e.time).toBeGreaterThan(0);
  }
  expect(r.grid!.f.length).toBe(20);
  expect(r.grid!.f[0].length).toBe(20);
  expect(r.fRef).toBe(0);
});

test("race: dense BFGS is skipped with the reason above n = 4096 instead of reported as a throw", () => {
  const r = race(problems.rosenbrock(5000), { methods: ["bfgs"] });
  expect(r.entries[0].skipped).toMatch(/^dense BFGS skipped: n = 5000 > 4096 \(its inverse Hessian would take 191 MiB\)$/);
});

test("race: dense Newton is skipped (with the reason) above newtonMaxDim; unknown f* uses the best f reached", () => {
  const r = race(problems.rosenbrock(8), { methods: ["lbfgs", "newton"], newtonMaxDim: 4 });
  expect(r.entries[1].skipped).toMatch(/n = 8 > 4/);
  expect(r.grid).toBeUndefined();
  const p = { ...problems.booth(), fStar: NaN };
  const r2 = race(p, { methods: ["lbfgs"] });
  expect(r2.fRef).toBe(Math.min(...r2.entries[0].result.history.map((h) => h.f)));
});

test("report: self-contained HTML (uPlot inlined, no external resources), one section per problem", () => {
  const races = [race(problems.booth(), { methods: ["gd", "lbfgs"], gridSize: 10 }), race(problems.rosenbrock(4), { methods: ["lbfgs"] })];
  const html = reportHtml(races, { ...uplot, title: "t <1>" });
  expect(html.startsWith("<!doctype html>")).toBe(true);
  expect(html).toContain("t &lt;1&gt;");
  expect(html).toContain(uplot.uplotJs.slice(0, 200));
  expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|url\(http/i);
  const data = JSON.parse(html.match(/const DATA = (.*);\n/)![1]);
  expect(data.map((d: any) => d.problem.name)).toEqual(["booth", "rosenbrock-4"]);
  expect(data[0].grid.f.length).toBe(10);
  expect(data[1].grid).toBeUndefined();
  expect(data[0].entries[1].it[0]).toBe(0);
});

test("report: long histories are thinned to maxPoints, keeping the first and last rows", () => {
  const r = race(problems.rosenbrock(2), { methods: ["gd"], firstOrderMaxIter: 3000, gridSize: 8 });
  const html = reportHtml([r], { ...uplot, maxPoints: 100 });
  const e = JSON.parse(html.match(/const DATA = (.*);\n/)![1])[0].entries[0];
  expect(e.it.length).toBeLessThanOrEqual(100);
  expect(e.it[0]).toBe(0);
  expect(e.it[e.it.length - 1]).toBe(r.entries[0].result.nit);
});

test.skipIf(!existsSync("dist/index.js"))("CLI: compare --problem booth writes the report and prints the table (quiet progress when not a TTY)", () => {
  const out = join(mkdtempSync(join(tmpdir(), "dh-")), "r.html");
  const stdout = execFileSync(process.execPath, ["bin/downhill.mjs", "compare", "--problem", "booth", "--methods", "gd,lbfgs,newton", "--out", out], { encoding: "utf8", env: { ...process.env, CI: "1" } });
  expect(stdout).toMatch(/method\s+iters\s+f evals\s+g evals\s+Hv\s+ms\s+final f\s+f - f\*\s+\|\|g\|\|\s+converged/);
  expect(stdout).toMatch(/lbfgs\s+\d+/);
  expect(stdout).not.toContain("\r");
  expect(readFileSync(out, "utf8")).toContain("const DATA");
  expect(() => execFileSync(process.execPath, ["bin/downhill.mjs", "compare", "--methods", "bfgs-b"], { encoding: "utf8", stdio: "pipe" })).toThrow(/unknown method "bfgs-b"/);
});

test.skipIf(!existsSync("dist/index.js"))("CLI: compare --help prints the usage and exits 0 without racing", () => {
  for (const args of [["compare", "--help"], ["compare", "--problem", "booth", "-h"], ["--help"]]) {
    const stdout = execFileSync(process.execPath, ["bin/downhill.mjs", ...args], { encoding: "utf8", stdio: "pipe" });
    expect(stdout).toMatch(/^usage: downhill compare/);
    expect(stdout).not.toContain("method ");
  }
});

test("report: without its script the page still has every table and one inline SVG per chart, a polyline per curve", () => {
  const races = [race(problems.booth(), { methods: ["gd", "lbfgs", "newton"], gridSize: 10, warmup: false }), race(problems.rosenbrock(4), { methods: ["lbfgs", "newton"], newtonMaxDim: 2, warmup: false })];
  const html = reportHtml(races, uplot);
  const body = html.slice(0, html.indexOf("<script>"));
  const sections = body.split('<section id="p').slice(1);
  expect(sections.length).toBe(2);
  const [booth, rosen] = sections;
  expect(booth.match(/<table>/g)!.length).toBe(1);
  expect(booth).toContain('<td style="color:#d62728">lbfgs</td>');
  expect(rosen).toContain("dense Newton skipped: n = 4 &gt; 2");
  expect(booth.match(/<figure class="chart"[^]*?<\/figure>/g)!.map((f) => f.match(/<svg /g)!.length)).toEqual([1, 1, 1, 1]);
  expect(booth.match(/<figure class="chart"[^]*?<\/figure>/g)!.map((f) => [...f.matchAll(/<polyline data-series="([^"]+)"/g)].map((m) => m[1]))).toEqual(Array(4).fill(["gd", "lbfgs", "newton"]));
  // the skipped method has no curve; the 4-D problem has no contour plot, booth one with three trajectories
  expect([...rosen.matchAll(/<polyline data-series="([^"]+)"/g)].map((m) => m[1])).toEqual(Array(4).fill(["lbfgs"]).flat());
  expect([...booth.matchAll(/<svg [^>]*class="static-contour"[^]*?<\/svg>/g)].map((m) => m[0].match(/<polyline/g)!.length)).toEqual([3]);
  expect(rosen).not.toContain("static-contour");
});

test("report: static charts are log-scaled like the interactive ones (equal ratios, equal steps; floored at 1e-18)", () => {
  const line = (svg: string) => svg.match(/<polyline[^>]* points="([^"]*)"/)![1].split(" ").map((p) => p.split(",").map(Number));
  const y = line(svgChart([{ label: "a", color: "#000", x: [0, 1, 2], y: [1, 1e-4, 1e-8] }], { title: "t", xLabel: "i", logX: false, logY: true })).map((p) => p[1]);
  expect(y[1] - y[0]).toBeCloseTo(y[2] - y[1], 0);
  expect(y[1] - y[0]).toBeGreaterThan(50);
  const x = line(svgChart([{ label: "a", color: "#000", x: [1, 10, 1000], y: [1, 2, 3] }], { title: "t", xLabel: "ms", logX: true, logY: false })).map((p) => p[0]);
  expect(x[2] - x[1]).toBeCloseTo(2 * (x[1] - x[0]), 0);
  // a value at or below zero has no place on a log axis: left out, not drawn at -Infinity
  expect(line(svgChart([{ label: "a", color: "#000", x: [0, 1, 2], y: [1, 0, 1e-3] }], { title: "t", xLabel: "i", logX: false, logY: true })).length).toBe(2);
});

test.skipIf(!existsSync("dist/index.js"))("CLI: a bad numeric flag, or --dim on a fixed-size problem, exits 2 naming the flag, before racing", () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ["bin/downhill.mjs", "compare", ...args, "--out", join(mkdtempSync(join(tmpdir(), "dh-")), "r.html")], { encoding: "utf8", env: { ...process.env, CI: "1" } });
  for (const [args, msg] of [
    [["--problem", "booth", "--tol", "abc"], /^downhill: --tol must be a positive number, got "abc"\n/],
    [["--problem", "booth", "--lr", "0"], /^downhill: --lr must be a positive number, got "0"\n/],
    [["--problem", "booth", "--max-iter", "2.5"], /^downhill: --max-iter must be a positive integer, got "2.5"\n/],
    [["--problem", "rosenbrock", "--dim", "ten"], /^downhill: --dim must be a positive integer, got "ten"\n/],
    [["--problem", "booth", "--dim", "10"], /^downhill: --dim does not apply to "booth", which has a fixed size; --dim sets the size of rosenbrock \(n, default 2\), quadratic .*, logistic .*, mnist-mlp/],
    [["--dim", "10"], /^downhill: --dim does not apply to the whole suite/],
  ] as const) {
    const r = cli(...args);
    expect(r.status, args.join(" ")).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stdout).toBe(""); // nothing raced
  }
  const ok = cli("--problem", "rosenbrock", "--dim", "3", "--methods", "lbfgs", "--lr", "0.01", "--max-iter", "50");
  expect(ok.status).toBe(0);
  expect(ok.stdout).toMatch(/\(n = 3\)/);
});

test("a run that converged to a stationary point other than the known minimum is not called converged", () => {
  // Freudenstein-Roth from its standard start: the methods find the local minimum f = 48.98, f* = 0
  const r = race(problems.freudensteinRoth(), { methods: ["lbfgs", "newton"], warmup: false, gridSize: 6 });
  for (const e of r.entries) {
    expect(e.result.converged).toBe(true); // ||g|| <= tol: minimize's own record is unchanged
    expect(e.outcome).toBe("stationary");
    expect(e.verdict).toBe("stationary, not the minimum (f - f* = 49)");
  }
  const ok = race(problems.booth(), { methods: ["lbfgs"], warmup: false, gridSize: 6 }).entries[0];
  expect([ok.outcome, ok.verdict]).toEqual(["minimum", "yes"]);
  // f* unknown: converged is all one can say
  const unknown = { ...problems.booth(), fStar: NaN };
  expect(race(unknown, { methods: ["lbfgs"], warmup: false, gridSize: 6 }).entries[0].verdict).toBe("yes");
  // the report's table reads the same verdict
  const data = JSON.parse(reportHtml([r], uplot).match(/const DATA = (.*);\n/)![1]);
  expect(data[0].entries.map((e: { outcome: string; verdict: string }) => [e.outcome, e.verdict])).toEqual([["stationary", "stationary, not the minimum (f - f* = 49)"], ["stationary", "stationary, not the minimum (f - f* = 49)"]]);
  expect(reportHtml([r], uplot)).toContain('<td class="stationary">stationary, not the minimum (f - f* = 49)</td>'); // the server-rendered table
});

test.skipIf(!existsSync("dist/index.js"))("CLI: the table says 'stationary, not the minimum' rather than 'yes' for Freudenstein-Roth", () => {
  const out = join(mkdtempSync(join(tmpdir(), "dh-")), "r.html");
  const stdout = execFileSync(process.execPath, ["bin/downhill.mjs", "compare", "--problem", "freudenstein-roth", "--methods", "lbfgs,bfgs", "--out", out], { encoding: "utf8", env: { ...process.env, CI: "1" } });
  const rows = stdout.split("\n").filter((l) => /^(lbfgs|bfgs)\s/.test(l));
  expect(rows.length).toBe(2);
  for (const row of rows) {
    expect(row).toMatch(/stationary, not the minimum \(f - f\* = 49\)\s*$/);
    expect(row).not.toMatch(/\syes\s*$/);
  }
});
