/**
 * The training race: every method on every training problem, full batch, from the same starts.
 * Per (problem, method): a log-spaced learning-rate sweep on seed 0 (the lr with the lowest
 * final training loss wins; a diverged run loses; an end that wins extends the sweep past it, up
 * to MAX_EXTEND more rates), then the other seeds at that lr. Each run
 * records the loss at every step with the cumulative wall time of the steps (the loss's gradient
 * compiled once per problem, `lossValueAndGrad`), and the problem's
 * metric every `evalEvery` steps (evaluations are not timed). Summaries: the metric at the end
 * (median and range over seeds), steps and seconds to the problem's target, the median step time
 * relative to AdamW's in the same run, the sharpness (largest Hessian eigenvalue, power iteration
 * on hvp) at the end of seed 0 for SAM and its base, and a verdict line per problem.
 */
import { ArgumentError } from "../../errors.js";
import { checkOptions, type OptionKeys } from "../../options.js";
import type { Tree } from "../../tensor/tree.js";
import { valueAndGrad } from "../../autodiff/grad.js";
import { jit } from "../../jit/jit.js";
import { topHessianEigenvalue } from "../../autodiff/curvature.js";
import { optimizer } from "../../optim/optimizer.js";
import { trainingMethod, TRAINING_METHODS, type TrainingMethod, type TrainingMethodName } from "./methods.js";
import type { TrainingProblem } from "./problem.js";

export interface TrainingRaceOptions {
  /** Methods to race (default all of TRAINING_METHODS). */
  methods?: readonly string[];
  /** Seeds per method (default 3); the sweep runs on seed 0. */
  seeds?: number;
  /** Steps per run (default: each problem's own). */
  steps?: number;
  /** Learning rates per sweep, log-spaced by √10 around the centre (default 3; 1 = the centre only). */
  sweep?: number;
  /** Explicit learning rates per method (replaces the sweep for that method). */
  lrs?: Readonly<Record<string, readonly number[]>>;
  /** Metric evaluations: every this many steps (default a run's steps / 25, at least 1). */
  evalEvery?: number;
  /** Power iterations for the sharpness (default 30; 0 skips it). */
  sharpnessIters?: number;
  /** Called as each run starts (progress display). */
  onRun?: (info: { problem: string; method: string; lr: number; seed: number }) => void;
}

const KEYS = { methods: true, seeds: true, steps: true, sweep: true, lrs: true, evalEvery: true, sharpnessIters: true, onRun: true } satisfies OptionKeys<TrainingRaceOptions>;

export interface TrainingRun {
  seed: number;
  lr: number;
  /** Training loss before step k (k = 0..steps; shorter when the run diverged). */
  loss: number[];
  /** Cumulative wall time of the first k steps, ms (same indices as `loss`). */
  time: number[];
  /** The metric at steps 0, evalEvery, 2·evalEvery, ..., and the last. */
  metric: Array<{ step: number; value: number }>;
  /** The loss became non-finite (or grew 1e6-fold): the run stopped there. */
  diverged: boolean;
  /**
   * Mean wall time of a step after the first, ms: the mean, not the median, so the steps that
   * refresh a preconditioner (Shampoo and SOAP every 10, K-FAC's inverses every 5) count; the
   * first step (compilation, one-time set-up) is left out.
   */
  stepMs: number;
  /** First evaluated step whose metric meets the target, and the step time spent until then (ms); null if never. */
  stepsToTarget: number | null;
  msToTarget: number | null;
}

export interface TrainingEntry {
  method: TrainingMethodName;
  order: "first" | "second";
  /** Why the method did not run on this problem. */
  skipped?: string;
  /** The sweep on seed 0: each lr's final training loss (Infinity when it diverged). */
  sweep: Array<{ lr: number; finalLoss: number }>;
  /** The chosen learning rate. */
  lr: number;
  /** The runs at the chosen lr, seed 0 first. */
  runs: TrainingRun[];
  summary: {
    finalLoss: number;
    metric: { median: number; min: number; max: number };
    /** Median over seeds (a seed that missed counts as never): null when most seeds missed. */
    stepsToTarget: number | null;
    msToTarget: number | null;
    /** Seeds that reached the target. */
    reached: number;
    stepMs: number;
    /** stepMs / AdamW's stepMs on this problem (NaN without AdamW). */
    costVsAdamw: number;
    /** Largest Hessian eigenvalue of the training loss at the end of seed 0 (SAM and its base only). */
    sharpness?: number;
  };
}

