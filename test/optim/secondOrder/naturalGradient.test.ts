/**
 * naturalGradient: the damped Gauss-Newton step of a least-squares loss ½‖r(p)‖²,
 *   (JᵀJ + λ I) δ = −Jᵀ r,  u = α δ with α halved until Armijo's decrease.
 */
import { describe, expect, it } from "vitest";
import { ArgumentError, concat, Rng, tensor, type Tensor, type Tree } from "../../../src/index.js";
import * as nn from "../../../src/nn/index.js";
import { fit, saveCheckpoint } from "../../../src/train/index.js";
import { naturalGradient, optimizer, type NaturalGradientState } from "../../../src/index.js";
import { vals } from "../../helpers.js";
import { residualJacobian } from "../../../src/optim/secondOrder/residualJacobian.js";

const f64 = { dtype: "float64" as const };

/** Solves M x = b densely (Gaussian elimination with partial pivoting). */
function solve(M: number[][], b: number[]): number[] {
  const n = b.length, A = M.map((r, i) => [...r, b[i]]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i][k]) > Math.abs(A[p][k])) p = i;
    [A[k], A[p]] = [A[p], A[k]];
    for (let i = k + 1; i < n; i++) { const f = A[i][k] / A[k][k]; for (let j = k; j <= n; j++) A[i][j] -= f * A[k][j]; }
  }
  const x = new Array(n).fill(0);
  for (let i = n - 1; i >= 0; i--) { let s = A[i][n]; for (let j = i + 1; j < n; j++) s -= A[i][j] * x[j]; x[i] = s / A[i][i]; }
  return x;
}

