/** Gradient accumulation and non-finite step skipping: wrappers around an inner transform. */
import type { Tree } from "../../tensor/tree.js";
import type { GradientTransformation } from "../base.js";
import { allFinite, ewise, fullTree } from "../treeMath.js";
import { positiveInt } from "../validate.js";
import { ArgumentError } from "../../errors.js";

export interface AccumulateState<S> { miniStep: number; gradSum: Tree; inner: S }

/**
 * Gradient accumulation (optax MultiSteps): the first k − 1 calls add g to a running sum and
 * return zero updates with the inner state untouched; the k-th passes the mean Σg/k to `inner`
 * and returns its updates. With per-micro-batch mean losses of equal size this is exactly one
 * step on the k-times-larger batch. `extra` reaches `inner` on the k-th call only, so its loss
 * closures see that call's micro-batch, not all k (`fit({ accumulate })` gives closures over all
 * of a step's batches instead).
 */
export function accumulate<S>(k: number, inner: GradientTransformation<S>): GradientTransformation<AccumulateState<S>> {
  positiveInt("accumulate", "k", k);
  if (!inner || typeof inner.init !== "function" || typeof inner.update !== "function") {
    throw new ArgumentError(`accumulate: inner must be the GradientTransformation to accumulate for, e.g. accumulate(${k}, adam({ lr: 1e-3 })); got ${inner === undefined ? "nothing" : typeof inner}`);
  }
  return {
    init: (params) => ({ miniStep: 0, gradSum: fullTree(params, 0), inner: inner.init(params) }),
    update(g, state, params, extra) {
      const sum = ewise((s, x) => s + x, [state.gradSum, g], ["gradSum", "updates"]);
      if (state.miniStep + 1 < k) return { updates: fullTree(g, 0), state: { miniStep: state.miniStep + 1, gradSum: sum, inner: state.inner } };
      const r = inner.update(ewise((s) => s / k, [sum], ["gradSum"]), state.inner, params, extra);
      return { updates: r.updates, state: { miniStep: 0, gradSum: fullTree(g, 0), inner: r.state } };
    },
  };
}

export interface SkipNonFiniteState<S> { inner: S; skipped: number; consecutive: number }

/**
 * A step whose gradients hold NaN or ±Inf is skipped: zero updates, inner state untouched, and
 * counted (`skipped` in total, `consecutive` since the last good step). Optax's apply_if_finite.
 */
export function skipNonFinite<S>(inner: GradientTransformation<S>): GradientTransformation<SkipNonFiniteState<S>> {
  if (!inner || typeof inner.init !== "function" || typeof inner.update !== "function") {
    throw new ArgumentError(`skipNonFinite: inner must be the GradientTransformation whose non-finite steps to skip, e.g. skipNonFinite(adam({ lr: 1e-3 })); got ${inner === undefined ? "nothing" : typeof inner}`);
  }
  return {
    init: (params) => ({ inner: inner.init(params), skipped: 0, consecutive: 0 }),
    update(g, state, params, extra) {
      if (!allFinite(g)) return { updates: fullTree(g, 0), state: { inner: state.inner, skipped: state.skipped + 1, consecutive: state.consecutive + 1 } };
      const r = inner.update(g, state.inner, params, extra);
      return { updates: r.updates, state: { inner: r.state, skipped: state.skipped, consecutive: 0 } };
    },
  };
}
