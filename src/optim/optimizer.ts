/**
 * The stateful optimizer: `optimizer(transform, params).step(grads)` updates the given parameter
 * tensors in place (the same Tensor objects hold the new values).
 *
 * Two ways to run a step, chosen once at construction:
 * - fused: the transform is an alias the backend has a fused kernel for (`fusedSpecOf`)
 *   and all leaves share a dtype; the backend that runs ops (`backendFor()`, obeying
 *   `setBackend`) returns an engine that updates parameters and moments in one pass per step:
 *   the WebAssembly one (src/backend/wasm/fusedEngine.ts: slabs in wasm memory, chunked, split
 *   over threads for large N) or the JS one (src/backend/js/fusedSteps.ts: bit-identical to the
 *   pure path).
 * - "pure": any other transform: `update` + `applyUpdates`, written back into the same tensors.
 * No path allocates memory proportional to the parameter count per step.
 *
 * Non-finite gradients: by default a step applies whatever it is given, as torch.optim does, so a
 * NaN or infinity in `grads` lands in the parameters (and moments) without a word. The option
 * `nonFinite: "skip"` leaves parameters and state untouched for such a step (and counts it in
 * `skipped`); `"throw"` refuses it with a NonFiniteError naming the leaf. Either costs one read of
 * the gradients per step.
 */
