/**
 * Dense linear algebra for the minimizers, on flat float64 arrays (row-major n x n).
 *
 * The O(n^3) kernels (Cholesky, Cholesky solve, symmetric eigen-decomposition) run in the
 * WebAssembly core when `ready()` has started it (`wasmKernelsSync()`), and in the plain-JS
 * reference loops of backend/linalgJs.ts otherwise; tests compare both.
 * BLAS-1 (dot, nrm2, axpy) goes to WebAssembly only for long vectors: below WASM_BLAS1_MIN
 * elements copying the operands into linear memory costs more than the loop itself.
 */
import { wasmKernelsSync } from "../backend/wasm/index.js";
import * as js from "../backend/linalgJs.js";

const WASM_BLAS1_MIN = 1 << 16;
let useWasm = true;

/** Turns the WebAssembly path off (true) or back on; for tests comparing both paths. */
export function setLinalgWasm(on: boolean): void {
  useWasm = on;
}

function kernels() {
  return useWasm ? wasmKernelsSync() : null;
}

/** x . y */
export function dot(x: Float64Array, y: Float64Array): number {
  const n = x.length;
  if (n >= WASM_BLAS1_MIN) { const w = kernels(); if (w) return w.dot(x, y); }
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}

/** ||x||_2 */
export function nrm2(x: Float64Array): number {
  if (x.length >= WASM_BLAS1_MIN) { const w = kernels(); if (w) return w.nrm2(x); }
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/** y <- alpha x + y */
export function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  if (x.length >= WASM_BLAS1_MIN) { const w = kernels(); if (w) { w.axpy(alpha, x, y); return; } }
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

/** x + alpha d, as a new array. */
export function addScaled(x: Float64Array, alpha: number, d: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + alpha * d[i];
  return out;
}

/** Cholesky factor L with A = L L^T, or null when A is not numerically positive definite (see backend/linalgJs.ts). */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const w = kernels();
  return w ? w.cholesky(a, n) : js.cholesky(a, n);
}

/** Solves L L^T x = b. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const w = kernels();
  return w ? w.choleskySolve(l, n, b) : js.choleskySolve(l, n, b);
}

/** A = V diag(values) V^T for symmetric A; values ascending, eigenvectors as columns. */
export function symEig(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const w = kernels();
  return w ? w.symEig(a, n) : js.symEig(a, n);
}

/**
 * The Newton direction with a positive definite modification (Nocedal & Wright sec. 3.4):
 * solve H p = -g by Cholesky; if H is not positive definite, shift it by tau I with
 *   tau = max(0, delta - lambda_min(H)),   delta = sqrt(eps) * max(1, max_i |lambda_i|),
 * so every eigenvalue of H + tau I is at least delta, and solve (H + tau I) p = -g by Cholesky.
 * Returns the direction and the shift used (0 when H was positive definite).
 */
export function modifiedNewtonDirection(H: Float64Array, g: Float64Array, n: number): { p: Float64Array; shift: number } {
  const minusG = g.map((v) => -v);
  const L = cholesky(H, n);
  if (L) return { p: choleskySolve(L, n, minusG), shift: 0 };
  const { values } = symEig(H, n);
  let big = 1;
  for (const v of values) big = Math.max(big, Math.abs(v));
  const delta = Math.sqrt(2.220446049250313e-16) * big;
  let tau = Math.max(0, delta - values[0]);
  for (let attempt = 0; attempt < 60; attempt++) {
    const Hs = Float64Array.from(H);
    for (let i = 0; i < n; i++) Hs[i * n + i] += tau;
    const Ls = cholesky(Hs, n);
    if (Ls) return { p: choleskySolve(Ls, n, minusG), shift: tau };
    tau = Math.max(2 * tau, delta); // rounding in the eigenvalues: grow until the factorization succeeds
  }
  return { p: minusG, shift: Infinity };
}

/**
 * BFGS's dense inverse-Hessian approximation (src/minimize/bfgs.ts): a symmetric n x n matrix
 * with the three operations the method needs. From n = 64 on, when the WebAssembly core runs, it
 * lives in linear memory (allocated once per run, freed by `dispose`) and H v and the rank-2
 * update are kernels there (gemvF64, bfgsUpdateF64): n^2 work per iteration without copying H.
 */
export interface InverseHessian {
  /** H v, as a new array. */
  times(v: Float64Array): Float64Array;
  /** H = gamma I. */
  setIdentity(gamma: number): void;
  /** H = (I - rho s y^T) H (I - rho y s^T) + rho s s^T, rho = 1 / (y^T s). */
  update(s: Float64Array, y: Float64Array, rho: number): void;
  /** Frees WebAssembly memory (a no-op for the JS matrix). */
  dispose(): void;
}

const WASM_DENSE_MIN = 64;

export function inverseHessian(n: number): InverseHessian {
  const w = n >= WASM_DENSE_MIN ? kernels() : null;
  if (w && typeof w.exports.bfgsUpdateF64 === "function" && typeof w.exports.gemvF64 === "function") return new WasmInverseHessian(w, n);
  return new JsInverseHessian(n);
}

class JsInverseHessian implements InverseHessian {
  private readonly H: Float64Array;
  constructor(private readonly n: number) {
    this.H = new Float64Array(n * n);
  }
  times(v: Float64Array): Float64Array {
    const { H, n } = this;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0, r = i * n; j < n; j++) s += H[r + j] * v[j];
      out[i] = s;
    }
    return out;
  }
  setIdentity(gamma: number): void {
    this.H.fill(0);
    for (let i = 0; i < this.n; i++) this.H[i * this.n + i] = gamma;
  }
  update(s: Float64Array, y: Float64Array, rho: number): void {
    // = H - rho (s (Hy)^T + (Hy) s^T) + (rho^2 y^T H y + rho) s s^T   (H symmetric)
    const { H, n } = this;
    const Hy = this.times(y);
    const c = rho * rho * dot(y, Hy) + rho;
    for (let i = 0; i < n; i++) {
      const r = i * n, si = s[i], hi = Hy[i];
      for (let j = 0; j < n; j++) H[r + j] += c * si * s[j] - rho * (si * Hy[j] + hi * s[j]);
    }
  }
  dispose(): void {}
}

type Kernels = NonNullable<ReturnType<typeof kernels>>;

class WasmInverseHessian implements InverseHessian {
  private h: number;
  private vecs: number;
  private readonly gemv: (a: number, x: number, y: number, m: number, k: number, t: number, s: number, e: number) => void;
  private readonly rank2: (h: number, s: number, hy: number, n: number, rho: number, c: number) => void;
  constructor(private readonly w: Kernels, private readonly n: number) {
    this.h = w.alloc(8 * n * n);
    this.vecs = w.alloc(3 * 8 * n); // | v or s | y | H v or H y |
    this.gemv = w.exports.gemvF64 as WasmInverseHessian["gemv"];
    this.rank2 = w.exports.bfgsUpdateF64 as WasmInverseHessian["rank2"];
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
