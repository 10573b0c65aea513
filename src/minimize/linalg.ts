/**
 * Dense linear algebra the minimizers need beyond src/linalg: the modified Newton direction and
 * BFGS's inverse-Hessian matrix (kept in the backend's memory where it has a dense-matrix kernel).
 */
import type { DenseSymmetric } from "../backend/backend.js";
import { backendFor } from "../backend/select.js";
import { tryCholesky as cholesky, choleskySolve, dot, symEig } from "../linalg/index.js";

// `cholesky` here is src/linalg's `tryCholesky`: null when H is not positive definite (Newton's test).
export { addScaled, axpy, tryCholesky as cholesky, choleskySolve, dot, nrm2, symEig } from "../linalg/index.js";

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
 * with the three operations the method needs, in the backend's memory where it has a dense
 * kernel for it (the WebAssembly core from n = 64 on: n^2 work per iteration without copying H),
 * else a JS array.
 */
export type InverseHessian = DenseSymmetric;

export function inverseHessian(n: number): InverseHessian {
  return backendFor().denseSymmetric?.(n) ?? new JsInverseHessian(n);
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

