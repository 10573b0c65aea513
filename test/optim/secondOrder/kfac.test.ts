/**
 * K-FAC (kfac-jax): per linear layer F ≈ A ⊗ G, A = E[ā āᵀ] (ā = [a, 1]), G = E[g gᵀ] with g the
 * gradient of −log p(ŷ | x) on sampled labels with respect to the layer's outputs; weighted moving
 * averages (decay 0.95); every 5 steps (A + π√λ I)⁻¹, (G + √λ/π I)⁻¹; step −lr Ā⁻¹ [∇W; ∇b] Ḡ⁻¹.
 */
import { describe, expect, it } from "vitest";
import { ArgumentError, Rng, tensor, valueAndGrad, type Tensor, type Tree } from "../../../src/index.js";
import * as nn from "../../../src/nn/index.js";
import { adam, kfac, type ExtraArgs, type KfacState } from "../../../src/index.js";
import type { LinearCapture } from "../../../src/nn/index.js";
import { vals } from "../../helpers.js";

const f64 = { dtype: "float64" as const };
const arr = (t: Tensor) => Array.from(vals(t));
const grid = (flat: ArrayLike<number>, m: number, n: number) => Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => flat[i * n + j]));

function data(n: number, d: number, seed: number) {
  const rng = new Rng(seed);
  return tensor(Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal())), f64);
}

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
const kron = (A: number[][], B: number[][]) => A.flatMap((ra) => B.map((rb) => ra.flatMap((a) => rb.map((b) => a * b))));
/** (1/N) Σ_r x_r x_rᵀ over the rows of x (N x d, flat), with a column of ones appended when `ones`. */
function second(x: ArrayLike<number>, n: number, d: number, ones = false): number[][] {
  const D = d + (ones ? 1 : 0);
  const m = Array.from({ length: D }, () => new Array(D).fill(0));
  for (let r = 0; r < n; r++) {
    const row = Array.from({ length: D }, (_, i) => (i < d ? x[r * d + i] : 1));
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) m[i][j] += (row[i] * row[j]) / n;
  }
  return m;
}
const addEye = (m: number[][], s: number) => m.map((r, i) => r.map((v, j) => v + (i === j ? s : 0)));
const avgDiag = (m: number[][]) => m.reduce((s, r, i) => s + r[i], 0) / m.length;

describe("nn.captureLinear", () => {
  it("gives each linear layer's inputs and ∂loss/∂s of its outputs s = a W + b (checked analytically on a tanh MLP)", () => {
    const rng = new Rng(1);
    const model = nn.sequential([nn.linear(3, 4, { rng, dtype: "float64" }), nn.tanh(), nn.linear(4, 2, { rng, dtype: "float64" })]);
    const X = data(5, 3, 2);
    const labels = [0, 1, 1, 0, 1];
    const onehot = tensor(labels.map((c) => [c === 0 ? 1 : 0, c === 1 ? 1 : 0]), f64);
    const lossOf = (out: Tensor) => out.logSoftmax(-1).mul(onehot).sum().neg();
    const caps = nn.captureLinear(model, X)(model.params, lossOf);
    expect(caps.map((c) => c.path)).toEqual(["0", "2"]);
    const [p0, , p2] = model.params as unknown as Array<{ w: Tensor; b: Tensor }>;
    const s1 = X.matmul(p0.w).add(p0.b), h = s1.tanh(), z = h.matmul(p2.w).add(p2.b);
    expect(caps[0].inputs).toBeAllclose(arr(X), { atol: 0 });
    expect(caps[1].inputs).toBeAllclose(arr(h), { atol: 1e-15 });
    // last layer: softmax(z) − onehot; first layer: (dz W2ᵀ) ⊙ (1 − tanh²)
    const dz = z.softmax(-1).sub(onehot);
    expect(caps[1].outputGrads).toBeAllclose(arr(dz), { atol: 1e-14 });
    expect(caps[0].outputGrads).toBeAllclose(arr(dz.matmul(p2.w.transpose()).mul(h.square().neg().add(1))), { atol: 1e-14 });
  });
});

