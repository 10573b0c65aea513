// Every place the library writes a tensor's storage in place must drop the WebAssembly backend's
// resident copy of it (src/backend/wasm/resident.ts), or the next matmul reads stale values.
// Each case here uses a matrix above the residency threshold, multiplies it often enough to be
// admitted, writes it the library's way, and compares the next product with the JS reference.
import { beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { useBackend } from "../helpers";

const ROWS = 300, COLS = 256; // 76,800 values: 300 KiB in float32, 600 KiB in float64

/** x @ W on the current backend and on the JS reference, for the same values. */
function productBothWays(x: dh.Tensor, W: dh.Tensor): [Float64Array, Float64Array] {
  const got = Float64Array.from(x.matmul(W).dataSync());
  dh.setBackend("js");
  const want = Float64Array.from(x.matmul(W).dataSync());
  dh.setBackend("wasm");
  return [got, want];
}

describe("in-place writers and resident operands", () => {
  beforeAll(() => useBackend("wasm"));

  for (const fused of ["wasm", "js", "pure"] as const) {
    it(`optimizer.step (${fused}) updates a weight that matmul then reads`, () => {
      const W = dh.randn([ROWS, COLS], { seed: 3 });
      const x = dh.randn([4, ROWS], { seed: 4 });
      const opt = dh.optimizer(dh.adam({ lr: 0.05 }), W, { fused });
      const loss = (w: dh.Tensor) => x.matmul(w).tanh().sum();
      for (let step = 0; step < 4; step++) {
        x.matmul(W); // sightings: the weight becomes resident
        opt.step(dh.grad(loss)(W));
        const [got, want] = productBothWays(x, W);
        expect(got).toBeAllclose(want, { rtol: 1e-5, atol: 1e-5 });
      }
      opt.dispose();
      const [got, want] = productBothWays(x, W); // after dispose the weight's storage moved back
      expect(got).toBeAllclose(want, { rtol: 1e-5, atol: 1e-5 });
    });
  }

  it("checkGrad's in-place perturbations of a resident float64 matrix are seen by every evaluation", () => {
    // 128 x 256 float64 = 256 KiB, the smallest resident size: 65,536 evaluations of f.
    const W = dh.randn([128, 256], { seed: 7, dtype: "float64" });
    const x = dh.randn([1, 128], { seed: 8, dtype: "float64" });
    const f = (w: dh.Tree) => x.matmul(w as dh.Tensor).tanh().sum();
    // A stale resident copy would make every difference quotient 0 against a nonzero gradient.
    const r = dh.checkGrad(f, W);
    expect(r.maxError, `worst at ${r.where.index}: ${r.analytic} vs ${r.numeric}`).toBeLessThan(1e-6);
  }, 60_000);
});
