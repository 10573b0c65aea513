/**
 * Shampoo (facebookresearch/optimizers distributed_shampoo): per block, factor matrices
 *   L ← β2 L + w G Gᵀ, R ← β2 R + w Gᵀ G (β2 = 1: sums), roots (F + eps I)^(−1/(2k)),
 *   step −lr · L^(−1/4) Ḡ R^(−1/4) (a vector: −lr · L^(−1/2) ḡ), grafting, weight decay.
 * The expected values come from dense eigendecompositions computed here (Jacobi, test/dense.ts).
 */
import { describe, expect, it } from "vitest";
import { ArgumentError, Rng, grad, tensor, type Tensor, type Tree } from "../../../src/index.js";
import { optimizer, shampoo, type ShampooOptions, type ShampooState } from "../../../src/index.js";
import { mergeSmallDims, splitBlocks } from "../../../src/optim/secondOrder/kronecker.js";
import { vals } from "../../helpers.js";
import { addEye, matFun, matmul, norm, rows, transpose } from "./dense.js";

const EPS = 1e-12;

/** T random m x n gradients (flat, row-major). */
function gradients(T: number, size: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: T }, () => Array.from({ length: size }, () => rng.normal()));
}

/** Runs the transform's update over the gradients; returns every step's updates (flat). */
function run(options: ShampooOptions, shape: number[], gs: number[][], params?: number[]): { updates: number[][]; state: ShampooState } {
  const tx = shampoo(options);
  const size = shape.reduce((a, b) => a * b, 1);
  const p = tensor(params ?? new Array(size).fill(0.5), { shape, dtype: "float64" });
  let state = tx.init(p);
  const updates: number[][] = [];
  for (const g of gs) {
    const r = tx.update(tensor(g, { shape, dtype: "float64" }), state, p);
    updates.push(Array.from(vals(r.updates as Tensor)));
    state = r.state;
  }
  return { updates, state };
}

/** −lr · (L + eps I)^(−1/4) G (R + eps I)^(−1/4) with L = Σ G Gᵀ, R = Σ Gᵀ G over `history` (each m x n, flat). */
function shampooStep(history: number[][], g: number[], m: number, n: number, lr: number, weights?: number[]): number[] {
  const L = rows(new Array(m * m).fill(0), m, m), R = rows(new Array(n * n).fill(0), n, n);
  history.forEach((h, s) => {
    const H = rows(h, m, n), w = weights ? weights[s] : 1;
    const hl = matmul(H, transpose(H)), hr = matmul(transpose(H), H);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) L[i][j] += w * hl[i][j];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) R[i][j] += w * hr[i][j];
  });
  const Li = matFun(addEye(L, EPS), m, (l) => Math.pow(l, -1 / 4));
  const Ri = matFun(addEye(R, EPS), n, (l) => Math.pow(l, -1 / 4));
  return matmul(matmul(Li, rows(g, m, n)), Ri).flat().map((v) => -lr * v);
}

/** −lr · (Σ g gᵀ + eps I)^(−1/2) g: full-matrix AdaGrad, what Shampoo does to a vector. */
function vectorStep(history: number[][], g: number[], lr: number): number[] {
  const n = g.length;
  const L = rows(new Array(n * n).fill(0), n, n);
  for (const h of history) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) L[i][j] += h[i] * h[j];
  const Li = matFun(addEye(L, EPS), n, (l) => Math.pow(l, -1 / 2));
  return Li.map((row) => -lr * row.reduce((s, v, j) => s + v * g[j], 0));
}

const close = (a: number[], b: number[], tol = 1e-9) => expect(a).toBeAllclose(b, { atol: tol * Math.max(1, norm(b)), rtol: tol });

