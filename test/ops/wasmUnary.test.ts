// Transcendental ops on tensors large enough to take the WebAssembly path (select.ts `unary`):
// values against the JS reference backend and gradients against central differences, in both
// dtypes. The kernels themselves are tested to the ulp in test/wasm/suite.ts; this checks the
// dispatch (dtype, thresholds, in-place use of scratch) from the public ops.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { checkOpGrad, useBackend } from "../helpers";
import { initWasm, wasmKernelsSync } from "../../src/backend/wasm/index";
import { wasmBackend } from "../../src/backend/wasm/backend";
import { UNARY_OPS } from "../../src/backend/ops";
import { HOST_ENV_SOURCE, HOST_MATH_OPS, hostEnv } from "../../src/backend/wasm/abi";

const OPS = { exp: dh.exp, log: dh.log, sigmoid: dh.sigmoid, tanh: dh.tanh, softplus: dh.softplus, sin: dh.sin, cos: dh.cos, log1p: dh.log1p, expm1: dh.expm1 } as const;
/** Inputs inside each op's domain: log needs x > 0, log1p x > -1. */
const domain = (name: string, base: dh.Tensor) => (name === "log" ? base.abs().add(1e-3) : name === "log1p" ? base.abs().sub(0.9) : base);

describe("transcendental ops on the WebAssembly path", () => {
  beforeAll(() => useBackend("wasm"));
  afterAll(() => useBackend("wasm"));

  for (const dtype of ["float32", "float64"] as const) {
    for (const [name, op] of Object.entries(OPS)) {
      it(`${name} ${dtype} on 3001 values matches the JS backend`, () => {
        const x = domain(name, dh.randn([3001], { seed: 5, dtype }).mul(4));
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
      const x = name === "log" ? base.abs().add(0.5) : name === "log1p" ? base.abs().sub(0.5) : base;
      checkOpGrad((t) => op(t), [x], 1e-6);
    });
  }
});

describe("the scalar binary", () => {
  it("gives the host Math values of sin, cos, log1p and expm1, through its kernels and through the backend (which leaves these ops to the JS loops there)", async () => {
    const w = await initWasm({ variant: "scalar", threads: 1 });
    const b = wasmBackend(w);
    for (const op of ["sin", "cos", "log1p", "expm1"] as const) {
      const x = new Float64Array(500).map((_, i) => i / 100 - 0.9);
      const direct = new Float64Array(500);
      w.unary(op, x, direct); // the kernel itself: the host's Math, value by value
      const viaBackend = b.readSync!(b.unary(op, b.adopt(x.slice()), "float64", 500), "test");
      expect(Array.from(viaBackend)).toEqual(Array.from(x, UNARY_OPS[op].ref));
      expect(Array.from(direct)).toEqual(Array.from(viaBackend));
    }
  });
});

describe("hostMath, the core's import", () => {
  it("is Math.sin, cos, log1p, expm1 by op code, and the worker script's copy is the same function", () => {
    const mine = hostEnv().hostMath as (op: number, x: number) => number;
    const workers = new Function(`return { ${HOST_ENV_SOURCE} };`)().hostMath as (op: number, x: number) => number;
    HOST_MATH_OPS.forEach((name, op) => {
      for (const x of [-3, -0.5, 0, 1e-9, 0.7, 2, 6e5, 1e300]) {
        expect(mine(op, x)).toBe(UNARY_OPS[name].ref(x));
        expect(workers(op, x)).toBe(UNARY_OPS[name].ref(x));
      }
    });
  });
});
