import { expect } from "vitest";
import * as dh from "../src/index.js";

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
    if (opts.positive) for (let i = 0; i < t.size; i++) t._data[i] = 0.5 + Math.abs(t._data[i]);
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