describe("shampoo", () => {
  it("on a matrix: −lr · L^(−1/4) G R^(−1/4) with L = Σ G Gᵀ, R = Σ Gᵀ G (dense eigendecomposition here)", () => {
    const gs = gradients(6, 12, 1);
    const { updates, state } = run({ lr: 0.5, betas: [0, 1], targetParameterDimensionality: 2 }, [3, 4], gs);
    // R is 4 x 4 of rank <= t: compare from the step where both factors have full rank
    for (let t = 4; t <= 6; t++) close(updates[t - 1], shampooStep(gs.slice(0, t), gs[t - 1], 3, 4, 0.5));
    // the factor matrices are the plain sums
    const L = rows(new Array(9).fill(0), 3, 3);
    for (const g of gs) { const G = rows(g, 3, 4); matmul(G, transpose(G)).forEach((r, i) => r.forEach((v, j) => (L[i][j] += v))); }
    close(Array.from(vals(state.preconditioners[0].blocks[0].factorMatrices[0])), L.flat(), 1e-13);
    expect(state.preconditioners[0].blocks[0].factorMatrices[1].shape).toEqual([4, 4]);
  });

  it("a 1-D parameter (bias) is an order-1 block: full-matrix AdaGrad, −lr · (Σ g gᵀ + eps I)^(−1/2) g", () => {
    const gs = gradients(7, 5, 2);
    const { updates, state } = run({ lr: 0.1, betas: [0, 1] }, [5], gs);
    for (let t = 5; t <= 7; t++) close(updates[t - 1], vectorStep(gs.slice(0, t), gs[t - 1], 0.1));
    expect(state.preconditioners[0].blocks[0].factorMatrices.map((f) => f.shape)).toEqual([[5, 5]]);
    // a scalar is promoted to [1]: −lr g / √(Σ g² + eps)
    const s = run({ lr: 0.1, betas: [0, 1] }, [], [[2], [-1]]);
    close(s.updates[1], [(-0.1 * -1) / Math.sqrt(5 + EPS)], 1e-14);
  });

  it("by default (targetParameterDimensionality 1) a small matrix is merged into a vector, as the reference", () => {
    const gs = gradients(8, 6, 3);
    const { updates, state } = run({ lr: 0.1, betas: [0, 1] }, [2, 3], gs);
    expect(state.preconditioners[0].blocks.map((b) => b.factorMatrices.map((f) => f.shape))).toEqual([[[6, 6]]]);
    close(updates[7], vectorStep(gs, gs[7], 0.1));
    // merge_small_dims' documented cases (distributed_shampoo/utils/shampoo_utils.py)
    expect(mergeSmallDims([1, 2, 5, 1], 10, 1)).toEqual([10]);
    expect(mergeSmallDims([1, 2, 5, 1], 1, 1)).toEqual([2, 5]);
    expect(mergeSmallDims([32, 3, 64, 64], 8192, 1)).toEqual([96, 4096]);
    expect(mergeSmallDims([32, 3, 64, 64], 1_000_000, 2)).toEqual([32, 12288]);
    expect(mergeSmallDims([], 1024, 1)).toEqual([1]);
    expect(mergeSmallDims([3, 4], 1024, Infinity)).toEqual([3, 4]);
  });

  it("dimensions above maxPreconditionerDim are cut into blocks, each its own Shampoo", () => {
    // 5 x 3 with blocks of 2: rows [0,2) [2,4) [4,5) x columns [0,2) [2,3): six blocks
    expect(splitBlocks([5, 3], 2).map((b) => [b.start, b.dims])).toEqual([
      [[0, 0], [2, 2]], [[0, 2], [2, 1]], [[2, 0], [2, 2]], [[2, 2], [2, 1]], [[4, 0], [1, 2]], [[4, 2], [1, 1]],
    ]);
    const gs = gradients(6, 15, 4);
    const { updates } = run({ lr: 0.2, betas: [0, 1], maxPreconditionerDim: 2, targetParameterDimensionality: 2 }, [5, 3], gs);
    const block = (g: number[], r0: number, m: number, c0: number, n: number) => Array.from({ length: m * n }, (_, i) => g[(r0 + Math.floor(i / n)) * 3 + c0 + (i % n)]);
    for (const b of splitBlocks([5, 3], 2)) {
      const [r0, c0] = b.start, [m, n] = b.dims;
      const sub = (g: number[]) => block(g, r0, m, c0, n);
      close(sub(updates[5]), shampooStep(gs.map(sub), sub(gs[5]), m, n, 0.2));
    }
  });

  it("grafting: each block's step has the grafted method's norm (SGD, AdaGrad, RMSProp, Adam) and Shampoo's direction", () => {
    const T = 5, m = 4, n = 3;
    const gs = gradients(T, m * n, 5);
    const base: ShampooOptions = { lr: 0.3, betas: [0.9, 1], maxPreconditionerDim: 2, targetParameterDimensionality: 2 };
    const plain = run(base, [m, n], gs).updates[T - 1];
    // the filtered, bias-corrected gradient and the grafted methods' directions, by hand
    const M = new Array(m * n).fill(0);
    for (const g of gs) g.forEach((v, i) => (M[i] = 0.9 * M[i] + 0.1 * v));
    const gbar = M.map((v) => v / (1 - Math.pow(0.9, T)));
    const acc = (beta: number, w: number) => { const V = new Array(m * n).fill(0); for (const g of gs) g.forEach((v, i) => (V[i] = (beta === 1 ? V[i] : beta * V[i]) + w * v * v)); return V; };
    const directions: Array<[ShampooOptions["graftingConfig"], number[]]> = [
      [{ type: "sgd" }, gbar],
      [{ type: "adagrad" }, acc(1, 1).map((v, i) => gbar[i] / (Math.sqrt(v) + 1e-10))],
      [{ type: "rmsprop", beta2: 0.9 }, acc(0.9, 0.1).map((v, i) => gbar[i] / (Math.sqrt(v) + 1e-10))],
      [{ type: "adam", beta2: 0.95, epsilon: 1e-8 }, acc(0.95, 0.05).map((v, i) => gbar[i] / (Math.sqrt(v / (1 - Math.pow(0.95, T))) + 1e-8))],
    ];
    for (const [cfg, dir] of directions) {
      const u = run({ ...base, graftingConfig: cfg }, [m, n], gs).updates[T - 1];
      for (const b of splitBlocks([m, n], 2)) {
        const idx: number[] = [];
        for (let i = 0; i < b.dims[0]; i++) for (let j = 0; j < b.dims[1]; j++) idx.push((b.start[0] + i) * n + b.start[1] + j);
        const ub = idx.map((i) => u[i]), pb = idx.map((i) => plain[i]), db = idx.map((i) => dir[i]);
        expect(norm(ub)).toBeCloseTo(0.3 * norm(db), 12);
        const scale = norm(ub) / norm(pb);
        close(ub, pb.map((v) => v * scale), 1e-12);
      }
    }
  });

  it("roots are recomputed every preconditionFrequency steps from startPreconditioningStep; before it the grafted method (or the identity) steps", () => {
    const gs = gradients(6, 12, 6);
    const o: ShampooOptions = { lr: 0.5, betas: [0, 1], targetParameterDimensionality: 2, preconditionFrequency: 3 };
    const { updates } = run(o, [3, 4], gs);
    close(updates[0], gs[0].map((v) => -0.5 * v), 1e-15); // identity roots before step 3
    close(updates[1], gs[1].map((v) => -0.5 * v), 1e-15);
    // step 3's roots (from L_3, R_3) serve steps 3, 4, 5; step 6 recomputes. Use a full-rank
    // history for the roots: compare step 4 with step 3's roots applied to G_4.
    const { updates: late } = run({ ...o, startPreconditioningStep: 6 }, [3, 4], gs);
    close(late[4], gs[4].map((v) => -0.5 * v), 1e-15);
    close(late[5], shampooStep(gs, gs[5], 3, 4, 0.5));
    const stale = run({ lr: 0.5, betas: [0, 1], targetParameterDimensionality: 2, preconditionFrequency: 2, startPreconditioningStep: 4 }, [3, 4], gs).updates;
    close(stale[4], shampooStep(gs.slice(0, 4), gs[4], 3, 4, 0.5)); // step 5 still uses step 4's roots
    close(stale[5], shampooStep(gs, gs[5], 3, 4, 0.5));
    // grafting before the start step: AdaGrad's step −lr g/(√Σg² + 1e-10)
    const g2 = run({ ...o, graftingConfig: { type: "adagrad" } }, [3, 4], gs).updates;
    close(g2[1], gs[1].map((v, i) => (-0.5 * v) / (Math.sqrt(gs[0][i] ** 2 + v * v) + 1e-10)), 1e-14);
  });

  it("beta2 < 1: factor matrices are bias-corrected EMAs, w = 1 − β2; beta1: a constant gradient filters to itself", () => {
    const gs = gradients(6, 12, 7);
    const { updates } = run({ lr: 0.5, betas: [0, 0.9], targetParameterDimensionality: 2 }, [3, 4], gs);
    const weights = gs.map((_, s) => (0.1 * Math.pow(0.9, 5 - s)) / (1 - Math.pow(0.9, 6)));
    close(updates[5], shampooStep(gs, gs[5], 3, 4, 0.5, weights));
    const c = gradients(1, 12, 8)[0];
    const same = Array.from({ length: 5 }, () => c);
    const filtered = run({ lr: 0.5, betas: [0.9, 1], targetParameterDimensionality: 2 }, [3, 4], same).updates;
    const raw = run({ lr: 0.5, betas: [0, 1], targetParameterDimensionality: 2 }, [3, 4], same).updates;
    filtered.forEach((u, t) => close(u, raw[t], 1e-12));
  });

  it("weight decay: decoupled adds wd·W to the preconditioned step; l2 adds it to the gradient", () => {
    const gs = gradients(4, 12, 9);
    const W = gradients(1, 12, 10)[0];
    const o: ShampooOptions = { lr: 0.5, betas: [0, 1], targetParameterDimensionality: 2 };
    const plain = run(o, [3, 4], gs, W).updates;
    const dec = run({ ...o, weightDecay: 0.1 }, [3, 4], gs, W).updates;
    dec.forEach((u, t) => close(u, plain[t].map((v, i) => v - 0.5 * 0.1 * W[i]), 1e-14));
    const l2 = run({ ...o, weightDecay: 0.1, weightDecayType: "l2" }, [3, 4], gs, W).updates;
    const fed = run(o, [3, 4], gs.map((g) => g.map((v, i) => v + 0.1 * W[i])), W).updates;
    expect(l2).toEqual(fed);
  });

  it("converges on a least-squares matrix problem ‖A W − B‖² / 2 (with Adam grafting) and on Rosenbrock", () => {
    const rng = new Rng(11);
    const A = tensor(Array.from({ length: 8 }, () => Array.from({ length: 4 }, () => rng.normal())), { dtype: "float64" });
    const Wstar = tensor(Array.from({ length: 4 }, () => Array.from({ length: 3 }, () => rng.normal())), { dtype: "float64" });
    const B = A.matmul(Wstar);
    const loss = (w: Tree) => A.matmul(w as Tensor).sub(B).square().sum().mul(0.5);
    const w = tensor(new Array(12).fill(0), { shape: [4, 3], dtype: "float64" });
    const opt = optimizer(shampoo({ lr: 0.05, graftingConfig: { type: "adam" }, targetParameterDimensionality: 2, preconditionFrequency: 5 }), w);
    for (let i = 0; i < 600; i++) opt.step(grad(loss)(w));
    expect(loss(w).item()).toBeLessThan(1e-6);
    const rosen = (x: Tree) => { const v = x as Tensor; const a = v.slice([0], [1]), b = v.slice([1], [1]); return a.neg().add(1).square().add(b.sub(a.square()).square().mul(100)).sum(); };
    const x = tensor([-1.2, 1], { dtype: "float64" });
    const o2 = optimizer(shampoo({ lr: 0.05, betas: [0.9, 0.999], graftingConfig: { type: "adam" } }), x);
    for (let i = 0; i < 3000; i++) o2.step(grad(rosen)(x));
    expect(rosen(x).item()).toBeLessThan(1e-3);
  });

  it("refuses bad options, naming them", () => {
    expect(() => shampoo({ betas: [1, 1] })).toThrow(/betas\[0\]/);
    expect(() => shampoo({ betas: [0.9, 1.5] })).toThrow(/betas\[1\]/);
    expect(() => shampoo({ epsilon: 0 })).toThrow(/epsilon/);
    expect(() => shampoo({ preconditionFrequency: 4, startPreconditioningStep: 2 })).toThrow(/startPreconditioningStep \(2\) must be >= preconditionFrequency \(4\)/);
    expect(() => shampoo({ graftingConfig: { type: "lamb" } as never })).toThrow(/graftingConfig/);
    expect(() => shampoo({ graftingConfig: { type: "adam", beta1: 0.9 } as never })).toThrow(/unknown option "beta1"/);
    expect(() => shampoo({ max_preconditioner_dim: 8 } as never)).toThrow(ArgumentError);
    expect(() => shampoo({ weightDecayType: "corrected" as never })).toThrow(/weightDecayType/);
  });
});
