/**
 * The state of one minimize run: the current iterate, the counts, the history, and the stopping
 * rules, checked in this order after every accepted step:
 *   1. f or the gradient became non-finite            -> stop, converged = false (x is the last finite point)
 *   2. ||g||_2 <= tol                                   -> converged
 *   2b. 20 steps in a row left x unchanged at f's dtype -> stop, not converged (no progress)
 *   3. callback(state) returned true                    -> stopped by the callback
 *   4. |f_prev - f| <= ftol max(|f_prev|, |f|, 1)       -> converged (relative change of f; off when ftol = 0)
 *   5. nit >= maxIter, or nfev + ngev >= maxEval        -> not converged
 * A method that cannot continue (failed line search, no descent direction) calls `fail`.
 */
import type { Tensor } from "../tensor/tensor.js";
import { Objective, type Counts, type Evaluation } from "./objective.js";
import { nrm2 } from "./linalg.js";

/** One row of `history`: the iterate after `nit` steps (row 0 is the start point). */
export interface HistoryEntry {
  nit: number;
  f: number;
  gradNorm: number;
  /** Length of the step taken, ||x_k - x_{k-1}||_2 (0 for the start row). */
  step: number;
  nfev: number;
  ngev: number;
  nhvp: number;
  /** Milliseconds since the run started. */
  time: number;
  /** The iterate itself, only when `recordX` is set (the report's 2-D trajectories). */
  x?: number[];
}

/** What a callback sees after each iteration; returning true stops the run. */
export interface MinimizeState extends Counts {
  nit: number;
  x: Tensor;
  fun: number;
  gradNorm: number;
  step: number;
  time: number;
  /** Nesterov only: the gradient-step iterate x_k, while `x` is the extrapolated point y_k where the gradient is taken. */
  primal?: Tensor;
}

/**
 * A method: a generator over one Run that yields after each step it records (`accept`, or a
 * trust region's `reject`) and returns once `run.done`. `minimize` drains it; `minimizeSteps`
 * hands out one step per `next()`, so both drive the same method code.
 */
export type MethodSteps = Generator<void, void, void>;

export interface StopRules {
  tol: number;
  ftol: number;
  maxIter: number;
  maxEval: number;
  callback?: (state: MinimizeState) => boolean | void;
  recordX: boolean;
}

const now = (): number => (typeof performance !== "undefined" ? performance.now() : Date.now());

/** Steps in a row that may leave x unchanged at f's precision before the run stops (rule 2b). */
const UNMOVED_LIMIT = 20;

export class Run {
  readonly history: HistoryEntry[] = [];
  readonly t0 = now();
  nit = 0;
  x: Float64Array;
  f: number;
  g: Float64Array;
  gradNorm: number;
  /** The newest evaluation at x, with H v products or a dense Hessian when the method asked for them. */
  ev: (Evaluation & { H?: Float64Array }) | null = null;
  /** Accelerated methods: the gradient-step sequence x_k (run.x is the extrapolated y_k). */
  primal: Float64Array | null = null;
  done = false;
  /** Accepted steps in a row that left x unchanged at f's dtype (rule 2b). */
  private unmoved = 0;
  converged = false;
  message = "";

  constructor(readonly obj: Objective, readonly rules: StopRules, x0: Float64Array, f0: number, g0: Float64Array) {
    this.x = x0;
    this.f = f0;
    this.g = g0;
    this.gradNorm = nrm2(g0);
    this.push(0);
    if (this.gradNorm <= rules.tol) this.stop(true, `gradient norm ${fmtNum(this.gradNorm)} <= tol ${rules.tol} at the start point`);
  }

  get counts(): Counts {
    return this.obj.counts;
  }

  private push(step: number): void {
    const c = this.obj.counts;
    const e: HistoryEntry = { nit: this.nit, f: this.f, gradNorm: this.gradNorm, step, nfev: c.nfev, ngev: c.ngev, nhvp: c.nhvp, time: now() - this.t0 };
    if (this.rules.recordX) e.x = Array.from(this.x);
    this.history.push(e);
  }

  stop(converged: boolean, message: string): void {
    this.done = true;
    this.converged = converged;
    this.message = message;
  }

  /** A method that cannot continue. */
  fail(message: string): void {
    this.stop(false, message.startsWith("line search failed") ? message + this.precisionHint() : message);
  }

