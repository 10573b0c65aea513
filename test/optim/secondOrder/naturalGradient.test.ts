/**
 * naturalGradient: the damped Gauss-Newton step of a least-squares loss ½‖r(p)‖²,
 *   (JᵀJ + λ I) δ = −Jᵀ r,  u = α δ with α halved until Armijo's decrease.
 */
import { describe, expect, it } from "vitest";
import { ArgumentError, Rng, tensor, type Tensor, type Tree } from "../../../src/index.js";
import * as nn from "../../../src/nn/index.js";
import { fit, saveCheckpoint } from "../../../src/train/index.js";
import { naturalGradient, optimizer, type NaturalGradientState } from "../../../src/index.js";
import { vals } from "../../helpers.js";

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
