// minimizeSteps drives the same method generators as minimize: every stepped iterate equals the
// matching row of minimize's history bit for bit (x, f, ||g||, step length, counts), the last step
// carries minimize's stopping message, leaving early ends the run, and bad input is rejected at the
// call (not at the first next()) with errors that name minimizeSteps.
import { describe, expect, test } from "vitest";
import {
  ArgumentError, adagrad, adam, adamw, lion, minimize, minimizeSteps, problems, rmsprop, sgd,
  type MinimizeOptions, type MinimizeStep,
} from "../../src/index.js";

const rosen = problems.rosenbrock(2);
const beale = problems.beale();

/** Named runs: the deterministic methods and the optax-style transforms of src/optim. */
const runs: Array<[string, MinimizeOptions, typeof rosen]> = [
  ["gd (fixed lr)", { method: "gd", lr: 1e-3, maxIter: 300 }, rosen],
  ["gd (backtracking)", { method: "gd", maxIter: 200 }, rosen],
  ["momentum", { method: "momentum", lr: 1e-3, maxIter: 300 }, rosen],
  ["nesterov", { method: "nesterov", maxIter: 300 }, rosen],
  ["adam (by name)", { method: "adam", lr: 0.02, maxIter: 300 }, rosen],
  ["newton", { method: "newton" }, rosen],
  ["newton-cg", { method: "newton-cg" }, rosen],
  ["trust-ncg", { method: "trust-ncg" }, rosen],
  ["lbfgs", { method: "lbfgs" }, rosen],
  ["bfgs", { method: "bfgs" }, beale],
  ["sgd", { method: sgd({ lr: 1e-3 }), maxIter: 300 }, rosen],
  ["sgd momentum", { method: sgd({ lr: 1e-3, momentum: 0.9 }), maxIter: 300 }, rosen],
  ["sgd nesterov", { method: sgd({ lr: 1e-3, momentum: 0.9, nesterov: true }), maxIter: 300 }, rosen],
  ["adagrad", { method: adagrad({ lr: 0.1 }), maxIter: 300 }, rosen],
  ["rmsprop", { method: rmsprop({ lr: 0.01 }), maxIter: 300 }, rosen],
  ["adam", { method: adam({ lr: 0.02 }), maxIter: 300 }, rosen],
  ["adamw", { method: adamw({ lr: 0.02, weightDecay: 0.01 }), maxIter: 300 }, rosen],
  ["lion", { method: lion({ lr: 0.003 }), maxIter: 300 }, rosen],
  ["float32 adam", { method: adam({ lr: 0.02 }), maxIter: 200, dtype: "float32" }, rosen],
];

describe("minimizeSteps yields minimize's trajectory", () => {
  test.each(runs)("%s", (_name, options, p) => {
    const ref = minimize(p.f, p.x0, { ...options, recordX: true });
    const steps: MinimizeStep[] = [...minimizeSteps(p.f, p.x0, options)];
    expect(steps.length).toBe(ref.history.length);
    expect(ref.history.length).toBeGreaterThan(2);
    for (const [i, s] of steps.entries()) {
      const h = ref.history[i];
      expect(s.nit).toBe(h.nit);
      // float32 runs keep x in float64 internally; the step's tensor is x at f's dtype
      const x = options.dtype === "float32" ? h.x!.map(Math.fround) : h.x!;
      expect(Array.from(s.x.toArray() as number[])).toEqual(x);
      expect(Object.is(s.fun, h.f)).toBe(true);
      expect(Object.is(s.gradNorm, h.gradNorm)).toBe(true);
      expect(Object.is(s.step, h.step)).toBe(true);
      expect([s.nfev, s.ngev, s.nhvp]).toEqual([h.nfev, h.ngev, h.nhvp]);
      expect(s.done).toBe(i === steps.length - 1);
    }
    const last = steps[steps.length - 1];
    expect(last.message).toBe(ref.message);
    expect(last.converged).toBe(ref.converged);
    expect(last.x.toArray()).toEqual(ref.x.toArray());
    expect(last.fun).toBe(ref.fun);
  });

  test("result() after the last step is minimize's result (all but timings)", () => {
    const it = minimizeSteps(rosen.f, rosen.x0, { method: "lbfgs" });
    for (const _ of it);
    const a = it.result(), b = minimize(rosen.f, rosen.x0, { method: "lbfgs" });
    const strip = (r: typeof a) => ({ ...r, x: r.x.toArray(), history: r.history.map(({ time: _t, ...e }) => e) });
    expect(strip(a)).toEqual(strip(b));
  });

  test("for await yields the same steps", async () => {
    const sync = [...minimizeSteps(rosen.f, rosen.x0, { method: "newton" })].map((s) => [s.nit, s.fun, s.gradNorm]);
    const asyncSteps: number[][] = [];
    for await (const s of minimizeSteps(rosen.f, rosen.x0, { method: "newton" })) asyncSteps.push([s.nit, s.fun, s.gradNorm]);
    expect(asyncSteps).toEqual(sync);
  });

  test("a start point that already satisfies tol yields one step, done", () => {
    const steps = [...minimizeSteps((x) => x.square().sum(), [0, 0], { method: "gd", lr: 0.1 })];
    expect(steps).toHaveLength(1);
    expect(steps[0].done && steps[0].converged).toBe(true);
    expect(steps[0].message).toMatch(/at the start point/);
  });
});

