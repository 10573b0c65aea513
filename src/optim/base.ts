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
}

/*
 * Fused lowerings. The stateful `optimizer` may replace a transform's `update` by one fused kernel
 * per step, but only where that provably computes what `update` computes. So the descriptor is
 * not a field of the public object (a spread `{...adam(), update: mine}` would copy it along and
 * run Adam's kernel instead of `mine`): it is recorded here, against the exact object an alias,
 * `clipByGlobalNorm` or `chain` returned, together with the `init` and `update` functions it was
 * created with. A spread copy or a wrapper is another object (not found), and an object whose
 * `init`/`update` were reassigned no longer matches; both run the pure path. A chain's lowering is
 * derived from its parts when asked, so a part changed after chaining is seen too.
 */
type Lowering =
  | { init: unknown; update: unknown; kind: "fused"; spec: () => FusedSpec | undefined }
  | { init: unknown; update: unknown; kind: "clip"; maxNorm: number };

const lowerings = new WeakMap<object, Lowering>();

/** The lowering recorded for `t`, if `t` still has the `init` and `update` it was recorded with. */
function loweringOf(t: GradientTransformation<any>): Lowering | undefined {
  const l = typeof t === "object" && t !== null ? lowerings.get(t) : undefined;
  return l && t.init === l.init && t.update === l.update ? l : undefined;
}

/**
 * @internal Records that `t` (as returned, unmodified) computes what `spec`'s fused kernel
 * computes. Called by the aliases on the object they return.
 */
export function lowerToFused<T extends GradientTransformation<any>>(t: T, spec: FusedSpec): T {
  lowerings.set(t, { init: t.init, update: t.update, kind: "fused", spec: () => spec });
  return t;
}

/** @internal Records that `t` (as returned, unmodified) is a global-norm clip at `maxNorm`. */
export function lowerToClip<T extends GradientTransformation<any>>(t: T, maxNorm: number): T {
  lowerings.set(t, { init: t.init, update: t.update, kind: "clip", maxNorm });
  return t;
}

/**
 * @internal The fused kernel descriptor that computes exactly what `t` computes, or undefined
 * (then `t` runs as written, on the pure path). Defined only for the objects the fusable aliases
 * returned, `chain(alias)` and `chain(clipByGlobalNorm(c), alias)` of such objects, each with its
 * own `init` and `update` (and, for a chain, its parts') unchanged.
 */
export function fusedSpecOf(t: GradientTransformation<any>): FusedSpec | undefined {
  const l = loweringOf(t);
  return l?.kind === "fused" ? l.spec() : undefined;
}

/** The clip norm of an unmodified `clipByGlobalNorm(c)` object, else undefined. */
function clipNormOf(t: GradientTransformation<any>): number | undefined {
  const l = loweringOf(t);
  return l?.kind === "clip" ? l.maxNorm : undefined;
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
 * `chain(clipByGlobalNorm(1), adam({lr: 1e-3}))` keeps the fused kernel with the clip folded in
 * (see `fusedSpecOf`); a chain with any other part runs each part's `update` as written.
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
  if (transforms.length === 1 || transforms.length === 2) {
    lowerings.set(t, { init: t.init, update: t.update, kind: "fused", spec: () => chainFused(transforms) });
  }
  return t;
}

/**
 * The fused descriptor of `chain(...ts)`, from its parts as they are now: `chain(alias)` is the
 * alias's kernel on the first state of the array; `chain(clipByGlobalNorm(c), alias)` folds the
 * clip in as a gradient scale (the alias must not already clip). Anything else has none.
 */
function chainFused(ts: GradientTransformation<any>[]): FusedSpec | undefined {
  const last = fusedSpecOf(ts[ts.length - 1]);
  if (!last) return undefined;
  const at = ts.length - 1;
  const slots = (s: OptState) => last.slots((s as OptState[])[at]);
  const setCount = (s: OptState, n: number) => last.setCount((s as OptState[])[at], n);
  if (ts.length === 1) return { ...last, slots, setCount };
  const clipNorm = clipNormOf(ts[0]);
  if (clipNorm === undefined || last.clipNorm !== undefined) return undefined;
  return { ...last, clipNorm, slots, setCount };
}

/** params + updates, leafwise (optax's `apply_updates`); returns new tensors. */
export function applyUpdates(params: Tree, updates: Tree): Tree {
  return ewise((p, u) => p + u, [params, updates], ["params", "updates"]);
}