describe("naturalGradient", () => {
  it("on a linear model one undamped step is the least-squares solution (AᵀA)⁻¹ Aᵀ b", () => {
    const rng = new Rng(1);
    const A = Array.from({ length: 7 }, () => Array.from({ length: 3 }, () => rng.normal()));
    const b = Array.from({ length: 7 }, () => rng.normal());
    const At = tensor(A, f64), bt = tensor(b, f64);
    const residuals = (p: Tree) => At.matmul(p as Tensor).sub(bt);
    const x = tensor([0.5, -1, 2], f64);
    const opt = optimizer(naturalGradient({ damping: 0 }), x);
    opt.step(x, { residuals }); // the incoming gradient is not used
    const AtA = [0, 1, 2].map((i) => [0, 1, 2].map((j) => A.reduce((s, r) => s + r[i] * r[j], 0)));
    const Atb = [0, 1, 2].map((i) => A.reduce((s, r, k) => s + r[i] * b[k], 0));
    expect(x).toBeAllclose(solve(AtA, Atb), { atol: 1e-12, rtol: 1e-12 });
    expect((opt.state as NaturalGradientState).lastStep).toBe(1);
  });

  it("a damped step on a nonlinear model is −(JᵀJ + λI)⁻¹ Jᵀ r with J by hand (exponential fit r_i = a e^(c t_i) − y_i)", () => {
    const t = [0, 0.5, 1, 1.5, 2], y = [1.1, 1.9, 3.2, 5.1, 8.3];
    const residuals = (p: Tree) => { const [a, c] = [(p as Tensor).slice([0], [1]), (p as Tensor).slice([1], [1])]; return tensor(t, f64).mul(c).exp().mul(a).sub(tensor(y, f64)); };
    const a = 0.8, c = 0.9, lam = 0.3;
    const r = t.map((ti, i) => a * Math.exp(c * ti) - y[i]);
    const J = t.map((ti) => [Math.exp(c * ti), a * ti * Math.exp(c * ti)]);
    const M = [0, 1].map((i) => [0, 1].map((j) => J.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? lam : 0)));
    const g = [0, 1].map((i) => J.reduce((s, row, k) => s + row[i] * r[k], 0));
    const delta = solve(M, g).map((v) => -v);
    const tx = naturalGradient({ damping: lam, lineSearch: false });
    const p = tensor([a, c], f64);
    const res = tx.update(p, tx.init(p), p, { residuals });
    expect(res.updates).toBeAllclose(delta, { atol: 1e-12, rtol: 1e-10 });
  });

  it("the line search halves an overshooting step until ½‖r‖² decreases (Armijo)", () => {
    // r(p) = p³ − 1 from p = 0.1: the Gauss-Newton step −r/J = 0.999/0.03 ≈ 33 overshoots
    const residuals = (p: Tree) => (p as Tensor).pow(3).sub(1);
    const tx = naturalGradient({ damping: 0 });
    const p = tensor([0.1], f64);
    const r = tx.update(p, tx.init(p), p, { residuals });
    const alpha = r.state.lastStep;
    expect(alpha).toBeLessThan(1);
    expect(Math.log2(1 / alpha) % 1).toBe(0); // a power of one half
    const full = 0.999 / 0.03;
    expect(vals(r.updates as Tensor)[0]).toBeCloseTo(alpha * full, 10);
    const after = 0.1 + vals(r.updates as Tensor)[0];
    expect((after ** 3 - 1) ** 2).toBeLessThan((0.1 ** 3 - 1) ** 2);
  });

  it("fit (loss mse) trains a small regression MLP to near zero loss in a few steps, and resumes bit-exactly", async () => {
    const rng = new Rng(2);
    const xs = Array.from({ length: 40 }, (_, i) => [-2 + (4 * i) / 39]);
    const x = tensor(xs, f64), y = tensor(xs.map(([v]) => [Math.sin(1.5 * v) + 0.01 * rng.normal()]), f64);
    const make = (seed: number) => { const r = new Rng(seed); return nn.sequential([nn.linear(1, 8, { rng: r, dtype: "float64" }), nn.tanh(), nn.linear(8, 1, { rng: r, dtype: "float64" })]); };
    const model = make(1);
    const h = (await fit(model, { x, y }, { progress: "none", optimizer: naturalGradient({ damping: 1e-4 }), loss: "mse", steps: 40, batchSize: 40 })).history.steps.loss;
    expect(h[h.length - 1]).toBeLessThan(2e-3);
    expect(h[h.length - 1]).toBeLessThan(0.01 * h[0]);
    const opts = { progress: "none" as const, loss: "mse" as const, batchSize: 10, seed: 4 };
    const straight = make(3);
    await fit(straight, { x, y }, { ...opts, optimizer: naturalGradient(), steps: 9 });
    const first = make(3);
    const r1 = await fit(first, { x, y }, { ...opts, optimizer: naturalGradient(), steps: 5 });
    const fresh = make(9);
    await fit(fresh, { x, y }, { ...opts, optimizer: naturalGradient(), steps: 4, resume: saveCheckpoint(first, r1) });
    const flat = (p: unknown) => (p as Array<Record<string, Tensor>>).flatMap((l) => Object.keys(l).sort().flatMap((k) => Array.from(vals(l[k]))));
    expect(flat(fresh.params)).toEqual(flat(straight.params));
  });

  it("names what is missing and refuses models that are too large", () => {
    const tx = naturalGradient();
    const p = tensor([1, 2], f64);
    expect(() => tx.update(p, tx.init(p), p, { loss: (q) => (q as Tensor).sum() })).toThrow(/naturalGradient: update needs extra\.residuals/);
    const big = naturalGradient({ maxParams: 1 });
    expect(() => big.update(p, big.init(p), p, { residuals: (q) => q as Tensor })).toThrow(/2 parameters, more than maxParams = 1/);
    expect(() => naturalGradient({ damping: -1 })).toThrow(ArgumentError);
  });
});