describe("leaving early", () => {
  test("break ends the run: result() is the run so far, next() is then done", () => {
    const it = minimizeSteps(rosen.f, rosen.x0, { method: "bfgs" });
    let n = 0;
    for (const s of it) {
      if (s.nit === 3) break;
      n++;
    }
    expect(n).toBe(3);
    const r = it.result();
    expect(r.nit).toBe(3);
    expect(r.history).toHaveLength(4);
    expect(r.converged).toBe(false);
    expect(it.next().done).toBe(true);
    // the prefix matches minimize's run stopped at the same iteration
    const ref = minimize(rosen.f, rosen.x0, { method: "bfgs", maxIter: 3 });
    expect(r.x.toArray()).toEqual(ref.x.toArray());
  });

  test("return() before the first next() yields nothing", () => {
    const it = minimizeSteps(rosen.f, rosen.x0, { method: "newton" });
    expect(it.return()).toEqual({ done: true, value: undefined });
    expect(it.next().done).toBe(true);
    expect(it.result().nit).toBe(0);
  });

  test("async return() ends the run too", async () => {
    const it = minimizeSteps(rosen.f, rosen.x0, { method: adam({ lr: 0.01 }) });
    let last = -1;
    for await (const s of it) {
      last = s.nit;
      if (s.nit === 5) break;
    }
    expect(last).toBe(5);
    expect(it.next().done).toBe(true);
    expect(it.result().nit).toBe(5);
  });

  test("the callback still stops a stepped run", () => {
    const steps = [...minimizeSteps(rosen.f, rosen.x0, { method: "lbfgs", callback: (s) => s.nit >= 4 })];
    expect(steps.at(-1)!.nit).toBe(4);
    expect(steps.at(-1)!.message).toMatch(/stopped by the callback/);
  });
});

describe("bad input is rejected at the call, naming minimizeSteps", () => {
  const f = rosen.f;
  test.each<[string, () => unknown, RegExp]>([
    ["an unknown option", () => minimizeSteps(f, [0, 0], { lrr: 1 } as MinimizeOptions), /minimizeSteps.*lrr.*lr/],
    ["an unknown method", () => minimizeSteps(f, [0, 0], { method: "sgd" as never }), /minimizeSteps: unknown method "sgd"/],
    ["an option the method does not read", () => minimizeSteps(f, [0, 0], { method: "lbfgs", lr: 0.1 }), /minimizeSteps: option "lr" does not apply to method "lbfgs"/],
    ["a negative lr", () => minimizeSteps(f, [0, 0], { method: "gd", lr: -1 }), /minimizeSteps: lr must be a positive number/],
    ["a non-finite x0", () => minimizeSteps(f, [0, NaN]), /minimizeSteps: x0 has NaN at index 1/],
    ["f not a function", () => minimizeSteps(3 as never, [0, 0]), /minimizeSteps: f must be a function/],
  ])("%s", (_name, call, message) => {
    expect(call).toThrow(ArgumentError);
    expect(call).toThrow(message);
  });
});
