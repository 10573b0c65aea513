/**
 * The optax-shaped core: a `GradientTransformation` is a pure `{init, update}` pair whose state is
 * plain data (tensors, numbers, arrays, objects), so a checkpoint is just the state tree.
 * @see https://optax.readthedocs.io/en/latest/api/transformations.html
 */
import { ArgumentError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import type { Tree } from "../tensor/tree.js";
import { ewise } from "./treeMath.js";
import type { FusedSpec } from "./fusedSpec.js";
import type { ExtraArgs } from "./extraArgs.js";

/** A state tree: tensors, numbers, booleans, null, and arrays/objects of them. */
export type OptState = Tensor | number | boolean | null | readonly OptState[] | { readonly [key: string]: OptState };

export interface UpdateResult<S = OptState> {
  updates: Tree;
  state: S;
}

/**
 * A pure gradient transformation: `init(params)` returns the initial state; `update(updates,
 * state, params, extra)` returns the transformed updates and the next state, never mutating its
 * inputs. `extra` (optional; see extraArgs.ts) carries loss closures and curvature products to
 * the transforms that read them (sam, sophia, ...); the others ignore it.
 */
export interface GradientTransformation<S = OptState> {
  init(params: Tree): S;
  update(updates: Tree, state: S, params?: Tree, extra?: ExtraArgs): UpdateResult<S>;
  /** @internal set by aliases the stateful `optimizer` can run as one fused kernel. */
  readonly fused?: FusedSpec;
  /** @internal set by `clipByGlobalNorm` so `chain(clip, alias)` can fold the clip into the kernel. */
  readonly clipNorm?: number;
}

/** The transformation that changes nothing; its state is `{}`. */
export function identity(): GradientTransformation<Record<string, never>> {
  return { init: () => ({}), update: (updates, state) => ({ updates, state }) };
}

/** Requires `params` for transforms that read them (weight decay, masks). */
export function needParams(where: string, params: Tree | undefined): Tree {
  if (params === undefined) throw new ArgumentError(`${where}: update(updates, state, params) needs params`);
  return params;
}

/**
 * Applies transforms in sequence; the state is the array of their states. `extra` is handed to
 * every member, as optax's chain does with extra args.
 * `chain(clipByGlobalNorm(1), adam({lr: 1e-3}))` keeps the fused kernel with the clip folded in.
 */
export function chain(...transforms: GradientTransformation<any>[]): GradientTransformation<OptState[]> {
  transforms.forEach((t, i) => {
    if (!t || typeof t.init !== "function" || typeof t.update !== "function") throw new ArgumentError(`chain: argument ${i} is not a GradientTransformation`);
  });
  const t: GradientTransformation<OptState[]> = {
    init: (params) => transforms.map((t) => t.init(params)),
    update(updates, state, params, extra) {
      if (!Array.isArray(state) || state.length !== transforms.length) throw new ArgumentError(`chain.update: state must be an array of ${transforms.length} states`);
      const next: OptState[] = [];
      for (let i = 0; i < transforms.length; i++) {
        const r = transforms[i].update(updates, state[i], params, extra);
        updates = r.updates;
        next.push(r.state);
      }
      return { updates, state: next };
    },
  };
  const fused = chainFused(transforms);
  return fused ? { ...t, fused } : t;
}

function chainFused(ts: GradientTransformation<any>[]): FusedSpec | undefined {
  if (ts.length === 1 && ts[0].fused) {
    const f = ts[0].fused;
    return { ...f, slots: (s) => f.slots((s as OptState[])[0]), setCount: (s, n) => f.setCount((s as OptState[])[0], n) };
  }
  if (ts.length === 2 && ts[0].clipNorm !== undefined && ts[1].fused && ts[1].fused.clipNorm === undefined) {
    const f = ts[1].fused;
    return { ...f, clipNorm: ts[0].clipNorm, slots: (s) => f.slots((s as OptState[])[1]), setCount: (s, n) => f.setCount((s as OptState[])[1], n) };
  }
  return undefined;
}

/** params + updates, leafwise (optax's `apply_updates`); returns new tensors. */
export function applyUpdates(params: Tree, updates: Tree): Tree {
  return ewise((p, u) => p + u, [params, updates], ["params", "updates"]);
}
