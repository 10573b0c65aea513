// The training race: each problem's loss and metric, the lr sweep's choice, the verdict, the
// sharpness, the report (static HTML, one SVG chart set per problem) and the CLI's flag checks.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { crossEntropy, laplacian, treeFlattenWithPaths, valueAndGrad, linalg, raceTraining, reportTrainingHtml, trainingSummaryMarkdown, tensor, trainingProblems, TRAINING_METHODS, type Tensor, type TrainingEntry, type Tree } from "../../src/index.js";
import { bestOfSweep, lossValueAndGrad, MAX_EXTEND, sweepLrs, verdictOf } from "../../src/compare/training/raceTraining.js";
import { mnistSmall } from "../../src/compare/training/mnistData.js";

const require = createRequire(import.meta.url);

test("linear regression: the Hessian XᵀX/n has condition number 1e4, the metric is f - f* with f* at the least-squares solution", () => {
  const P = trainingProblems.linearRegression({ n: 100, d: 8 });
  const { X, y, wLs, fStar } = P;
  const H = new Float64Array(64);
  for (let i = 0; i < 100; i++) for (let j = 0; j < 8; j++) for (let k = 0; k < 8; k++) H[j * 8 + k] += (X[i * 8 + j] * X[i * 8 + k]) / 100;
  const { values } = linalg.symEig(H, 8);
  const ev = Array.from(values).sort((a, b) => a - b);
  expect(ev[7]).toBeCloseTo(1, 10);
  expect(ev[7] / ev[0]).toBeCloseTo(1e4, 4);
  // the loss is (1/2n)‖Xw − y‖², zero excess at w_ls, positive elsewhere
  const w = tensor(Array.from(wLs, (v) => [v]), { dtype: "float64" });
  expect(P.extra.loss({ w }).item()).toBeCloseTo(fStar, 12);
  expect(Math.abs(P.metric.evaluate({ w }))).toBeLessThan(1e-12);
  const p0 = P.init(0) as { w: Tensor };
  let f = 0;
  const w0 = p0.w.dataSync();
  for (let i = 0; i < 100; i++) { let r = -y[i]; for (let j = 0; j < 8; j++) r += X[i * 8 + j] * w0[j]; f += r * r / 200; }
  expect(P.extra.loss(p0).item()).toBeCloseTo(f, 12);
  expect(P.metric.evaluate(p0)).toBeCloseTo(f - fStar, 12);
});

test("Poisson PINN: f = −Δu* for u* = sin(πx) sin(πy); residuals are (Δu_θ + f)/√N inside and 2u_θ/√N on the boundary (its length 4 weighs the mean, as in the paper); metric 1 for u_θ = 0", () => {
  const { poissonExact: u, poissonSource: f } = trainingProblems;
  const h = 1e-4;
  for (const [x, y] of [[0.2, 0.3], [0.5, 0.5], [0.8, 0.1]]) {
    const lap = (u(x + h, y) + u(x - h, y) + u(x, y + h) + u(x, y - h) - 4 * u(x, y)) / (h * h);
    expect(f(x, y)).toBeCloseTo(-lap, 5);
  }
  const P = trainingProblems.poissonPinn({ interior: 4, boundary: 3, hidden: 6, test: 10 });
  expect(P.paramCount).toBe(25);
  const B = Array.from(P.boundaryPoints.dataSync());
  expect(B.length).toBe(2 * 12);
  for (let i = 0; i < 12; i++) expect(Math.min(B[2 * i], 1 - B[2 * i], B[2 * i + 1], 1 - B[2 * i + 1])).toBe(0);
  const p = P.init(1);
  const r = Array.from(P.residuals(p).dataSync());
  expect(r.length).toBe(16 + 12);
  const lap = Array.from(laplacian((x) => P.u(p, x), P.interiorPoints).dataSync());
  const X = Array.from(P.interiorPoints.dataSync());
  for (let i = 0; i < 16; i++) expect(r[i]).toBeCloseTo((lap[i] + f(X[2 * i], X[2 * i + 1])) / 4, 12);
  const ub = Array.from(P.u(p, P.boundaryPoints).dataSync());
  for (let i = 0; i < 12; i++) expect(r[16 + i]).toBeCloseTo(2 * ub[i] / Math.sqrt(12), 12);
  expect(P.extra.loss(p).item()).toBeCloseTo(r.reduce((s, v) => s + v * v, 0) / 2, 10);
  // zero output layer: u_θ ≡ 0, relative error exactly 1
  const zero = (t: Tensor) => tensor(new Array(t.size).fill(0), { dtype: "float64" }).reshape(t.shape);
  const q = p as any;
  expect(P.metric.evaluate([q[0], q[1], { w: zero(q[2].w), b: zero(q[2].b) }])).toBeCloseTo(1, 12);
});

