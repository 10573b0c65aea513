// Products shared with the worker pool through a ticket (assembly/matmul.ts matmulClaim*,
// src/backend/wasm/matmulKernel.ts shareRows): the kernel claims only chunks of its own job,
// counts what it finished, and a product whose worker is still busy runs alone with the same bits.
import * as v8 from "node:v8";
import { describe, expect, it } from "vitest";
import { initWasm, supportedVariants, type FloatArray, type WasmVariant } from "../../src/backend/wasm/index";
import type { Kernels } from "../../src/backend/wasm/kernels";
import { randomArray } from "./suite";

v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
/** The first index where x and y differ (NaN equal to NaN), or -1: cheaper than toEqual on 200k values. */
function firstDiff(x: FloatArray, y: FloatArray): number {
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(x[i] !== x[i] && y[i] !== y[i])) return i;
  return -1;
}

const variants = supportedVariants().filter((v): v is WasmVariant => v === "simd" || v === "relaxed-simd");

describe("matmulClaim: the ticket", () => {
  it("computes every chunk of its own job once, counts them, and claims nothing of another job", async () => {
    const w = await initWasm({ variant: "simd", threads: 1 });
    const core = (w as Kernels).core; // the raw ABI
    const [m, k, n, rows] = [70, 33, 20, 16]; // 5 chunks, the last one short
    const a = randomArray(Float32Array, m * k, 3), b = randomArray(Float32Array, k * n, 4);
    const want = new Float32Array(m * n);
    w.matmul(a, b, want, m, k, n, false, false);

    const bytes = (x: number) => Math.ceil(x / 64) * 64;
    const aPtr = w.alloc(bytes(m * k * 4)), bPtr = w.alloc(bytes(k * n * 4)), bpPtr = w.alloc(bytes(core.packedBElementsF32(k, n) * 4));
    const cPtr = w.alloc(bytes(m * n * 4)), work = w.alloc(core.matmulWorkBytes()), ctr = w.alloc(64);
    const view = () => new Int32Array(w.memory());
    const f32 = () => new Float32Array(w.memory());
    f32().set(a, aPtr >> 2);
    f32().set(b, bPtr >> 2);
    core.packBF32(bPtr, bpPtr, k, n, 0);
    const c = () => f32().slice(cPtr >> 2, (cPtr >> 2) + m * n);
    const run = (ticket: number, job: number) => {
      f32().fill(-7, cPtr >> 2, (cPtr >> 2) + m * n);
      view()[ctr >> 2] = ticket;
      view()[(ctr >> 2) + 1] = 0;
      core.matmulClaimF32(aPtr, bpPtr, cPtr, m, k, n, 0, work, 0, 0, 0, ctr, job, rows);
      return { c: c(), ticket: view()[ctr >> 2], done: view()[(ctr >> 2) + 1] };
    };

    const own = run(5 << 10, 5);
    expect(own.c).toEqual(want);
    expect(own.done).toBe(5);
    expect(own.ticket).toBe((5 << 10) | 5);

    // a late worker holding job 4's arguments while the ticket is job 5's: nothing is written
    const stale = run(5 << 10, 4);
    expect(stale.done).toBe(0);
    expect(stale.ticket).toBe(5 << 10);
    expect(stale.c.every((v) => v === -7)).toBe(true);

    // its own job with every chunk already taken: nothing either
    const late = run((5 << 10) | 5, 5);
    expect(late.done).toBe(0);
    expect(late.c.every((v) => v === -7)).toBe(true);

    // chunks 0..2 taken by someone else: this thread does 3 and 4 only
    const rest = run((6 << 10) | 3, 6);
    expect(rest.done).toBe(2);
    expect(rest.c.subarray(0, 3 * rows * n).every((v) => v === -7)).toBe(true);
    expect(rest.c.subarray(3 * rows * n)).toEqual(want.subarray(3 * rows * n));
    for (const p of [aPtr, bPtr, bpPtr, cPtr, work, ctr]) w.free(p);
  });
});

