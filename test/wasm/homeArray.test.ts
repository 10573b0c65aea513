// Arrays that live in the core's shared memory (kernels.ts homeArray: a compiled program's
// intermediates on the WebAssembly backend): products read and write them in place with the bits
// of plain arrays, and their memory is given back once they are collected.
import * as v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { initWasm, type FloatArray } from "../../src/backend/wasm/index";
import { randomArray } from "./suite";

v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const sameBits = (a: FloatArray, b: FloatArray) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

describe("home arrays", () => {
  it("exist only over shared memory, and are found by homeOf", async () => {
    const one = await initWasm({ variant: "simd", threads: 1 });
    const two = await initWasm({ variant: "simd", threads: 2 });
    expect(one.memory() instanceof SharedArrayBuffer).toBe(false);
    expect(one.homeArray(true, 1000)).toBeNull(); // growth would detach a view of an ordinary memory
    const h = two.homeArray(true, 1000)!;
    expect(h.buffer instanceof SharedArrayBuffer).toBe(true);
    expect(two.homeOf(h)).toBe(h.byteOffset);
    expect(two.homeOf(new Float32Array(1000))).toBe(-1);
    expect(two.homeOf(h.subarray(0, 10))).toBe(-1); // only the array itself
  });

  it("as every operand of a product (and its epilogue) give the bits of plain arrays", async () => {
    const w = await initWasm({ variant: "simd", threads: 2 });
    for (const f32 of [true, false]) {
      const T = (f32 ? Float32Array : Float64Array) as unknown as { new (n: number): FloatArray };
      for (const [m, k, n, tA, tB] of [[128, 200, 96, false, false], [200, 64, 128, true, false], [3, 50, 40, false, true], [300, 90, 1, true, false]] as const) {
        const a = randomArray(T, m * k, 1), b = randomArray(T, k * n, 2), bias = randomArray(T, n, 3), mask = randomArray(T, m * n, 4);
        const home = <A extends FloatArray>(x: A): A => {
          const h = w.homeArray(f32, x.length)! as A;
          h.set(x as never);
          return h;
        };
        for (const epi of [null, { bias, relu: true, mask: null, colSum: new T(n) }, { bias: null, relu: false, mask, colSum: new T(n) }]) {
          const want = new T(m * n);
          w.matmul(a, b, want, m, k, n, tA, tB, epi);
          const c = w.homeArray(f32, m * n)!;
          const hEpi = epi && { bias: epi.bias && home(epi.bias), relu: epi.relu, mask: epi.mask && home(epi.mask), colSum: w.homeArray(f32, n)! };
          w.matmul(home(a), home(b), c, m, k, n, tA, tB, hEpi);
          const label = `${T.name} ${m}x${k}x${n} tA=${tA} tB=${tB} ${epi ? (epi.bias ? "bias+relu" : "mask") : "plain"}`;
          expect(sameBits(c, want), label).toBe(true);
          if (epi) expect(sameBits(hEpi!.colSum, epi.colSum!), `${label}: column sums`).toBe(true);
        }
      }
    }
  });

  it("are freed once collected: 200 MiB allocated in turn does not grow the memory by as much", async () => {
    const w = await initWasm({ variant: "simd", threads: 2 });
    w.homeArray(true, 1); // the registry exists before the baseline
    const before = w.memory().byteLength;
    for (let i = 0; i < 200; i++) {
      const h = w.homeArray(true, 1 << 18)!; // 1 MiB
      h[h.length - 1] = i;
      if (i % 10 === 9) {
        gc();
        await new Promise((r) => setTimeout(r, 0)); // FinalizationRegistry callbacks run between tasks
      }
    }
    expect(w.memory().byteLength - before).toBeLessThan(64 << 20);
  });
});
