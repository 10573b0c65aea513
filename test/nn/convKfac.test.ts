/**
 * conv2d's K-FAC captures (KFC, Grosse & Martens 2016): the layer reports its patch rows (im2col,
 * one row per output location) and ∂loss/∂s at every location; kfac's factors for it are
 * A = E[Σ_t ā_t ā_tᵀ] (summed over the T locations of an example) and G = E[(1/T) Σ_t g_t g_tᵀ].
 */
import { describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { Rng, kfac, randn, tensor, valueAndGrad, type ExtraArgs, type Tensor, type Tree } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import type { LinearCapture } from "../../src/nn/index.js";
import { vals } from "../helpers.js";

const arr = (t: Tensor) => Array.from(vals(t));

/** (scale) Σ_r x_r x_rᵀ over the rows of x (n x d, flat), a column of ones appended. */
function second(x: ArrayLike<number>, n: number, d: number, scale: number, ones: boolean): number[][] {
  const D = d + (ones ? 1 : 0), m = Array.from({ length: D }, () => new Array(D).fill(0));
  for (let r = 0; r < n; r++) {
    const row = Array.from({ length: D }, (_, i) => (i < d ? x[r * d + i] : 1));
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) m[i][j] += row[i] * row[j] * scale;
  }
  return m;
}
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
const addEye = (m: number[][], s: number) => m.map((r, i) => r.map((v, j) => v + (i === j ? s : 0)));
const avgDiag = (m: number[][]) => m.reduce((s, r, i) => s + r[i], 0) / m.length;

describe("conv2d's K-FAC captures", () => {
  it("patch rows and per-location output gradients: Pᵀ G is ∂loss/∂W and G's column sums ∂loss/∂b", () => {
    const model = nn.sequential([nn.conv2d(2, 3, [3, 2], { stride: 2, padding: 1, dtype: "float64", seed: 1 }), nn.tanh(), nn.flatten(), nn.linear(3 * 3 * 4, 4, { dtype: "float64", seed: 2 })]);
    const X = randn([5, 2, 5, 6], { seed: 3, dtype: "float64" });
    const labels = tensor([0, 3, 1, 2, 1]);
    const lossOf = (out: Tensor) => nn.crossEntropy(out, labels, { reduction: "sum" });
    const caps = nn.captureLinear(model, X)(model.params, lossOf);
    expect(caps.map((c) => [c.path, c.locations])).toEqual([["0", 12], ["3", 1]]);
    const c = caps[0];
    expect(c.inputs.shape).toEqual([5 * 12, 3 * 2 * 2]);
    expect(c.outputGrads.shape).toEqual([5 * 12, 3]);
    const { grad } = valueAndGrad((p: Tree) => lossOf(model.apply(p as never, X)))(model.params);
    const g0 = (grad as unknown as Array<{ w: Tensor; b: Tensor }>)[0];
    expect(dh.matmul(c.inputs, c.outputGrads, { transposeA: true })).toBeAllclose(dh.reshape(g0.w, [12, 3]), { atol: 1e-12 });
    expect(dh.sum(c.outputGrads, 0)).toBeAllclose(g0.b, { atol: 1e-12 });
  });
});

describe("kfac on a conv2d layer (KFC)", () => {
  it("A sums over the locations of an example, G averages over them; the step is −lr (Ā ⊗ Ḡ)⁻¹ vec([∇W; ∇b])", () => {
    const model = nn.sequential([nn.conv2d(1, 2, 2, { dtype: "float64", seed: 4 }), nn.flatten(), nn.linear(2 * 3 * 3, 3, { dtype: "float64", seed: 5 })]);
    const X = randn([6, 1, 4, 4], { seed: 6, dtype: "float64" });
    const recorded: LinearCapture[][] = [];
    const inner = nn.captureLinear(model, X);
    const extra: ExtraArgs = { captureLinear: (p, lossOf) => { const c = inner(p, lossOf); recorded.push(c); return c; } };
    const tx = kfac({ lr: 0.5, damping: 1e-2 });
    const rng = new Rng(7);
    const g = dh.treeMap((t: Tensor) => randn(t.shape as number[], { rng, dtype: "float64" }), model.params as Tree);
    const r = tx.update(g, tx.init(model.params), model.params, extra);
    expect(r.state.layers.length).toBe(2); // the conv layer and the linear one are both modeled
    const c = recorded[0].find((x) => x.path === "0")!;
    const rows = 6 * 9, T = 9;
    const A = second(vals(c.inputs), rows, 4, T / rows, true), G = second(vals(c.outputGrads), rows, 2, 1 / rows, false);
    expect(r.state.layers[0].a).toBeAllclose(A.flat(), { atol: 1e-14 });
    expect(r.state.layers[0].g).toBeAllclose(G.flat(), { atol: 1e-14 });
    const pi = Math.sqrt(avgDiag(A) / avgDiag(G)), s = Math.sqrt(1e-2);
    const g0 = (g as Array<{ w: Tensor; b: Tensor }>)[0];
    const want = solve(kron(addEye(A, pi * s), addEye(G, s / pi)), [...arr(g0.w), ...arr(g0.b)]).map((v) => -0.5 * v);
    const u = (r.updates as Array<{ w: Tensor; b: Tensor }>)[0];
    expect(u.w.shape).toEqual([2, 2, 1, 2]);
    expect([...arr(u.w), ...arr(u.b)]).toBeAllclose(want, { atol: 1e-12, rtol: 1e-10 });
  });

  it("trains a small CNN through fit", async () => {
    const rng = new Rng(8);
    const X = randn([64, 1, 6, 6], { rng });
    // label: which half of the image is brighter
    const xv = vals(X);
    const y = tensor(Array.from({ length: 64 }, (_, n) => { let l = 0, r = 0; for (let i = 0; i < 36; i++) (i % 6 < 3 ? (l += xv[n * 36 + i]) : (r += xv[n * 36 + i])); return l > r ? 1 : 0; }));
    const model = nn.sequential([nn.conv2d(1, 4, 3, { padding: 1, rng }), nn.relu(), nn.flatten(), nn.linear(4 * 36, 2, { rng })]);
    const r = await dh.fit(model, { x: X, y }, { optimizer: kfac({ lr: 0.05, momentum: 0.9, damping: 1e-2 }), epochs: 15, batchSize: 32, seed: 1, progress: "none" });
    const losses = r.history.epochs.map((e) => e.values.loss);
    expect(losses[losses.length - 1]).toBeLessThan(0.5 * losses[0]);
  });
});
