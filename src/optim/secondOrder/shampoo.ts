/**
 * Shampoo (Gupta et al. 2018; Anil et al. 2020), following facebookresearch/optimizers'
 * `distributed_shampoo/distributed_shampoo.py` (DistributedShampoo: step, filtered gradient,
 * grafting, weight decay), `preconditioner/shampoo_preconditioner_list.py` (factor matrices and
 * their roots), `preconditioner/adagrad_preconditioner_list.py` (grafting),
 * `preconditioner/matrix_functions.py` (the inverse root) and `utils/shampoo_utils.py`
 * (merge_small_dims, multi_dim_split), single device, default root-inverse preconditioner.
 */
import { ArgumentError } from "../../errors.js";
import type { Tensor } from "../../tensor/tensor.js";
import { needParams, type GradientTransformation } from "../base.js";
import type { LearningRate } from "../alias.js";
import { matchedLeaves } from "../treeMath.js";
import { bool, checkKnown, learningRate, nonNegative, positiveInt, scheduleValue, unitInterval } from "../validate.js";
import { eyeF64, gatherBlock, mergeSmallDims, modeGram, modeProduct, scatterBlock, splitBlocks, stabilizedInverseRoot, tensorFrom, valuesF64, type Block } from "./kronecker.js";
import { treeUnflatten } from "../../tensor/tree.js";

/** The diagonal method whose per-block norm the Shampoo step takes (distributed_shampoo's grafting configs). */
export type ShampooGraftingConfig =
  | { type: "sgd" }
  | { type: "adagrad"; epsilon?: number }
  | { type: "rmsprop"; beta2?: number; epsilon?: number }
  | { type: "adam"; beta2?: number; epsilon?: number };

export interface ShampooOptions {
  /** Learning rate or schedule (default 1e-2). */
  lr?: LearningRate;
  /** [beta1, beta2]: beta1 filters the gradient (EMA), beta2 the factor matrices (1: sums, AdaGrad-like). Default [0.9, 1.0]. */
  betas?: readonly [number, number];
  /** EMA weight of the current gradient in the step's filtered gradient; -1 means beta1 (default -1). */
  beta3?: number;
  /** Added to the factor matrices' diagonal before the root (default 1e-12). */
  epsilon?: number;
  /** Weight decay coefficient (default 0). */
  weightDecay?: number;
  /** "decoupled" (default): added to the preconditioned step; "l2": added to the gradient first. */
  weightDecayType?: "decoupled" | "l2";
  /** Largest factor matrix; larger dimensions are cut into blocks of this size (default 1024; Infinity: no blocking). */
  maxPreconditionerDim?: number;
  /** Steps between recomputations of the inverse roots (default 1). */
  preconditionFrequency?: number;
  /** First step with Shampoo's roots; before it the grafted method (or the identity) steps. -1 means preconditionFrequency (default -1). */
  startPreconditioningStep?: number;
  /** Bias-correct the filtered gradient and (beta2 < 1) the factor matrices (default true). */
  useBiasCorrection?: boolean;
  /** Grafting: the step takes this method's norm, block by block (default null: none). */
  graftingConfig?: ShampooGraftingConfig | null;
  /** Merge adjacent dimensions (product <= maxPreconditionerDim) until this many are left (default 1, the reference's; Infinity: never). */
  targetParameterDimensionality?: number;
}

export interface ShampooBlockState {
  /** One n x n float64 statistic per dimension of the block (L, R for a matrix). */
  factorMatrices: Tensor[];
  /** Their inverse roots (F + eps I)^(-1/(2k)), identity until the first recomputation. */
  invFactorMatrices: Tensor[];
}
export interface ShampooLeafState {
  blocks: ShampooBlockState[];
  /** EMA of the gradient (present when beta1 > 0). */
  filteredGrad?: Tensor;
  /** The grafted method's second-moment accumulator (present for adagrad/rmsprop/adam grafting). */
  graftingAccumulator?: Tensor;
}
/** `preconditioners` has one entry per parameter leaf, in canonical tree order. */
export interface ShampooState { count: number; preconditioners: ShampooLeafState[] }

const GRAFT_DEFAULTS = { adagrad: { beta2: 1, epsilon: 1e-10 }, rmsprop: { beta2: 0.99, epsilon: 1e-10 }, adam: { beta2: 0.999, epsilon: 1e-10 } } as const;

interface Graft { kind: "sgd" | "adagrad" | "rmsprop" | "adam"; beta2: number; epsilon: number }

