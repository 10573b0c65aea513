/**
 * The stateful optimizer: `optimizer(transform, params).step(grads)` updates the given parameter
 * tensors in place (the same Tensor objects hold the new values).
 *
 * Two ways to run a step, chosen once at construction:
 * - fused: the transform is an alias the backend has a fused kernel for (its `fused` descriptor)
 *   and all leaves share a dtype; the backend that runs ops (`backendFor()`, obeying
 *   `setBackend`) returns an engine that updates parameters and moments in one pass per step:
 *   the WebAssembly one (src/backend/wasm/fusedEngine.ts: slabs in wasm memory, chunked, split
 *   over threads for large N) or the JS one (src/backend/js/fusedSteps.ts: bit-identical to the
 *   pure path).
 * - "pure": any other transform: `update` + `applyUpdates`, written back into the same tensors.
 * No path allocates memory proportional to the parameter count per step.
 */
import { ArgumentError } from "../errors.js";
import type { Backend, Storage } from "../backend/backend.js";
import type { FusedEngine } from "../backend/fused/spec.js";
import { backendFor, backendNamed, dataWritten } from "../backend/select.js";
import { Tensor } from "../tensor/tensor.js";
import { treeFlattenWithPaths, type Tree } from "../tensor/tree.js";
import { applyUpdates, type GradientTransformation, type OptState } from "./base.js";
import { checkExtra, type ExtraArgs } from "./extraArgs.js";
import { checkLeaves, cloneState } from "./treeMath.js";
import { scheduleValue } from "./validate.js";

export type OptimizerPath = "wasm" | "js" | "pure";

export interface OptimizerOptions {
  /** "auto" (default: the fused kernel of the backend that runs ops, when it has one), or force a path. */
  fused?: "auto" | OptimizerPath;
  /** @internal the backend whose fused engine runs (tests and benches: a specific WebAssembly instance). */
  backend?: Backend;
  /**
   * @internal wasm path: from this many parameters on, a step is split between the calling thread
   * and a pool worker when the kernels have one (default THREAD_MIN_PARAMS in
   * src/backend/wasm/fusedEngine.ts; Infinity: never).
   */
  threadMin?: number;
}

export interface Optimizer<S = OptState> {
  /**
   * Applies one update with `grads` (same tree and shapes as params), in place. `extra` (loss
   * closures, hvp; see ExtraArgs) goes to the transform's `update` for those that need it.
   */
  step(grads: Tree, extra?: ExtraArgs): void;
  /** A snapshot (deep copy) of the state tree, in the transform's own structure. */
  readonly state: S;
  /** Loads a state tree (e.g. from a checkpoint); it must have the structure of `state`. */
  setState(state: S): void;
  /** The parameter tree given at construction (its tensors are updated in place). */
  readonly params: Tree;
  /** Steps taken. */
  readonly count: number;
  /** Which path runs the steps. */
  readonly path: OptimizerPath;
  /** Threads the last step ran on: 2 when the wasm path split it with a pool worker (large N, once the pool is up), else 1. */
  readonly threads: number;
  /** Releases WebAssembly slabs (parameters get their own arrays back). Idempotent. */
  dispose(): void;
}

/**
 * Wraps `transform` and `params` into a stateful optimizer whose `step(grads)` updates the same
 * parameter tensors in place, through a fused kernel when the transform is an alias
 * (`sgd`, `adam`, `adamw`, `adagrad`, `rmsprop`, `lion`, optionally `chain(clipByGlobalNorm(c), alias)`).
 * @example
 * await ready();
 * const x = tensor([3, -2]);
 * const opt = optimizer(adam({ lr: 0.1 }), x);
 * for (let i = 0; i < 5; i++) opt.step(grad((x) => x.square().sum())(x));
 */
export function optimizer<S = OptState>(transform: GradientTransformation<S>, params: Tree, options: OptimizerOptions = {}): Optimizer<S> {
  const want = options.fused ?? "auto";
  if (!["auto", "wasm", "js", "pure"].includes(want)) throw new ArgumentError(`optimizer: fused must be "auto", "wasm", "js" or "pure", got ${JSON.stringify(want)}`);
  const flat = treeFlattenWithPaths(params, "params");
  const leaves = flat.map(([, t]) => t);
  const dtypes = new Set(leaves.map((t) => t.dtype));
  const spec = transform.fused;
  let state = transform.init(params);
  let count = 0;

  let engine: FusedEngine | null = null;
  if (spec && dtypes.size === 1 && leaves.length > 0 && want !== "pure") {
    const backend = options.backend ?? (want === "auto" ? backendFor() : backendNamed(want));
    if (backend === null) throw new ArgumentError(`optimizer: fused "${want}" requested but the ${want === "wasm" ? "WebAssembly core could not start here (backendInfo().error says why)" : `${want} backend is not available`}`);
    engine = backend.fusedOptimizer({ step: spec, params: leaves, slots: spec.slots(state as OptState), dtype: leaves[0].dtype, threadMin: options.threadMin });
    if (engine === null && want !== "auto") throw new ArgumentError(`optimizer: the ${backend.name} backend has no fused kernel for ${spec.kind} over ${leaves[0].dtype}`);
  } else if (want === "wasm" || want === "js") {
    throw new ArgumentError(`optimizer: fused "${want}" needs an alias transform (sgd, adam, adamw, adagrad, rmsprop, lion) over leaves of one dtype`);
  }
  const path: OptimizerPath = engine ? engine.path : "pure";
  const gradStorage: Storage[] = leaves.map((t) => t._storage); // reused each step

  const checkGrads = (grads: Tree): Tensor[] => {
    const g = treeFlattenWithPaths(grads, "grads");
    checkLeaves(flat, g, "params", "grads");
    return g.map(([, t]) => t);
  };

  // The parameters were written in place: resident WebAssembly copies of them are stale.
  const written = (): void => leaves.forEach((p) => dataWritten(p));

  return {
    get path() { return path; },
    get threads() { return engine?.threads ?? 1; },
    get params() { return params; },
    get count() { return count; },
    step(grads: Tree, extra?: ExtraArgs): void {
      const g = checkGrads(grads);
      checkExtra("optimizer.step", extra);
      if (engine && spec) {
        const lr = scheduleValue("optimizer.step", "lr", spec.lr, count);
        try {
          for (let i = 0; i < g.length; i++) gradStorage[i] = g[i]._storage;
          engine.step(gradStorage, count, lr);
        } finally {
          written();
        }
        count++;
        return;
      }
      const r = transform.update(grads, state, params, extra);
      const next = treeFlattenWithPaths(applyUpdates(params, r.updates)).map(([, t]) => t);
      leaves.forEach((p, i) => (p._storage = next[i]._storage));
      written();
      state = r.state;
      count++;
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