  /**
   * Why a line search may fail in float32 although the method is sound: f's values are rounded to
   * about eps = 2^-24 relative, so a line search that compares them locates the minimizer only to
   * about sqrt(eps) and cannot push ||g|| much below sqrt(eps) times its starting size. When ||g||
   * has got there, the message says so and suggests float64.
   */
  private precisionHint(): string {
    if (this.obj.dtype !== "float32") return "";
    const g0 = this.history[0]?.gradNorm ?? this.gradNorm;
    const floor = Math.sqrt(2 ** -23) * Math.max(1, g0);
    if (!(this.gradNorm <= floor)) return "";
    return `; ||g|| = ${fmtNum(this.gradNorm)} is near float32's resolution (about sqrt(eps) max(1, ||g0||) = ${fmtNum(floor)}), where rounding of f hides further decrease: use dtype "float64" (or a float64 x0) to reach tol ${this.rules.tol}`;
  }

  /** True when the evaluation budget is used up (checked by methods inside long inner loops too). */
  outOfEvaluations(): boolean {
    const c = this.obj.counts;
    return c.nfev + c.ngev >= this.rules.maxEval;
  }

  /**
   * Records an accepted step to (x, f, g) and applies the stopping rules; returns `done`.
   * `gradNorm` may be passed when the method already has it.
   */
  accept(x: Float64Array, f: number, g: Float64Array, gradNorm = nrm2(g)): boolean {
    if (!Number.isFinite(f) || !Number.isFinite(gradNorm)) {
      this.stop(false, `f or its gradient became non-finite (f = ${f}, ||g|| = ${gradNorm}) at iteration ${this.nit + 1}; x is the last finite iterate (iteration ${this.nit})`);
      return true;
    }
    let step = 0, moved = false;
    const f32 = this.obj.dtype === "float32";
    for (let i = 0; i < x.length; i++) {
      step += (x[i] - this.x[i]) ** 2;
      if (f32 ? Math.fround(x[i]) !== Math.fround(this.x[i]) : x[i] !== this.x[i]) moved = true;
    }
    const fPrev = this.f;
    this.nit++;
    this.x = x;
    this.f = f;
    this.g = g;
    this.gradNorm = gradNorm;
    this.push(Math.sqrt(step));
    const r = this.rules;
    if (gradNorm <= r.tol) this.stop(true, `gradient norm ${fmtNum(gradNorm)} <= tol ${r.tol}`);
    // Steps that leave x the same at f's precision: in float32 a line search can accept one, as
    // f(x + alpha p) = f(x) passes Armijo once alpha c1 phi'(0) is below f's rounding, and the
    // same x then gives the same direction forever (Newton spent 1000 iterations and 45,000
    // evaluations so). Methods with state (momentum, L-BFGS memory) may still move after one,
    // so the run stops after UNMOVED_LIMIT of them in a row.
    else if ((this.unmoved = moved ? 0 : this.unmoved + 1) >= UNMOVED_LIMIT) this.stop(false, `no progress: ${UNMOVED_LIMIT} steps in a row left x unchanged at ${this.obj.dtype} precision, with ||g|| = ${fmtNum(gradNorm)} > tol ${r.tol} (use float64 or a looser tol)`);
    else if (r.callback && r.callback(this.state(Math.sqrt(step))) === true) this.stop(false, `stopped by the callback at iteration ${this.nit}`);
    else if (r.ftol > 0 && Math.abs(fPrev - f) <= r.ftol * Math.max(Math.abs(fPrev), Math.abs(f), 1)) this.stop(true, `relative change of f ${fmtNum(Math.abs(fPrev - f) / Math.max(Math.abs(fPrev), Math.abs(f), 1))} <= ftol ${r.ftol}`);
    else if (this.nit >= r.maxIter) this.stop(false, `maximum number of iterations (${r.maxIter}) reached`);
    else if (this.outOfEvaluations()) this.stop(false, `maximum number of evaluations (maxEval = ${r.maxEval}) reached`);
    return this.done;
  }

  /** A trust-region iteration whose trial step was rejected: x stays, the iteration counts. */
  reject(): boolean {
    this.nit++;
    this.push(0);
    const r = this.rules;
    if (r.callback && r.callback(this.state(0)) === true) this.stop(false, `stopped by the callback at iteration ${this.nit}`);
    else if (this.nit >= r.maxIter) this.stop(false, `maximum number of iterations (${r.maxIter}) reached`);
    else if (this.outOfEvaluations()) this.stop(false, `maximum number of evaluations (maxEval = ${r.maxEval}) reached`);
    return this.done;
  }

  state(step: number): MinimizeState {
    const s: MinimizeState = { ...this.obj.counts, nit: this.nit, x: this.obj.wrap(this.x), fun: this.f, gradNorm: this.gradNorm, step, time: now() - this.t0 };
    if (this.primal) s.primal = this.obj.wrap(this.primal);
    return s;
  }
}

export function fmtNum(v: number): string {
  return Number.isFinite(v) ? v.toExponential(2) : String(v);
}
