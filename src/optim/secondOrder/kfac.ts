/**
 * K-FAC (Martens & Grosse 2015) for `nn.linear` layers, following google-deepmind/kfac-jax:
 * `_src/curvature_estimator/optax_interface.py` (OptaxPreconditioner: curvature EMA, inverse
 * update period, estimation mode "fisher_gradients"), `_src/curvature_blocks/kronecker_factored.py`
 * (DenseTwoKroneckerFactored: the factors, the bias as an extra input of ones),
 * `_src/utils/accumulators.py` (WeightedMovingAverage) and `_src/utils/math.py`
 * (pi_adjusted_kronecker_inverse: factored Tikhonov damping).
 */
import { ArgumentError } from "../../errors.js";
import { readSync } from "../../backend/select.js";
import { logSoftmax } from "../../ops/activation.js";
import { Rng } from "../../tensor/random.js";
import { Tensor } from "../../tensor/tensor.js";
import { treeFlattenWithPaths, treeUnflatten, type Tree } from "../../tensor/tree.js";
import { inversePthRoot } from "../../linalg/index.js";
import { chain, needParams, type GradientTransformation, type OptState } from "../base.js";
import { sgd, type LearningRate } from "../alias.js";
import { needExtra, restrictExtra } from "../extraArgs.js";
import { scaleByLearningRate } from "../transforms/scale.js";
import { trace } from "../transforms/trace.js";
import { checkKnown, learningRate, nonNegative, positiveInt, unitInterval } from "../validate.js";
import { matmulF64, tensorFrom, valuesF64 } from "./kronecker.js";
import { rngFrom, rngStateOf, sampleSoftmax, type RngState } from "./sampling.js";

export interface KfacOptions {
  /** Learning rate or schedule of the preconditioned step (default 1e-3). */
  lr?: LearningRate;
  /** Momentum on the preconditioned step, b ← μ·b + u (optax sgd's; default 0). */
  momentum?: number;
  /** Tikhonov damping λ of F ≈ A ⊗ G, distributed over the factors (π-adjusted; default 1e-3). */
  damping?: number;
  /** Decay of the factors' moving averages (default 0.95). */
  curvatureEma?: number;
  /** Steps between recomputations of the damped factors' inverses (default 5). */
  inverseUpdatePeriod?: number;
  /** Transform for the parameters K-FAC does not model (not in a linear layer); default sgd({ lr, momentum }). */
  fallback?: GradientTransformation<any>;
  /** Seed of the labels sampled from the model for the Fisher (default 0); the generator is in the state. */
  seed?: number;
}

export interface KfacLayerState {
  /** E[ā āᵀ] of the layer's inputs (ā = [a, 1] with a bias), float64, (in + 1) x (in + 1). */
  a: Tensor;
  /** E[g gᵀ] of the gradients with respect to its outputs, float64, out x out. */
  g: Tensor;
  /** Total weight of the moving averages (kfac-jax's WeightedMovingAverage.weight). */
  weight: number;
  /** (A + π√λ I)⁻¹ and (G + √λ/π I)⁻¹ as of the last recomputation. */
  aInv: Tensor;
  gInv: Tensor;
}

export interface KfacState {
  count: number;
  /** One entry per modeled linear layer, in canonical tree order of their weights. */
  layers: KfacLayerState[];
  /** State of the momentum + learning-rate chain over the modeled leaves. */
  modeled: OptState;
  /** The fallback transform's state over the other leaves. */
  fallback: OptState;
  rng: RngState;
}

interface Layer { path: string; w: number; b: number; inDim: number; outDim: number }

/** The nn.linear layers of a parameter tree: objects {w: [in, out]} or {w, b: [out]}; leaf indices in canonical order. */
function linearLayers(params: Tree): { layers: Layer[]; leafCount: number } {
  const leaves = treeFlattenWithPaths(params, "params");
  const index = new Map(leaves.map(([p], i) => [p, i]));
  const layers: Layer[] = [];
  const join = (path: string, k: string) => (path ? `${path}.${k}` : k);
  const visit = (t: unknown, path: string): void => {
    if (t instanceof Tensor || t === null || typeof t !== "object") return;
    if (Array.isArray(t)) return t.forEach((c, i) => visit(c, join(path, String(i))));
    const o = t as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    const w = o.w, b = o.b;
    // linear {w: [in, out]} or conv2d {w: [kh, kw, in, out]}, read as [kh * kw * in, out] (its patches' linear map)
    const out = w instanceof Tensor && (w.rank === 2 || w.rank === 4) ? w.shape[w.rank - 1] : -1;
    if (out > 0 && (keys.join() === "w" || (keys.join() === "b,w" && b instanceof Tensor && b.rank === 1 && b.shape[0] === out))) {
      layers.push({ path, w: index.get(join(path, "w"))!, b: b instanceof Tensor ? index.get(join(path, "b"))! : -1, inDim: (w as Tensor).size / out, outDim: out });
      return;
    }
    for (const k of keys) visit(o[k], join(path, k));
  };
  visit(params, "");
  layers.sort((x, y) => x.w - y.w);
  return { layers, leafCount: leaves.length };
}