export interface TrainingRaceResult {
  problem: { name: string; description: string; paramCount: number; steps: number; metric: { name: string; better: "higher" | "lower"; target: number; log: boolean } };
  entries: TrainingEntry[];
  /** Who reaches the target first in steps and in wall time; says when a second-order method wins in steps but loses in time. */
  verdict: string;
}

const median = (a: readonly number[]): number => {
  if (!a.length) return NaN;
  const s = [...a].sort((x, y) => x - y), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The learning rates of a sweep of `k` around `centre`, log-spaced by √10. */
export function sweepLrs(centre: number, k: number): number[] {
  return Array.from({ length: k }, (_, j) => Number((centre * 10 ** ((j - (k - 1) / 2) / 2)).toPrecision(3)));
}

/** Index of the best sweep run: lowest final loss, a diverged (non-finite) one last; ties to the smaller lr. */
export function bestOfSweep(sweep: ReadonlyArray<{ lr: number; finalLoss: number }>): number {
  let best = 0;
  const key = (s: { finalLoss: number }) => (Number.isFinite(s.finalLoss) ? s.finalLoss : Infinity);
  sweep.forEach((s, i) => { if (key(s) < key(sweep[best]) || (key(s) === key(sweep[best]) && s.lr < sweep[best].lr)) best = i; });
  return best;
}

/** Rates a sweep may add past its ends (see raceTraining). */
export const MAX_EXTEND = 2;

const meets = (problem: TrainingProblem, v: number) => (problem.metric.better === "higher" ? v >= problem.metric.target : v <= problem.metric.target);

type ValueAndGrad = (p: Tree) => { value: { item(): number }; grad: Tree };
const compiledLoss = new WeakMap<TrainingProblem, ValueAndGrad>();

/**
 * The training loss's value and gradient, compiled (`jit`) once per problem and shared by every
 * run on it: the data are constants of the program, so a step replays it (measured 1.7x faster on
 * the autoencoder, 3x on the PINN, than the eager tape). A loss that cannot be traced runs eagerly
 * (`fallback: "eager"`). The first call traces; `raceTraining` makes it before any run is timed.
 */
export function lossValueAndGrad(problem: TrainingProblem): ValueAndGrad {
  let vg = compiledLoss.get(problem);
  if (!vg) {
    vg = jit(valueAndGrad(problem.extra.loss), { fallback: "eager", name: `${problem.name} loss` }) as unknown as ValueAndGrad;
    compiledLoss.set(problem, vg);
  }
  return vg;
}

/** One run: fresh parameters for the seed, `steps` optimizer steps on the full batch. */
export function trainRun(problem: TrainingProblem, method: TrainingMethod, lr: number, seed: number, steps: number, evalEvery: number): { run: TrainingRun; params: Tree } {
  const params = problem.init(seed);
  const tx = method.build(lr, seed, problem.methodOptions?.[method.name] ?? {});
  const opt = optimizer(tx, params);
  const vg = lossValueAndGrad(problem);
  const loss: number[] = [], time: number[] = [0], stepTimes: number[] = [];
  const metric: TrainingRun["metric"] = [{ step: 0, value: problem.metric.evaluate(params) }];
  let diverged = false, elapsed = 0;
  for (let k = 0; k < steps; k++) {
    const t0 = performance.now();
    const { value, grad } = vg(params);
    const f = value.item();
    if (!Number.isFinite(f) || (loss.length > 0 && f > 1e6 * Math.max(loss[0], 1e-12))) { diverged = true; loss.push(Infinity); break; }
    opt.step(grad as never, problem.extra);
    const dt = performance.now() - t0;
    elapsed += dt;
    stepTimes.push(dt);
    loss.push(f);
    time.push(elapsed);
    if ((k + 1) % evalEvery === 0 || k + 1 === steps) metric.push({ step: k + 1, value: problem.metric.evaluate(params) });
  }
  if (!diverged) {
    const f = problem.extra.loss(params).item();
    loss.push(Number.isFinite(f) ? f : Infinity);
    diverged = !Number.isFinite(f);
  }
  time.length = loss.length;
  const hit = metric.find((m) => meets(problem, m.value));
  opt.dispose();
  return {
    run: { seed, lr, loss, time, metric, diverged, stepMs: stepTimes.length > 1 ? (elapsed - stepTimes[0]) / (stepTimes.length - 1) : elapsed, stepsToTarget: hit ? hit.step : null, msToTarget: hit ? time[hit.step] : null },
    params,
  };
}

export function checkTrainingMethods(methods: readonly string[]): TrainingMethodName[] {
  for (const m of methods) {
    if (!(TRAINING_METHODS as readonly string[]).includes(m)) throw new ArgumentError(`raceTraining: unknown method ${JSON.stringify(m)}; use one of ${TRAINING_METHODS.join(", ")}`);
  }
  return methods as TrainingMethodName[];
}

const positiveInt = (name: string, v: unknown, min = 1): number => {
  if (!(typeof v === "number" && Number.isInteger(v) && v >= min)) throw new ArgumentError(`raceTraining: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
};

export function raceTraining(problems: readonly TrainingProblem[], options: TrainingRaceOptions = {}): TrainingRaceResult[] {
  checkOptions("raceTraining", options, KEYS);
  if (!Array.isArray(problems) || problems.length === 0) throw new ArgumentError("raceTraining: problems must be a non-empty array of training problems (trainingProblems.*)");
  const methods = checkTrainingMethods(options.methods ?? TRAINING_METHODS);
  const seeds = positiveInt("seeds", options.seeds ?? 3);
  const sweepK = positiveInt("sweep", options.sweep ?? 3);
  const sharpIters = positiveInt("sharpnessIters", options.sharpnessIters ?? 30, 0);
  if (options.steps !== undefined) positiveInt("steps", options.steps);
  if (options.evalEvery !== undefined) positiveInt("evalEvery", options.evalEvery);
  checkOptions("raceTraining: lrs", options.lrs, TRAINING_METHODS);
  for (const [m, list] of Object.entries(options.lrs ?? {})) {
    if (!Array.isArray(list) || !list.length || !list.every((v) => typeof v === "number" && v > 0 && Number.isFinite(v))) throw new ArgumentError(`raceTraining: lrs.${m} must be a non-empty array of positive numbers`);
  }
  return problems.map((problem) => {
    const steps = options.steps ?? problem.steps;
    lossValueAndGrad(problem)(problem.init(0)).value.item(); // the trace, outside every timed step
    const sharpWanted = new Set<TrainingMethodName>();
    for (const m of methods) { const b = trainingMethod(m).base; if (b) { sharpWanted.add(m); sharpWanted.add(b); } }
    const entries: TrainingEntry[] = methods.map((name) => {
      const method = trainingMethod(name);
      const skipped = method.skip(problem);
      const empty = { finalLoss: NaN, metric: { median: NaN, min: NaN, max: NaN }, stepsToTarget: null, msToTarget: null, reached: 0, stepMs: NaN, costVsAdamw: NaN };
      if (skipped) return { method: name, order: method.order, skipped, sweep: [], lr: NaN, runs: [], summary: empty };
      const runSteps = Math.min(steps, problem.methodSteps?.[name] ?? steps);
      const evalEvery = options.evalEvery ?? Math.max(1, Math.floor(runSteps / 25));
      const centre = problem.lr?.[name] ?? method.lr;
      const lrs = options.lrs?.[name] ?? (method.fixedLr ? [method.lr] : sweepLrs(centre, sweepK));
      const runAt = (lr: number) => {
        options.onRun?.({ problem: problem.name, method: name, lr, seed: 0 });
        return trainRun(problem, method, lr, 0, runSteps, evalEvery);
      };
      const tried = lrs.map(runAt);
      const finalOf = (t: (typeof tried)[number]) => ({ lr: t.run.lr, finalLoss: t.run.diverged ? Infinity : t.run.loss[t.run.loss.length - 1] });
      // A generated sweep whose best rate is at an end goes on past it, √10 at a time, up to
      // MAX_EXTEND more rates: the centres are guesses, and an edge winner says the optimum is outside.
      for (let extra = 0; extra < MAX_EXTEND && !options.lrs?.[name] && !method.fixedLr && tried.length > 1; extra++) {
        tried.sort((a, b) => a.run.lr - b.run.lr);
        const b = bestOfSweep(tried.map(finalOf));
        if (b !== 0 && b !== tried.length - 1) break;
        const lr = Number((tried[b].run.lr * (b === 0 ? 10 ** -0.5 : 10 ** 0.5)).toPrecision(3));
        tried.push(runAt(lr));
      }
      tried.sort((a, b) => a.run.lr - b.run.lr);
      const sweep = tried.map(finalOf);
      const best = tried[bestOfSweep(sweep)];
      const runs = [best.run];
      for (let seed = 1; seed < seeds; seed++) {
        options.onRun?.({ problem: problem.name, method: name, lr: best.run.lr, seed });
        runs.push(trainRun(problem, method, best.run.lr, seed, runSteps, evalEvery).run);
      }
      const finals = runs.map((r) => (r.diverged ? NaN : r.metric[r.metric.length - 1].value));
      const ok = finals.filter(Number.isFinite);
      const never = (v: number | null) => (v === null ? Infinity : v);
      const st = median(runs.map((r) => never(r.stepsToTarget))), mt = median(runs.map((r) => never(r.msToTarget)));
      let sharpness: number | undefined;
      if (sharpWanted.has(name) && sharpIters > 0 && !best.run.diverged) sharpness = topHessianEigenvalue(problem.extra.loss, best.params, { maxIter: sharpIters, tol: 1e-4 }).value;
      return {
        method: name, order: method.order, sweep, lr: best.run.lr, runs,
        summary: {
          finalLoss: median(runs.map((r) => r.loss[r.loss.length - 1])),
          metric: ok.length === runs.length ? { median: median(ok), min: Math.min(...ok), max: Math.max(...ok) } : { median: NaN, min: ok.length ? Math.min(...ok) : NaN, max: NaN },
          stepsToTarget: Number.isFinite(st) ? st : null,
          msToTarget: Number.isFinite(mt) ? mt : null,
          reached: runs.filter((r) => r.stepsToTarget !== null).length,
          stepMs: median(runs.map((r) => r.stepMs)),
          costVsAdamw: NaN,
          ...(sharpness !== undefined ? { sharpness } : {}),
        },
      };
    });
    const adamwMs = entries.find((e) => e.method === "adamw" && !e.skipped)?.summary.stepMs ?? NaN;
    for (const e of entries) e.summary.costVsAdamw = e.summary.stepMs / adamwMs;
    const m = problem.metric;
    return {
      problem: { name: problem.name, description: problem.description, paramCount: problem.paramCount, steps, metric: { name: m.name, better: m.better, target: m.target, log: m.log } },
      entries,
      verdict: verdictOf(entries, m.name, m.target, m.better, steps),
    };
  });
}

const secs = (ms: number) => `${(ms / 1000).toPrecision(2)} s`;

/** The verdict line: the winners in steps and in wall time, and each second-order method that needs fewer steps than the time winner but more time. */
export function verdictOf(entries: readonly TrainingEntry[], metric: string, target: number, better: "higher" | "lower", steps: number): string {
  const ran = entries.filter((e) => !e.skipped);
  const reached = ran.filter((e) => e.summary.stepsToTarget !== null);
  const goal = `${metric} ${better === "higher" ? ">=" : "<="} ${target}`;
  if (!reached.length) {
    const sign = better === "higher" ? -1 : 1;
    const best = [...ran].filter((e) => Number.isFinite(e.summary.metric.median)).sort((a, b) => sign * (a.summary.metric.median - b.summary.metric.median))[0];
    return `No method reached ${goal} within ${steps} steps` + (best ? `; the best final ${metric} is ${best.method}'s, ${best.summary.metric.median.toPrecision(3)}.` : ".");
  }
  const bySteps = [...reached].sort((a, b) => a.summary.stepsToTarget! - b.summary.stepsToTarget! || a.summary.msToTarget! - b.summary.msToTarget!)[0];
  const byTime = [...reached].sort((a, b) => a.summary.msToTarget! - b.summary.msToTarget!)[0];
  const s = bySteps.summary, t = byTime.summary;
  let line = `To ${goal}: fewest steps ${bySteps.method} (${s.stepsToTarget} steps, ${secs(s.msToTarget!)}); least wall time ${byTime.method} (${secs(t.msToTarget!)}, ${t.stepsToTarget} steps).`;
  const slower = reached.filter((e) => e.order === "second" && e !== byTime && e.summary.msToTarget! > t.msToTarget!);
  const losers = slower.filter((e) => e.summary.stepsToTarget! < t.stepsToTarget!);
  if (losers.length) {
    line += " " + losers.map((e) => `${e.method} wins in steps against ${byTime.method} (${e.summary.stepsToTarget} against ${t.stepsToTarget}) but loses in wall time (${secs(e.summary.msToTarget!)} against ${secs(t.msToTarget!)}; a step costs ${e.summary.costVsAdamw.toPrecision(2)}x AdamW's)`).join("; ") + ".";
  }
  const later = slower.filter((e) => !losers.includes(e));
  if (later.length) line += ` Also slower in wall time than ${byTime.method}: ` + later.map((e) => `${e.method} (${secs(e.summary.msToTarget!)}, ${e.summary.stepsToTarget} steps)`).join(", ") + ".";
  return line;
}
