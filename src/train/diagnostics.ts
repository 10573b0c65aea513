/**
 * Training diagnostics: gradient norms per leaf and per layer, vanishing/exploding warnings that
 * name the step and the layer, a non-finite guard, and the fraction of dead ReLU units.
 */
import { readSync } from "../backend/select.js";
import { NonFiniteError } from "../errors.js";
import { Tensor } from "../tensor/tensor.js";
import { treeFlattenWithPaths, type Tree } from "../tensor/tree.js";
import type { Layer } from "../nn/layers.js";

export interface GradientNorms {
  /** sqrt(sum over all leaves of sum g^2). */
  global: number;
  /** Euclidean norm of each leaf, by path ("0.w"). */
  leaves: Record<string, number>;
  /** Euclidean norm over each layer's leaves (path without its last segment: "0"). */
  layers: Record<string, number>;
}

/** Layer key of a parameter path: "2.w" -> "2", "w" -> "(root)". */
export function layerOf(path: string): string {
  const i = path.lastIndexOf(".");
  return i < 0 ? "(root)" : path.slice(0, i);
}

/** Sum of squares of a leaf, accumulated in float64 (four partial sums, for speed). */
export function sumSquares(t: Tensor): number {
  const d = readSync(t, "diagnostics");
  const n = d.length, n4 = n - (n % 4);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i < n4; i += 4) {
    const a = d[i], b = d[i + 1], c = d[i + 2], e = d[i + 3];
    s0 += a * a; s1 += b * b; s2 += c * c; s3 += e * e;
  }
  for (let i = n4; i < n; i++) s0 += d[i] * d[i];
  return s0 + s1 + s2 + s3;
}

/** Norms of a gradient tree: global, per leaf and per layer. */
export function gradientNorms(grads: Tree): GradientNorms {
  const leaves: Record<string, number> = {};
  const layerSq: Record<string, number> = {};
  let total = 0;
  for (const [path, g] of treeFlattenWithPaths(grads, "gradientNorms")) {
    const s = sumSquares(g);
    leaves[path] = Math.sqrt(s);
    const l = layerOf(path);
    layerSq[l] = (layerSq[l] ?? 0) + s;
    total += s;
  }
  const layers: Record<string, number> = {};
  for (const [k, v] of Object.entries(layerSq)) layers[k] = Math.sqrt(v);
  return { global: Math.sqrt(total), leaves, layers };
}

export interface HealthThresholds {
  /** A layer gradient norm below this is reported as vanishing (default 1e-6). */
  vanishing?: number;
  /** A layer gradient norm above this is reported as exploding (default 1e3). */
  exploding?: number;
}

export interface GradientWarning {
  step: number;
  layer: string;
  kind: "vanishing" | "exploding";
  norm: number;
  message: string;
}

/**
 * Warnings for layers whose gradient norm is below `vanishing` or above `exploding`.
 * `describe` turns a layer key into a readable name (e.g. "layer 0 (linear)").
 */
export function gradientWarnings(norms: GradientNorms, step: number, thresholds: HealthThresholds = {}, describe: (layer: string) => string = (l) => `layer ${l}`): GradientWarning[] {
  const lo = thresholds.vanishing ?? 1e-6, hi = thresholds.exploding ?? 1e3;
  const out: GradientWarning[] = [];
  const f = (v: number) => (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4) ? v.toExponential() : String(v));
  for (const [layer, norm] of Object.entries(norms.layers)) {
    if (norm < lo) out.push({ step, layer, kind: "vanishing", norm, message: `step ${step}: ${describe(layer)} gradient norm ${norm.toExponential(2)} is below ${f(lo)} (vanishing gradient)` });
    else if (norm > hi) out.push({ step, layer, kind: "exploding", norm, message: `step ${step}: ${describe(layer)} gradient norm ${norm.toExponential(2)} is above ${f(hi)} (exploding gradient)` });
  }
  return out;
}

/** The first leaf holding a NaN or infinity, or null when all are finite. */
export function firstNonFinite(tree: Tree): { path: string; index: number; value: number } | null {
  for (const [path, t] of treeFlattenWithPaths(tree, "firstNonFinite")) {
    const d = readSync(t, "diagnostics");
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return { path, index: i, value: d[i] };
  }
  return null;
}

/** Throws a NonFiniteError naming the step and the leaf when a loss or gradient is not finite. */
export function assertFinite(loss: number, grads: Tree, step: number): void {
  if (!Number.isFinite(loss)) throw new NonFiniteError(`step ${step}: loss is ${loss}`);
  const bad = firstNonFinite(grads);
  if (bad) throw new NonFiniteError(`step ${step}: gradient of ${bad.path} has ${bad.value} at index ${bad.index}`);
}

/**
 * Fraction of dead ReLU units per ReLU layer: units (last-axis columns) whose output is 0 for
 * every row of `x`. Runs the model in evaluation mode.
 */
export function deadReluFraction(model: Layer, params: Tree, x: Tensor): Record<string, number> {
  const out: Record<string, number> = {};
  model.apply(params, x, {
    training: false,
    onActivation: (path, kind, y) => {
      if (kind !== "relu") return;
      const units = y.shape[y.rank - 1] ?? 1;
      const rows = y.size / units;
      const alive = new Uint8Array(units);
      const d = readSync(y, "diagnostics");
      for (let r = 0; r < rows; r++) for (let u = 0; u < units; u++) if (d[r * units + u] > 0) alive[u] = 1;
      let dead = 0;
      for (let u = 0; u < units; u++) if (!alive[u]) dead++;
      out[path || "(root)"] = dead / units;
    },
  });
  return out;
}