/** A stand-in for the `mnist` package: digit d's image k has every pixel (d + k) / 20, except pixel 0 which is 1. */
const fakeMnist = Object.fromEntries(Array.from({ length: 10 }, (_, d) => [d, {
  length: 5,
  range: (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, k) => { const img = new Array(784).fill((d + a + k) / 20); img[0] = 1; return img; }),
}]));

test("MNIST data: 2 x 2 block means of the per-digit images, digit by digit; too few images is a clear error", () => {
  const { x, labels } = mnistSmall(fakeMnist, 1, 2);
  expect(labels).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
  expect(x.length).toBe(20 * 196);
  expect(x[0]).toBeCloseTo((1 + 3 * (1 / 20)) / 4, 12); // block with pixel 0
  expect(x[1]).toBeCloseTo(1 / 20, 12);
  expect(x[196 * 3 + 5]).toBeCloseTo((1 + 2) / 20, 12); // digit 1, its second image (k = 2)
  expect(() => mnistSmall(fakeMnist, 4, 2)).toThrow(/digit 0 has 5 images, fewer than 6/);
});

test("MNIST MLP and autoencoder: cross-entropy / reconstruction mse on the training images, metric on the held-out ones", () => {
  const mlp = trainingProblems.mnistMlp(fakeMnist, { perClass: 2, testPerClass: 2, hidden: 4 });
  const p = mlp.init(0);
  const { x, labels } = mnistSmall(fakeMnist, 0, 2);
  const logits = mlp.extra.outputs!(p);
  expect(logits.shape).toEqual([20, 10]);
  expect(mlp.extra.loss(p).item()).toBeCloseTo(crossEntropy(logits, labels).item(), 6);
  const acc = mlp.metric.evaluate(p);
  expect(acc * 20).toBeCloseTo(Math.round(acc * 20), 9);
  expect(mlp.extra.captureLinear!(p, (o) => o.sum()).map((c) => c.path)).toEqual(["0", "2"]);
  const ae = trainingProblems.mnistAutoencoder(fakeMnist, { perClass: 2, testPerClass: 1, widths: [6, 3] });
  const q = ae.init(0);
  const held = mnistSmall(fakeMnist, 2, 1).x;
  expect(ae.paramCount).toBe(196 * 6 + 6 + 6 * 3 + 3 + 3 * 6 + 6 + 6 * 196 + 196);
  const r = ae.extra.residuals!(q);
  expect(ae.extra.loss(q).item()).toBeCloseTo(Array.from(r.dataSync()).reduce((s, v) => s + v * v, 0) / 2, 6);
  expect(ae.metric.evaluate(q)).toBeGreaterThan(0);
  void x; void held;
});

