// Dense f64 linear algebra for Newton's method and BFGS on small problems (n up to a few thousand).
// Who calls this: src/backend/wasm/index.ts `cholesky`, `choleskySolve`, `symEig`, once per
// Newton iteration; src/minimize/linalg.ts `inverseHessian`: `bfgsUpdateF64`, once per BFGS step.
// All matrices are row-major n x n f64: M[i,j] at mPtr[i*n + j].

/**
 * In-place Cholesky A = L L^T (Cholesky-Banachiewicz, row by row):
 *   L[i,j] = (A[i,j] - sum_{p<j} L[i,p] L[j,p]) / L[j,j]      (j < i)
 *   L[i,i] = sqrt(A[i,i] - sum_{p<i} L[i,p]^2)
 * Reads the lower triangle of A at aPtr, writes L there and zeroes the strict upper triangle.
 * Returns 1 on success, 0 if A is not (numerically) positive definite.
 */
export function choleskyF64(aPtr: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) {
    const rowI = aPtr + ((<usize>i * n) << 3);
    for (let j = 0; j <= i; j++) {
      const rowJ = aPtr + ((<usize>j * n) << 3);
      let s = load<f64>(rowI + (<usize>j << 3));
      for (let p = 0; p < j; p++) s -= load<f64>(rowI + (<usize>p << 3)) * load<f64>(rowJ + (<usize>p << 3));
      if (i == j) {
        if (!(s > 0) || !isFinite(s)) return 0;
        store<f64>(rowI + (<usize>i << 3), Math.sqrt(s));
      } else {
        store<f64>(rowI + (<usize>j << 3), s / load<f64>(rowJ + (<usize>j << 3)));
      }
    }
    for (let j = i + 1; j < n; j++) store<f64>(rowI + (<usize>j << 3), 0);
  }
  return 1;
}

/**
 * Solves L L^T x = b in place on bPtr (n elements):
 *   forward  L y = b:   y[i] = (b[i] - sum_{p<i} L[i,p] y[p]) / L[i,i]
 *   backward L^T x = y: x[i] = (y[i] - sum_{p>i} L[p,i] x[p]) / L[i,i]
 */
export function choleskySolveF64(lPtr: usize, n: i32, bPtr: usize): void {
  for (let i = 0; i < n; i++) {
    const rowI = lPtr + ((<usize>i * n) << 3);
    let s = load<f64>(bPtr + (<usize>i << 3));
    for (let p = 0; p < i; p++) s -= load<f64>(rowI + (<usize>p << 3)) * load<f64>(bPtr + (<usize>p << 3));
    store<f64>(bPtr + (<usize>i << 3), s / load<f64>(rowI + (<usize>i << 3)));
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = load<f64>(bPtr + (<usize>i << 3));
    for (let p = i + 1; p < n; p++) s -= load<f64>(lPtr + ((<usize>p * n + i) << 3)) * load<f64>(bPtr + (<usize>p << 3));
    store<f64>(bPtr + (<usize>i << 3), s / load<f64>(lPtr + ((<usize>i * n + i) << 3)));
  }
}

/**
 * Cyclic Jacobi eigen-decomposition of a symmetric A (Rutishauser's rotation formulas):
 * for each pair (p,q) with A[p,q] != 0, theta = (A[q,q] - A[p,p]) / (2 A[p,q]),
 * t = sign(theta) / (|theta| + sqrt(theta^2 + 1)), c = 1/sqrt(t^2+1), s = t c, and
 * A <- J^T A J, V <- V J with the rotation J in plane (p,q). Sweeps until the off-diagonal
 * Frobenius norm is below 1e-15 * ||A||_F or `maxSweeps` is reached.
 * On return the eigenvalues (unsorted) are on the diagonal of A and the eigenvectors are the
 * columns of V (vPtr, n x n, overwritten). Returns the number of sweeps used.
 */