/**
 * K-FAC for the model's `nn.linear` and `nn.conv2d` layers (for a conv layer KFC, Grosse &
 * Martens 2016: its weight [kh, kw, in, out] read as [kh·kw·in, out] over its patch rows, A summed
 * over an example's T output locations, G averaged over them). Each layer's Fisher block is approximated by A ⊗ G,
 *   A = E[ā āᵀ] (ā = [a, 1], the layer's input and a one for the bias),  G = E[g gᵀ] (g = ∂(−log p(ŷ|x))/∂s
 *   for the layer's outputs s = a W + b, with labels ŷ sampled from the model's softmax: kfac-jax's
 *   "fisher_gradients"), expectations over the step's rows, then moving averages with decay 0.95
 *   normalised by their total weight (kfac-jax's WeightedMovingAverage: A_1 = the first batch's);
 *   every inverseUpdatePeriod steps (from the first): π = √((tr A/dim A) / (tr G/dim G)),
 *   Ā⁻¹ = (A + π√λ I)⁻¹, Ḡ⁻¹ = (G + (√λ/π) I)⁻¹   (π-adjusted factored Tikhonov damping)
 *   [∇W; ∇b] ← Ā⁻¹ [∇W; ∇b] Ḡ⁻¹                 (= (Ā ⊗ Ḡ)⁻¹ vec(∇) for the row-major [in + 1, out] gradient)
 *   u = −lr·(momentum trace of the preconditioned gradient)
 * Parameters outside linear layers (batch-norm scales, ...) get the `fallback` transform
 * (default sgd({ lr, momentum })). The captures come from the extra channel
 * (`extra.captureLinear`, which `fit` supplies for nn models; one extra forward pass in
 * evaluation mode and one forward-backward pass on sampled labels per step). The model's outputs
 * must be logits of a softmax classifier (crossEntropy). K-FAC must see the whole parameter tree
 * (it finds the layers by their {w, b} structure), so do not wrap it in masked/partition.
 * @param options.lr (1e-3) @param options.momentum (0) @param options.damping (1e-3)
 * @param options.curvatureEma (0.95) @param options.inverseUpdatePeriod (5) @param options.fallback (sgd)
 * @param options.seed (0)
 * @see https://arxiv.org/abs/1503.05671
 * @see https://github.com/google-deepmind/kfac-jax/blob/main/kfac_jax/_src/curvature_estimator/optax_interface.py
 * @example
 * const model = nn.sequential([nn.linear(4, 16), nn.tanh(), nn.linear(16, 3)]);
 * await fit(model, { x, y }, { optimizer: kfac({ lr: 0.05, momentum: 0.9 }), epochs: 5 });
 */
