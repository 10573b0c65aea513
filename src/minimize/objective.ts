/**
 * The bridge between a user's tensor function and the flat float64 vectors the minimizers work
 * on. Every call into the user's `f` goes through here, so the evaluation counts are exact:
 *   nfev  calls of f (for a value, a gradient, a curvature graph or a dense Hessian alike)
 *   ngev  gradient evaluations (reverse sweeps for the gradient)
 *   nhvp  Hessian-vector products evaluated (reverse sweeps over a recorded gradient graph)
 *   nhev  dense Hessians (n reverse sweeps each, counted here and not in nhvp)
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

export interface Counts { nfev: number; ngev: number; nhvp: number; nhev: number }

/** f, its gradient and (when asked for) Hessian-vector products at one point. */
export interface Evaluation {
  f: number;
  g: Float64Array;
  /** H v at the same point, reusing one recorded gradient graph (each call counts in nhvp). */
  hvp?: (v: Float64Array) => Float64Array;
}

export class Objective {
  readonly counts: Counts = { nfev: 0, ngev: 0, nhvp: 0, nhev: 0 };
  readonly n: number;

  constructor(
    private readonly f: (x: Tensor) => Tensor,
    readonly shape: readonly number[],
    readonly dtype: DType,
  ) {
    this.n = shape.reduce((a, b) => a * b, 1);
  }

  /** x as a tensor of the user's shape and dtype (a copy). */
  wrap(x: Float64Array): Tensor {
    return tensorOf(this.dtype === "float64" ? Float64Array.from(x) : Float32Array.from(x), this.shape);
  }

  private call(x: Tensor): Tensor {
    this.counts.nfev++;
    const out = this.f(x);
    if (!(out instanceof Tensor)) throw new GradientError(`minimize: f must return a scalar Tensor, got ${out === null ? "null" : typeof out}`);
    if (out.size !== 1) throw new GradientError(`minimize: f must return a scalar (one value), got shape ${fmt(out.shape)}; reduce it with sum() or mean()`);
    return out;
  }

  /** f(x) only (no gradient graph is recorded). */
  fun(x: Float64Array): number {
    return this.call(this.wrap(x)).item();
  }

  /** f(x) and its gradient; with `curvature`, the gradient graph is kept for H v products. */
  funGrad(x: Float64Array, curvature = false): Evaluation {
    const leaf = makeLeaf(this.wrap(x));
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
