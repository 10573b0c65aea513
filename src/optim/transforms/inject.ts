/** Any hyperparameter on a schedule (optax inject_hyperparams). */
import { ArgumentError } from "../../errors.js";
import type { GradientTransformation } from "../base.js";
import type { Schedule } from "../schedules/types.js";

export interface InjectState<S> { count: number; hyperparams: Record<string, number>; inner: S }

/**
 * `injectHyperparams(adam)({lr: warmupCosine({...}), b1: 0.9})`: numeric options that are
 * schedules are evaluated at every step (count 0 first) and the inner transform is rebuilt with
 * the values, which are kept in the state (`hyperparams`) so a checkpoint records them.
 */
export function injectHyperparams<O extends object, S>(factory: (options: O) => GradientTransformation<S>) {
  return (options: { [K in keyof O]?: O[K] | Schedule }): GradientTransformation<InjectState<S>> => {
    const entries = Object.entries(options);
    const resolve = (step: number): O => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of entries) {
        if (typeof v !== "function") o[k] = v;
        else {
          const x = (v as Schedule)(step);
          if (typeof x !== "number" || !Number.isFinite(x)) throw new ArgumentError(`injectHyperparams: schedule for "${k}" returned ${x} at step ${step}`);
          o[k] = x;
        }
      }
      return o as O;
    };
    const numbers = (o: O) => Object.fromEntries(Object.entries(o).filter(([, v]) => typeof v === "number")) as Record<string, number>;
    factory(resolve(0)); // validates the options once, at construction
    return {
      init(params) {
        const o = resolve(0);
        return { count: 0, hyperparams: numbers(o), inner: factory(o).init(params) };
      },
      update(g, state, params, extra) {
        const o = resolve(state.count);
        const r = factory(o).update(g, state.inner, params, extra);
        return { updates: r.updates, state: { count: state.count + 1, hyperparams: numbers(o), inner: r.state } };
      },
    };
  };
}