export function kfac(options: KfacOptions = {}): GradientTransformation<KfacState> {
  const where = "kfac";
  checkKnown(where, options, ["lr", "momentum", "damping", "curvatureEma", "inverseUpdatePeriod", "fallback", "seed"]);
  const lr = learningRate(where, options.lr ?? 1e-3);
  const momentum = unitInterval(where, "momentum", options.momentum ?? 0);
  const damping = nonNegative(where, "damping", options.damping ?? 1e-3);
  const ema = unitInterval(where, "curvatureEma", options.curvatureEma ?? 0.95);
  const period = positiveInt(where, "inverseUpdatePeriod", options.inverseUpdatePeriod ?? 5);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new ArgumentError(`kfac: seed must be an integer, got ${String(seed)}`);
  const fallback = options.fallback ?? sgd({ lr: options.lr ?? 1e-3, momentum });
  if (!fallback || typeof fallback.init !== "function" || typeof fallback.update !== "function") throw new ArgumentError("kfac: fallback must be a GradientTransformation");
  const modeledTx = chain(...(momentum > 0 ? [trace({ decay: momentum })] : []), scaleByLearningRate(lr));

  const split = (params: Tree) => {
    const { layers, leafCount } = linearLayers(params);
    const modeled = new Array<boolean>(leafCount).fill(false);
    for (const l of layers) { modeled[l.w] = true; if (l.b >= 0) modeled[l.b] = true; }
    return { layers, modeled };
  };
  const pick = (leaves: Tensor[], keep: boolean[], want: boolean) => leaves.filter((_, i) => keep[i] === want);

  return {
    init(params) {
      const { layers, modeled } = split(params);
      const leaves = treeFlattenWithPaths(params, "params").map(([, t]) => t);
      const eye = (n: number) => { const e = new Float64Array(n * n); for (let i = 0; i < n; i++) e[i * n + i] = 1; return tensorFrom(e, [n, n], "float64"); };
      return {
        count: 0,
        layers: layers.map((l) => {
          const da = l.inDim + (l.b >= 0 ? 1 : 0);
          return { a: tensorFrom(new Float64Array(da * da), [da, da], "float64"), g: tensorFrom(new Float64Array(l.outDim * l.outDim), [l.outDim, l.outDim], "float64"), weight: 0, aInv: eye(da), gInv: eye(l.outDim) };
        }),
        modeled: modeledTx.init(pick(leaves, modeled, true)),
        fallback: fallback.init(pick(leaves, modeled, false)),
        rng: rngStateOf(new Rng(seed)),
      };
    },
    update(g, state, params, extra) {
      const p = needParams(where, params);
      const { layers, modeled } = split(p);
      const gl = treeFlattenWithPaths(g, "updates").map(([, t]) => t);
      const pl = treeFlattenWithPaths(p, "params").map(([, t]) => t);
      if (gl.length !== pl.length) throw new ArgumentError(`kfac.update: updates have ${gl.length} leaves, params ${pl.length}`);
      if (!state || !Array.isArray(state.layers) || state.layers.length !== layers.length) throw new ArgumentError(`kfac.update: state must come from kfac's init over these params (${layers.length} linear layers)`);
      const out = gl.slice();
      const nextLayers: KfacLayerState[] = [];
      let rngState = state.rng;
      if (layers.length > 0) {
        const capture = needExtra(where, extra, "captureLinear", "the layers' inputs and output gradients");
        const rng = rngFrom(rngState);
        const caps = new Map(capture(p, (outputs) => sampledNll(outputs, rng)).map((c) => [c.path, c]));
        rngState = rngStateOf(rng);
        const refresh = state.count % period === 0;
        const pre: Tensor[] = [];
        layers.forEach((l, li) => {
          const c = caps.get(l.path);
          if (!c) throw new ArgumentError(`kfac: extra.captureLinear returned no capture for the linear layer at ${l.path || "(root)"}`);
          const bias = l.b >= 0;
          const da = l.inDim + (bias ? 1 : 0), dg = l.outDim;
          const a = readSync(c.inputs, where), dy = readSync(c.outputGrads, where);
          const n = c.inputs.shape[0];
          if (c.inputs.size !== n * l.inDim || c.outputGrads.size !== n * dg) throw new ArgumentError(`kfac: the capture of layer ${l.path || "(root)"} has inputs ${c.inputs.shape} and output gradients ${c.outputGrads.shape}, expected [N, ${l.inDim}] and [N, ${dg}]`);
          const st = state.layers[li];
          // batch statistics, then the weighted moving averages
          const aStat = new Float64Array(da * da), gStat = new Float64Array(dg * dg);
          const row = new Float64Array(da);
          for (let r = 0; r < n; r++) {
            for (let i = 0; i < l.inDim; i++) row[i] = a[r * l.inDim + i];
            if (bias) row[l.inDim] = 1;
            for (let i = 0; i < da; i++) for (let j = i; j < da; j++) aStat[i * da + j] += row[i] * row[j];
            for (let i = 0; i < dg; i++) for (let j = i; j < dg; j++) gStat[i * dg + j] += dy[r * dg + i] * dy[r * dg + j];
          }
          // KFC (Grosse & Martens 2016) for conv layers, T = c.locations patch rows per example:
          // A = E[Σ_t ā_t ā_tᵀ] (summed over locations), G = E[(1/T) Σ_t g_t g_tᵀ]; T = 1 is K-FAC's linear case
          const loc = c.locations ?? 1;
          symmetrize(aStat, da, loc / n);
          symmetrize(gStat, dg, 1 / n);
          const weight = ema * st.weight + 1;
          const eta = 1 / weight;
          const A = valuesF64(st.a, where), G = valuesF64(st.g, where);
          for (let i = 0; i < A.length; i++) A[i] = (1 - eta) * A[i] + eta * aStat[i];
          for (let i = 0; i < G.length; i++) G[i] = (1 - eta) * G[i] + eta * gStat[i];
          let aInv = st.aInv, gInv = st.gInv;
          if (refresh) {
            const [ai, gi] = dampedInverses(A, da, G, dg, damping);
            aInv = tensorFrom(ai, [da, da], "float64");
            gInv = tensorFrom(gi, [dg, dg], "float64");
          }
          nextLayers.push({ a: tensorFrom(A, [da, da], "float64"), g: tensorFrom(G, [dg, dg], "float64"), weight, aInv, gInv });
          // [∇W; ∇b] ← Ā⁻¹ [∇W; ∇b] Ḡ⁻¹
          const grad = new Float64Array(da * dg);
          grad.set(readSync(gl[l.w], where));
          if (bias) grad.set(readSync(gl[l.b], where), l.inDim * dg);
          const P = matmulF64(matmulF64(valuesF64(aInv, where), grad, da, da, dg), valuesF64(gInv, where), da, dg, dg);
          out[l.w] = tensorFrom(P.subarray(0, l.inDim * dg), gl[l.w].shape, gl[l.w].dtype);
          if (bias) out[l.b] = tensorFrom(P.subarray(l.inDim * dg), gl[l.b].shape, gl[l.b].dtype);
        });
        for (let i = 0; i < out.length; i++) if (modeled[i]) pre.push(out[i]);
        const r = modeledTx.update(pre, state.modeled as OptState[], pick(pl, modeled, true));
        const u = treeFlattenWithPaths(r.updates).map(([, t]) => t);
        let k = 0;
        for (let i = 0; i < out.length; i++) if (modeled[i]) out[i] = u[k++];
        state = { ...state, modeled: r.state };
      }
      let fallbackState = state.fallback;
      if (modeled.some((m) => !m)) {
        const keep = modeled.map((m) => !m);
        const r = fallback.update(pick(gl, modeled, false), state.fallback, pick(pl, modeled, false), restrictExtra(extra, p, keep));
        const u = treeFlattenWithPaths(r.updates).map(([, t]) => t);
        let k = 0;
        for (let i = 0; i < out.length; i++) if (!modeled[i]) out[i] = u[k++];
        fallbackState = r.state;
      }
      return { updates: treeUnflatten(g, out), state: { count: state.count + 1, layers: nextLayers, modeled: state.modeled, fallback: fallbackState, rng: rngState } };
    },
  };
}

