// Runs the shared suite on every WebAssembly binary that validates in this Node, single-threaded
// and (where a shared-memory build exists) with worker threads.
import * as v8 from "node:v8";
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { initWasm, supportedVariants, wasmKernelsSync, type FloatArray, type WasmVariant } from "../../src/backend/wasm/index";
import { describeWasmKernels, randomArray } from "./suite";

// Node 20 ships relaxed SIMD behind a flag (Chromium validates it by default); enable it so the
// relaxed-simd binary is exercised too. Must run before the first WebAssembly.validate.
v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

const variants = supportedVariants();

describe("variant selection", () => {
  it("validates scalar and simd and picks the best by default", async () => {
    expect(variants).toContain("scalar");
    expect(variants).toContain("simd");
    const w = await initWasm({ threads: 1 });
    expect(w.variant).toBe(variants[0]);
    expect(w.threads).toBe(1);
    expect(await initWasm({ threads: 1 })).toBe(w); // idempotent per options
  });
});

for (const variant of variants) {
  describeWasmKernels(`${variant}, 1 thread`, () => initWasm({ variant, threads: 1 }));
}
for (const variant of ["relaxed-simd", "simd"] as WasmVariant[]) {
  if (!variants.includes(variant)) continue;
  describeWasmKernels(`${variant}, 2 threads`, async () => {
    const w = await initWasm({ variant, threads: 2 });
    expect(w.threads).toBe(2);
    return w;
  });

  it(`${variant}: threaded matmul is bitwise identical to single-threaded`, async () => {
    const one = await initWasm({ variant, threads: 1 });
    const two = await initWasm({ variant, threads: 2 });
    const [m, k, n] = [301, 257, 190];
    for (const Ctor of [Float32Array, Float64Array] as (new (n: number) => FloatArray)[]) {
      const a = randomArray(Ctor, m * k, 7), b = randomArray(Ctor, k * n, 8);
      const c1 = new Ctor(m * n), c2 = new Ctor(m * n);
      one.matmul(a, b, c1, m, k, n, false, true);
      two.matmul(a, b, c2, m, k, n, false, true);
      expect(c2).toEqual(c1);
    }
  });
}

for (const variant of ["relaxed-simd", "simd"] as WasmVariant[]) {
  if (!variants.includes(variant)) continue;
  it(`${variant}: threaded matrix-vector products (resident, chunks shared at run time) are bitwise identical to one thread`, async () => {
    const one = await initWasm({ variant, threads: 1 });
    const two = await initWasm({ variant, threads: 2 });
    for (const Ctor of [Float32Array, Float64Array] as (new (n: number) => FloatArray)[]) {
      for (const [m, k, transA] of [[5003, 101, false], [101, 5003, true], [64, 20000, true]] as const) {
        const a = randomArray(Ctor, m * k, 17), x = randomArray(Ctor, k, 18);
        const y1 = new Ctor(m), y2 = new Ctor(m);
        one.matmul(a, x, y1, m, k, 1, transA, false);
        for (let rep = 0; rep < 4; rep++) {
          two.matmul(a, x, y2, m, k, 1, transA, false); // from the second call on, a is resident and threads share it
          expect(y2, `${Ctor.name} ${m}x${k} transA=${transA} call ${rep}`).toEqual(y1);
        }
        two.dataWritten(a);
      }
    }
  });
}

for (const variant of ["relaxed-simd", "simd"] as WasmVariant[]) {
  if (!variants.includes(variant)) continue;
  it(`${variant}: elementwise kernels split over two threads give the single-thread bits`, async () => {
    const one = await initWasm({ variant, threads: 1 });
    const two = await initWasm({ variant, threads: 2 });
    for (const Ctor of [Float32Array, Float64Array] as (new (n: number) => FloatArray)[]) {
      const n = 30_001; // above the split threshold, odd
      const x = randomArray(Ctor, n, 21).map((v) => v * 30), t = randomArray(Ctor, n, 22).map((v) => Math.abs(v));
      for (const op of ["exp", "sigmoid", "tanh", "softplus", "sigmoidSlope"] as const) {
        const a = new Ctor(n), b = new Ctor(n);
        one.unary(op, x, a);
        two.unary(op, x, b);
        expect(b, `${op} ${Ctor.name}`).toEqual(a);
      }
      const a = new Ctor(n), b = new Ctor(n);
      one.crossEntropyLogits(x, t, a);
      two.crossEntropyLogits(x, t, b);
      expect(b, `crossEntropyLogits ${Ctor.name}`).toEqual(a);
      const [la, ra, lb, rb] = [new Ctor(n), new Ctor(n), new Ctor(n), new Ctor(n)];
      one.crossEntropyResidual(x, t, la, ra);
      two.crossEntropyResidual(x, t, lb, rb);
      expect(lb, `crossEntropyResidual loss ${Ctor.name}`).toEqual(la);
      expect(rb, `crossEntropyResidual residual ${Ctor.name}`).toEqual(ra);
    }
  });
}

describe("worker threads start in the background for threads: \"auto\"", () => {
  it("resolves before the workers are up, computes on one thread meanwhile, then splits", async () => {
    const w = await initWasm({ variant: "simd", threads: "auto" });
    expect(w.threads).toBe(1); // the workers' "ready" messages cannot have arrived yet
    const [m, k, n] = [200, 180, 190]; // above the threading threshold
    const a = randomArray(Float32Array, m * k, 3), b = randomArray(Float32Array, k * n, 4);
    const before = new Float32Array(m * n), after = new Float32Array(m * n);
    w.matmul(a, b, before, m, k, n, false, false);
    await w.threadsReady;
    expect(w.threads).toBe(Math.min(availableParallelism(), 4));
    w.matmul(a, b, after, m, k, n, false, false);
    expect(after).toEqual(before); // row bands: bitwise the same on any thread count
    // waitForThreads on the same instance resolves once they run
    expect(await initWasm({ variant: "simd", threads: "auto", waitForThreads: true })).toBe(w);
  });
});

describe("wasmKernelsSync", () => {
  it("returns a resolved default instance, not one with a forced variant", async () => {
    const forced = await initWasm({ variant: "scalar", threads: 1 });
    const chosen = await initWasm({ threads: 1 });
    expect(wasmKernelsSync()).toBe(chosen);
    await initWasm({ variant: "scalar", threads: 1 });
    expect(wasmKernelsSync()).toBe(chosen);
    expect(forced.variant).toBe("scalar");
  });
});
