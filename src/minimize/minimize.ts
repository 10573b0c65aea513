/**
 * `minimize(f, x0, options)`: deterministic minimization of a scalar tensor function, scipy-style,
 * with an honest result record. Internally x is a flat float64 vector; f sees a tensor of x0's
 * shape and dtype (float64 unless x0 is a float32 tensor or `dtype` says otherwise).
 */
import { readSync } from "../backend/select.js";
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { Tensor } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { tensor } from "../tensor/create.js";
import { Objective, checkStart, checkShapeOf } from "./objective.js";
import { Run, type HistoryEntry, type MethodSteps, type MinimizeState } from "./run.js";
import { gd } from "./gd.js";
import { momentum, nesterov } from "./accelerated.js";
import { lbfgs } from "./lbfgs.js";
import { bfgs } from "./bfgs.js";
import { newton } from "./newton.js";
import { newtonCg } from "./newtonCg.js";
import { trustNcg } from "./trustNcg.js";
import { isTransformation, transformMethod, type GradientTransformationLike } from "./transform.js";
import { adam } from "../optim/alias.js";

export type MethodName = "gd" | "momentum" | "nesterov" | "adam" | "newton" | "newton-cg" | "trust-ncg" | "lbfgs" | "bfgs";
export const METHOD_NAMES: readonly MethodName[] = ["gd", "momentum", "nesterov", "adam", "newton", "newton-cg", "trust-ncg", "lbfgs", "bfgs"];

export interface MinimizeOptions {
  /** Default "lbfgs". A GradientTransformation ({init, update}) runs as a first-order method. */
  method?: MethodName | GradientTransformationLike;
  /** Gradient-norm tolerance: stop when ||grad f(x)||_2 <= tol. Default 1e-6. */
  tol?: number;
  /** Stop when |f_prev - f| <= ftol max(|f_prev|, |f|, 1). Default 0 (off). */
  ftol?: number;
  /** Maximum iterations. Default 1000 (second order, lbfgs) or 10000 (first order). */
  maxIter?: number;
  /** Maximum f + gradient evaluations (nfev + ngev). Default Infinity. */
  maxEval?: number;
  /** dtype f sees. Default: x0's dtype for a tensor, "float64" for a number array. */
  dtype?: DType;
  /** gd / momentum / nesterov: fixed step (e.g. 1/L); without it the step is found by backtracking. adam: learning rate (default 1e-3). */
  lr?: number;
  /** momentum: the heavy-ball coefficient beta. Default 0.9. */
  momentum?: number;
  /** nesterov: O'Donoghue-Candès gradient restart. Default true. */
  restart?: boolean;
  /** lbfgs: number of stored pairs. Default 10. */
  m?: number;
  /** Line-search sufficient-decrease constant (gd without lr, lbfgs, bfgs, newton, newton-cg), in (0, 1). Default 1e-4. */
  c1?: number;
  /** Strong-Wolfe curvature constant (lbfgs, bfgs, newton-cg), in (c1, 1). Default 0.9. */
  c2?: number;
  /** trust-ncg: initial radius (default 1), largest radius (default 1000), acceptance threshold eta in [0, 0.25) (default 0.15). */
  trustRadius?: number;
  maxTrustRadius?: number;
  eta?: number;
  /** Called after every iteration; return true to stop. */
  callback?: (state: MinimizeState) => boolean | void;
  /** Keep the iterate in each history row (for plotting trajectories of small problems). Default false. */
  recordX?: boolean;
  /**
   * Compile f, its gradient and H v (src/jit): traced once, replayed with no per-op cost; the same
   * iterates and counts as eager. Default true; a function that cannot be traced runs eagerly and
   * `result.jit` says why. `false` runs everything eagerly.
   */
  jit?: boolean;
}

export interface MinimizeResult {
  x: Tensor;
  fun: number;
  gradNorm: number;
  nit: number;
  /** Calls of f (every call: for values, gradients, curvature graphs and Hessians). */
  nfev: number;
  /** Gradient evaluations. */
  ngev: number;
  /** Hessian-vector products evaluated. */
  nhvp: number;
  /** Dense Hessians evaluated (newton). */
  nhev: number;
  converged: boolean;
  /** Which rule stopped the run, or why the method could not continue. */
  message: string;
  method: string;
  history: HistoryEntry[];
  /**
   * Whether f's evaluations ran compiled (the dense Hessian of "newton" always runs eagerly), and
   * why not where compilation was asked for but f could not be traced.
   */
  jit: { compiled: boolean; reason: string | null };
}

const KNOWN = {
  method: true, tol: true, ftol: true, maxIter: true, maxEval: true, dtype: true, lr: true, momentum: true, restart: true,
  m: true, c1: true, c2: true, trustRadius: true, maxTrustRadius: true, eta: true, callback: true, recordX: true, jit: true,
} satisfies OptionKeys<MinimizeOptions>;

/**
 * Options only some methods read. Passing one to another method is an error rather than silently
 * ignored (scipy only warns): `lr` given to lbfgs would otherwise look like it did something.
 * A GradientTransformation reads none of them (its own hyperparameters are in the transform).
 */