/** Fills the lower triangle from the upper one and scales by `s`. */
function symmetrize(m: Float64Array, n: number, s: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = m[i * n + j] * s;
      m[i * n + j] = v;
      m[j * n + i] = v;
    }
  }
}

/**
 * π-adjusted factored Tikhonov damping (Martens & Grosse 2015, §6.3; kfac-jax
 * pi_adjusted_kronecker_inverse with two factors): with the factors' average diagonals
 * n_A = tr A / dim A, n_G = tr G / dim G and π = √(n_A / n_G),
 * (A + π√λ I)⁻¹ and (G + (√λ/π) I)⁻¹; their Kronecker product approximates (A ⊗ G + λ I)⁻¹.
 * π = 1 when either factor is zero.
 */
export function dampedInverses(A: Float64Array, da: number, G: Float64Array, dg: number, damping: number): [Float64Array, Float64Array] {
  let ta = 0, tg = 0;
  for (let i = 0; i < da; i++) ta += A[i * da + i];
  for (let i = 0; i < dg; i++) tg += G[i * dg + i];
  const na = ta / da, ng = tg / dg;
  const pi = na > 0 && ng > 0 ? Math.sqrt(na / ng) : 1;
  const s = Math.sqrt(damping);
  const Ad = Float64Array.from(A), Gd = Float64Array.from(G);
  for (let i = 0; i < da; i++) Ad[i * da + i] += pi * s;
  for (let i = 0; i < dg; i++) Gd[i * dg + i] += s / pi;
  return [inversePthRoot(Ad, da, 1), inversePthRoot(Gd, dg, 1)];
}

/**
 * −Σ_b log softmax(z_b)[ŷ_b] with ŷ_b drawn from softmax(z_b) (rows b of the logits, classes on
 * the last axis): the loss whose output gradients give the Fisher's G (kfac-jax's "fisher_gradients"
 * for a categorical likelihood). Per row, not averaged: G = E[g gᵀ] over rows.
 */
function sampledNll(outputs: Tensor, rng: Rng): Tensor {
  const z = readSync(outputs, "kfac");
  const c = outputs.rank === 0 ? 1 : outputs.shape[outputs.rank - 1];
  const { labels } = sampleSoftmax(z, c, rng);
  const onehot = new Float64Array(z.length);
  labels.forEach((label, b) => (onehot[b * c + label] = 1));
  return logSoftmax(outputs, -1).mul(tensorFrom(onehot, outputs.shape, outputs.dtype)).sum().neg();
}
