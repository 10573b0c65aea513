// The explorer page (web/, built by scripts/buildExplorer.mjs into a temporary folder) in headless
// Chromium, over http (from scripts/serveExplorer.mjs, the server of `npm run explore`) and from
// file://. Through the page's own controls it sets learning rates and runs, then reads the
// trajectories from `window.explorer.state` and checks them against the equations: on f = x^2
// (L = 2) SGD's iterates are x_k = (1 - 2 lr)^k x_0, converging for lr = 0.1 and diverging for
// lr = 1.2 > 2/L; on the ravine (Hessian diag(1, 50)) lr = 0.045 > 2/50 diverges; Newton reaches
// Rosenbrock's minimum in few steps, with the iterates minimize computes in Node; a typed formula
// is differentiated by the library; dragging moves the start. Screenshots go to $EXPLORER_SHOTS
// (default test-artifacts/explorer, ignored by git).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { minimize } from "../../src/index.js";
import { compileFormula } from "../../web/formula.js";
import { sharedChromium } from "./chromium.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const shots = process.env.EXPLORER_SHOTS ?? join(root, "test-artifacts", "explorer");
let dir = "";
/** The server `npm run explore` starts (scripts/serveExplorer.mjs), on a free port. */
let server: { origin: string; child: ChildProcess };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "downhill-explorer-"));
  await promisify(execFile)(process.execPath, [join(root, "scripts/buildExplorer.mjs"), dir], { cwd: root });
  const child = spawn(process.execPath, [join(root, "scripts/serveExplorer.mjs"), dir], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
  const origin = await new Promise<string>((ok, fail) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (m) ok(m[0]);
    });
    child.once("exit", (code) => fail(new Error(`serveExplorer.mjs exited (${code}) before printing its URL: ${out}`)));
  });
  server = { origin, child };
  mkdirSync(shots, { recursive: true });
}, 120_000);

afterAll(() => {
  server?.child.kill();
});

interface Run { x: number[][]; f: number[]; gradNorm: number[]; step: number[]; status: string; message: string }
interface State { runs: Record<string, Run>; start: number[]; backend: string; error: string | null; running: boolean; dim: number; formula: string }

/** Opens the page; collects page errors, console errors and every request not for the page's own two files. */
async function open(page: Page, url: string): Promise<{ errors: string[]; foreign: string[] }> {
  const errors: string[] = [], foreign: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") errors.push(`console.error: ${m.text()}`); });
  const own = [url, new URL("index.html", url).href, new URL("explorer.js", url).href];
  page.on("request", (r) => { if (!r.url().startsWith("blob:") && !own.includes(r.url())) foreign.push(r.url()); });
  await page.setViewportSize({ width: 1300, height: 1000 });
  await page.goto(url, { waitUntil: "load" });
  await page.waitForFunction(() => (window as unknown as { explorer?: { state: State } }).explorer?.state.backend !== "(starting)", null, { timeout: 30_000 });
  return { errors, foreign };
}

const state = (page: Page): Promise<State> => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { explorer: { state: State } }).explorer.state)));

/** Waits for the pending or running run to finish (the page debounces control changes). */
async function settle(page: Page): Promise<State> {
  try {
    await page.waitForFunction(() => !(window as unknown as { explorer: { state: State } }).explorer.state.running, null, { timeout: 60_000 });
  } catch (e) {
    // what the page held when it did not settle (a rare timeout under load has been seen in CI)
    const s = await state(page);
    const runs = Object.entries(s.runs).map(([id, r]) => `${id}: ${r.status} "${r.message}" after ${r.x.length} iterates`).join("; ");
    const extra = s as State & { maxIter?: number; runId?: number };
    throw new Error(`${(e as Error).message}; the page: running ${s.running}, run ${extra.runId}, maxIter ${extra.maxIter}, ${runs || "no runs"}`);
  }
  return state(page);
}

/** Ticks exactly these racers' checkboxes: real clicks on the controls, sent in one round trip. */
async function only(page: Page, ids: string[]): Promise<void> {
  await page.$$eval("#racers input[type=checkbox]", (boxes, on) => {
    for (const b of boxes as HTMLInputElement[]) if (b.checked !== on.includes(b.id.slice(3))) b.click();
  }, ids);
}

/** Types a value into a racer's option box and commits it (change event), as a user would. */
async function setOption(page: Page, racer: string, name: string, value: number): Promise<void> {
  await page.fill(`#p-${racer}-${name}`, String(value));
  await page.press(`#p-${racer}-${name}`, "Enter");
  await page.locator(`#p-${racer}-${name}`).blur();
}

