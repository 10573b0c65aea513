/**
 * The bridge between a user's tensor function and the flat float64 vectors the minimizers work
 * on. Every call into the user's `f` goes through here, so the evaluation counts are exact:
 *   nfev  calls of f (for a value, a gradient, a curvature graph or a dense Hessian alike)
 *   ngev  gradient evaluations (reverse sweeps for the gradient)
 *   nhvp  Hessian-vector products evaluated (reverse sweeps over a recorded gradient graph)
 *   nhev  dense Hessians (n reverse sweeps each, counted here and not in nhvp)
 * The counts are those of the algorithm, whether the evaluations run eagerly or compiled.
 *
 * Compiled by default (src/jit): the value, the value and gradient, and H v are each traced once
 * and replayed; they run the same kernels in the same order as the eager code below, so a run's
 * iterates, counts and result are the same bits either way (test/minimize/jit.test.ts). With
 * curvature, one two-stage program (src/jit/staged.ts) gives f, g and the gradient graph's values
 * at x, and each H v at that x runs only the part that depends on v, as the eager tape replays its
 * recorded graph. A function that cannot be traced
 * (it reads a value: `item()`, `dataSync()`) runs eagerly, with the reason kept in `jitReason`.
 */
import { ArgumentError, NonFiniteError } from "../errors.js";
import { Tensor, tensorOf } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { makeLeaf, GradientError } from "../autodiff/grad.js";
import { backward } from "../autodiff/backward.js";
import { onesLike } from "../tensor/create.js";
import { fmt } from "../tensor/shape.js";
import { readSync } from "../backend/select.js";
import { oneHot, reshape } from "../ops/shape.js";
import { zerosLike } from "../tensor/create.js";
import { jit, TraceError } from "../jit/jit.js";
import { stagedJit } from "../jit/staged.js";

export interface Counts { nfev: number; ngev: number; nhvp: number; nhev: number }

/** f, its gradient and (when asked for) Hessian-vector products at one point. */
export interface Evaluation {
  f: number;
  g: Float64Array;
  /** H v at the same point, reusing one recorded gradient graph (each call counts in nhvp). */
  hvp?: (v: Float64Array) => Float64Array;
}

type Compiled = {
  fun: (x: Tensor) => Tensor;
  funGrad: (x: Tensor) => { value: Tensor; g: Tensor };
  /** f, g and the gradient graph's values at x (stage one), H v at that x for each v (stage two). */
  curvature: (x: Tensor, vLike: Tensor) => { first: Record<string, Tensor>; second: (v: Tensor) => Tensor };
};

export class Objective {
  readonly counts: Counts = { nfev: 0, ngev: 0, nhvp: 0, nhev: 0 };
  readonly n: number;
  /** Why evaluations run eagerly although compilation was asked for (null: compiled, or not asked). */
  jitReason: string | null = null;
  private compiled: Compiled | null;

  constructor(
    private readonly f: (x: Tensor) => Tensor,
    readonly shape: readonly number[],
    readonly dtype: DType,
    compile = true,
  ) {
    this.n = shape.reduce((a, b) => a * b, 1);
    this.compiled = compile ? this.compile() : null;
  }

  /** Whether evaluations run compiled. */
  get isCompiled(): boolean {
    return this.compiled !== null;
  }

  /** The three evaluations as compiled functions (traced on first use): the eager methods' ops, in their order. */
  private compile(): Compiled {
    const checked = (x: Tensor) => checkScalarOut(this.f(x));
    return {
      fun: jit(checked, { name: "minimize f" }),
      funGrad: jit((x: Tensor) => {
        const leaf = makeLeaf(x);
        const value = checked(leaf);
        const [g] = backward(value, onesLike(value), [leaf], false);
        return { value, g: g ?? zerosLike(x) };
      }, { name: "minimize f and gradient" }),
      curvature: stagedJit((x: Tensor, v: Tensor) => {
        const leaf = makeLeaf(x);
        const value = checked(leaf);
        const [gt] = backward(value, onesLike(value), [leaf], true);
        if (!gt) return { first: { value, g: zerosLike(x) }, second: zerosLike(x) };
        const s = gt.mul(v).sum();
        const [hv] = backward(s, onesLike(s), [leaf], false);
        return { first: { value, g: gt }, second: hv ?? zerosLike(x) };
      }, "minimize f, gradient and H v"),
    };
  }

  /** `fn` compiled, or, once a trace has failed, null (and from then on every evaluation is eager). */
  private tryCompiled<T>(fn: (c: Compiled) => T): T | null {
    if (this.compiled === null) return null;
    try {
      return fn(this.compiled);
    } catch (e) {
      if (!(e instanceof TraceError)) throw e;
      this.jitReason = e.message;
      this.compiled = null;
      return null;
    }
  }

  /** x as a tensor of the user's shape and dtype (a copy). */
  wrap(x: Float64Array): Tensor {
    return tensorOf(this.dtype === "float64" ? Float64Array.from(x) : Float32Array.from(x), this.shape);
  }