function graftOf(cfg: unknown): Graft | null {
  if (cfg === null || cfg === undefined) return null;
  if (typeof cfg !== "object" || !["sgd", "adagrad", "rmsprop", "adam"].includes((cfg as { type: string }).type)) {
    throw new ArgumentError(`shampoo: graftingConfig must be null or { type: "sgd" | "adagrad" | "rmsprop" | "adam", ... }, got ${JSON.stringify(cfg)}`);
  }
  const c = cfg as { type: Graft["kind"]; beta2?: number; epsilon?: number };
  if (c.type === "sgd") {
    checkKnown("shampoo: graftingConfig", c, ["type"]);
    return { kind: "sgd", beta2: 1, epsilon: 0 };
  }
  checkKnown("shampoo: graftingConfig", c, c.type === "adagrad" ? ["type", "epsilon"] : ["type", "beta2", "epsilon"]);
  const d = GRAFT_DEFAULTS[c.type];
  const beta2 = c.type === "adagrad" ? 1 : unitInterval("shampoo: graftingConfig", "beta2", c.beta2 ?? d.beta2);
  const epsilon = finitePositiveNumber("shampoo: graftingConfig", "epsilon", c.epsilon ?? d.epsilon);
  return { kind: c.type, beta2, epsilon };
}

function finitePositiveNumber(where: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) throw new ArgumentError(`${where}: ${name} must be a finite number > 0, got ${String(v)}`);
  return v;
}

function intOrInfinity(where: string, name: string, v: unknown): number {
  if (v === Infinity) return v;
  return positiveInt(where, name, v);
}

/**
 * Shampoo with distributed_shampoo's defaults. Per parameter: merge small dimensions, cut into
 * blocks of at most `maxPreconditionerDim` per dimension; per block G of order k (t = step, from 1):
 *   G ← G + wd·W                                      (weightDecayType "l2")
 *   F_i ← β2·F_i + w·G_(i) G_(i)ᵀ  for each dimension i (w = 1 when β2 = 1, else 1 − β2; a matrix:
 *          L ← L + G Gᵀ, R ← R + Gᵀ G at the default β2 = 1)
 *   every preconditionFrequency steps from startPreconditioningStep on:
 *          F̃_i = (F_i / (1 − β2^t) when β2 < 1) + eps·I,  P_i = F̃_i^(−1/(2k))   (eigendecomposition;
 *          a non-PSD F̃_i has its spectrum shifted up to eps first)
 *   M ← β1·M + (1 − β1)·G;  Ḡ = (β3·M_old + (1 − β3)·G, = M when β3 = β1) / (1 − β3·β1^(t−1))
 *   D = Ḡ ×_1 P_1 ⋯ ×_k P_k                            (a matrix: D = L^(−1/4) Ḡ R^(−1/4); a vector: D = L^(−1/2) ḡ)
 *   grafting: D ← D · ‖D_graft‖ / (‖D‖ + 1e-16),  D_graft = Ḡ (sgd) or Ḡ / (√(V/bc) + ε_g) with
 *          V ← β_g·V + w_g·G² (adagrad β_g = w_g = 1; rmsprop w_g = 1 − β_g; adam also bc = 1 − β_g^t);
 *          before startPreconditioningStep the step is D_graft itself
 *   D ← D + wd·W                                      (weightDecayType "decoupled")
 *   u = −lr·D
 * Before the first root (and without grafting) the roots are the identity, so the step is −lr·Ḡ.
 * By default (targetParameterDimensionality 1) a parameter whose dimensions multiply to at most
 * maxPreconditionerDim is merged to a vector and gets full-matrix AdaGrad's (Σ g gᵀ + eps I)^(−1/2):
 * pass `targetParameterDimensionality: 2` to keep matrices as matrices. 1-D parameters (biases) are
 * order-1 blocks with one n x n factor and root 2, as the reference. Factor matrices and roots are
 * float64 tensors in the state; the step's work is dense float64 on the CPU (for layers up to a few
 * thousand per dimension).
 * @param options.lr (1e-2)  @param options.betas ([0.9, 1.0])  @param options.beta3 (-1: beta1)
 * @param options.epsilon (1e-12)  @param options.weightDecay (0)  @param options.weightDecayType ("decoupled")
 * @param options.maxPreconditionerDim (1024)  @param options.preconditionFrequency (1)
 * @param options.startPreconditioningStep (-1: preconditionFrequency)  @param options.useBiasCorrection (true)
 * @param options.graftingConfig (null; e.g. { type: "adam", beta2: 0.999, epsilon: 1e-10 })
 * @param options.targetParameterDimensionality (1)
 * @see https://arxiv.org/abs/1802.09568 @see https://arxiv.org/abs/2309.06497
 * @see https://github.com/facebookresearch/optimizers/blob/main/distributed_shampoo/distributed_shampoo.py
 * @example
 * const w = randn([8, 4], { seed: 0, dtype: "float64" });
 * const opt = optimizer(shampoo({ lr: 0.1, graftingConfig: { type: "adagrad" }, targetParameterDimensionality: 2 }), w);
 * for (let i = 0; i < 5; i++) opt.step(grad((w) => w.square().sum())(w));
 */