describe("the explorer over http", { timeout: 120_000 }, () => {
  const browser = sharedChromium();

  it("SGD on the parabola: x_k = (1 - 2 lr)^k x_0, converging at lr 0.1 and diverging at lr 1.2 > 2/L", async () => {
    const page = await browser().context.newPage();
    try {
      const { errors, foreign } = await open(page, `${server.origin}/index.html`);
      await page.selectOption("#surface", "parabola");
      await only(page, ["sgd"]);
      await setOption(page, "sgd", "lr", 0.1);
      let s = await settle(page);
      expect(s.error).toBeNull();
      expect(s.dim).toBe(1);
      expect(s.backend).toMatch(/^wasm/);
      const ok = s.runs.sgd;
      expect(Object.keys(s.runs)).toEqual(["sgd"]);
      expect(ok.status, ok.message).toBe("converged");
      expect(ok.message).toMatch(/gradient norm .* <= tol/);
      ok.x.forEach(([x], k) => expect(Math.abs(x - 2.5 * 0.8 ** k)).toBeLessThanOrEqual(1e-12));
      expect(Math.abs(ok.x.at(-1)![0])).toBeLessThanOrEqual(5e-7);
      await page.screenshot({ path: join(shots, "parabola-lr0.1.png") });

      await setOption(page, "sgd", "lr", 1.2);
      s = await settle(page);
      const bad = s.runs.sgd;
      expect(bad.status, bad.message).toBe("diverged");
      bad.x.forEach(([x], k) => expect(Math.abs(x - 2.5 * (-1.4) ** k)).toBeLessThanOrEqual(1e-9 * 1.4 ** k));
      for (let k = 1; k < bad.f.length; k++) expect(bad.f[k]).toBeGreaterThan(bad.f[k - 1]);
      await page.screenshot({ path: join(shots, "parabola-lr1.2.png") });
      expect(errors).toEqual([]);
      expect(foreign).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("the ravine (Hessian diag(1, 50)): SGD at lr 0.03 converges, at 0.045 > 2/50 it diverges across the valley", async () => {
    const page = await browser().context.newPage();
    try {
      const { errors } = await open(page, `${server.origin}/index.html`);
      await page.selectOption("#surface", "ravine");
      await only(page, ["sgd"]);
      await page.fill("#maxIter", "3000");
      await page.press("#maxIter", "Enter");
      await setOption(page, "sgd", "lr", 0.03);
      let s = await settle(page);
      expect(s.runs.sgd.status, s.runs.sgd.message).toBe("converged");
      await setOption(page, "sgd", "lr", 0.045);
      s = await settle(page);
      const r = s.runs.sgd;
      expect(r.status, r.message).toBe("diverged");
      // x (curvature 1) still contracts; y (curvature 50) flips sign and grows by |1 - 50 lr| = 1.25
      const [x0, y0] = r.x[0];
      for (const k of [1, 10, 40]) {
        expect(r.x[k][0]).toBeCloseTo(x0 * (1 - 0.045) ** k, 9);
        expect(r.x[k][1] / (y0 * (1 - 50 * 0.045) ** k)).toBeCloseTo(1, 9);
      }
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("Newton reaches Rosenbrock's minimum in few steps, on the iterates minimize computes in Node", async () => {
    const page = await browser().context.newPage();
    try {
      const { errors } = await open(page, `${server.origin}/index.html`);
      await page.selectOption("#surface", "rosenbrock");
      await only(page, ["newton", "lbfgs"]);
      const s = await settle(page);
      const r = s.runs.newton;
      expect(r.status, r.message).toBe("converged");
      expect(r.x.length - 1).toBeLessThan(30);
      expect(r.x.at(-1)![0]).toBeCloseTo(1, 8);
      expect(r.x.at(-1)![1]).toBeCloseTo(1, 8);
      expect(r.f.at(-1)).toBeLessThan(1e-16);
      expect(s.runs.lbfgs.status).toBe("converged");
      const ref = minimize(compileFormula(s.formula).f, [-1.2, 1], { method: "newton", maxIter: 500, recordX: true });
      expect(r.x.length).toBe(ref.history.length);
      ref.history.forEach((h, k) => {
        expect(r.x[k][0]).toBeCloseTo(h.x![0], 12);
        expect(r.x[k][1]).toBeCloseTo(h.x![1], 12);
      });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("a typed formula is differentiated by the library; a bad one names the column", async () => {
    const page = await browser().context.newPage();
    try {
      const { errors } = await open(page, `${server.origin}/index.html`);
      await only(page, ["newton"]);
      await page.fill("#formula", "(x - 1)^2 + 2 (y + 0.5)^2 + sin(x y)^2 / 10");
      await page.press("#formula", "Enter");
      let s = await settle(page);
      expect(s.error).toBeNull();
      const r = s.runs.newton;
      expect(r.status, r.message).toBe("converged");
      expect(r.gradNorm.at(-1)).toBeLessThanOrEqual(1e-6);
      await page.fill("#formula", "x^2 + * y");
      await page.press("#formula", "Enter");
      s = await settle(page);
      expect(s.error).toMatch(/formula: expected a number, x, y, a function or "\(" at column 7/);
      expect(await page.textContent("#status")).toMatch(/column 7/);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("dragging on the plot moves the start point and reruns from there", async () => {
    const page = await browser().context.newPage();
    try {
      const { errors } = await open(page, `${server.origin}/index.html`);
      await page.selectOption("#surface", "himmelblau");
      await only(page, ["lbfgs"]);
      await settle(page);
      const box = (await page.locator("#contour").boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.8, { steps: 5 });
      await page.mouse.up();
      const s = await settle(page);
      // view [-5, 5]^2: 20% across is x = -3, 80% down is y = -3
      expect(s.start[0]).toBeCloseTo(-3, 1);
      expect(s.start[1]).toBeCloseTo(-3, 1);
      expect(s.runs.lbfgs.x[0]).toEqual(s.start);
      expect(s.runs.lbfgs.status).toBe("converged");
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe("the explorer while it runs", { timeout: 120_000 }, () => {
  const browser = sharedChromium();

  it("a long run arrives in slices and the Stop button ends it (the worker, not the page, is busy)", async () => {
    const page = await browser().context.newPage();
    try {
      const { errors } = await open(page, `${server.origin}/index.html`);
      await page.selectOption("#surface", "parabola");
      await only(page, ["sgd"]);
      // x_k = 2.5 (1 - 2e-5)^k reaches |f'| <= 1e-6 only after ~770,000 steps: this run cannot end by itself
      await setOption(page, "sgd", "lr", 1e-5);
      await page.fill("#maxIter", "1000000");
      await page.press("#maxIter", "Enter");
      // the page keeps answering while the worker iterates: wait for the first rows, then stop
      await page.waitForFunction(() => ((window as unknown as { explorer: { state: State } }).explorer.state.runs.sgd?.x.length ?? 0) > 1, null, { timeout: 60_000 });
      const mid = await state(page);
      expect(mid.running).toBe(true);
      await page.click("#stop");
      const s = await settle(page);
      const r = s.runs.sgd;
      expect(r.status).toBe("stopped");
      expect(r.message).toBe("stopped by the user");
      expect(r.x.length).toBeGreaterThan(1);
      expect(r.x.length).toBeLessThan(1_000_001);
      r.x.forEach(([x], k) => expect(Math.abs(x - 2.5 * (1 - 2e-5) ** k)).toBeLessThanOrEqual(1e-9));
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe("the explorer from file://", { timeout: 120_000 }, () => {
  const browser = sharedChromium();

  it("runs every optimizer on Rosenbrock without a server: a Blob worker on the WebAssembly core", async () => {
    const page = await browser().context.newPage();
    try {
      const { errors, foreign } = await open(page, pathToFileURL(join(dir, "index.html")).href);
      const s = await settle(page);
      expect(s.backend).toMatch(/^wasm/);
      expect(Object.keys(s.runs).sort()).toEqual(["adagrad", "adam", "adamw", "lbfgs", "lion", "momentum", "nesterov", "newton", "rmsprop", "sgd"]);
      for (const id of ["newton", "lbfgs"]) {
        expect(s.runs[id].status, s.runs[id].message).toBe("converged");
        expect(s.runs[id].x.at(-1)![0]).toBeCloseTo(1, 6);
      }
      for (const r of Object.values(s.runs)) {
        expect(r.x[0]).toEqual([-1.2, 1]);
        expect(r.f.every(Number.isFinite)).toBe(true);
      }
      await page.screenshot({ path: join(shots, "explorer.png") });
      expect(errors).toEqual([]);
      expect(foreign).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
