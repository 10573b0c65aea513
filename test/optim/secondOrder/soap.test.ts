/**
 * SOAP (nikhilvyas/SOAP soap.py): Adam in the eigenbasis of Shampoo's statistics.
 *   call 1: L = (1 − β) G Gᵀ, R = (1 − β) Gᵀ G, Q_L, Q_R = their eigenvectors (descending); no update
 *   then:   G̃ = Q_Lᵀ G Q_R;  m, v = Adam moments of G̃;  p ← p − lr √(1 − b2^s)/(1 − b1^s) Q_L (m/(√v + eps)) Q_Rᵀ;
 *           p ← p − lr wd p;   every precondFrequency steps Q ← qr(L Q_sorted).
 */
import { describe, expect, it } from "vitest";
import { ArgumentError, Rng, grad, tensor, type Tensor, type Tree } from "../../../src/index.js";
import { optimizer, soap, type SoapOptions, type SoapState } from "../../../src/index.js";
import { soapMergeDims } from "../../../src/optim/secondOrder/soap.js";
import { vals } from "../../helpers.js";
import { jacobiEig, matmul, norm, rows, transpose } from "./dense.js";

function gradients(T: number, size: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: T }, () => Array.from({ length: size }, () => rng.normal()));
}

function run(options: SoapOptions, shape: number[], gs: number[][], params?: number[]): { updates: number[][]; states: SoapState[] } {
  const tx = soap(options);
  const size = shape.reduce((a, b) => a * b, 1);
  const p = tensor(params ?? new Array(size).fill(0.5), { shape, dtype: "float64" });
  let state = tx.init(p);
  const updates: number[][] = [], states: SoapState[] = [];
  for (const g of gs) {
    const r = tx.update(tensor(g, { shape, dtype: "float64" }), state, p);
    updates.push(Array.from(vals(r.updates as Tensor)));
    states.push((state = r.state));
  }
  return { updates, states };
}

/** soap.py's Adam step on already-projected gradients gp_1..gp_S (the first call is not among them). */
function adamSteps(gps: number[][], o: { lr: number; b1: number; b2: number; eps: number; wd: number }, W: number[], back: (x: number[]) => number[] = (x) => x): number[][] {
  const m = new Array(W.length).fill(0), v = new Array(W.length).fill(0);
  return gps.map((gp, idx) => {
    const s = idx + 1;
    gp.forEach((x, i) => { m[i] = o.b1 * m[i] + (1 - o.b1) * x; v[i] = o.b2 * v[i] + (1 - o.b2) * x * x; });
    const stepSize = (o.lr * Math.sqrt(1 - o.b2 ** s)) / (1 - o.b1 ** s);
    const n = back(m.map((x, i) => x / (Math.sqrt(v[i]) + o.eps)));
    return W.map((w, i) => { const p1 = w - stepSize * n[i]; return p1 - o.lr * o.wd * p1 - w; });
  });
}

/** An orthogonal n x n matrix: a product of Givens rotations by the given angles. */
function orthogonal(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  let Q: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
    const a = rng.uniform() * 2 * Math.PI, G: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    G[p][p] = Math.cos(a); G[q][q] = Math.cos(a); G[p][q] = -Math.sin(a); G[q][p] = Math.sin(a);
    Q = matmul(Q, G);
  }
  return Q;
}

const close = (a: number[], b: number[], tol = 1e-10) => expect(a).toBeAllclose(b, { atol: tol * Math.max(1, norm(b)), rtol: tol });
const DEFAULTS = { lr: 3e-3, b1: 0.95, b2: 0.95, eps: 1e-8, wd: 0.01 };

