/**
 * A race: the same problem, the same start, several methods; one record per method with its
 * history, plus (for 2-D problems) a grid of f values for the report's contour plot.
 */
import { minimize, METHOD_NAMES, type MethodName, type MinimizeOptions, type MinimizeResult } from "../minimize/minimize.js";
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { BFGS_MAX_N } from "../minimize/bfgs.js";
import type { Problem } from "../problems/problem.js";
import { tensor } from "../tensor/create.js";

/**
 * How a run ended, as the tables show it: "minimum" (converged, and to the known minimum when
 * the problem has one), "stationary" (converged to a point whose f is well above the known f*:
 * another stationary point, e.g. Freudenstein-Roth's local minimum at f - f* = 49), "stopped"
 * (did not converge), "skipped" (not run, or threw).
 */
export type Outcome = "minimum" | "stationary" | "stopped" | "skipped";

export interface RaceEntry {
  method: string;
  result: Omit<MinimizeResult, "x"> & { x: number[] };
  /** Wall time of the whole minimize call, ms. */
  time: number;
  /** Set when the method was not run (e.g. newton on a large problem) or threw. */
  skipped?: string;
  outcome: Outcome;
  /** The "converged" column: "yes", "stationary, not the minimum (f - f* = 49)", "no: <message>", or why it was skipped. */
  verdict: string;
}

/**
 * f - f* above this (relative to max(1, |f*|)) is another stationary point, not the minimum:
 * converged runs of the suite at the default tol end within 2e-9 of f*, Freudenstein-Roth's local
 * minimum 49 above it.
 */
const NOT_THE_MINIMUM = 1e-3;

/** The outcome and the table text of a run (see `Outcome`); `fStar` is NaN when unknown. */
export function outcomeOf(entry: Pick<RaceEntry, "result" | "skipped">, fStar: number): { outcome: Outcome; verdict: string } {
  if (entry.skipped) return { outcome: "skipped", verdict: entry.skipped };
  const r = entry.result;
  if (!r.converged) return { outcome: "stopped", verdict: `no: ${r.message}` };
  const gap = r.fun - fStar;
  if (Number.isFinite(fStar) && gap > NOT_THE_MINIMUM * Math.max(1, Math.abs(fStar))) {
    return { outcome: "stationary", verdict: `stationary, not the minimum (f - f* = ${Number(gap.toPrecision(3))})` };
  }
  return { outcome: "minimum", verdict: "yes" };
}

export interface RaceResult {
  problem: { name: string; description: string; dim: number; x0: number[]; fStar: number; minimizers: number[][] };
  /** Reference value for f - f*: the known minimum, else the lowest f any method reached. */
  fRef: number;
  entries: RaceEntry[];
  /** 2-D problems: f on a grid covering the start, the minimizers and the trajectories. */
  grid?: { x: number[]; y: number[]; f: number[][] };
}

export interface RaceOptions {
  methods?: readonly string[];
  tol?: number;
  /** Per-method overrides, e.g. { adam: { lr: 0.01 }, gd: { maxIter: 2000 } }. */
  methodOptions?: Record<string, MinimizeOptions>;
  /** Iteration cap of first-order methods (gd, momentum, nesterov, adam). Default 5000. */
  firstOrderMaxIter?: number;
  /** Dense Newton is skipped above this dimension. Default 200. */
  newtonMaxDim?: number;
  /** Grid resolution of the 2-D contour plot. Default 120. */
  gridSize?: number;
  /** Warm every method up (repeated 5-iteration runs, ~15 ms each) before timing any (JIT). Default true. */
  warmup?: boolean;
  /** Called before each method starts (progress display). */
  onStart?: (method: string, index: number, count: number) => void;
}

const RACE_KEYS = {
  methods: true, tol: true, methodOptions: true, firstOrderMaxIter: true, newtonMaxDim: true, gridSize: true, warmup: true, onStart: true,
} satisfies OptionKeys<RaceOptions>;

export const DEFAULT_METHODS = ["gd", "nesterov", "adam", "lbfgs", "bfgs", "newton-cg", "trust-ncg", "newton"] as const;
const FIRST_ORDER = new Set(["gd", "momentum", "nesterov", "adam"]);

/** Warm-up budget per method before any method is timed (see `race`). */
const WARMUP_MS = 15;