for (const variant of variants) {
  describe(`${variant}, 2 threads: shared products`, () => {
    it("give the single-thread bits for shapes around the chunk sizes, with and without an epilogue", async () => {
      const one = await initWasm({ variant, threads: 1 });
      const two = await initWasm({ variant, threads: 2 });
      expect(two.threads).toBe(2);
      for (const Ctor of [Float32Array, Float64Array] as (new (n: number) => FloatArray)[]) {
        for (const [m, k, n, tA] of [[128, 784, 256, false], [784, 128, 256, true], [161, 150, 131, false], [1003, 141, 33, true]] as const) {
          const a = randomArray(Ctor, m * k, m), b = randomArray(Ctor, k * n, n), bias = randomArray(Ctor, n, 5), mask = randomArray(Ctor, m * n, 6);
          for (const epi of [null, { bias, relu: true, mask: null }, { bias: null, relu: false, mask }]) {
            const c1 = new Ctor(m * n), c2 = new Ctor(m * n);
            one.matmul(a, b, c1, m, k, n, tA, false, epi);
            for (let rep = 0; rep < 3; rep++) {
              c2.fill(0);
              two.matmul(a, b, c2, m, k, n, tA, false, epi);
              expect(firstDiff(c2, c1), `${Ctor.name} ${m}x${k}x${n} transA=${tA} epilogue=${epi ? Object.keys(epi).filter((key) => epi[key as keyof typeof epi]).join("+") : "none"} call ${rep}`).toBe(-1);
            }
          }
        }
      }
    });

    it("run on the calling thread alone while the worker is busy, then share again", async () => {
      const one = await initWasm({ variant, threads: 1 });
      const two = await initWasm({ variant, threads: 2 });
      const [m, k, n] = [256, 300, 200];
      const a = randomArray(Float32Array, m * k, 11), b = randomArray(Float32Array, k * n, 12);
      const want = new Float32Array(m * n);
      one.matmul(a, b, want, m, k, n, false, false);
      // keep the worker on a long elementwise job (exp over 8M values) that is never joined before the product
      const len = 8 << 20;
      const x = two.alloc(len * 4), y = two.alloc(len * 4);
      expect(two.startWorker("expF32", [x, y, len])).toBe(true);
      const c = new Float32Array(m * n);
      two.matmul(a, b, c, m, k, n, false, false);
      const stillBusy = !two.workerDone();
      expect(c).toEqual(want);
      two.joinWorker();
      const c2 = new Float32Array(m * n);
      two.matmul(a, b, c2, m, k, n, false, false);
      expect(c2).toEqual(want);
      two.free(x);
      two.free(y);
      // the product must not have waited for the worker's job (~10 ms of exp): it was still running
      expect(stillBusy).toBe(true);
    });

    it("matrix-vector products do the same: alone while the worker is busy, shared after, one thread's bits", async () => {
      const one = await initWasm({ variant, threads: 1 });
      const two = await initWasm({ variant, threads: 2 });
      for (const [m, k, transA] of [[5003, 101, false], [101, 5003, true]] as const) {
        const a = randomArray(Float64Array, m * k, 31), x = randomArray(Float64Array, k, 32);
        const want = new Float64Array(m);
        one.matmul(a, x, want, m, k, 1, transA, false);
        const y = new Float64Array(m);
        two.matmul(a, x, y, m, k, 1, transA, false);
        two.matmul(a, x, y, m, k, 1, transA, false); // a is resident from here on: the product is shared
        expect(firstDiff(y, want)).toBe(-1);
        const len = 8 << 20;
        const p = two.alloc(len * 4), q = two.alloc(len * 4);
        expect(two.startWorker("expF32", [p, q, len])).toBe(true);
        y.fill(0);
        two.matmul(a, x, y, m, k, 1, transA, false);
        const stillBusy = !two.workerDone();
        expect(firstDiff(y, want)).toBe(-1);
        two.joinWorker();
        y.fill(0);
        two.matmul(a, x, y, m, k, 1, transA, false);
        expect(firstDiff(y, want)).toBe(-1);
        two.free(p);
        two.free(q);
        two.dataWritten(a);
        expect(stillBusy, `${m}x${k} transA=${transA}: did not wait for the busy worker`).toBe(true);
      }
    });
  });
}