test("the race's compiled loss gradient (lossValueAndGrad: jit, one per problem) equals the eager one on every problem, at several parameter values", () => {
  const problems = [
    trainingProblems.linearRegression({ n: 40, d: 5 }),
    trainingProblems.poissonPinn({ interior: 3, boundary: 2, hidden: 5, test: 4 }),
    trainingProblems.mnistMlp(fakeMnist, { perClass: 2, testPerClass: 1, hidden: 6 }),
    trainingProblems.mnistAutoencoder(fakeMnist, { perClass: 2, testPerClass: 1, widths: [6, 3] }),
  ];
  for (const P of problems) {
    const vg = lossValueAndGrad(P);
    expect(lossValueAndGrad(P)).toBe(vg); // cached per problem
    for (const seed of [0, 1, 2]) { // seed 0 traces, the others replay the program with new parameters
      const p = P.init(seed);
      const c = vg(p), e = valueAndGrad(P.extra.loss)(p);
      const tol = P.name === "mnist-mlp" || P.name === "mnist-autoencoder" ? 1e-5 : 1e-10;
      expect(Math.abs(c.value.item() - e.value.item())).toBeLessThan(tol * Math.max(1, Math.abs(e.value.item())));
      const cg = treeFlattenWithPaths(c.grad as Tree), eg = treeFlattenWithPaths(e.grad as Tree);
      expect(cg.map(([k]) => k)).toEqual(eg.map(([k]) => k));
      for (const [i, [k, g]] of cg.entries()) {
        const a = Array.from(g.dataSync()), b = Array.from(eg[i][1].dataSync());
        const scale = Math.max(1e-3, ...b.map(Math.abs));
        for (let j = 0; j < b.length; j++) expect(Math.abs(a[j] - b[j]) / scale, `${P.name} seed ${seed} ${k}[${j}]`).toBeLessThan(tol * 10);
      }
    }
    expect((vg as unknown as { stats: { traces: number; compiledCalls: number } }).stats).toMatchObject({ traces: 1, compiledCalls: 3 });
  }
});

test("the sweep: √10-spaced rates around the centre; the best is the lowest final loss, a diverged run never wins", () => {
  expect(sweepLrs(0.01, 3)).toEqual([0.00316, 0.01, 0.0316]);
  expect(sweepLrs(0.01, 1)).toEqual([0.01]);
  expect(bestOfSweep([{ lr: 1, finalLoss: Infinity }, { lr: 0.1, finalLoss: 0.5 }, { lr: 0.01, finalLoss: 0.7 }])).toBe(1);
  expect(bestOfSweep([{ lr: 1, finalLoss: NaN }, { lr: 0.1, finalLoss: Infinity }, { lr: 0.01, finalLoss: 3 }])).toBe(2);
  // in a race: sgd with momentum on the regression (L = 1): 5 diverges, 1e-3 crawls, 0.3 wins
  const [r] = raceTraining([trainingProblems.linearRegression({ n: 60, d: 6, steps: 40 })], { methods: ["sgd-momentum"], seeds: 1, lrs: { "sgd-momentum": [1e-3, 0.3, 5] }, sharpnessIters: 0 });
  const e = r.entries[0];
  expect(e.sweep.map((s) => s.lr)).toEqual([1e-3, 0.3, 5]);
  expect(e.sweep[2].finalLoss).toBe(Infinity);
  expect(e.runs[0].lr).toBe(0.3);
  expect(e.lr).toBe(0.3);
  expect(e.sweep[1].finalLoss).toBeLessThan(e.sweep[0].finalLoss);
  // a generated sweep whose end wins goes on past it, √10 at a time, until an inner rate wins or
  // MAX_EXTEND rates were added: AdamW's centre on the regression is 1 (the full race's choice at
  // 300 steps and n = 500); on this smaller, shorter problem its rates 0.562 and 1.78 both lose to
  // 0.178, which the extension downwards finds (and 0.0563 past it, which loses)
  const [g] = raceTraining([trainingProblems.linearRegression({ n: 60, d: 6, steps: 40 })], { methods: ["adamw"], seeds: 1, sweep: 2, sharpnessIters: 0 });
  const sw = g.entries[0].sweep, lrs = sw.map((s) => s.lr);
  expect(lrs).toEqual([0.0563, 0.178, ...sweepLrs(1, 2)]);
  expect(lrs[2] / lrs[1]).toBeCloseTo(Math.sqrt(10), 2);
  expect(lrs.length).toBeLessThanOrEqual(2 + MAX_EXTEND);
  const b = bestOfSweep(sw);
  expect(b).toBe(1);
  expect(sw[1].finalLoss).toBeLessThan(Math.min(sw[0].finalLoss, sw[2].finalLoss, sw[3].finalLoss));
  expect(g.entries[0].lr).toBe(lrs[b]);
});