export function race(problem: Problem, options: RaceOptions = {}): RaceResult {
  checkOptions("race", options, RACE_KEYS);
  const methods = options.methods ?? DEFAULT_METHODS;
  for (const m of methods) {
    if (!METHOD_NAMES.includes(m as MethodName)) throw new ArgumentError(`race: unknown method ${JSON.stringify(m)}; use one of ${METHOD_NAMES.join(", ")}`);
  }
  // An override keyed by a misspelt method would be silently unused (one for a method not raced
  // this time is fine: a shared configuration).
  checkOptions("race: methodOptions", options.methodOptions, METHOD_NAMES);
  const entries: RaceEntry[] = [];
  const record2d = problem.dim === 2;
  // Dense methods that this dimension rules out, with the reason shown in place of a result.
  const skipReason = (method: string): string | null =>
    method === "newton" && problem.dim > (options.newtonMaxDim ?? 200) ? `dense Newton skipped: n = ${problem.dim} > ${options.newtonMaxDim ?? 200}`
    : method === "bfgs" && problem.dim > BFGS_MAX_N ? `dense BFGS skipped: n = ${problem.dim} > ${BFGS_MAX_N} (its inverse Hessian would take ${((8 * problem.dim ** 2) / 2 ** 20).toFixed(0)} MiB)`
    : null;
  const optsFor = (method: string): MinimizeOptions => ({
    method: method as MethodName,
    tol: options.tol ?? 1e-6,
    maxIter: FIRST_ORDER.has(method) ? options.firstOrderMaxIter ?? 5000 : 1000,
    recordX: record2d,
    ...(method === "adam" ? { lr: 0.01 } : {}),
    ...(options.methodOptions?.[method] ?? {}),
  });
  if (options.warmup ?? true) {
    // JIT warm-up of every method before any is timed: short runs (5 iterations) for WARMUP_MS
    // each. With a 2-iteration warm-up right before each timed run, the first method paid for
    // compiling the shared tensor and autodiff code: gd on Booth timed 28 ms first, 6-10 ms later.
    for (const method of methods) {
      if (skipReason(method)) continue;
      const warm = { ...optsFor(method), maxIter: 5, recordX: false, callback: undefined };
      const t0 = performance.now();
      do {
        try { minimize(problem.f, tensor(problem.x0, { dtype: "float64" }), warm); } catch { break; /* reported by the timed run */ }
      } while (performance.now() - t0 < WARMUP_MS);
    }
  }
  methods.forEach((method, i) => {
    options.onStart?.(method, i, methods.length);
    const skipped = skipReason(method);
    const push = (e: Omit<RaceEntry, "outcome" | "verdict">) => entries.push({ ...e, ...outcomeOf(e, problem.fStar) });
    if (skipped) {
      push({ method, time: 0, skipped, result: emptyResult(method, problem) });
      return;
    }
    const opts = optsFor(method);
    const t0 = performance.now();
    try {
      const r = minimize(problem.f, tensor(problem.x0, { dtype: "float64" }), opts);
      push({ method, time: performance.now() - t0, result: { ...r, x: Array.from(r.x.dataSync()) } });
    } catch (e) {
      push({ method, time: performance.now() - t0, skipped: `threw ${(e as Error).name}: ${(e as Error).message}`, result: emptyResult(method, problem) });
    }
  });
  let fRef = problem.fStar;
  if (!Number.isFinite(fRef)) {
    fRef = Infinity;
    for (const e of entries) for (const h of e.result.history) fRef = Math.min(fRef, h.f);
  }
  const out: RaceResult = {
    problem: { name: problem.name, description: problem.description, dim: problem.dim, x0: problem.x0, fStar: problem.fStar, minimizers: problem.minimizers },
    fRef, entries,
  };
  if (record2d) out.grid = grid2d(problem, entries, options.gridSize ?? 120);
  return out;
}

function emptyResult(method: string, problem: Problem): RaceEntry["result"] {
  return { x: problem.x0, fun: NaN, gradNorm: NaN, nit: 0, nfev: 0, ngev: 0, nhvp: 0, nhev: 0, converged: false, message: "not run", method, history: [], jit: { compiled: false, reason: null } };
}

/** f on an n x n grid over the box holding x0, the minimizers and the trajectories (robust to far excursions). */
function grid2d(problem: Problem, entries: RaceEntry[], n: number): RaceResult["grid"] {
  const pts: number[][] = [problem.x0, ...problem.minimizers];
  for (const e of entries) for (const h of e.result.history) if (h.x) pts.push(h.x);
  const xs = pts.map((p) => p[0]).filter(Number.isFinite).sort((a, b) => a - b);
  const ys = pts.map((p) => p[1]).filter(Number.isFinite).sort((a, b) => a - b);
  // All visited points, unless a far excursion would squash the picture: then the 2nd..98th
  // percentile (the start and the minimizers are always inside).
  const q = (a: number[], t: number) => a[Math.min(a.length - 1, Math.max(0, Math.round(t * (a.length - 1))))];
  const span = (a: number[]) => {
    const full = [a[0], a[a.length - 1]], core = [q(a, 0.02), q(a, 0.98)];
    return full[1] - full[0] > 10 * Math.max(core[1] - core[0], 1e-9) ? core : full;
  };
  const must = [problem.x0, ...problem.minimizers];
  const [sx0, sx1] = span(xs), [sy0, sy1] = span(ys);
  let x0 = Math.min(sx0, ...must.map((p) => p[0])), x1 = Math.max(sx1, ...must.map((p) => p[0]));
  let y0 = Math.min(sy0, ...must.map((p) => p[1])), y1 = Math.max(sy1, ...must.map((p) => p[1]));
  const px = Math.max(x1 - x0, 1e-3) * 0.15, py = Math.max(y1 - y0, 1e-3) * 0.15;
  x0 -= px; x1 += px; y0 -= py; y1 += py;
  const gx = Array.from({ length: n }, (_, i) => x0 + (i / (n - 1)) * (x1 - x0));
  const gy = Array.from({ length: n }, (_, j) => y0 + (j / (n - 1)) * (y1 - y0));
  const f = gy.map((y) => gx.map((x) => problem.f(tensor([x, y], { dtype: "float64" })).item()));
  return { x: gx, y: gy, f };
}