export function shampoo(options: ShampooOptions = {}): GradientTransformation<ShampooState> {
  const where = "shampoo";
  checkKnown(where, options, ["lr", "betas", "beta3", "epsilon", "weightDecay", "weightDecayType", "maxPreconditionerDim", "preconditionFrequency", "startPreconditioningStep", "useBiasCorrection", "graftingConfig", "targetParameterDimensionality"]);
  const lr = learningRate(where, options.lr ?? 1e-2);
  const betas = options.betas ?? [0.9, 1.0];
  if (!Array.isArray(betas) || betas.length !== 2) throw new ArgumentError(`shampoo: betas must be [beta1, beta2], got ${JSON.stringify(betas)}`);
  const beta1 = unitInterval(where, "betas[0]", betas[0]);
  const beta2 = betas[1] === 1 ? 1 : unitInterval(where, "betas[1] (or exactly 1)", betas[1]);
  const beta3 = options.beta3 === undefined || options.beta3 === -1 ? beta1 : unitInterval(where, "beta3", options.beta3);
  const eps = finitePositiveNumber(where, "epsilon", options.epsilon ?? 1e-12);
  const wd = nonNegative(where, "weightDecay", options.weightDecay ?? 0);
  const wdType = options.weightDecayType ?? "decoupled";
  if (wdType !== "decoupled" && wdType !== "l2") throw new ArgumentError(`shampoo: weightDecayType must be "decoupled" or "l2", got ${JSON.stringify(wdType)}`);
  const maxDim = intOrInfinity(where, "maxPreconditionerDim", options.maxPreconditionerDim ?? 1024);
  const freq = positiveInt(where, "preconditionFrequency", options.preconditionFrequency ?? 1);
  const startOpt = options.startPreconditioningStep ?? -1;
  const start = startOpt === -1 ? freq : positiveInt(where, "startPreconditioningStep", startOpt);
  if (start < freq) throw new ArgumentError(`shampoo: startPreconditioningStep (${start}) must be >= preconditionFrequency (${freq}), or -1`);
  const useBiasCorrection = bool(where, "useBiasCorrection", options.useBiasCorrection ?? true);
  const graft = graftOf(options.graftingConfig);
  const target = intOrInfinity(where, "targetParameterDimensionality", options.targetParameterDimensionality ?? 1);
  const weighting = beta2 === 1 ? 1 : 1 - beta2;

  const layout = (shape: readonly number[]) => {
    const dims = mergeSmallDims(shape, maxDim, target);
    return { dims, blocks: splitBlocks(dims, maxDim) };
  };
  const zerosF64 = (n: number) => tensorFrom(new Float64Array(n * n), [n, n], "float64");

  return {
    init(params) {
      const { leaves } = matchedLeaves([params], ["params"]);
      return {
        count: 0,
        preconditioners: leaves[0].map((p) => {
          const leaf: ShampooLeafState = {
            blocks: layout(p.shape).blocks.map((b) => ({
              factorMatrices: b.dims.map((n) => zerosF64(n)),
              invFactorMatrices: b.dims.map((n) => tensorFrom(eyeF64(n), [n, n], "float64")),
            })),
          };
          if (beta1 !== 0) leaf.filteredGrad = tensorFrom(new Float64Array(p.size), p.shape, p.dtype);
          if (graft && graft.kind !== "sgd") leaf.graftingAccumulator = tensorFrom(new Float64Array(p.size), p.shape, p.dtype);
          return leaf;
        }),
      };
    },
    update(g, state, params) {
      const p = needParams(where, params);
      const { leaves } = matchedLeaves([g, p], ["updates", "params"]);
      if (!state || !Array.isArray(state.preconditioners) || state.preconditioners.length !== leaves[0].length) {
        throw new ArgumentError(`shampoo.update: state must come from shampoo's init over ${leaves[0].length} parameter leaves`);
      }
      const t = state.count + 1;
      const step = scheduleValue(where, "lr", lr, state.count);
      const amortize = (t % freq === 0 && t > start) || t === start;
      const graftOnly = graft !== null && t < start;
      const bc2 = useBiasCorrection && beta2 < 1 ? 1 - Math.pow(beta2, t) : 1;
      const bc1 = useBiasCorrection && beta1 !== 0 ? 1 - beta3 * Math.pow(beta1, t - 1) : 1;
      const graftBc = graft?.kind === "adam" ? 1 - Math.pow(graft.beta2, t) : 1;

      const updates: Tensor[] = [];
      const next: ShampooLeafState[] = [];
      leaves[0].forEach((gt, l) => {
        const pt = leaves[1][l];
        const st = state.preconditioners[l];
        const W = valuesF64(pt, where);
        const G = valuesF64(gt, where);
        if (wd > 0 && wdType === "l2") for (let i = 0; i < G.length; i++) G[i] += wd * W[i];
        const { dims, blocks } = layout(pt.shape);
        if (st.blocks.length !== blocks.length) throw new ArgumentError(`shampoo.update: state of leaf ${l} has ${st.blocks.length} blocks, its shape needs ${blocks.length}`);

        // 1. statistics, and the roots when due
        const blockStates = blocks.map((b, bi) => updateBlock(b, st.blocks[bi], gatherBlock(G, dims, b)));
        const out: ShampooLeafState = { blocks: blockStates.map((s) => s.state) };

        // 2. the grafted method's accumulator, elementwise
        let V: Float64Array | null = null;
        if (graft && graft.kind !== "sgd") {
          V = valuesF64(st.graftingAccumulator!, where);
          const wg = graft.kind === "adagrad" ? 1 : 1 - graft.beta2;
          for (let i = 0; i < V.length; i++) V[i] = (graft.beta2 !== 1 ? graft.beta2 * V[i] : V[i]) + wg * G[i] * G[i];
          out.graftingAccumulator = tensorFrom(V, pt.shape, pt.dtype);
        }

        // 3. the filtered gradient Ḡ
        let Gbar = G;
        if (beta1 !== 0) {
          const M = valuesF64(st.filteredGrad!, where);
          Gbar = new Float64Array(G.length);
          for (let i = 0; i < G.length; i++) {
            const m = M[i] + (1 - beta1) * (G[i] - M[i]);
            Gbar[i] = beta3 !== beta1 ? M[i] + (1 - beta3) * (G[i] - M[i]) : m;
            M[i] = m;
          }
          out.filteredGrad = tensorFrom(M, pt.shape, pt.dtype);
          if (bc1 !== 1) for (let i = 0; i < Gbar.length; i++) Gbar[i] /= bc1;
        }

        // 4. precondition block by block, graft
        const D = new Float64Array(G.length);
        blocks.forEach((b, bi) => {
          const gb = gatherBlock(Gbar, dims, b);
          const graftDir = graft ? graftDirection(gb, V ? gatherBlock(V, dims, b) : null) : null;
          let db: Float64Array;
          if (graftOnly) db = graftDir!;
          else {
            db = gb;
            blockStates[bi].inverses.forEach((inv, k) => (db = modeProduct(db, b.dims, k, inv)));
            if (graftDir) {
              const s = norm(graftDir) / (norm(db) + 1e-16);
              for (let i = 0; i < db.length; i++) db[i] *= s;
            }
          }
          scatterBlock(D, dims, b, db);
        });

        // 5. decoupled weight decay, learning rate
        if (wd > 0 && wdType === "decoupled") for (let i = 0; i < D.length; i++) D[i] += wd * W[i];
        for (let i = 0; i < D.length; i++) D[i] *= -step;
        updates.push(tensorFrom(D, pt.shape, pt.dtype));
        next.push(out);
      });
      return { updates: treeUnflatten(g, updates), state: { count: t, preconditioners: next } };

      function updateBlock(b: Block, bs: ShampooBlockState, gb: Float64Array): { state: ShampooBlockState; inverses: Float64Array[] } {
        const root = 2 * Math.max(b.dims.length, 1);
        const factors: Tensor[] = [], invs: Tensor[] = [], inverses: Float64Array[] = [];
        b.dims.forEach((n, k) => {
          const F = valuesF64(bs.factorMatrices[k], where);
          const gram = modeGram(gb, b.dims, k);
          for (let i = 0; i < F.length; i++) F[i] = (beta2 !== 1 ? beta2 * F[i] : F[i]) + weighting * gram[i];
          factors.push(tensorFrom(F, [n, n], "float64"));
          if (amortize) {
            const corrected = bc2 === 1 ? F : F.map((v) => v / bc2);
            const inv = stabilizedInverseRoot(corrected, n, root, eps);
            invs.push(tensorFrom(inv, [n, n], "float64"));
            inverses.push(inv);
          } else {
            invs.push(bs.invFactorMatrices[k]);
            inverses.push(valuesF64(bs.invFactorMatrices[k], where));
          }
        });
        return { state: { factorMatrices: factors, invFactorMatrices: invs }, inverses };
      }

      function graftDirection(gb: Float64Array, vb: Float64Array | null): Float64Array {
        if (!vb) return Float64Array.from(gb); // sgd
        const out = new Float64Array(gb.length);
        for (let i = 0; i < gb.length; i++) out[i] = gb[i] / (Math.sqrt(vb[i] / graftBc) + graft!.epsilon);
        return out;
      }
    },
  };
}

function norm(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}
