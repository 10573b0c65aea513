/**
 * Sophia (Liuhong99/Sophia sophia.py):
 *   h ← b2 h + (1 − b2) ĥ every k steps;  p ← p (1 − lr wd);  m ← b1 m + (1 − b1) g;
 *   p ← p − lr sign(m) min(|m| / (max(rho h, 0) + eps), 1)
 * with ĥ = u ⊙ H u (Hutchinson) or B ĝ ⊙ ĝ on labels sampled from the model (GNB).
 */
import { describe, expect, it } from "vitest";
import { ArgumentError, Rng, grad, tensor, type Tensor, type Tree } from "../../../src/index.js";
import { optimizer, sophia, type SophiaState } from "../../../src/index.js";
import { gaussNewtonBartlettDiagonal, hutchinsonDiagonal } from "../../../src/optim/secondOrder/sophia.js";
import { vals } from "../../helpers.js";

const f64 = (xs: number[] | number[][]) => tensor(xs, { dtype: "float64" });
const flat = (t: Tree) => Array.from(vals(t as Tensor));

describe("sophia", () => {
  it("the clipped step on hand-computed values", () => {
    // lr 0.1, b1 0.5, rho 0.5, wd 0.2, eps 1e-15; state m = (1, −1, 0.2, 0, 0.5), h = (8, 6, 0, −3, 1),
    // g = (1, −1, 0.2, 0.4, −0.5), p = (1, 2, −1, 0.5, 3)
    const tx = sophia({ lr: 0.1, b1: 0.5, rho: 0.5, weightDecay: 0.2, estimator: "hutchinson" });
    const p = f64([1, 2, -1, 0.5, 3]);
    const state: SophiaState = { ...tx.init(p), mu: f64([1, -1, 0.2, 0, 0.5]), hessian: f64([8, 6, 0, -3, 1]) };
    const g = f64([1, -1, 0.2, 0.4, -0.5]);
    // m' = (1, −1, 0.2, 0.2, 0); denominators max(0.5 h, 0) + eps = (4, 3, eps, eps, 0.5)
    // ratio = (0.25, 1/3, 1 (clipped), 1 (clipped), 0);  sign(m') = (1, −1, 1, 1, 0)
    // u = −0.1·0.2·p − 0.1·sign·ratio
    const r = tx.update(g, state, p);
    const want = [
      -0.02 * 1 - 0.1 * 0.25,
      -0.02 * 2 + 0.1 / 3,
      -0.02 * -1 - 0.1,
      -0.02 * 0.5 - 0.1,
      -0.02 * 3 - 0,
    ];
    expect(r.updates).toBeAllclose(want, { atol: 1e-15, rtol: 1e-14 });
    expect(r.state.mu).toBeAllclose([1, -1, 0.2, 0.2, 0], { atol: 0 });
    // not a refresh step (t = 1): h unchanged, no estimator needed
    expect(r.state.hessian).toBeAllclose([8, 6, 0, -3, 1], { atol: 0 });
  });

  it("Hutchinson: the mean of u ⊙ (H u) over probes approaches diag(H) on a quadratic", () => {
    // L(x) = ½ xᵀ A x, H = A (dense, not diagonal)
    const A = [[4, 1, -2, 0.5], [1, 3, 0.5, -1], [-2, 0.5, 5, 1], [0.5, -1, 1, 2]];
    const At = f64(A);
    const loss = (x: Tree) => (x as Tensor).matmul(At).mul(x as Tensor).sum().mul(0.5);
    const x = f64([0.3, -1, 2, 0.1]);
    const rng = new Rng(5);
    const N = 4000, mean = [0, 0, 0, 0];
    for (let s = 0; s < N; s++) flat(hutchinsonDiagonal({ loss }, x, rng)).forEach((v, i) => (mean[i] += v / N));
    // each estimate is A_ii + Σ_{j≠i} A_ij u_i u_j: standard error √(Σ_{j≠i} A_ij²/N) ≤ 0.04 here
    expect(mean).toBeAllclose([4, 3, 5, 2], { atol: 0.15, rtol: 0 });
    // one probe is exact when H is diagonal (u_i² = 1)
    const D = f64([[2, 0], [0, 7]]);
    const q = (x: Tree) => (x as Tensor).matmul(D).mul(x as Tensor).sum().mul(0.5);
    expect(hutchinsonDiagonal({ loss: q }, f64([1, 1]), new Rng(1))).toBeAllclose([2, 7], { atol: 1e-14 });
  });

  it("the Hessian EMA is refreshed at steps k + 1, 2k + 1, ... (exact on a diagonal quadratic)", () => {
    const D = f64([[2, 0], [0, 7]]);
    const loss = (x: Tree) => (x as Tensor).matmul(D).mul(x as Tensor).sum().mul(0.5);
    const x = f64([1, -1]);
    const opt = optimizer(sophia({ lr: 0.01, k: 3, b2: 0.9, estimator: "hutchinson" }), x);
    const hs: number[][] = [];
    for (let t = 1; t <= 7; t++) {
      opt.step(grad(loss)(x), { loss });
      hs.push(flat((opt.state as SophiaState).hessian));
    }
    const d = [2, 7], e1 = d.map((v) => 0.1 * v), e2 = d.map((v, i) => 0.9 * e1[i] + 0.1 * v);
    expect(hs).toEqual([[0, 0], [0, 0], [0, 0], e1, e1, e1, e2].map((h) => h.map((v) => expect.closeTo(v, 14))));
  });

  it("GNB: the mean of B ĝ ⊙ ĝ on sampled labels approaches the Gauss-Newton diagonal (1/B) Σ_b x_bi² s_bc (1 − s_bc) of a softmax regression", () => {
    const X = f64([[1, 0.5, -1], [0.2, -0.3, 2], [-1, 1, 0.5], [0.5, 0.5, 0.5]]);
    const W = f64([[0.3, -0.2], [0.1, 0.4], [-0.5, 0.2]]);
    const outputs = (p: Tree) => X.matmul(p as Tensor);
    const z = X.matmul(W).dataSync(), x = X.dataSync();
    const want: number[] = [];
    for (let i = 0; i < 3; i++) for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let b = 0; b < 4; b++) {
        const e0 = Math.exp(z[b * 2]), e1 = Math.exp(z[b * 2 + 1]);
        const sc = (c === 0 ? e0 : e1) / (e0 + e1);
        s += (x[b * 3 + i] ** 2 * sc * (1 - sc)) / 4;
      }
      want.push(s);
    }
    const rng = new Rng(9);
    const N = 6000, mean = new Array(6).fill(0);
    for (let s = 0; s < N; s++) flat(gaussNewtonBartlettDiagonal({ outputs }, W, rng)).forEach((v, i) => (mean[i] += v / N));
    expect(mean).toBeAllclose(want, { atol: 0.03, rtol: 0.08 });
  });

  it("converges: on an ill-conditioned quadratic (Hutchinson) and a softmax regression (GNB)", () => {
    const D = f64([[100, 0], [0, 1]]);
    const loss = (x: Tree) => (x as Tensor).matmul(D).mul(x as Tensor).sum().mul(0.5);
    const x = f64([1, 1]);
    const opt = optimizer(sophia({ lr: 0.05, rho: 1, weightDecay: 0, k: 1, estimator: "hutchinson" }), x);
    for (let i = 0; i < 400; i++) opt.step(grad(loss)(x), { loss });
    expect(loss(x).item()).toBeLessThan(1e-4);

    const rng = new Rng(3);
    const n = 60, X = f64(Array.from({ length: n }, (_, b) => [rng.normal() + (b % 2 ? 2 : -2), rng.normal(), 1]));
    const y = Array.from({ length: n }, (_, b) => b % 2);
    const onehot = f64(y.map((c) => [c === 0 ? 1 : 0, c === 1 ? 1 : 0]));
    const outputs = (p: Tree) => X.matmul(p as Tensor);
    const ce = (p: Tree) => outputs(p).logSoftmax(-1).mul(onehot).sum().neg().div(n);
    const w = f64([[0, 0], [0, 0], [0, 0]]);
    const o2 = optimizer(sophia({ lr: 0.05, rho: 0.05, weightDecay: 0, k: 2 }), w);
    const start = ce(w).item();
    for (let i = 0; i < 300; i++) o2.step(grad(ce)(w), { loss: ce, outputs });
    expect(ce(w).item()).toBeLessThan(0.2 * start);
  });

  it("names the missing extra and bad options", () => {
    const x = f64([1, 2]);
    const tx = sophia({ k: 1 });
    let s = tx.init(x);
    s = tx.update(f64([1, 1]), s, x).state; // step 1 needs no estimate
    expect(() => tx.update(f64([1, 1]), s, x)).toThrow(/sophia: update needs extra\.outputs/);
    const th = sophia({ k: 1, estimator: "hutchinson" });
    expect(() => th.update(f64([1, 1]), th.update(f64([1, 1]), th.init(x), x).state, x, {})).toThrow(/sophia: update needs extra\.hvp \(or extra\.loss\)/);
    expect(() => sophia({ estimator: "exact" as never })).toThrow(/estimator/);
    expect(() => sophia({ k: 0 })).toThrow(/k must be a positive integer/);
    expect(() => sophia({ b2: 1 })).toThrow(/b2/);
    expect(() => sophia({ eps: 0 })).toThrow(/eps/);
    expect(() => sophia({ betas: [0.9, 0.99] } as never)).toThrow(ArgumentError);
  });
});
