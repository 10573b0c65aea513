// Transcendental ops on tensors large enough to take the WebAssembly path (select.ts `unary`):
// values against the JS reference backend and gradients against central differences, in both
// dtypes. The kernels themselves are tested to the ulp in test/wasm/suite.ts; this checks the
// dispatch (dtype, thresholds, in-place use of scratch) from the public ops.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { checkOpGrad, useBackend } from "../helpers";
import { wasmKernelsSync } from "../../src/backend/wasm/index";

const OPS = { exp: dh.exp, log: dh.log, sigmoid: dh.sigmoid, tanh: dh.tanh, softplus: dh.softplus } as const;

describe("transcendental ops on the WebAssembly path", () => {
  beforeAll(() => useBackend("wasm"));
  afterAll(() => useBackend("wasm"));

  for (const dtype of ["float32", "float64"] as const) {
    for (const [name, op] of Object.entries(OPS)) {
      it(`${name} ${dtype} on 3001 values matches the JS backend`, () => {
        const base = dh.randn([3001], { seed: 5, dtype }).mul(4);
        const x = name === "log" ? base.abs().add(1e-3) : base;
        const got = op(x).dataSync();
        dh.setBackend("js");
        const want = op(x).dataSync();
        dh.setBackend("wasm");
        // 2 ulp kernels against the JS formulas; the relative bound covers it with margin.
        expect(got).toBeAllclose(want, { rtol: dtype === "float32" ? 1e-6 : 1e-14, atol: 0 });
        // And it is the kernel's answer, bit for bit (so the op did take the WebAssembly path).
        const direct = x.dataSync().slice();
        wasmKernelsSync()!.unary(name as "exp", x.dataSync(), direct);
        expect(Array.from(got)).toEqual(Array.from(direct));
      });
    }
  }

  for (const [name, op] of Object.entries(OPS)) {
    it(`${name} float64 gradient on 300 values (wasm path in forward and backward)`, () => {
      const base = dh.randn([300], { seed: 9, dtype: "float64" });
      const x = name === "log" ? base.abs().add(0.5) : base;
      checkOpGrad((t) => op(t), [x], 1e-6);
    });
  }
});