describe("kfac", () => {
  /** A one-layer softmax regression (bias included) and a capture function that records what it returned. */
  function setup(rows = 6, seed = 3) {
    const model = nn.linear(3, 2, { seed, dtype: "float64" });
    const X = data(rows, 3, seed + 1);
    const recorded: LinearCapture[][] = [];
    const inner = nn.captureLinear(model, X);
    const extra: ExtraArgs = { captureLinear: (p, lossOf) => { const c = inner(p, lossOf); recorded.push(c); return c; } };
    return { model, X, extra, recorded };
  }
  /** −lr (Ā ⊗ Ḡ)⁻¹ vec([∇W; ∇b]) densely, with the π-adjusted damping of factors A, G. */
  function denseStep(A: number[][], G: number[][], grad: number[], lr: number, damping: number): number[] {
    const pi = Math.sqrt(avgDiag(A) / avgDiag(G)), s = Math.sqrt(damping);
    const M = kron(addEye(A, pi * s), addEye(G, s / pi)); // rows of the [in + 1, out] gradient major: vec index i·out + j
    return solve(M, grad).map((v) => -lr * v);
  }

  it("factors are E[ā āᵀ] and E[g gᵀ] of the captures; the step is −lr (Ā ⊗ Ḡ)⁻¹ vec(∇) built densely", () => {
    const { model, extra, recorded } = setup();
    const tx = kfac({ lr: 0.5, damping: 1e-2 });
    const rng = new Rng(8);
    const gw = tensor(Array.from({ length: 3 }, () => [rng.normal(), rng.normal()]), f64), gb = tensor([rng.normal(), rng.normal()], f64);
    const r = tx.update({ w: gw, b: gb }, tx.init(model.params), model.params, extra);
    const [c] = recorded[0];
    const A = second(vals(c.inputs), 6, 3, true), G = second(vals(c.outputGrads), 6, 2);
    const st = r.state.layers[0];
    expect(st.a).toBeAllclose(A.flat(), { atol: 1e-15 });
    expect(st.g).toBeAllclose(G.flat(), { atol: 1e-15 });
    const want = denseStep(A, G, [...arr(gw), ...arr(gb)], 0.5, 1e-2);
    const u = r.updates as { w: Tensor; b: Tensor };
    expect([...arr(u.w), ...arr(u.b)]).toBeAllclose(want, { atol: 1e-12, rtol: 1e-10 });
  });

  it("output gradients come from labels sampled from the model: softmax(s) − g is one-hot per row, labels ~ softmax", () => {
    const { model, X, extra, recorded } = setup(400, 5);
    const tx = kfac();
    const p = model.params as { w: Tensor; b: Tensor };
    tx.update({ w: p.w.mul(0), b: p.b.mul(0) }, tx.init(p), p, extra);
    const probs = X.matmul(p.w).add(p.b).softmax(-1);
    const oh = grid(vals(probs.sub(recorded[0][0].outputGrads)), 400, 2);
    let ones = 0;
    for (const row of oh) {
      expect(row.map((v) => Math.round(v * 1e9) / 1e9 + 0).sort()).toEqual([0, 1]);
      ones += row[1];
    }
    // the frequency of label 1 matches the mean predicted probability (binomial, 400 rows: sd <= 0.025)
    const mean = grid(vals(probs), 400, 2).reduce((s, r) => s + r[1], 0) / 400;
    expect(Math.abs(ones / 400 - mean)).toBeLessThan(0.1);
  });

  it("factors are weighted moving averages (decay 0.95); inverses are recomputed every inverseUpdatePeriod steps", () => {
    const { model, extra, recorded } = setup(8, 7);
    const tx = kfac({ lr: 0.1, damping: 1e-2, inverseUpdatePeriod: 3 });
    const p = model.params as { w: Tensor; b: Tensor };
    let state: KfacState = tx.init(p);
    const rng = new Rng(9);
    const stats: Array<[number[][], number[][]]> = [];
    for (let t = 0; t < 5; t++) {
      const g = { w: tensor(Array.from({ length: 3 }, () => [rng.normal(), rng.normal()]), f64), b: tensor([rng.normal(), rng.normal()], f64) };
      const r = tx.update(g, state, p, extra);
      state = r.state;
      const [c] = recorded[t];
      stats.push([second(vals(c.inputs), 8, 3, true), second(vals(c.outputGrads), 8, 2)]);
      const w = stats.map((_, s) => Math.pow(0.95, t - s)), W = w.reduce((a, b) => a + b, 0);
      const avg = (k: 0 | 1) => stats[0][k].map((row, i) => row.map((_, j) => stats.reduce((acc, st, s) => acc + (w[s] * st[k][i][j]) / W, 0)));
      expect(state.layers[0].a).toBeAllclose(avg(0).flat(), { atol: 1e-14 });
      expect(state.layers[0].g).toBeAllclose(avg(1).flat(), { atol: 1e-14 });
      // the step uses the factors as of the last recomputation (steps 0 and 3)
      const at = t < 3 ? 0 : 3;
      const Wat = stats.slice(0, at + 1).map((_, s) => Math.pow(0.95, at - s)), Sat = Wat.reduce((a, b) => a + b, 0);
      const fa = (k: 0 | 1) => stats[0][k].map((row, i) => row.map((_, j) => stats.slice(0, at + 1).reduce((acc, st, s) => acc + (Wat[s] * st[k][i][j]) / Sat, 0)));
      const want = denseStep(fa(0), fa(1), [...arr(g.w), ...arr(g.b)], 0.1, 1e-2);
      const u = r.updates as { w: Tensor; b: Tensor };
      expect([...arr(u.w), ...arr(u.b)]).toBeAllclose(want, { atol: 1e-12, rtol: 1e-9 });
    }
  });

  it("parameters outside linear layers (batch-norm) get the fallback transform, exactly", () => {
    const rng = new Rng(4);
    const model = nn.sequential([nn.linear(3, 4, { rng, dtype: "float64" }), nn.batchNorm(4, { dtype: "float64" }), nn.tanh(), nn.linear(4, 2, { rng, dtype: "float64" })]);
    const X = data(10, 3, 5);
    const y = tensor([0, 1, 1, 0, 1, 0, 0, 1, 1, 1], f64);
    const loss = (p: Tree) => nn.crossEntropy(model.forward(p as never, model.state, X, { training: true, rng: null, path: "" }).y, y);
    const { grad } = valueAndGrad(loss)(model.params);
    const tx = kfac({ lr: 0.1, fallback: adam({ lr: 0.01 }) });
    const r = tx.update(grad, tx.init(model.params), model.params, { captureLinear: nn.captureLinear(model, X, { training: true }) });
    const bn = (grad as unknown as Array<Record<string, Tensor>>)[1];
    const ref = adam({ lr: 0.01 });
    const pbn = (model.params as unknown as Array<Record<string, Tensor>>)[1];
    const want = ref.update([bn.beta, bn.gamma], ref.init([pbn.beta, pbn.gamma]), [pbn.beta, pbn.gamma]).updates as Tensor[];
    const got = (r.updates as unknown as Array<Record<string, Tensor>>)[1];
    expect(arr(got.beta)).toEqual(arr(want[0]));
    expect(arr(got.gamma)).toEqual(arr(want[1]));
    expect(r.state.layers.map((l) => l.a.shape)).toEqual([[4, 4], [5, 5]]);
  });

  it("names what is missing: the capture channel, a layer without a capture; refuses bad options", () => {
    const model = nn.linear(2, 2, { dtype: "float64" });
    const tx = kfac();
    const p = model.params as { w: Tensor; b: Tensor };
    expect(() => tx.update({ w: p.w, b: p.b }, tx.init(p), p)).toThrow(/kfac: update needs extra\.captureLinear/);
    expect(() => tx.update({ w: p.w, b: p.b }, tx.init(p), p, { captureLinear: () => [] })).toThrow(/no capture for the linear layer at \(root\)/);
    expect(() => kfac({ damping: -1 })).toThrow(/damping/);
    expect(() => kfac({ inverseUpdatePeriod: 0 })).toThrow(/inverseUpdatePeriod/);
    expect(() => kfac({ ema: 0.9 } as never)).toThrow(ArgumentError);
  });
});
