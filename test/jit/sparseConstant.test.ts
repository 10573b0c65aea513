// sparseConstantMatmul's choice: which constants it compresses (large ones are sampled first, so a
// dense data matrix is turned down without a full count) and that a compressed product equals the
// dense one.
import { describe, expect, it } from "vitest";
import { sparseConstantMatmul } from "../../src/jit/sparseConstant.js";

function denseProduct(a: Float64Array, b: Float64Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
    out[i * n + j] = s;
  }
  return out;
}

describe("sparseConstantMatmul: which constants are compressed", () => {
  it("turns down a large dense matrix (the sampled path) and a small dense one (the counted path)", () => {
    const big = Float64Array.from({ length: 10000 * 100 }, (_, i) => Math.sin(i) + 2);
    expect(sparseConstantMatmul(big, 10000, 100, 1, false, false)).toBeNull();
    expect(sparseConstantMatmul(big, 100, 10000, 1, true, false)).toBeNull();
    const small = Float64Array.from({ length: 30 * 20 }, (_, i) => i + 1);
    expect(sparseConstantMatmul(small, 30, 20, 1, false, false)).toBeNull();
  });

  it("turns down a large matrix with 30% nonzeros (over the 25% bound, under the sample's 50%): the full count decides", () => {
    const m = 400, k = 400;
    const a = new Float64Array(m * k);
    for (let i = 0; i < a.length; i++) if ((i * 7919) % 10 < 3) a[i] = 1;
    expect(sparseConstantMatmul(a, m, k, 1, false, false)).toBeNull();
  });

  it("compresses large sparse constants, a diagonal and a shift included, and their products equal the dense ones", () => {
    const n = 512; // 262,144 entries: sampled first
    const diag = new Float64Array(n * n), shift = new Float64Array((n - 1) * n);
    for (let i = 0; i < n; i++) diag[i * n + i] = i + 0.5;
    for (let i = 0; i < n - 1; i++) shift[i * n + i + 1] = 1;
    // 20% nonzeros, spread: still under the bound
    const fifth = new Float64Array(n * n);
    for (let i = 0; i < fifth.length; i++) if ((i * 2654435761) % 5 === 0) fifth[i] = (i % 13) - 6;
    const b = Float64Array.from({ length: n * 2 }, (_, i) => Math.cos(i));
    for (const [a, m] of [[diag, n], [shift, n - 1], [fifth, n]] as const) {
      const sparse = sparseConstantMatmul(a, m, n, 2, false, false);
      expect(sparse).not.toBeNull();
      const out = new Float64Array(m * 2);
      expect(sparse!(b, out)).toBe(true);
      expect(Array.from(out)).toEqual(Array.from(denseProduct(a, b, m, n, 2)));
    }
  });
});