export function symEigF64(aPtr: usize, vPtr: usize, n: i32, maxSweeps: i32): i32 {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) store<f64>(vPtr + ((<usize>i * n + j) << 3), i == j ? 1 : 0);
  let total: f64 = 0;
  for (let i = 0; i < n * n; i++) { const x = load<f64>(aPtr + (<usize>i << 3)); total += x * x; }
  const tol = 1e-30 * total; // (1e-15 ||A||_F)^2
  let sweep = 0;
  for (; sweep < maxSweeps; sweep++) {
    let off: f64 = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) { const x = load<f64>(aPtr + ((<usize>i * n + j) << 3)); off += 2 * x * x; }
    if (off <= tol) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = load<f64>(aPtr + ((<usize>p * n + q) << 3));
        if (apq == 0) continue;
        const app = load<f64>(aPtr + ((<usize>p * n + p) << 3));
        const aqq = load<f64>(aPtr + ((<usize>q * n + q) << 3));
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1.0 : -1.0) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // Columns p and q of A: A <- A J
        for (let k = 0; k < n; k++) {
          const kpPtr = aPtr + ((<usize>k * n + p) << 3);
          const kqPtr = aPtr + ((<usize>k * n + q) << 3);
          const akp = load<f64>(kpPtr), akq = load<f64>(kqPtr);
          store<f64>(kpPtr, c * akp - s * akq);
          store<f64>(kqPtr, s * akp + c * akq);
        }
        // Rows p and q of A: A <- J^T A
        for (let k = 0; k < n; k++) {
          const pkPtr = aPtr + ((<usize>p * n + k) << 3);
          const qkPtr = aPtr + ((<usize>q * n + k) << 3);
          const apk = load<f64>(pkPtr), aqk = load<f64>(qkPtr);
          store<f64>(pkPtr, c * apk - s * aqk);
          store<f64>(qkPtr, s * apk + c * aqk);
        }
        store<f64>(aPtr + ((<usize>p * n + q) << 3), 0);
        store<f64>(aPtr + ((<usize>q * n + p) << 3), 0);
        // V <- V J
        for (let k = 0; k < n; k++) {
          const kpPtr = vPtr + ((<usize>k * n + p) << 3);
          const kqPtr = vPtr + ((<usize>k * n + q) << 3);
          const vkp = load<f64>(kpPtr), vkq = load<f64>(kqPtr);
          store<f64>(kpPtr, c * vkp - s * vkq);
          store<f64>(kqPtr, s * vkp + c * vkq);
        }
      }
    }
  }
  return sweep;
}

/**
 * The BFGS inverse-Hessian update in place (src/minimize/bfgs.ts), H symmetric n x n:
 *   H[i,j] += c s_i s_j - rho (s_i hy_j + hy_i s_j),   hy = H y (computed by the caller, gemvF64)
 * One pass over H, two v128 lanes at a time.
 */
export function bfgsUpdateF64(hPtr: usize, sPtr: usize, hyPtr: usize, n: i32, rho: f64, c: f64): void {
  for (let i = 0; i < n; i++) {
    const row = hPtr + ((<usize>i * n) << 3);
    const si = load<f64>(sPtr + (<usize>i << 3)), hi = load<f64>(hyPtr + (<usize>i << 3));
    const a = c * si, b = rho * si, d = rho * hi; // H[i,j] += a s_j - b hy_j - d s_j
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const adV = f64x2.splat(a - d), bV = f64x2.splat(b);
      for (; j + 2 <= n; j += 2) {
        const off = <usize>j << 3;
        const sV = v128.load(sPtr + off), hyV = v128.load(hyPtr + off);
        v128.store(row + off, f64x2.sub(f64x2.add(v128.load(row + off), f64x2.mul(adV, sV)), f64x2.mul(bV, hyV)));
      }
    }
    for (; j < n; j++) {
      const off = <usize>j << 3;
      store<f64>(row + off, load<f64>(row + off) + (a - d) * load<f64>(sPtr + off) - b * load<f64>(hyPtr + off));
    }
  }
}
