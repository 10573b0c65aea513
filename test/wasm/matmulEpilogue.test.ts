// The product with an epilogue (assembly/matmul.ts `epilogueRows`, used by compiled programs:
// src/jit/epilogue.ts) gives the bits of the product followed by the separate operations, on
// every binary, on one thread and two, on each path of matmulOn (packed GEMM, unpacked small
// rows, matrix-vector), with the values where IEEE rules differ: -0, NaN, +-Infinity.
import * as v8 from "node:v8";
import { describe, expect, it } from "vitest";
import { initWasm, supportedVariants, type FloatArray, type WasmKernels, type WasmVariant } from "../../src/backend/wasm/index";
import { epilogueJs, type MatmulEpilogue } from "../../src/backend/wasm/matmulKernel";
import { reduce as jsReduce } from "../../src/backend/js/kernels";
import { randomArray } from "./suite";

v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

/** Random values with a sprinkling of the special ones (on the product's operands and the mask). */
type Ctor = { new (n: number): FloatArray };
function special(ctor: Ctor, n: number, seed: number, rate: number): FloatArray {
  const x = randomArray(ctor as { new (n: number): Float64Array }, n, seed) as FloatArray;
  const pick = [-0, 0, NaN, Infinity, -Infinity, 1e30, -1e30];
  for (let i = 0; i < n; i++) if (((i * 2654435761 + seed) >>> 0) % 1000 < rate * 1000) x[i] = pick[(i + seed) % pick.length];
  return x;
}
const sameBits = (a: FloatArray, b: FloatArray) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

const SHAPES: Array<[number, number, number, boolean, boolean]> = [
  [37, 29, 45, false, false], // packed GEMM, partial tiles
  [128, 300, 64, true, false], // packed, A stored [k, m], two depth slices
  [64, 150, 70, false, true], // packed, B stored [n, k]; large enough to be split over threads with 2
  [200, 160, 96, true, true],
  [3, 40, 17, false, false], // m < 4: the unpacked path
  [50, 33, 1, false, false], // n = 1: matrix-vector
  [600, 700, 1, true, false], // matrix-vector with depth chunks
];
const EPILOGUES: Array<[string, (f32: boolean, m: number, n: number, s: number) => MatmulEpilogue]> = [
  ["bias", (f32, m, n, s) => ({ bias: special(f32 ? Float32Array : Float64Array, n, s, 0.05), relu: false, mask: null })],
  ["bias + relu", (f32, m, n, s) => ({ bias: special(f32 ? Float32Array : Float64Array, n, s, 0.05), relu: true, mask: null })],
  ["relu alone", () => ({ bias: null, relu: true, mask: null })],
  ["relu-slope mask", (f32, m, n, s) => ({ bias: null, relu: false, mask: special(f32 ? Float32Array : Float64Array, m * n, s, 0.05) })],
  ["column sums", (f32, m, n) => ({ bias: null, relu: false, mask: null, colSum: new (f32 ? Float32Array : Float64Array)(n) })],
  ["relu-slope mask + column sums", (f32, m, n, s) => ({ bias: null, relu: false, mask: special(f32 ? Float32Array : Float64Array, m * n, s, 0.05), colSum: new (f32 ? Float32Array : Float64Array)(n) })],
  ["bias + relu + column sums", (f32, m, n, s) => ({ bias: special(f32 ? Float32Array : Float64Array, n, s, 0.05), relu: true, mask: null, colSum: new (f32 ? Float32Array : Float64Array)(n) })],
];

const variants = supportedVariants();
const setups: Array<[string, () => Promise<WasmKernels>]> = [
  ...variants.map((variant) => [`${variant}, 1 thread`, () => initWasm({ variant, threads: 1 })] as [string, () => Promise<WasmKernels>]),
  ...(["relaxed-simd", "simd"] as WasmVariant[]).filter((v) => variants.includes(v)).map((variant) => [`${variant}, 2 threads`, () => initWasm({ variant, threads: 2 })] as [string, () => Promise<WasmKernels>]),
];

describe.each(setups)("%s: matmul with an epilogue = matmul, then the separate operations", (_name, init) => {
  for (const dtype of ["float32", "float64"] as const) {
    it(dtype, async () => {
      const w = await init();
      const f32 = dtype === "float32", T: Ctor = f32 ? Float32Array : Float64Array;
      let seed = 1;
      for (const [m, k, n, tA, tB] of SHAPES) {
        const a = special(T, m * k, seed++, 0.002), b = special(T, k * n, seed++, 0.002);
        const plain = new T(m * n);
        w.matmul(a, b, plain, m, k, n, tA, tB);
        for (const [label, make] of EPILOGUES) {
          const epi = make(f32, m, n, seed++);
          const want = plain.slice();
          epilogueJs(want, m, n, { ...epi, colSum: null });
          const got = new T(m * n);
          w.matmul(a, b, got, m, k, n, tA, tB, epi);
          expect(sameBits(got, want), `${label} on [${m},${k}]x[${k},${n}] tA=${tA} tB=${tB}`).toBe(true);
          if (epi.colSum) {
            // the sums the JS reference backend's reduce gives over the rows of the final product
            const sums = new T(n);
            jsReduce("sum", want, [m, n], [0], sums);
            expect(sameBits(epi.colSum, sums), `${label}: the column sums on [${m},${k}]x[${k},${n}] tA=${tA} tB=${tB}`).toBe(true);
          }
        }
      }
    });
  }
  it("the JS twin's formulas are the separate kernels' (add, relu as max(v, 0), v * (mask > 0))", () => {
    const c = Float64Array.from([-0, 0, NaN, -Infinity, Infinity, -2, 3]);
    const relu = c.slice();
    epilogueJs(relu, 1, 7, { bias: null, relu: true, mask: null });
    expect([...relu].map((v) => (Object.is(v, -0) ? "-0" : String(v)))).toEqual(["0", "0", "NaN", "0", "Infinity", "0", "3"]);
    const masked = Float64Array.from([-2, 5, Infinity, NaN, 1]);
    epilogueJs(masked, 1, 5, { bias: null, relu: false, mask: Float64Array.from([-1, 0, -0, 2, NaN]) });
    expect([...masked].map((v) => (Object.is(v, -0) ? "-0" : String(v)))).toEqual(["-0", "0", "NaN", "NaN", "0"]);
  });
  it("refuses a bias or mask of the wrong size", async () => {
    const w = await init();
    expect(() => w.matmul(new Float32Array(64), new Float32Array(64), new Float32Array(64), 8, 8, 8, false, false, { bias: new Float32Array(7), relu: false, mask: null })).toThrow(/bias needs 8/);
    expect(() => w.matmul(new Float32Array(64), new Float32Array(64), new Float32Array(64), 8, 8, 8, false, false, { bias: null, relu: false, mask: new Float64Array(64) })).toThrow(/mask 64/);
    expect(() => w.matmul(new Float32Array(64), new Float32Array(64), new Float32Array(64), 8, 8, 8, false, false, { bias: null, relu: false, mask: null, colSum: new Float32Array(7) })).toThrow(/colSum 8/);
  });
});
