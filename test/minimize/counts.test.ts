// Count invariants: nfev equals the calls of f, ngev the gradient (reverse) sweeps, and nhvp the
// Hessian-vector products actually evaluated, all observed independently of minimize through
// an instrumented f. The instrument is a custom op y = x^2 whose VJP (2 x g) is itself a custom
// op: its VJP runs once per reverse sweep over the gradient graph, i.e. once per H v product
// (and n times per dense Hessian).
import { vals } from "../helpers.js";
import { expect, test } from "vitest";
import { minimize, problems, Tensor, METHOD_NAMES } from "../../src/index.js";
import { record } from "../../src/autodiff/tape.js";
import { tensorOf } from "../../src/tensor/tensor.js";

function instrumented() {
  const calls = { f: 0, grad: 0, hv: 0 };
  const twoXg = (x: Tensor, g: Tensor): Tensor => {
    const out = tensorOf(vals(x).map((v, i) => 2 * v * vals(g)[i]), x.shape);
    return record(out, "twoXg", [x, g], (c) => { calls.hv++; return [c.mul(g).mul(2), c.mul(x).mul(2)]; });
  };
  const sq = (x: Tensor): Tensor => {
    const out = tensorOf(vals(x).map((v) => v * v), x.shape);
    return record(out, "countedSquare", [x], (g) => { calls.grad++; return [twoXg(x, g)]; });
  };
  const rosen = problems.rosenbrock(4).f;
  // Rosenbrock plus 0.01 ||x||^2 (through the counted op).
  const f = (x: Tensor) => { calls.f++; return rosen(x).add(sq(x).sum().mul(0.01)); };
  return { f, calls };
}

test.each(METHOD_NAMES)("%s: nfev, ngev and nhvp match the instrumented calls", (method) => {
  const { f, calls } = instrumented();
  // jit: false: the instrumented ops read values, so a trace would fail and cost one extra call of f
  // (then run eagerly: the last test below); the counts are checked against eager calls here.
  const r = minimize(f, [-1.2, 1, -1.2, 1], { method, maxIter: method === "gd" || method === "adam" ? 300 : 1000, lr: method === "adam" ? 0.01 : undefined, jit: false });
  expect(r.nfev).toBe(calls.f);
  expect(r.ngev).toBe(calls.grad);
  expect(r.nhvp + 4 * r.nhev).toBe(calls.hv);
  if (method === "newton-cg" || method === "trust-ncg") expect(r.nhvp).toBeGreaterThan(0);
  else expect(r.nhvp).toBe(0);
  if (method === "newton") expect(r.nhev).toBe(r.nit + 1);
  // history is cumulative and ends at the totals
  const last = r.history[r.history.length - 1];
  expect([last.nfev, last.ngev, last.nhvp]).toEqual([r.nfev, r.ngev, r.nhvp]);
  for (let k = 1; k < r.history.length; k++) {
    expect(r.history[k].nfev).toBeGreaterThanOrEqual(r.history[k - 1].nfev);
    expect(r.history[k].time).toBeGreaterThanOrEqual(r.history[k - 1].time);
  }
});

test("the start point costs one evaluation of f and its gradient (newton-cg and trust-ncg keep its graph for H v)", () => {
  for (const method of ["lbfgs", "newton-cg", "trust-ncg", "gd"] as const) {
    const { f, calls } = instrumented();
    const r = minimize(f, [1, 1, 1, 1], { method, tol: 1, jit: false }); // already below tol at x0
    expect([r.nit, r.nfev, r.ngev, r.nhvp, calls.f]).toEqual([0, 1, 1, 0, 1]);
    expect(r.converged).toBe(true);
  }
});

test("an f that cannot be traced runs eagerly, with the reason in result.jit, and the same counts", () => {
  const { f } = instrumented();
  const eager = minimize(f, [-1.2, 1, -1.2, 1], { method: "newton-cg", jit: false });
  const r = minimize(instrumented().f, [-1.2, 1, -1.2, 1], { method: "newton-cg" });
  expect(r.jit.compiled).toBe(false);
  expect(r.jit.reason).toMatch(/reads a value computed from the traced inputs/);
  expect([r.nit, r.nfev, r.ngev, r.nhvp]).toEqual([eager.nit, eager.nfev, eager.ngev, eager.nhvp]);
  expect(Array.from(r.x.dataSync())).toEqual(Array.from(eager.x.dataSync()));
});