import { ArgumentError, NonFiniteError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import type { Backend, Storage } from "../backend/backend.js";
import type { FusedEngine } from "../backend/fused/spec.js";
import { backendFor, backendNamed, dataWritten, readSync } from "../backend/select.js";
import { Tensor } from "../tensor/tensor.js";
import { treeFlattenWithPaths, type Tree } from "../tensor/tree.js";
import { applyUpdates, fusedSpecOf, type GradientTransformation, type OptState } from "./base.js";
import { checkExtra, type ExtraArgs } from "./extraArgs.js";
import { checkLeaves, cloneState } from "./treeMath.js";
import { scheduleValue } from "./validate.js";

/** Where steps run: a fused kernel (wasm, js, or webgpu where the WebGPU backend runs ops) or the pure transform. */
export type OptimizerPath = "wasm" | "js" | "webgpu" | "pure";

export interface OptimizerOptions {
  /** "auto" (default: the fused kernel of the backend that runs ops, when it has one), or force a path. */
  fused?: "auto" | "wasm" | "js" | "pure";
  /**
   * A step whose gradients hold NaN or an infinity: "apply" it (default, as torch.optim: the
   * parameters become non-finite), "skip" it (parameters, state and `count` unchanged; counted in
   * `skipped`), or "throw" a NonFiniteError naming the leaf (nothing changed).
   */
  nonFinite?: "apply" | "skip" | "throw";
  /** @internal the backend whose fused engine runs for "auto" and "wasm" (tests and benches: a specific WebAssembly instance). */
  backend?: Backend;
  /**
   * @internal wasm path: from this many parameters on, a step is split between the calling thread
   * and a pool worker when the kernels have one (default THREAD_MIN_PARAMS in
   * src/backend/wasm/fusedEngine.ts; Infinity: never).
   */
  threadMin?: number;
}

/**
 * A gradient tree for parameters of type P: the same structure (keys, nesting, Tensor leaves),
 * arrays readonly or not. Any tree when P is the general `Tree`.
 */
export type GradsFor<P> = Tree extends P ? Tree
  : P extends Tensor ? Tensor
  : P extends readonly (infer E)[] ? readonly GradsFor<E>[]
  : { readonly [K in keyof P]: GradsFor<P[K]> };

export interface Optimizer<S = OptState, P extends Tree = Tree> {
  /**
   * Applies one update with `grads` (same tree and shapes as params), in place. Non-finite
   * gradients are applied as they are unless the optimizer was built with `nonFinite: "skip"` or
   * `"throw"`; returns false when the step was skipped. `extra` (loss closures, hvp; see
   * ExtraArgs) goes to the transform's `update` for those that need it.
   */
  step(grads: GradsFor<P>, extra?: ExtraArgs): boolean;
  /** Steps skipped for non-finite gradients (`nonFinite: "skip"`). */
  readonly skipped: number;
  /** A snapshot (deep copy) of the state tree, in the transform's own structure. */
  readonly state: S;
  /** Loads a state tree (e.g. from a checkpoint); it must have the structure of `state`. */
  setState(state: S): void;
  /** The parameter tree given at construction (its tensors are updated in place). */
  readonly params: P;
  /** Steps taken. */
  readonly count: number;
  /** Which path runs the steps (under `ready({ backend: "auto" })` it turns from "wasm" to "webgpu" at the first step whose gradients are on the GPU). */
  readonly path: OptimizerPath;
  /** Threads the last step ran on: 2 when the wasm path split it with a pool worker (large N, once the pool is up), else 1. */
  readonly threads: number;
  /** Releases WebAssembly slabs (parameters get their own arrays back). Idempotent. */
  dispose(): void;
}

const OPTIMIZER_KEYS = { fused: true, nonFinite: true, backend: true, threadMin: true } satisfies OptionKeys<OptimizerOptions>;

/**
 * Wraps `transform` and `params` into a stateful optimizer whose `step(grads)` updates the same
 * parameter tensors in place, through a fused kernel when the transform is an alias
 * (`sgd`, `adam`, `adamw`, `adagrad`, `rmsprop`, `lion`, optionally `chain(clipByGlobalNorm(c), alias)`).
 * Like torch.optim, a step applies NaN or infinite gradients as given (the parameters become
 * non-finite); pass `{ nonFinite: "skip" }` to skip such steps or `{ nonFinite: "throw" }` to stop.
 * @example
 * await ready();
 * const x = tensor([3, -2]);
 * const opt = optimizer(adam({ lr: 0.1 }), x);
 * for (let i = 0; i < 5; i++) opt.step(grad((x) => x.square().sum())(x));
 */
export function optimizer<S = OptState, P extends Tree = Tree>(transform: GradientTransformation<S>, params: P, options: OptimizerOptions = {}): Optimizer<S, P> {
  checkOptions("optimizer", options, OPTIMIZER_KEYS);
  const want = options.fused ?? "auto";
  const nonFinite = options.nonFinite ?? "apply";
  if (!["apply", "skip", "throw"].includes(nonFinite)) throw new ArgumentError(`optimizer: nonFinite must be "apply", "skip" or "throw", got ${JSON.stringify(nonFinite)}`);
  if (!["auto", "wasm", "js", "pure"].includes(want)) throw new ArgumentError(`optimizer: fused must be "auto", "wasm", "js" or "pure", got ${JSON.stringify(want)}`);
  const flat = treeFlattenWithPaths(params, "params");
  const leaves = flat.map(([, t]) => t);
  const dtypes = new Set(leaves.map((t) => t.dtype));
  const spec = fusedSpecOf(transform);
  let state = transform.init(params);
  let count = 0;
  let skipped = 0;

  let engine: FusedEngine | null = null;
  if (spec && dtypes.size === 1 && leaves.length > 0 && want !== "pure") {
    const backend = want === "js" ? backendNamed("js") : (options.backend ?? (want === "auto" ? backendFor() : backendNamed(want)));
    if (backend === null) throw new ArgumentError(`optimizer: fused "${want}" requested but the ${want === "wasm" ? "WebAssembly core could not start here (backendInfo().error says why)" : `${want} backend is not available`}`);
    engine = backend.fusedOptimizer({ step: spec, params: leaves, slots: spec.slots(state as OptState), dtype: leaves[0].dtype, threadMin: options.threadMin });
    if (engine === null && want !== "auto") throw new ArgumentError(`optimizer: the ${backend.name} backend has no fused kernel for ${spec.kind} over ${leaves[0].dtype}`);
  } else if (want === "wasm" || want === "js") {
    throw new ArgumentError(`optimizer: fused "${want}" needs an alias transform (sgd, adam, adamw, adagrad, rmsprop, lion) over leaves of one dtype`);
  }
  const gradStorage: Storage[] = leaves.map((t) => t._storage); // reused each step

  const checkGrads = (grads: Tree): Tensor[] => {
    const g = treeFlattenWithPaths(grads, "grads");
    checkLeaves(flat, g, "params", "grads");
    return g.map(([, t]) => t);
  };

  // The parameters were written in place: resident WebAssembly copies of them are stale.
  const written = (): void => leaves.forEach((p) => dataWritten(p));

  /** The first non-finite gradient value, by leaf path, or null. */
  const firstBad = (g: Tensor[]): string | null => {
    for (let l = 0; l < g.length; l++) {
      const d = readSync(g[l], "optimizer.step");
      for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return `grads${flat[l][0] ? `.${flat[l][0]}` : ""} has ${d[i]} at index ${i}`;
    }
    return null;
  };

  return {
    // read from the engine each time: under automatic selection it moves to the GPU with the gradients
    get path(): OptimizerPath { return engine ? engine.path : "pure"; },
    get threads() { return engine?.threads ?? 1; },
    get params() { return params; },
    get count() { return count; },
    get skipped() { return skipped; },
    step(grads: Tree, extra?: ExtraArgs): boolean {
      const g = checkGrads(grads);
      checkExtra("optimizer.step", extra);
      if (nonFinite !== "apply") {
        const bad = firstBad(g);
        if (bad !== null) {
          if (nonFinite === "throw") throw new NonFiniteError(`optimizer.step: step ${count}: ${bad}; the parameters are unchanged (nonFinite: "skip" skips such steps)`);
          skipped++;
          return false;
        }
      }
      if (engine && spec) {
        const lr = scheduleValue("optimizer.step", "lr", spec.lr, count);
        try {
          for (let i = 0; i < g.length; i++) gradStorage[i] = g[i]._storage;
          engine.step(gradStorage, count, lr);
        } finally {
          written();
        }
        count++;
        return true;
      }
      const r = transform.update(grads, state, params, extra);
      const next = treeFlattenWithPaths(applyUpdates(params, r.updates)).map(([, t]) => t);
      leaves.forEach((p, i) => (p._storage = next[i]._storage));
      written();
      state = r.state;
      count++;
      return true;
    },
    get state(): S {
      if (engine && spec) {
        engine.syncOut();
        spec.setCount(state as OptState, count);
      }
      return cloneState(state);
    },
    setState(s: S): void {
      copyState(state, s, "state");
      if (engine && spec) {
        engine.syncIn();
        count = readCount(s);
      } else {
        state = cloneState(s);
        count = readCount(s);
      }
    },
    dispose(): void {
      engine?.dispose();
    },
  };
}

/** Copies every tensor of `src` into the matching tensor of `dst` (same structure), and numbers. */
function copyState(dst: unknown, src: unknown, path: string): void {
  if (dst instanceof Tensor) {
    if (!(src instanceof Tensor)) throw new ArgumentError(`setState: ${path} must be a Tensor`);
    if (src.size !== dst.size || src.dtype !== dst.dtype) throw new ArgumentError(`setState: ${path} has ${src.size} ${src.dtype} values, expected ${dst.size} ${dst.dtype}`);
    dst._storage = backendFor(src).cast(src._storage, src.size, src.dtype); // a copy the state owns
  } else if (Array.isArray(dst)) {
    if (!Array.isArray(src) || src.length !== dst.length) throw new ArgumentError(`setState: ${path} must be an array of ${dst.length}`);
    dst.forEach((d, i) => copyState(d, src[i], `${path}.${i}`));
  } else if (dst !== null && typeof dst === "object") {
    if (src === null || typeof src !== "object") throw new ArgumentError(`setState: ${path} must be an object`);
    for (const k of Object.keys(dst)) {
      if (!(k in src)) throw new ArgumentError(`setState: ${path}.${k} is missing`);
      const v = (src as Record<string, unknown>)[k];
      if (typeof (dst as Record<string, unknown>)[k] === "number") {
        if (typeof v !== "number") throw new ArgumentError(`setState: ${path}.${k} must be a number`);
        (dst as Record<string, unknown>)[k] = v;
      } else copyState((dst as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
  }
}

/** The step count of a state tree: the first numeric `count` field found (0 if none). */
function readCount(s: unknown): number {
  if (s !== null && typeof s === "object" && !(s instanceof Tensor)) {
    if (typeof (s as Record<string, unknown>).count === "number") return (s as Record<string, number>).count;
    for (const v of Object.values(s)) {
      const c = readCount(v);
      if (c > 0) return c;
    }
  }
  return 0;
}

