/**
 * A dense symmetric n x n float64 matrix in linear memory (allocated once, freed by `dispose`),
 * with H v and BFGS's rank-2 update as kernels there (gemvF64, bfgsUpdateF64 in assembly/): BFGS's
 * inverse Hessian (src/minimize/bfgs.ts) costs n^2 work per iteration without copying H.
 */
import type { DenseSymmetric } from "../backend.js";
import type { WasmKernels } from "./index.js";

export class WasmDenseSymmetric implements DenseSymmetric {
  private h: number;
  private vecs: number;
  private readonly gemv: (a: number, x: number, y: number, m: number, k: number, t: number, s: number, e: number) => void;
  private readonly rank2: (h: number, s: number, hy: number, n: number, rho: number, c: number) => void;
  constructor(private readonly w: WasmKernels, private readonly n: number) {
    this.h = w.alloc(8 * n * n);
    this.vecs = w.alloc(3 * 8 * n); // | v or s | y | H v or H y |
    this.gemv = w.exports.gemvF64 as WasmDenseSymmetric["gemv"];
    this.rank2 = w.exports.bfgsUpdateF64 as WasmDenseSymmetric["rank2"];
  }
  /** A fresh view each time: other ops may have grown (and, unshared, detached) the memory. */
  private mem(): Float64Array {
    return new Float64Array(this.w.memory());
  }
  times(v: Float64Array): Float64Array {
    const n = this.n, x = this.vecs, out = this.vecs + 16 * n;
    this.mem().set(v, x >> 3);
    this.gemv(this.h, x, out, n, n, 0, 0, n);
    return this.mem().slice(out >> 3, (out >> 3) + n);
  }
  setIdentity(gamma: number): void {
    const m = this.mem(), h = this.h >> 3, n = this.n;
    m.fill(0, h, h + n * n);
    for (let i = 0; i < n; i++) m[h + i * n + i] = gamma;
  }
  update(s: Float64Array, y: Float64Array, rho: number): void {
    const n = this.n, sPtr = this.vecs, yPtr = sPtr + 8 * n, hyPtr = sPtr + 16 * n;
    let m = this.mem();
    m.set(s, sPtr >> 3);
    m.set(y, yPtr >> 3);
    this.gemv(this.h, yPtr, hyPtr, n, n, 0, 0, n);
    m = this.mem();
    let yHy = 0;
    for (let i = 0; i < n; i++) yHy += y[i] * m[(hyPtr >> 3) + i];
    this.rank2(this.h, sPtr, hyPtr, n, rho, rho * rho * yHy + rho);
  }
  dispose(): void {
    if (this.h < 0) return;
    this.w.free(this.h);
    this.w.free(this.vecs);
    this.h = this.vecs = -1;
  }
}
