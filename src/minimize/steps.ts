/**
 * `minimizeSteps(f, x0, options)`: `minimize` one iteration at a time. It validates and evaluates
 * the start exactly as `minimize` does and drives the same method generators (src/minimize/run.ts
 * `MethodSteps`), so the iterates are minimize's, bit for bit; what it adds is a pause after each
 * step, for plotting a run as it happens (the explorer page), stopping it from outside, or
 * interleaving it with other work.
 */
import type { Tensor } from "../tensor/tensor.js";
import { resultOf, startMinimize, type MinimizeOptions, type MinimizeResult, type Started } from "./minimize.js";
import type { MinimizeState } from "./run.js";

/** One iterate: the callback's state, plus where the run stands after it. */
export interface MinimizeStep extends MinimizeState {
  /** True on the last step the iterator yields: a stopping rule fired (see `message`). */
  done: boolean;
  converged: boolean;
  /** Which rule stopped the run ("" while it runs). */
  message: string;
}

/**
 * The iterator `minimizeSteps` returns: sync (`for ... of`, `next()`) and async (`for await`).
 * The first step is the start point (nit 0, step 0); the last has `done: true`. Leaving a loop
 * early (break, or `return()`) ends the run and frees what its method holds (BFGS's matrix);
 * `result()` is the result record of the run as it stands, at any time.
 */
export interface MinimizeSteps extends IterableIterator<MinimizeStep>, AsyncIterable<MinimizeStep> {
  next(): IteratorResult<MinimizeStep, undefined>;
  return(): IteratorResult<MinimizeStep, undefined>;
  [Symbol.asyncIterator](): AsyncIterableIterator<MinimizeStep>;
  result(): MinimizeResult;
}

/** The step record, built field by field (a spread of the callback's state cost 3x the step of a 2-D gd). */
function stepOf({ run, obj }: Started): MinimizeStep {
  const last = run.history[run.history.length - 1], c = obj.counts;
  const s: MinimizeStep = {
    nfev: c.nfev, ngev: c.ngev, nhvp: c.nhvp, nhev: c.nhev, nit: run.nit, x: obj.wrap(run.x), fun: run.f, gradNorm: run.gradNorm,
    step: last.step, time: last.time, done: run.done, converged: run.converged, message: run.message,
  };
  if (run.primal) s.primal = obj.wrap(run.primal);
  return s;
}

function* iterate(s: Started): Generator<MinimizeStep, undefined, void> {
  yield stepOf(s);
  for (const _ of s.steps) yield stepOf(s);
  return undefined;
}

class Steps implements MinimizeSteps {
  private readonly it: Generator<MinimizeStep, undefined, void>;

  constructor(private readonly started: Started) {
    this.it = iterate(started);
  }

  next(): IteratorResult<MinimizeStep, undefined> {
    return this.it.next();
  }

  return(): IteratorResult<MinimizeStep, undefined> {
    return this.it.return(undefined);
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** Each step is still computed synchronously inside `next()`; the promises only carry it. */
  [Symbol.asyncIterator](): AsyncIterableIterator<MinimizeStep> {
    const self = this;
    return {
      next: async () => self.next() as IteratorResult<MinimizeStep>,
      return: async () => self.return() as IteratorResult<MinimizeStep>,
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  result(): MinimizeResult {
    return resultOf(this.started);
  }
}

/**
 * `minimize`, one iterate per `next()`: the same validation (errors name `minimizeSteps`), the same
 * methods and stopping rules, the same iterates and counts.
 *
 * @example
 * for (const s of minimizeSteps((x) => x.square().sum(), [3, -4], { method: "newton" })) {
 *   console.log(s.nit, s.fun, s.x.toArray());
 * }
 */
export function minimizeSteps(f: (x: Tensor) => Tensor, x0: Tensor | number[] | ArrayLike<number>, options: MinimizeOptions = {}): MinimizeSteps {
  return new Steps(startMinimize("minimizeSteps", f, x0, options));
}