const READ_BY: Record<string, readonly MethodName[]> = {
  lr: ["gd", "momentum", "nesterov", "adam"],
  momentum: ["momentum"],
  restart: ["nesterov"],
  m: ["lbfgs"],
  c1: ["gd", "lbfgs", "bfgs", "newton", "newton-cg"],
  c2: ["lbfgs", "bfgs", "newton-cg"],
  trustRadius: ["trust-ncg"],
  maxTrustRadius: ["trust-ncg"],
  eta: ["trust-ncg"],
};

function positive(op: string, name: string, v: number | undefined, integer = false): void {
  if (v === undefined) return;
  if (typeof v !== "number" || !(v > 0) || (integer && !Number.isInteger(v) && v !== Infinity)) {
    throw new ArgumentError(`${op}: ${name} must be a positive ${integer ? "integer" : "number"}, got ${v}`);
  }
}

function nonNegative(op: string, name: string, v: number | undefined): void {
  if (v !== undefined && !(typeof v === "number" && v >= 0)) throw new ArgumentError(`${op}: ${name} must be >= 0, got ${v}`);
}

/**
 * Minimizes a scalar function of one tensor.
 *
 * Methods: "gd" (fixed step or backtracking Armijo), "momentum" (heavy ball), "nesterov"
 * (accelerated gradient with gradient restart), "adam" (or any GradientTransformation),
 * "newton" (dense Hessian, Cholesky, eigenvalue-shift modification, Armijo), "newton-cg"
 * (truncated Newton with H v products, strong Wolfe), "trust-ncg" (Steihaug-Toint CG trust
 * region), "lbfgs" (two-loop recursion, strong Wolfe), "bfgs" (dense inverse Hessian, strong Wolfe;
 * n <= 4096).
 *
 * Stops on the first of: ||g||_2 <= tol (converged), relative change of f <= ftol (converged),
 * callback returning true, maxIter, maxEval, or a method that cannot continue (a failed line
 * search is reported in `message` with converged = false, never thrown).
 * Throws `DownhillError`s for bad input: a non-scalar f, a non-finite f or gradient at x0, an
 * x0 that is not a non-empty tensor or number array, an unknown method or option, an option the
 * method does not read (e.g. `lr` with "lbfgs"), an out-of-range hyperparameter.
 *
 * @example
 * const r = minimize((x) => x.sub(tensor([1, 2], { dtype: "float64" })).square().sum(), [0, 0], { method: "newton" });
 * r.x.toArray();  // [1, 2]
 */
export function minimize(f: (x: Tensor) => Tensor, x0: Tensor | number[] | ArrayLike<number>, options: MinimizeOptions = {}): MinimizeResult {
  const started = startMinimize("minimize", f, x0, options);
  for (const _ of started.steps);
  return resultOf(started);
}

/** A validated, started run: the start point evaluated, the method's generator not yet begun. */
export interface Started {
  run: Run;
  obj: Objective;
  steps: MethodSteps;
  method: string;
}