describe("soap", () => {
  it("the first call only initialises: zero update (no weight decay either), eigenbases of (1 − β) G Gᵀ, descending", () => {
    const gs = gradients(1, 12, 1);
    const { updates, states } = run({}, [3, 4], gs);
    expect(updates[0]).toEqual(new Array(12).fill(0));
    const leaf = states[0].leaves[0];
    const G = rows(gs[0], 3, 4);
    const L = matmul(G, transpose(G)).flat().map((v) => 0.05 * v);
    close(Array.from(vals(leaf.gg[0])), L, 1e-14);
    // Q_Lᵀ L Q_L is diagonal with the eigenvalues in descending order
    const Q = rows(vals(leaf.q[0]), 3, 3);
    const D = matmul(matmul(transpose(Q), rows(L, 3, 3)), Q);
    const want = jacobiEig(L, 3).values.sort((a, b) => b - a);
    close(D.flat(), [want[0], 0, 0, 0, want[1], 0, 0, 0, want[2]], 1e-12);
  });

  it("with the eigenbasis fixed to the identity (no dimension rotated) it is soap.py's Adam, one step late", () => {
    const gs = gradients(8, 12, 2);
    const W = gradients(1, 12, 3)[0];
    // every dimension above maxPrecondDim: nothing rotated
    const { updates } = run({ maxPrecondDim: 2 }, [3, 4], gs, W);
    const want = adamSteps(gs.slice(1), DEFAULTS, W);
    expect(updates[0]).toEqual(new Array(12).fill(0));
    for (let t = 1; t < 8; t++) close(updates[t], want[t - 1], 1e-12);
    // 1-D parameters are not rotated unless precondition1d: the same Adam
    const b = gradients(6, 5, 4);
    const bw = [0.1, -0.2, 0.3, 0.4, -0.5];
    const ub = run({ lr: 0.01 }, [5], b, bw).updates;
    const wb = adamSteps(b.slice(1), { ...DEFAULTS, lr: 0.01 }, bw);
    for (let t = 1; t < 6; t++) close(ub[t], wb[t - 1], 1e-12);
  });

  it("in a rotated basis it is Adam on Q_Lᵀ G Q_R, projected back: G_1 = U diag(s) Vᵀ fixes Q_L = U, Q_R = V", () => {
    const U = orthogonal(3, 5), V = orthogonal(4, 6);
    const S = [[3, 0, 0, 0], [0, 2, 0, 0], [0, 0, 1, 0]];
    const G1 = matmul(matmul(U, S), transpose(V)).flat();
    const later = gradients(6, 12, 7);
    const gs = [G1, ...later];
    const W = gradients(1, 12, 8)[0];
    const o = { lr: 0.02, b1: 0.9, b2: 0.99, eps: 1e-8, weightDecay: 0.05 };
    const { updates, states } = run({ ...o, precondFrequency: 10 }, [3, 4], gs, W);
    // eigenbases up to column signs (SOAP is invariant to them): |Q_Lᵀ U| = I, |Q_Rᵀ V| = I
    const QL = rows(vals(states[0].leaves[0].q[0]), 3, 3), QR = rows(vals(states[0].leaves[0].q[1]), 4, 4);
    close(matmul(transpose(QL), U).flat().map(Math.abs), [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-12);
    close(matmul(transpose(QR), V).flat().map(Math.abs), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 1e-12);
    // by hand, in the basis (U, V): steps 2..7 (no refresh before step 10)
    const proj = (g: number[]) => matmul(matmul(transpose(U), rows(g, 3, 4)), V).flat();
    const back = (x: number[]) => matmul(matmul(U, rows(x, 3, 4)), transpose(V)).flat();
    const want = adamSteps(later.map(proj), { lr: 0.02, b1: 0.9, b2: 0.99, eps: 1e-8, wd: 0.05 }, W, back);
    for (let t = 1; t < 7; t++) close(updates[t], want[t - 1], 1e-10);
  });

  it("every precondFrequency steps the basis is refreshed: Q ← qr(L · Q sorted by diag(Qᵀ L Q), descending), v permuted, m rotated", () => {
    const gs = gradients(5, 12, 9);
    const { states } = run({ precondFrequency: 4 }, [3, 4], gs);
    const before = states[3].leaves[0], after = states[4].leaves[0]; // step 4 = the 5th call refreshes
    const orders: number[][] = [];
    for (const [i, n] of [[0, 3], [1, 4]] as const) {
      const Qold = rows(vals(before.q[i]), n, n), Lnew = rows(vals(after.gg[i]), n, n);
      const est = matmul(matmul(transpose(Qold), Lnew), Qold).map((r, j) => r[j]);
      const order = est.map((_, j) => j).sort((a, b) => est[b] - est[a]);
      orders.push(order);
      const sorted = Qold.map((r) => order.map((j) => r[j]));
      // Gram-Schmidt on the columns of L · Q_sorted: the Q of its QR, up to column signs
      const P = matmul(Lnew, sorted);
      const cols: number[][] = [];
      for (let c = 0; c < n; c++) {
        let x = P.map((r) => r[c]);
        for (const q of cols) { const d = q.reduce((s, v, k) => s + v * x[k], 0); x = x.map((v, k) => v - d * q[k]); }
        const nx = norm(x);
        cols.push(x.map((v) => v / nx));
      }
      const Q = rows(vals(after.q[i]), n, n);
      for (let c = 0; c < n; c++) {
        const dot = cols[c].reduce((s, v, k) => s + v * Q[k][c], 0);
        expect(Math.abs(dot)).toBeCloseTo(1, 10);
      }
    }
    // the moments of the 5th call, by hand in the old basis; then v's rows and columns follow the
    // new column order, and m is rotated into the new basis: m' = Q_Lᵀ (Q_L,old m Q_R,oldᵀ) Q_R
    const QLo = rows(vals(before.q[0]), 3, 3), QRo = rows(vals(before.q[1]), 4, 4);
    const gp = matmul(matmul(transpose(QLo), rows(gs[4], 3, 4)), QRo);
    const m = rows(vals(before.mu), 3, 4).map((r, i) => r.map((x, j) => 0.95 * x + 0.05 * gp[i][j]));
    const v = rows(vals(before.nu), 3, 4).map((r, i) => r.map((x, j) => 0.95 * x + 0.05 * gp[i][j] ** 2));
    close(Array.from(vals(after.nu)), orders[0].flatMap((i) => orders[1].map((j) => v[i][j])), 1e-13);
    const QL = rows(vals(after.q[0]), 3, 3), QR = rows(vals(after.q[1]), 4, 4);
    const mNew = matmul(matmul(transpose(QL), matmul(matmul(QLo, m), transpose(QRo))), QR);
    close(Array.from(vals(after.mu)), mNew.flat(), 1e-12);
  });

  it("repeated refreshes track the eigenvectors of the statistics (one power iteration each)", () => {
    // gradients from a fixed distribution: L converges, and Q must diagonalise it
    const rng = new Rng(10);
    const A = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => rng.normal()));
    const gs = Array.from({ length: 400 }, () => { const z = Array.from({ length: 4 }, () => Array.from({ length: 3 }, () => rng.normal())); return matmul(A, z).flat(); });
    const { states } = run({ precondFrequency: 2, shampooBeta: 0.99 }, [4, 3], gs);
    const leaf = states.at(-1)!.leaves[0];
    const L = rows(vals(leaf.gg[0]), 4, 4);
    const offDiagonal = (Qt: Tensor) => {
      const Q = rows(vals(Qt), 4, 4), D = matmul(matmul(transpose(Q), L), Q);
      return norm(D.flatMap((r, i) => r.filter((_, j) => j !== i))) / norm(D.flat());
    };
    // the first basis (from one gradient) is far from L's eigenvectors; the tracked one is close
    // (L is an EMA that keeps moving by ~1% a step, so the basis lags a little)
    expect(offDiagonal(states[0].leaves[0].q[0])).toBeGreaterThan(0.1);
    expect(offDiagonal(leaf.q[0])).toBeLessThan(0.02);
  });

  it("mergeDims follows soap.py's merge_dims; normalizeGrads gives each step unit RMS before lr", () => {
    expect(soapMergeDims([2, 3, 4], 6)).toEqual([6, 4]);
    expect(soapMergeDims([8, 2, 2], 4)).toEqual([8, 4]);
    expect(soapMergeDims([3], 10)).toEqual([3]);
    const gs = gradients(3, 24, 11);
    const { states } = run({ mergeDims: true, maxPrecondDim: 6 }, [2, 3, 4], gs);
    expect(states[0].leaves[0].gg.map((t) => t.shape)).toEqual([[6, 6], [4, 4]]);
    const u = run({ normalizeGrads: true, weightDecay: 0, correctBias: false, lr: 0.1 }, [3, 4], gradients(3, 12, 12)).updates;
    const rms = Math.sqrt(u[2].reduce((s, v) => s + v * v, 0) / 12);
    expect(rms).toBeCloseTo(0.1, 12);
  });

  it("converges on least squares ‖A W − B‖² / 2 and on a quadratic in a 1-D parameter", () => {
    const rng = new Rng(13);
    const A = tensor(Array.from({ length: 10 }, () => Array.from({ length: 5 }, () => rng.normal())), { dtype: "float64" });
    const B = A.matmul(tensor(Array.from({ length: 5 }, () => Array.from({ length: 3 }, () => rng.normal())), { dtype: "float64" }));
    const loss = (w: Tree) => A.matmul(w as Tensor).sub(B).square().sum().mul(0.5);
    const w = tensor(new Array(15).fill(0), { shape: [5, 3], dtype: "float64" });
    const opt = optimizer(soap({ lr: 0.02, weightDecay: 0 }), w);
    for (let i = 0; i < 1500; i++) opt.step(grad(loss)(w));
    expect(loss(w).item()).toBeLessThan(1e-4);
    const x = tensor([0, 0, 0], { dtype: "float64" });
    const q = (x: Tree) => (x as Tensor).sub(tensor([1, -2, 3], { dtype: "float64" })).square().sum();
    const o2 = optimizer(soap({ lr: 0.05, weightDecay: 0, precondition1d: true }), x);
    for (let i = 0; i < 1500; i++) o2.step(grad(q)(x));
    expect(x).toBeAllclose([1, -2, 3], { atol: 1e-2, rtol: 0 });
  });

  it("refuses bad options, naming them", () => {
    expect(() => soap({ b1: 1 })).toThrow(/b1/);
    expect(() => soap({ precondFrequency: 0 })).toThrow(/precondFrequency/);
    expect(() => soap({ precondition_frequency: 5 } as never)).toThrow(ArgumentError);
    expect(() => soap({ mergeDims: "yes" } as never)).toThrow(/mergeDims/);
  });
});
