import { expect } from "vitest";
import * as dh from "../src/index.js";
import { readSync } from "../src/backend/select.js";
import type { Storage } from "../src/backend/backend.js";
import type { FloatArray } from "../src/tensor/dtype.js";

/**
 * A tensor's values without a copy (the CPU backends' storage itself): tests read it where a copy
 * per access would be quadratic, and a few write it to check how internals react to writes.
 */
export const vals = (t: dh.Tensor): FloatArray => readSync(t, "test");
/** Points a tensor at a fresh array (what replacing a tensor's storage looks like to the internals). */
export function setVals(t: dh.Tensor, a: FloatArray): void {
  t._storage = a as unknown as Storage;
}

/** Backends every op suite runs on. WebAssembly is started once; "js" forces the reference loops. */
export const BACKENDS = ["js", "wasm"] as const;

export async function useBackend(name: (typeof BACKENDS)[number]): Promise<void> {
  if (name === "wasm") {
    await dh.ready({ backend: "wasm" });
    const info = dh.backendInfo();
    if (info.backend !== "wasm") throw new Error(`wasm backend did not start: ${info.error}`);
  } else {
    dh.setBackend("js");
  }
}

/** Random float64 inputs of the given shapes, away from kinks when `positive`. */
export function inputs(shapes: number[][], seed = 1, opts: { positive?: boolean } = {}): dh.Tensor[] {
  const rng = new dh.Rng(seed);
  return shapes.map((s) => {
    const t = dh.randn(s, { rng, dtype: "float64" });
    if (opts.positive) { const v = vals(t); for (let i = 0; i < t.size; i++) v[i] = 0.5 + Math.abs(v[i]); }
    return t;
  });
}

/**
 * The op's gradient against central differences in float64: f is reduced to a scalar by a
 * fixed random weighting so every output entry's cotangent differs.
 */
export function checkOpGrad(fn: (...xs: dh.Tensor[]) => dh.Tensor, xs: dh.Tensor[], tol = 1e-6): void {
  const probe = fn(...xs);
  const w = dh.randn(probe.shape as number[], { seed: 99, dtype: "float64" });
  const r = dh.checkGrad((list: dh.Tree) => fn(...(list as dh.Tensor[])).mul(w).sum(), xs);
  expect(r.maxError, `worst at ${r.where.leaf}[${r.where.index}]: ${r.analytic} vs ${r.numeric}`).toBeLessThan(tol);
}
