// BFGS's dense inverse Hessian (src/minimize/linalg.ts): the WebAssembly matrix (n >= 64) and
// the JS one give the same products and updates up to rounding, and the method converges the
// same way on either.
import { setBackend } from "../../src/backend/select.js";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { inverseHessian } from "../../src/minimize/linalg.js";
import { wasmKernelsSync } from "../../src/backend/wasm/index.js";

const vec = (n: number, seed: number) => Float64Array.from(dh.randn([n], { seed, dtype: "float64" }).dataSync());

describe("BFGS inverse Hessian, WebAssembly and JS", () => {
  beforeAll(() => dh.ready({ backend: "wasm" }));
  afterEach(() => setBackend(true ? "wasm" : "js"));

  it("H v and the rank-2 update agree within rounding over a sequence of updates (n = 97)", () => {
    const n = 97;
    setBackend(true ? "wasm" : "js");
    const a = inverseHessian(n);
    setBackend(false ? "wasm" : "js");
    const b = inverseHessian(n);
    expect(a.constructor.name).not.toBe(b.constructor.name); // really the two implementations
    a.setIdentity(0.5);
    b.setIdentity(0.5);
    for (let k = 0; k < 12; k++) {
      const s = vec(n, 10 + k), y = s.map((v, i) => v * (1 + (i % 7) / 7) + 0.01 * Math.sin(i + k)); // y^T s > 0
      let sy = 0;
      for (let i = 0; i < n; i++) sy += s[i] * y[i];
      a.update(s, y, 1 / sy);
      b.update(s, y, 1 / sy);
      const v = vec(n, 100 + k);
      expect(a.times(v)).toBeAllclose(b.times(v), { rtol: 1e-10, atol: 1e-12 });
    }
    // the secant equation H y = s holds after an update
    const s = vec(n, 7), y = s.map((v, i) => v * (2 + Math.cos(i)));
    let sy = 0;
    for (let i = 0; i < n; i++) sy += s[i] * y[i];
    a.update(s, y, 1 / sy);
    expect(a.times(y)).toBeAllclose(s, { rtol: 1e-9, atol: 1e-11 });
    a.dispose();
    b.dispose();
    a.dispose(); // idempotent
  });

  it("frees its linear memory: many runs do not grow the arena", () => {
    const w = wasmKernelsSync()!;
    const before = w.memory().byteLength;
    for (let r = 0; r < 50; r++) {
      const h = inverseHessian(300); // 720 KB each
      h.setIdentity(1);
      h.dispose();
    }
    expect(w.memory().byteLength).toBeLessThanOrEqual(before + 2 * 8 * 300 * 300);
  });

  it("minimize bfgs reaches the same minimizer of Rosenbrock-100 on either matrix", () => {
    const p = dh.problems.rosenbrock(100);
    setBackend(true ? "wasm" : "js");
    const a = dh.minimize(p.f, p.x0, { method: "bfgs", maxIter: 2000 });
    setBackend(false ? "wasm" : "js");
    const b = dh.minimize(p.f, p.x0, { method: "bfgs", maxIter: 2000 });
    expect(a.converged && b.converged).toBe(true);
    expect(a.x).toBeAllclose(b.x, { rtol: 0, atol: 1e-5 });
    expect(Math.abs(a.nit - b.nit)).toBeLessThanOrEqual(5);
  });
});