describe("naturalGradient: the Jacobian, the pseudo-inverse solve and the grid line search (ENGD)", () => {
  // r(p) for a tree with three leaves, one of which r ignores (its columns are zero)
  const t = [0.1, 0.4, 0.7, 1.0, 1.3];
  const residualsOf = (p: Tree) => {
    const q = p as { a: Tensor; w: Tensor; unused: Tensor };
    const ts = tensor(t, f64).reshape([5, 1]);
    return ts.matmul(q.w).tanh().matmul(q.a).reshape([5]).sub(tensor([0.3, -0.2, 0.5, 0.1, 0.4], f64)).mul(ts.reshape([5]).add(1));
  };
  const point = () => ({ a: tensor([[0.7], [-1.2], [0.4]], f64), w: tensor([[0.9, -0.5, 1.7]], f64), unused: tensor([3, 4], f64) });
  const flat = (p: Tree) => (["a", "unused", "w"] as const).flatMap((k) => Array.from(vals((p as Record<string, Tensor>)[k])));
  const unflat = (v: number[]) => ({ a: tensor([[v[0]], [v[1]], [v[2]]], f64), unused: tensor([v[3], v[4]], f64), w: tensor([[v[5], v[6], v[7]]], f64) });

  it("J by rows (reverse passes) and by columns (forward-mode passes) agree with central differences", () => {
    const p = point(), x0 = flat(p), h = 1e-6;
    const fd = x0.map((_, j) => {
      const up = [...x0], dn = [...x0];
      up[j] += h; dn[j] -= h;
      const a = vals(residualsOf(unflat(up))), b = vals(residualsOf(unflat(dn)));
      return Array.from(a, (v, i) => (v - b[i]) / (2 * h));
    });
    for (const mode of ["rows", "columns", "auto"] as const) {
      const { J, m, n, r } = residualJacobian(residualsOf, p, mode, "test");
      expect([m, n]).toEqual([5, 8]);
      expect(Array.from(r)).toEqual(Array.from(vals(residualsOf(p))));
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(J[i * n + j]).toBeCloseTo(fd[j][i], 8);
      for (let i = 0; i < m; i++) expect([J[i * n + 3], J[i * n + 4]]).toEqual([0, 0]);
    }
  });

  it("extra.residualJacobian replaces autodiff's (same step), and a wrong shape is an error naming it", () => {
    const p = point();
    const tx = naturalGradient({ damping: 0.1, lineSearch: false });
    const auto = tx.update(p, tx.init(p), p, { residuals: residualsOf });
    const { J } = residualJacobian(residualsOf, p, "rows", "test");
    let calls = 0;
    const given = tx.update(p, tx.init(p), p, { residuals: residualsOf, residualJacobian: () => { calls++; return tensor(Array.from(J), f64).reshape([5, 8]); } });
    expect(calls).toBe(1);
    for (const [a, b] of flat(given.updates).map((v, i) => [v, flat(auto.updates)[i]])) expect(a).toBeCloseTo(b, 12);
    expect(() => tx.update(p, tx.init(p), p, { residuals: residualsOf, residualJacobian: () => tensor(Array.from(J).slice(0, 32), f64).reshape([4, 8]) })).toThrow(/naturalGradient: extra\.residualJacobian must return \[5, 8\].*got \[4, 8\]/);
  });

  it('solver "pinv" on a rank-deficient linear model: one undamped step is the least-squares solution nearest the start (Cholesky has to damp it)', () => {
    const rng = new Rng(5);
    const a = Array.from({ length: 7 }, () => rng.normal()), c = Array.from({ length: 7 }, () => rng.normal());
    const b = Array.from({ length: 7 }, () => rng.normal());
    const A = a.map((ai, i) => [ai, ai, c[i]]); // columns 0 and 1 equal: JᵀJ is singular
    const At = tensor(A, f64), bt = tensor(b, f64);
    const residuals = (p: Tree) => At.matmul(p as Tensor).sub(bt);
    // least squares in (s, t) on [a, c], then split s over the equal columns; the start's
    // null-space component (x0 · (1, −1, 0)/√2) stays
    const [s, tt] = solve([[a.reduce((z, v) => z + v * v, 0), a.reduce((z, v, i) => z + v * c[i], 0)], [a.reduce((z, v, i) => z + v * c[i], 0), c.reduce((z, v) => z + v * v, 0)]], [a.reduce((z, v, i) => z + v * b[i], 0), c.reduce((z, v, i) => z + v * b[i], 0)]);
    const x0 = [0.5, -1, 2], d = (x0[0] - x0[1]) / 2;
    const x = tensor(x0, f64);
    optimizer(naturalGradient({ damping: 0, solver: "pinv" }), x).step(x, { residuals });
    expect(x).toBeAllclose([s / 2 + d, s / 2 - d, tt], { atol: 1e-10, rtol: 1e-10 });
  });

  it('lineSearch "grid" takes the step of least ½‖r‖² among lr·2⁻ᵏ, k < gridSize (none if all are worse)', () => {
    const residuals = (p: Tree) => (p as Tensor).pow(3).sub(1);
    const full = 0.999 / 0.03; // the Gauss-Newton step of r = p³ − 1 at p = 0.1
    for (const [lr, gridSize] of [[1, 31], [2, 31], [0.3, 4]]) {
      const tx = naturalGradient({ damping: 0, lineSearch: "grid", lr, gridSize });
      const p = tensor([0.1], f64);
      const { state } = tx.update(p, tx.init(p), p, { residuals });
      const grid = Array.from({ length: gridSize }, (_, k) => lr * 2 ** -k);
      const f = (alpha: number) => ((0.1 + alpha * full) ** 3 - 1) ** 2;
      const best = grid.reduce((u, v) => (f(v) < f(u) ? v : u));
      expect(state.lastStep).toBe(f(best) < f(0) ? best : 0); // [0.3, 4]: every trial overshoots
    }
    // nothing on the grid decreases ½‖r‖² (at a minimum): no step
    const tx = naturalGradient({ damping: 0, lineSearch: "grid" });
    const p = tensor([1], f64);
    expect(tx.update(p, tx.init(p), p, { residuals }).state.lastStep).toBe(0);
  });

  it('rcondTries: when the grid only finds a tiny step, the cutoff 100x higher drops the weak direction that spoilt it', () => {
    // r = [p0 − 1, 1e-7 (p1 + 1) + 10 p1²] at (1 + 1e-4, 0): JᵀJ = diag(1, 1e-14) keeps the weak direction
    // (cutoff 2·2⁻⁵² relative), whose Gauss-Newton step p1 → −1 makes r1 = 10: only steps near 2⁻¹³ help
    const residuals = (p: Tree) => { const q = p as Tensor; const p0 = q.slice([0], [1]), p1 = q.slice([1], [1]); return concat([p0.sub(1), p1.add(1).mul(1e-7).add(p1.square().mul(10))], 0); };
    const o = { damping: 0, solver: "pinv", lineSearch: "grid", lr: 1 } as const;
    const start = () => tensor([1 + 1e-4, 0], f64);
    const one = naturalGradient(o), p1 = start();
    const a = one.update(p1, one.init(p1), p1, { residuals });
    expect(a.state.lastStep).toBeLessThan(2 ** -10);
    const two = naturalGradient({ ...o, rcondTries: 2 }), p2 = start();
    const b = two.update(p2, two.init(p2), p2, { residuals });
    expect(b.state.lastStep).toBe(1);
    expect(b.updates).toBeAllclose([-1e-4, 0], { atol: 1e-15 });
  });

  it("bad options are errors naming them", () => {
    expect(() => naturalGradient({ solver: "qr" as never })).toThrow(/naturalGradient: solver must be "cholesky" or "pinv", got "qr"/);
    expect(() => naturalGradient({ lineSearch: "wolfe" as never })).toThrow(/naturalGradient: lineSearch must be true, false, "armijo" or "grid", got "wolfe"/);
    expect(() => naturalGradient({ jacobian: "forward" as never })).toThrow(/naturalGradient: jacobian must be "auto", "rows" or "columns"/);
    expect(() => naturalGradient({ gridSize: 0 })).toThrow(ArgumentError);
    expect(() => naturalGradient({ rcond: -1 })).toThrow(ArgumentError);
    expect(() => naturalGradient({ rcondTries: 0 })).toThrow(/naturalGradient: rcondTries/);
  });
});
