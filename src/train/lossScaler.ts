/**
 * Dynamic loss scaling for mixed-precision training (as PyTorch's `GradScaler`): the loss is
 * multiplied by a scale S before it is differentiated, so that gradients which would fall below
 * binary16's range while they are stored as binary16 (`ready({ backend: "webgpu", precision:
 * "mixed" })`) keep their digits; the gradients are divided by S again in float32 before the
 * optimizer sees them. A step whose scaled gradients hold NaN or an infinity (S too large) is
 * skipped and S is multiplied by `backoffFactor`; after `growthInterval` finite steps in a row S
 * is multiplied by `growthFactor`. S stays a power of two (with the default factors), so scaling
 * and unscaling are exact in float32: on a float32 backend a scaled run equals the unscaled one.
 *
 *   const scaler = lossScaler();
 *   const { grad } = valueAndGrad((p) => scaler.scale(loss(p)))(params);
 *   await scaler.step(opt, grad);      // unscaled in float32, applied if finite, S adjusted
 *
 * The finiteness check is one awaited read a step (a device scalar on WebGPU). `fit` does not
 * use it (its own steps are not scaled).
 */
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { storedAsBinary16 } from "../backend/select.js";
import { cloneTensor, type Tensor } from "../tensor/tensor.js";
import { treeLeaves, treeMap, type Tree } from "../tensor/tree.js";
import { add, mul } from "../ops/elementwise.js";
import { sum } from "../ops/reduce.js";
import type { ExtraArgs } from "../optim/extraArgs.js";
import type { GradsFor, Optimizer } from "../optim/optimizer.js";

export interface LossScalerOptions {
  /** The first scale (default 2^16, as PyTorch). */
  init?: number;
  /** Multiplies the scale after `growthInterval` finite steps in a row (default 2). */
  growthFactor?: number;
  /** Multiplies the scale after a step with non-finite scaled gradients (default 0.5). */
  backoffFactor?: number;
  /** Finite steps in a row before the scale grows (default 2000). */
  growthInterval?: number;
}

/** What a checkpoint keeps of a loss scaler, to resume it exactly. */
export interface LossScalerState {
  scale: number;
  /** Finite steps since the scale last changed. */
  goodSteps: number;
  /** Steps skipped so far. */
  skipped: number;
}

const KEYS = { init: true, growthFactor: true, backoffFactor: true, growthInterval: true } satisfies OptionKeys<LossScalerOptions>;

export class LossScaler {
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  private s: number;
  private good = 0;
  private skips = 0;

  constructor(options: LossScalerOptions = {}) {
    checkOptions("lossScaler", options, KEYS);
    const checked = (name: keyof LossScalerOptions, v: number, ok: (v: number) => boolean, what: string): number => {
      if (typeof v !== "number" || !ok(v)) throw new ArgumentError(`lossScaler: ${name} must be ${what}, got ${typeof v === "number" ? v : typeof v}`);
      return v;
    };
    this.s = checked("init", options.init ?? 2 ** 16, (v) => Number.isFinite(v) && v > 0, "a positive finite number");
    this.growthFactor = checked("growthFactor", options.growthFactor ?? 2, (v) => Number.isFinite(v) && v >= 1, "a finite number >= 1");
    this.backoffFactor = checked("backoffFactor", options.backoffFactor ?? 0.5, (v) => v > 0 && v < 1, "a number in (0, 1)");
    this.growthInterval = checked("growthInterval", options.growthInterval ?? 2000, (v) => Number.isInteger(v) && v >= 1, "an integer >= 1");
  }

  /** The current scale S. */
  get value(): number {
    return this.s;
  }

  /** Steps skipped so far (non-finite scaled gradients). */
  get skipped(): number {
    return this.skips;
  }

  /** loss * S: the objective to differentiate. */
  scale(loss: Tensor): Tensor {
    return mul(loss, this.s);
  }

  /**
   * The gradients of the scaled loss divided by S, each held in float32: a binary16-stored
   * gradient (mixed precision) is copied to float32 first, so the division cannot flush it.
   */
  unscale<T extends Tree>(grads: T): T {
    const inv = 1 / this.s;
    return treeMap((g) => mul(storedAsBinary16(g) ? cloneTensor(g) : g, inv), grads) as T;
  }

  /**
   * Unscales `grads`, and applies them with `opt.step` when every value is finite; otherwise
   * skips the step (parameters and optimizer state untouched). Then adjusts the scale. Resolves
   * to whether the step was applied. One awaited read of a scalar a call.
   */
  async step<P extends Tree>(opt: Optimizer<any, P>, grads: GradsFor<P>, extra?: ExtraArgs): Promise<boolean> {
    const leaves = treeLeaves(grads as Tree, "lossScaler.step: grads");
    // sum of g * 0: 0 when every value is finite, NaN otherwise (no overflow, unlike a sum of squares)
    let probe: Tensor | null = null;
    for (const g of leaves) {
      const z = sum(mul(g, 0));
      probe = probe === null ? z : add(probe, z);
    }
    const finite = probe === null || Number.isFinite((await probe.data())[0]);
    if (finite) opt.step(this.unscale(grads as Tree) as GradsFor<P>, extra);
    this.update(finite);
    return finite;
  }

  /** Adjusts the scale after a step whose scaled gradients were finite or not (what `step` calls). */
  update(finite: boolean): void {
    if (!finite) {
      this.s *= this.backoffFactor;
      this.good = 0;
      this.skips++;
      return;
    }
    if (++this.good >= this.growthInterval) {
      const grown = this.s * this.growthFactor;
      if (Number.isFinite(grown)) this.s = grown;
      this.good = 0;
    }
  }

  /** The scale, the finite steps since it changed and the skips: for a checkpoint. */
  state(): LossScalerState {
    return { scale: this.s, goodSteps: this.good, skipped: this.skips };
  }

  /** Puts back a `state()`. */
  setState(st: LossScalerState): void {
    if (!(st && Number.isFinite(st.scale) && st.scale > 0 && Number.isInteger(st.goodSteps) && st.goodSteps >= 0 && Number.isInteger(st.skipped) && st.skipped >= 0)) {
      throw new ArgumentError(`lossScaler.setState: expected { scale > 0, goodSteps >= 0, skipped >= 0 } (integers for the counts), got ${JSON.stringify(st)}`);
    }
    this.s = st.scale;
    this.good = st.goodSteps;
    this.skips = st.skipped;
  }
}

/** A dynamic loss scaler (see LossScaler). */
export function lossScaler(options: LossScalerOptions = {}): LossScaler {
  return new LossScaler(options);
}