  private call(x: Tensor): Tensor {
    this.counts.nfev++;
    return checkScalarOut(this.f(x));
  }

  /** f(x) only (no gradient graph is recorded). */
  fun(x: Float64Array): number {
    const xt = this.wrap(x);
    const c = this.tryCompiled((k) => k.fun(xt).item());
    if (c !== null) {
      this.counts.nfev++;
      return c;
    }
    return this.call(xt).item();
  }

  /** f(x) and its gradient; with `curvature`, the gradient graph is kept for H v products. */
  funGrad(x: Float64Array, curvature = false): Evaluation {
    const xt = this.wrap(x);
    if (curvature) {
      // one compiled pass at x for f, g and what H v reads; each H v then runs only its own part
      const c = this.tryCompiled((k) => k.curvature(xt, xt));
      if (c !== null) {
        this.counts.nfev++;
        this.counts.ngev++;
        const ev: Evaluation = { f: c.first.value.item(), g: Float64Array.from(readSync(c.first.g, "minimize")) };
        ev.hvp = (v) => {
          this.counts.nhvp++;
          return Float64Array.from(readSync(c.second(this.wrap(v)), "minimize"));
        };
        return ev;
      }
    } else {
      const c = this.tryCompiled((k) => k.funGrad(xt));
      if (c !== null) {
        this.counts.nfev++;
        this.counts.ngev++;
        return { f: c.value.item(), g: Float64Array.from(readSync(c.g, "minimize")) };
      }
    }
    return this.eagerFunGrad(xt, curvature);
  }

  private eagerFunGrad(xt: Tensor, curvature: boolean): Evaluation {
    const leaf = makeLeaf(xt);
    const value = this.call(leaf);
    this.counts.ngev++;
    const [gt] = backward(value, onesLike(value), [leaf], curvature);
    const g = gt ? Float64Array.from(readSync(gt, "minimize")) : new Float64Array(this.n);
    const ev: Evaluation = { f: value.item(), g };
    if (curvature && gt) {
      ev.hvp = (v) => {
        this.counts.nhvp++;
        const vt = this.wrap(v);
        const s = gt.mul(vt).sum();
        const [hv] = backward(s, onesLike(s), [leaf], false);
        return hv ? Float64Array.from(readSync(hv, "minimize")) : new Float64Array(this.n);
      };
    } else if (curvature) {
      ev.hvp = (_v) => {
        this.counts.nhvp++;
        return new Float64Array(this.n);
      };
    }
    return ev;
  }

  /** f, gradient and dense Hessian (row-major n x n, symmetrised) from one call of f. */
  funGradHess(x: Float64Array): Evaluation & { H: Float64Array } {
    const leaf = makeLeaf(this.wrap(x));
    const value = this.call(leaf);
    this.counts.ngev++;
    this.counts.nhev++;
    const n = this.n;
    const [gt] = backward(value, onesLike(value), [leaf], true);
    const H = new Float64Array(n * n);
    const g = gt ? Float64Array.from(readSync(gt, "minimize")) : new Float64Array(n);
    if (gt) {
      for (let i = 0; i < n; i++) {
        const e = reshape(oneHot([i], n, { dtype: this.dtype }), gt.shape); // basis vector e_i
        const [row] = backward(gt, e, [leaf], false);
        if (row) H.set(readSync(row, "minimize"), i * n);
      }
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) {
        const s = 0.5 * (H[i * n + j] + H[j * n + i]);
        H[i * n + j] = s;
        H[j * n + i] = s;
      }
    }
    return { f: value.item(), g, H };
  }
}

/** `out` when it is a scalar tensor (f's result), else the error saying what f must return. */
function checkScalarOut(out: unknown): Tensor {
  if (!(out instanceof Tensor)) throw new GradientError(`minimize: f must return a scalar Tensor, got ${out === null ? "null" : typeof out}`);
  if (out.size !== 1) throw new GradientError(`minimize: f must return a scalar (one value), got shape ${fmt(out.shape)}; reduce it with sum() or mean()`);
  return out;
}

/** Throws a NonFiniteError naming what is not finite at the start point. */
export function checkStart(ev: Evaluation): void {
  if (!Number.isFinite(ev.f)) throw new NonFiniteError(`minimize: f(x0) = ${ev.f}; the start point must give a finite value`);
  for (let i = 0; i < ev.g.length; i++) {
    if (!Number.isFinite(ev.g[i])) throw new NonFiniteError(`minimize: gradient at x0 has ${ev.g[i]} at index ${i}`);
  }
}

export function checkShapeOf(x0: unknown): void {
  if (!(x0 instanceof Tensor) && !Array.isArray(x0) && !ArrayBuffer.isView(x0)) {
    throw new ArgumentError(`minimize: x0 must be a Tensor, a number array or a typed array, got ${x0 === null ? "null" : typeof x0}`);
  }
}
