/**
 * SOAP (Vyas et al. 2024, "SOAP: Improving and Stabilizing Shampoo using Adam"), following
 * nikhilvyas/SOAP `soap.py` (SOAP.step, update_preconditioner, get_orthogonal_matrix,
 * get_orthogonal_matrix_QR, merge_dims).
 */
import { ArgumentError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { treeUnflatten } from "../../tensor/tree.js";
import { qr, symEig } from "../../linalg/index.js";
import { needParams, type GradientTransformation } from "../base.js";
import type { LearningRate } from "../alias.js";
import { matchedLeaves } from "../treeMath.js";
import { bool, checkKnown, learningRate, nonNegative, positiveInt, scheduleValue, unitInterval } from "../validate.js";
import { matmulF64, modeGram, modeProduct, tensorFrom, valuesF64 } from "./kronecker.js";

export interface SoapOptions {
  /** Learning rate or schedule (default 3e-3). */
  lr?: LearningRate;
  /** Adam's first-moment decay in the eigenbasis (default 0.95). */
  b1?: number;
  /** Adam's second-moment decay in the eigenbasis (default 0.95). */
  b2?: number;
  /** EMA decay of the Shampoo statistics L, R; negative means b2 (default -1). */
  shampooBeta?: number;
  /** Adam's epsilon, added to √v (default 1e-8). */
  eps?: number;
  /** Decoupled weight decay, applied after the step: p ← p·(1 − lr·wd) (default 0.01). */
  weightDecay?: number;
  /** Steps between refreshes of the eigenbasis (one power iteration + QR) (default 10). */
  precondFrequency?: number;
  /** Dimensions larger than this are not rotated (default 10000). */
  maxPrecondDim?: number;
  /** Merge neighbouring dimensions while their product stays <= maxPrecondDim (default false). */
  mergeDims?: boolean;
  /** Rotate 1-D parameters too (default false: they get plain Adam). */
  precondition1d?: boolean;
  /** Divide each parameter's step by its RMS (default false). */
  normalizeGrads?: boolean;
  /** Adam's bias correction (default true). */
  correctBias?: boolean;
}

export interface SoapLeafState {
  /** Adam's first moment, in the eigenbasis (rotated when the basis changes). */
  mu: Tensor;
  /** Adam's second moment, in the eigenbasis (permuted, not rotated, when the basis changes). */
  nu: Tensor;
  /** Shampoo statistics, one n x n float64 matrix per rotated dimension (L, R for a matrix). */
  gg: Tensor[];
  /** Their eigenbases, eigenvalues descending (float64). */
  q: Tensor[];
}
/** `count` is the number of calls; the first only initialises, so Adam's step is count − 1. */
export interface SoapState { count: number; leaves: SoapLeafState[] }

/** soap.py's merge_dims: left to right, multiply dimensions while the product stays <= max. */
export function soapMergeDims(shape: readonly number[], max: number): number[] {
  const out: number[] = [];
  let cur = 1;
  for (const d of shape) {
    if (cur * d > max) {
      if (cur > 1) { out.push(cur); cur = d; } else { out.push(d); cur = 1; }
    } else cur *= d;
  }
  if (cur > 1 || out.length === 0) out.push(cur);
  return out;
}

/**
 * SOAP: Adam run in the eigenbasis of Shampoo's statistics. Per parameter G (a matrix: L, R; in
 * general one statistic per dimension of at most maxPrecondDim; 1-D parameters only with
 * precondition1d), s = Adam's step (the first call only initialises: L, R and their eigenbases,
 * no update):
 *   G̃ = Q_Lᵀ G Q_R                              (project; in general G ×_i Q_iᵀ)
 *   m ← b1·m + (1 − b1)·G̃;   v ← b2·v + (1 − b2)·G̃²
 *   N = Q_L (m / (√v + eps)) Q_Rᵀ               (project back)
 *   p ← p − lr·√(1 − b2^s)/(1 − b1^s)·N;   p ← p − lr·wd·p   (decoupled, on the updated p)
 *   L ← β·L + (1 − β)·G Gᵀ;  R ← β·R + (1 − β)·Gᵀ G     (β = shampooBeta, default b2)
 *   every precondFrequency steps: Q ← qr(L·Q)  with Q's columns first sorted by the estimated
 *   eigenvalues diag(Qᵀ L Q), descending (one power iteration), v permuted the same way and m
 *   rotated into the new basis.
 * The first eigenbases are full eigendecompositions (eigh of L + 1e-30·I, descending). `mergeDims`
 * is soap.py's (channels-first layout only). Bases and statistics are float64 tensors in the state.
 * @param options.lr (3e-3) @param options.b1 (0.95) @param options.b2 (0.95) @param options.shampooBeta (-1: b2)
 * @param options.eps (1e-8) @param options.weightDecay (0.01) @param options.precondFrequency (10)
 * @param options.maxPrecondDim (10000) @param options.mergeDims (false) @param options.precondition1d (false)
 * @param options.normalizeGrads (false) @param options.correctBias (true)
 * @see https://arxiv.org/abs/2409.11321 @see https://github.com/nikhilvyas/SOAP/blob/main/soap.py
 * @example
 * const w = randn([8, 4], { seed: 0, dtype: "float64" });
 * const opt = optimizer(soap({ lr: 0.05 }), w);
 * for (let i = 0; i < 5; i++) opt.step(grad((w) => w.square().sum())(w));
 */
export function soap(options: SoapOptions = {}): GradientTransformation<SoapState> {
  const where = "soap";
  checkKnown(where, options, ["lr", "b1", "b2", "shampooBeta", "eps", "weightDecay", "precondFrequency", "maxPrecondDim", "mergeDims", "precondition1d", "normalizeGrads", "correctBias"]);
  const lr = learningRate(where, options.lr ?? 3e-3);
  const b1 = unitInterval(where, "b1", options.b1 ?? 0.95);
  const b2 = unitInterval(where, "b2", options.b2 ?? 0.95);
  const sb = options.shampooBeta ?? -1;
  const shampooBeta = typeof sb === "number" && sb < 0 ? b2 : unitInterval(where, "shampooBeta (or negative for b2)", sb);
  const eps = nonNegative(where, "eps", options.eps ?? 1e-8);
  const wd = nonNegative(where, "weightDecay", options.weightDecay ?? 0.01);
  const freq = positiveInt(where, "precondFrequency", options.precondFrequency ?? 10);
  const maxDim = options.maxPrecondDim === Infinity ? Infinity : positiveInt(where, "maxPrecondDim", options.maxPrecondDim ?? 10000);
  const merge = bool(where, "mergeDims", options.mergeDims ?? false);
  const pre1d = bool(where, "precondition1d", options.precondition1d ?? false);
  const normalize = bool(where, "normalizeGrads", options.normalizeGrads ?? false);
  const correctBias = bool(where, "correctBias", options.correctBias ?? true);

  /** The dims the statistics see, and which of them are rotated. */
  const layout = (shape: readonly number[]) => {
    const dims = shape.length === 1 ? [...shape] : merge ? soapMergeDims(shape, maxDim) : [...shape];
    const rotated = dims.map((d) => (shape.length === 1 ? pre1d && d <= maxDim : d <= maxDim));
    return { dims, rotated };
  };

  return {
    init(params) {
      const { leaves } = matchedLeaves([params], ["params"]);
      return {
        count: 0,
        leaves: leaves[0].map((p) => {
          const { dims, rotated } = layout(p.shape);
          const sizes = dims.filter((_, k) => rotated[k]);
          return {
            mu: tensorFrom(new Float64Array(p.size), p.shape, p.dtype),
            nu: tensorFrom(new Float64Array(p.size), p.shape, p.dtype),
            gg: sizes.map((n) => tensorFrom(new Float64Array(n * n), [n, n], "float64")),
            q: sizes.map((n) => tensorFrom(new Float64Array(n * n), [n, n], "float64")),
          };
        }),
      };
    },
    update(g, state, params) {
      const p = needParams(where, params);
      const { leaves } = matchedLeaves([g, p], ["updates", "params"]);
      if (!state || !Array.isArray(state.leaves) || state.leaves.length !== leaves[0].length) throw new ArgumentError(`soap.update: state must come from soap's init over ${leaves[0].length} parameter leaves`);
      const first = state.count === 0;
      const s = state.count; // Adam's step on this call (the first call has none)
      const rate = scheduleValue(where, "lr", lr, state.count);
      const stepSize = correctBias && !first ? (rate * Math.sqrt(1 - Math.pow(b2, s))) / (1 - Math.pow(b1, s)) : rate;
      const refresh = !first && s % freq === 0;
      const updates: Tensor[] = [];
      const next: SoapLeafState[] = [];

      leaves[0].forEach((gt, l) => {
        const pt = leaves[1][l];
        const st = state.leaves[l];
        const { dims, rotated } = layout(pt.shape);
        const ks = dims.map((_, k) => k).filter((k) => rotated[k]);
        if (st.gg.length !== ks.length) throw new ArgumentError(`soap.update: state of leaf ${l} has ${st.gg.length} statistics, its shape needs ${ks.length}`);
        const G = valuesF64(gt, where);
        const ggOld = st.gg.map((t) => valuesF64(t, where));
        // L ← β L + (1 − β) G Gᵀ (torch's lerp), after the step in soap.py; the step does not read it
        const gg = ks.map((k, i) => {
          const gram = modeGram(G, dims, k);
          const f = ggOld[i];
          for (let j = 0; j < f.length; j++) f[j] += (1 - shampooBeta) * (gram[j] - f[j]);
          return f;
        });

        if (first) {
          // initialise: eigenbases of the first statistics, no update
          const q = ks.map((k, i) => eigenbasis(gg[i], dims[k]));
          updates.push(tensorFrom(new Float64Array(G.length), pt.shape, pt.dtype));
          next.push({ mu: st.mu, nu: st.nu, gg: gg.map((f, i) => tensorFrom(f, st.gg[i].shape, "float64")), q: q.map((m, i) => tensorFrom(m, st.q[i].shape, "float64")) });
          return;
        }

        let q = st.q.map((t) => valuesF64(t, where));
        const project = (x: Float64Array, basis: Float64Array[]) => ks.reduce((y, k, i) => modeProduct(y, dims, k, basis[i], true), x);
        const projectBack = (x: Float64Array, basis: Float64Array[]) => ks.reduce((y, k, i) => modeProduct(y, dims, k, basis[i], false), x);

        const gp = project(G, q);
        let m = valuesF64(st.mu, where);
        let v = valuesF64(st.nu, where);
        for (let i = 0; i < gp.length; i++) {
          m[i] = b1 * m[i] + (1 - b1) * gp[i];
          v[i] = b2 * v[i] + (1 - b2) * gp[i] * gp[i];
        }
        const ratio = new Float64Array(m.length);
        for (let i = 0; i < m.length; i++) ratio[i] = m[i] / (Math.sqrt(v[i]) + eps);
        const n = projectBack(ratio, q);
        if (normalize) {
          let ms = 0;
          for (let i = 0; i < n.length; i++) ms += n[i] * n[i];
          const scale = 1 / (1e-30 + Math.sqrt(ms / Math.max(n.length, 1)));
          for (let i = 0; i < n.length; i++) n[i] *= scale;
        }
        const W = valuesF64(pt, where);
        const u = new Float64Array(n.length);
        for (let i = 0; i < n.length; i++) {
          const stepped = W[i] - stepSize * n[i];
          u[i] = stepped - rate * wd * stepped - W[i]; // p ← p − s·N, then p ← p − lr·wd·p
        }

        if (refresh) {
          // one power iteration + QR per rotated dimension; v follows the column order, m the basis
          const mOrig = projectBack(m, q);
          q = ks.map((k, i) => {
            const nk = dims[k];
            const est = diagOfQtAQ(gg[i], q[i], nk);
            const order = Array.from({ length: nk }, (_, j) => j).sort((a, b) => est[b] - est[a]);
            v = permuteAlong(v, dims, k, order);
            const sorted = new Float64Array(nk * nk);
            for (let r = 0; r < nk; r++) for (let c = 0; c < nk; c++) sorted[r * nk + c] = q[i][r * nk + order[c]];
            return qr(matmulF64(gg[i], sorted, nk, nk, nk), nk, nk).q;
          });
          m = project(mOrig, q);
        }
        updates.push(tensorFrom(u, pt.shape, pt.dtype));
        next.push({
          mu: tensorFrom(m, pt.shape, pt.dtype),
          nu: tensorFrom(v, pt.shape, pt.dtype),
          gg: gg.map((f, i) => tensorFrom(f, st.gg[i].shape, "float64")),
          q: q.map((b, i) => tensorFrom(b, st.q[i].shape, "float64")),
        });
      });
      return { updates: treeUnflatten(g, updates), state: { count: state.count + 1, leaves: next } };
    },
  };
}

/** Eigenvectors of the symmetric n x n `a` (+ 1e-30 I, as soap.py) as columns, eigenvalues descending. */
function eigenbasis(a: Float64Array, n: number): Float64Array {
  const ridge = Float64Array.from(a);
  for (let i = 0; i < n; i++) ridge[i * n + i] += 1e-30;
  const { vectors } = symEig(ridge, n); // ascending
  const out = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) out[r * n + c] = vectors[r * n + (n - 1 - c)];
  return out;
}

/** diag(Qᵀ A Q) for n x n A and Q. */
function diagOfQtAQ(a: Float64Array, q: Float64Array, n: number): Float64Array {
  const aq = matmulF64(a, q, n, n, n);
  const d = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += q[r * n + c] * aq[r * n + c];
    d[c] = s;
  }
  return d;
}

/** x with its dimension k re-indexed: y[.., j, ..] = x[.., order[j], ..] (torch's index_select). */
function permuteAlong(x: Float64Array, dims: readonly number[], k: number, order: readonly number[]): Float64Array {
  const pre = dims.slice(0, k).reduce((a, b) => a * b, 1), n = dims[k], post = dims.slice(k + 1).reduce((a, b) => a * b, 1);
  const y = new Float64Array(x.length);
  for (let i = 0; i < pre; i++) for (let j = 0; j < n; j++) y.set(x.subarray((i * n + order[j]) * post, (i * n + order[j] + 1) * post), (i * n + j) * post);
  return y;
}