/** Validates f, x0 and the options (errors name `op`), evaluates f at x0 and creates the method's generator. */
export function startMinimize(op: string, f: (x: Tensor) => Tensor, x0: Tensor | number[] | ArrayLike<number>, options: MinimizeOptions): Started {
  if (typeof f !== "function") throw new ArgumentError(`${op}: f must be a function, got ${typeof f}`);
  checkOptions(op, options, KNOWN);
  const method = options.method ?? "lbfgs";
  if (!isTransformation(method) && !METHOD_NAMES.includes(method as MethodName)) {
    throw new ArgumentError(`${op}: unknown method ${JSON.stringify(method)}; use one of ${METHOD_NAMES.join(", ")} or a GradientTransformation`);
  }
  for (const [k, readers] of Object.entries(READ_BY)) {
    if ((options as Record<string, unknown>)[k] === undefined || (typeof method === "string" && readers.includes(method as MethodName))) continue;
    throw new ArgumentError(`${op}: option "${k}" does not apply to method ${typeof method === "string" ? `"${method}"` : "given as a GradientTransformation"}; it is read by ${readers.join(", ")}`);
  }
  checkShapeOf(x0);
  const dtype: DType = options.dtype ?? (x0 instanceof Tensor ? x0.dtype : "float64");
  if (dtype !== "float32" && dtype !== "float64") throw new ArgumentError(`${op}: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
  const start = x0 instanceof Tensor ? x0 : tensor(x0 as number[], { dtype });
  if (start.size === 0) throw new ArgumentError(`${op}: x0 is empty (shape [${start.shape.join(", ")}])`);
  const startValues = readSync(start, op);
  for (let i = 0; i < start.size; i++) {
    if (!Number.isFinite(startValues[i])) throw new ArgumentError(`${op}: x0 has ${startValues[i]} at index ${i}`);
  }
  positive(op, "tol", options.tol);
  nonNegative(op, "ftol", options.ftol);
  positive(op, "maxIter", options.maxIter, true);
  positive(op, "maxEval", options.maxEval, true);
  positive(op, "lr", options.lr);
  positive(op, "m", options.m, true);
  positive(op, "trustRadius", options.trustRadius);
  positive(op, "maxTrustRadius", options.maxTrustRadius);
  const c1 = options.c1 ?? 1e-4, c2 = options.c2 ?? 0.9;
  const trustRadius = options.trustRadius ?? 1, maxTrustRadius = options.maxTrustRadius ?? 1000;
  if (!(c1 > 0 && c1 < 1)) throw new ArgumentError(`${op}: c1 must be in (0, 1), got ${c1}`);
  if (!(c2 > c1 && c2 < 1)) throw new ArgumentError(`${op}: c2 must be in (c1, 1) = (${c1}, 1), got ${c2}`);
  if (options.eta !== undefined && !(options.eta >= 0 && options.eta < 0.25)) throw new ArgumentError(`${op}: eta must be in [0, 0.25), got ${options.eta}`);
  if (trustRadius > maxTrustRadius) {
    const dflt = (v: number | undefined) => (v === undefined ? " (default)" : "");
    throw new ArgumentError(`${op}: trustRadius ${trustRadius}${dflt(options.trustRadius)} exceeds maxTrustRadius ${maxTrustRadius}${dflt(options.maxTrustRadius)}`);
  }
  if (options.restart !== undefined && typeof options.restart !== "boolean") throw new ArgumentError(`${op}: restart must be a boolean, got ${JSON.stringify(options.restart)}`);
  if (options.momentum !== undefined && !(options.momentum >= 0 && options.momentum < 1)) throw new ArgumentError(`${op}: momentum must be in [0, 1), got ${options.momentum}`);
  if (options.callback !== undefined && typeof options.callback !== "function") throw new ArgumentError(`${op}: callback must be a function`);

  const firstOrder = isTransformation(method) || ["gd", "momentum", "nesterov", "adam"].includes(method);
  if (options.jit !== undefined && typeof options.jit !== "boolean") throw new ArgumentError(`${op}: jit must be a boolean, got ${JSON.stringify(options.jit)}`);
  const obj = new Objective(f, start.shape, dtype, options.jit ?? true);
  const x = Float64Array.from(startValues);
  const ev = method === "newton" ? obj.funGradHess(x) : obj.funGrad(x, method === "newton-cg" || method === "trust-ncg");
  checkStart(ev);
  const run = new Run(obj, {
    tol: options.tol ?? 1e-6,
    ftol: options.ftol ?? 0,
    maxIter: options.maxIter ?? (firstOrder ? 10000 : 1000),
    maxEval: options.maxEval ?? Infinity,
    callback: options.callback,
    recordX: options.recordX ?? false,
  }, x, ev.f, ev.g);
  run.ev = ev;

  return { run, obj, steps: methodSteps(run, method, options, c1, c2, trustRadius, maxTrustRadius), method: isTransformation(method) ? "transform" : method };
}

function* methodSteps(run: Run, method: MethodName | GradientTransformationLike, options: MinimizeOptions, c1: number, c2: number, trustRadius: number, maxTrustRadius: number): MethodSteps {
  if (run.done) return;
  if (isTransformation(method)) return yield* transformMethod(run, method);
  switch (method) {
    case "gd": return yield* gd(run, { lr: options.lr, c1 });
    case "momentum": return yield* momentum(run, { lr: options.lr, momentum: options.momentum ?? 0.9, restart: true });
    case "nesterov": return yield* nesterov(run, { lr: options.lr, momentum: 0, restart: options.restart ?? true });
    case "adam": return yield* transformMethod(run, adam({ lr: options.lr ?? 1e-3 }) as GradientTransformationLike);
    case "lbfgs": return yield* lbfgs(run, { m: options.m ?? 10, c1, c2 });
    case "bfgs": return yield* bfgs(run, { c1, c2 });
    case "newton": return yield* newton(run, { c1 });
    case "newton-cg": return yield* newtonCg(run, { c1, c2 });
    case "trust-ncg": return yield* trustNcg(run, { trustRadius, maxTrustRadius, eta: options.eta ?? 0.15 });
  }
}

/** The result record of a run as it stands (finished, or stopped early by `minimizeSteps`). */
export function resultOf({ run, obj, method }: Started): MinimizeResult {
  const c = obj.counts;
  return {
    x: obj.wrap(run.x),
    fun: run.f,
    gradNorm: run.gradNorm,
    nit: run.nit,
    nfev: c.nfev,
    ngev: c.ngev,
    nhvp: c.nhvp,
    nhev: c.nhev,
    converged: run.converged,
    message: run.message,
    method,
    history: run.history,
    jit: { compiled: obj.isCompiled, reason: obj.jitReason },
  };
}

/** The same, as a promise (for symmetry with async backends); the work is synchronous. */
export async function minimizeAsync(f: (x: Tensor) => Tensor, x0: Tensor | number[] | ArrayLike<number>, options: MinimizeOptions = {}): Promise<MinimizeResult> {
  return minimize(f, x0, options);
}