test("raceTraining: skips with reasons, costs relative to AdamW, sharpness for SAM and its base equal to the Hessian's top eigenvalue (1 on the regression)", () => {
  const onRun: string[] = [];
  const res = raceTraining([trainingProblems.linearRegression({ n: 60, d: 6, steps: 30 }), trainingProblems.poissonPinn({ interior: 3, boundary: 2, hidden: 4, test: 6, steps: 5 })], {
    methods: ["adamw", "sam-adamw", "kfac", "natural-gradient"], seeds: 2, sweep: 1, sharpnessIters: 60, onRun: (i) => onRun.push(`${i.problem}/${i.method}/${i.seed}`),
  });
  expect(onRun.slice(0, 6)).toEqual(["linear-regression/adamw/0", "linear-regression/adamw/1", "linear-regression/sam-adamw/0", "linear-regression/sam-adamw/1", "linear-regression/natural-gradient/0", "linear-regression/natural-gradient/1"]);
  const [lr, pinn] = res;
  const by = (r: typeof lr, m: string) => r.entries.find((e) => e.method === m)!;
  expect(by(lr, "kfac").skipped).toMatch(/softmax/);
  expect(by(lr, "adamw").summary.costVsAdamw).toBe(1);
  for (const m of ["adamw", "sam-adamw"]) expect(by(lr, m).summary.sharpness).toBeCloseTo(1, 6);
  expect(by(lr, "natural-gradient").summary.sharpness).toBeUndefined();
  // natural gradient solves the least-squares problem: at the target within its 30 steps, every seed
  const ng = by(lr, "natural-gradient");
  expect(ng.summary.reached).toBe(2);
  expect(ng.runs.every((r) => r.loss.length === 31 && r.time.length === 31)).toBe(true);
  expect(ng.runs[0].time.every((t, i, a) => i === 0 || t >= a[i - 1])).toBe(true);
  expect(lr.verdict).toMatch(/^To excess loss f - f\* <= 0.00001: fewest steps natural-gradient/);
  expect(pinn.problem.paramCount).toBe(17);
  expect(by(pinn, "adamw").runs[0].metric.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
  expect(() => raceTraining([lr as never], { methods: ["adam", "lbfgs"] })).toThrow(/unknown method "lbfgs"; use one of sgd-momentum, adam/);
  expect(() => raceTraining([], {})).toThrow(/non-empty array/);
  expect(() => raceTraining([trainingProblems.linearRegression({ n: 20, d: 2 })], { seed: 2 } as never)).toThrow(/seed/);
  expect(() => raceTraining([trainingProblems.linearRegression({ n: 20, d: 2 })], { seeds: 0 })).toThrow(/seeds must be an integer >= 1/);
});

const entry = (method: string, order: "first" | "second", steps: number | null, ms: number | null, cost: number): TrainingEntry => ({
  method: method as never, order, sweep: [], lr: 1, runs: [],
  summary: { finalLoss: 0, metric: { median: 0.5, min: 0.5, max: 0.5 }, stepsToTarget: steps, msToTarget: ms, reached: steps === null ? 0 : 1, stepMs: cost, costVsAdamw: cost },
});

test("the verdict names the winners in steps and in time, and says when a second-order method wins in steps but loses in time", () => {
  const v = verdictOf([entry("adamw", "first", 100, 500, 1), entry("kfac", "second", 10, 2000, 40), entry("shampoo", "second", 200, 3000, 5)], "accuracy", 0.9, "higher", 300);
  expect(v).toBe("To accuracy >= 0.9: fewest steps kfac (10 steps, 2.0 s); least wall time adamw (0.50 s, 100 steps). kfac wins in steps against adamw (10 against 100) but loses in wall time (2.0 s against 0.50 s; a step costs 40x AdamW's). Also slower in wall time than adamw: shampoo (3.0 s, 200 steps).");
  expect(verdictOf([entry("adamw", "first", null, null, 1)], "error", 1e-3, "lower", 50)).toBe("No method reached error <= 0.001 within 50 steps; the best final error is adamw's, 0.500.");
  const same = verdictOf([entry("adamw", "first", 100, 500, 1), entry("natural-gradient", "second", 5, 100, 20)], "error", 1e-3, "lower", 50);
  expect(same).not.toMatch(/loses/);
});

test("reportTrainingHtml: a static page (no script) with the verdict, the table and three SVG charts per problem", () => {
  const res = raceTraining([trainingProblems.linearRegression({ n: 40, d: 4, steps: 10 }), trainingProblems.poissonPinn({ interior: 3, boundary: 2, hidden: 3, test: 4, steps: 3 })], { methods: ["adamw", "lion", "kfac"], seeds: 1, sweep: 1, sharpnessIters: 0 });
  const html = reportTrainingHtml(res, { subtitle: "test <&>" });
  expect(html).not.toMatch(/<script/i);
  expect(html).toContain("test &lt;&amp;&gt;");
  const sections = html.split("<section").slice(1);
  expect(sections.length).toBe(2);
  for (const [k, s] of sections.entries()) {
    expect((s.match(/<svg /g) ?? []).length).toBe(3);
    expect(s).toContain(res[k].verdict.slice(0, 30));
    expect((s.match(/data-series="adamw"/g) ?? []).length).toBe(3);
    expect(s).toContain("skipped: K-FAC samples labels");
  }
  expect(() => reportTrainingHtml(res, { uplotJs: "" } as never)).toThrow(/uplotJs/);
  // the Markdown summary: a row per method, a cell per problem, the verdicts under it
  const md = trainingSummaryMarkdown(res).split("\n");
  expect(md[0]).toMatch(/^\| method \| linear-regression: excess loss f - f\* \(target 0.00001\).* \| poisson-pinn: relative L2 error/);
  expect(md.slice(2, 5).map((l) => l.split(" | ")[0])).toEqual(["| adamw", "| lion", "| kfac"]);
  expect(md[2]).toMatch(/; 1\.00x \| /);
  expect(md[4]).toBe("| kfac | n/a | n/a |");
  expect(md.slice(-2)).toEqual(res.map((r) => `- ${r.problem.name}: ${r.verdict}`));
});

test("TRAINING_METHODS: the issue's twelve", () => {
  expect(TRAINING_METHODS).toEqual(["sgd-momentum", "adam", "adamw", "lion", "kfac", "shampoo", "soap", "sophia-g", "sophia-h", "sam-sgd", "sam-adamw", "natural-gradient"]);
});

test.skipIf(!existsSync("dist/index.js"))("CLI: compare --suite training rejects unknown problems, methods, flags and suites with the valid names; a tiny race prints its table and writes the report", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ["bin/downhill.mjs", "compare", ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });
  const bad: Array<[string[], RegExp]> = [
    [["--suite", "training", "--problems", "mnist-mpl"], /unknown training problem "mnist-mpl" in --problems; use linear-regression, poisson-pinn, mnist-mlp, mnist-autoencoder/],
    [["--suite", "training", "--methods", "adam,lbfgs"], /unknown training method "lbfgs" in --methods; use sgd-momentum, adam/],
    [["--suite", "training", "--tol", "1e-3"], /unknown option --tol for --suite training/],
    [["--suite", "training", "--seeds", "0"], /--seeds must be a positive integer, got "0"/],
    [["--suite", "training", "--quick=yes"], /--quick takes no value/],
    [["--suite", "trainig"], /unknown suite "trainig"; use minimize \(the default\) or training/],
  ];
  for (const [args, msg] of bad) {
    const r = run(...args);
    expect(r.status, args.join(" ")).toBe(2);
    expect(r.stderr).toMatch(msg);
  }
  const out = join(mkdtempSync(join(tmpdir(), "downhill-training-")), "t.html");
  const stdout = execFileSync(process.execPath, ["bin/downhill.mjs", "compare", "--suite", "training", "--quick", "--problems", "linear-regression", "--methods", "adamw,natural-gradient", "--steps", "20", "--out", out], { encoding: "utf8", env: { ...process.env, CI: "1" } });
  expect(stdout).toMatch(/linear regression, 200 x 20/);
  expect(stdout).toMatch(/natural-gradient +1\.00 /);
  expect(stdout).toMatch(/fewest steps natural-gradient/);
  expect(readFileSync(out, "utf8")).toContain("<svg ");
});

void require; void ({} as Tree);
