// Dense linear algebra in f32 and f64 for the minimizers (Newton, BFGS) and the training
// preconditioners (Shampoo, SOAP, K-FAC): Cholesky, triangular solves, the symmetric
// eigendecomposition, Householder QR. Who calls this: src/backend/wasm/linalgKernels.ts, through
// backendFor().linalg (src/linalg). All matrices are row-major, M[i,j] at mPtr + (i*cols + j) * sz
// (sz = 4 or 8), and every O(n^3) loop walks rows (contiguous), through the row primitives below.
// The scalar binary (engines without SIMD) leaves them out, stubs only, to keep the bundle small:
// src/backend/wasm/linalgKernels.ts runs the JS reference there.

import { hsumF32x4, hsumF64x2, maddF32x4, maddF64x2 } from "./simd";

// ---- row primitives (v128 where the binary has SIMD; the scalar tail finishes) ----
// The routines below run once for both dtypes (`f32` says which, a run-time argument of the
// exported kernel, so that the optimizer cannot clone a body per dtype): scalars are f64, matrix entries
// are read and written in their dtype (ld, st), and the O(n^3) work goes through these row
// primitives, which have an f32x4 and an f64x2 body. One body per routine keeps the binaries small.

// @ts-ignore: decorator
@inline function ld(p: usize, f32: bool): f64 {
  return f32 ? <f64>load<f32>(p) : load<f64>(p);
}
// @ts-ignore: decorator
@inline function st(p: usize, v: f64, f32: bool): void {
  if (f32) store<f32>(p, <f32>v);
  else store<f64>(p, v);
}

/** sum_i x[i] y[i] over n elements (accumulated in the dtype). */
function dotRow(xPtr: usize, yPtr: usize, n: i32, f32: bool): f64 {
  let i = 0;
  if (f32) {
    let s: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let s0V = f32x4.splat(0), s1V = f32x4.splat(0);
      for (; i + 8 <= n; i += 8) {
        const off = <usize>i << 2;
        s0V = maddF32x4(v128.load(xPtr + off), v128.load(yPtr + off), s0V);
        s1V = maddF32x4(v128.load(xPtr + off, 16), v128.load(yPtr + off, 16), s1V);
      }
      s = hsumF32x4(f32x4.add(s0V, s1V));
    }
    for (; i < n; i++) s += load<f32>(xPtr + (<usize>i << 2)) * load<f32>(yPtr + (<usize>i << 2));
    return <f64>s;
  }
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let s0V = f64x2.splat(0), s1V = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 3;
      s0V = maddF64x2(v128.load(xPtr + off), v128.load(yPtr + off), s0V);
      s1V = maddF64x2(v128.load(xPtr + off, 16), v128.load(yPtr + off, 16), s1V);
    }
    s = hsumF64x2(f64x2.add(s0V, s1V));
  }
  for (; i < n; i++) s += load<f64>(xPtr + (<usize>i << 3)) * load<f64>(yPtr + (<usize>i << 3));
  return s;
}

/** y[i] += alpha x[i] over n elements. */
function axpyRow(alpha: f64, xPtr: usize, yPtr: usize, n: i32, f32: bool): void {
  let i = 0;
  if (f32) {
    const a = <f32>alpha;
    if (ASC_FEATURE_SIMD) {
      const aV = f32x4.splat(a);
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        v128.store(yPtr + off, maddF32x4(aV, v128.load(xPtr + off), v128.load(yPtr + off)));
      }
    }
    for (; i < n; i++) {
      const off = <usize>i << 2;
      store<f32>(yPtr + off, load<f32>(yPtr + off) + a * load<f32>(xPtr + off));
    }
    return;
  }
  if (ASC_FEATURE_SIMD) {
    const aV = f64x2.splat(alpha);
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i << 3;
      v128.store(yPtr + off, maddF64x2(aV, v128.load(xPtr + off), v128.load(yPtr + off)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    store<f64>(yPtr + off, load<f64>(yPtr + off) + alpha * load<f64>(xPtr + off));
  }
}

/** The plane rotation (x, y) <- (c x - s y, s x + c y), elementwise over n elements. */
function rotRows(xPtr: usize, yPtr: usize, n: i32, c: f64, s: f64, f32: bool): void {
  let i = 0;
  if (f32) {
    const cf = <f32>c, sf = <f32>s;
    if (ASC_FEATURE_SIMD) {
      const cV = f32x4.splat(cf), sV = f32x4.splat(sf);
      for (; i + 4 <= n; i += 4) {
        const off = <usize>i << 2;
        const xV = v128.load(xPtr + off), yV = v128.load(yPtr + off);
        v128.store(xPtr + off, f32x4.sub(f32x4.mul(cV, xV), f32x4.mul(sV, yV)));
        v128.store(yPtr + off, maddF32x4(sV, xV, f32x4.mul(cV, yV)));
      }
    }
    for (; i < n; i++) {
      const off = <usize>i << 2;
      const x = load<f32>(xPtr + off), y = load<f32>(yPtr + off);
      store<f32>(xPtr + off, cf * x - sf * y);
      store<f32>(yPtr + off, sf * x + cf * y);
    }
    return;
  }
  if (ASC_FEATURE_SIMD) {
    const cV = f64x2.splat(c), sV = f64x2.splat(s);
    for (; i + 2 <= n; i += 2) {
      const off = <usize>i << 3;
      const xV = v128.load(xPtr + off), yV = v128.load(yPtr + off);
      v128.store(xPtr + off, f64x2.sub(f64x2.mul(cV, xV), f64x2.mul(sV, yV)));
      v128.store(yPtr + off, maddF64x2(sV, xV, f64x2.mul(cV, yV)));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 3;
    const x = load<f64>(xPtr + off), y = load<f64>(yPtr + off);
    store<f64>(xPtr + off, c * x - s * y);
    store<f64>(yPtr + off, s * x + c * y);
  }
}

/** Byte address of M[i,j] in a row-major matrix with `cols` columns of `sz`-byte entries. */
// @ts-ignore: decorator
@inline function at(ptr: usize, i: i32, j: i32, cols: i32, sz: usize): usize {
  return ptr + (<usize>i * cols + j) * sz;
}

// ---- Cholesky and triangular solves ----

/**
 * In-place Cholesky A = L L^T (Cholesky-Banachiewicz, row by row, each entry one row dot):
 *   L[i,j] = (A[i,j] - L[i,:j] . L[j,:j]) / L[j,j]   (j < i),   L[i,i] = sqrt(A[i,i] - L[i,:i] . L[i,:i])
 * Reads the lower triangle, writes L there and zeroes the strict upper triangle.
 * Returns 0 on success, else k + 1 for the first pivot k that is not positive (or not finite).
 */
export function cholesky(aPtr: usize, n: i32, f32: bool): i32 {
  if (!ASC_FEATURE_SIMD) return -1; // not in the scalar binary (see the header)
  const sz: usize = f32 ? 4 : 8;
  for (let i = 0; i < n; i++) {
    const rowI = at(aPtr, i, 0, n, sz);
    for (let j = 0; j <= i; j++) {
      const rowJ = at(aPtr, j, 0, n, sz);
      const s = ld(rowI + <usize>j * sz, f32) - dotRow(rowI, rowJ, j, f32);
      if (i == j) {
        if (!(s > 0) || !isFinite(s)) return i + 1;
        st(rowI + <usize>i * sz, Math.sqrt(s), f32);
      } else {
        st(rowI + <usize>j * sz, s / ld(rowJ + <usize>j * sz, f32), f32);
      }
    }
    memory.fill(rowI + <usize>(i + 1) * sz, 0, <usize>(n - 1 - i) * sz);
  }
  return 0;
}

/**
 * Solves op(T) x = b in place on bPtr for triangular T (n x n; only its `lower` or upper triangle
 * is read), op(T) = T or, with `transpose`, T^T; `unit` takes the diagonal as ones.
 *   T x = b (rows of T):    x[i] = (b[i] - T[i,<i or >i] . x[<i or >i]) / T[i,i]
 *   T^T x = b (rows again): x[i] = b[i] / T[i,i], then b[<i or >i] -= x[i] T[i,<i or >i]
 */
export function triangularSolve(tPtr: usize, n: i32, bPtr: usize, lower: bool, transpose: bool, unit: bool, f32: bool): void {
  if (!ASC_FEATURE_SIMD) return;
  const sz: usize = f32 ? 4 : 8;
  for (let step = 0; step < n; step++) {
    const i = lower != transpose ? step : n - 1 - step;
    const row = at(tPtr, i, 0, n, sz), bi = bPtr + <usize>i * sz;
    // the part of row i left (lower) or right (upper) of the diagonal, and the matching part of b
    const part = lower ? row : row + <usize>(i + 1) * sz, bPart = lower ? bPtr : bi + sz, len = lower ? i : n - 1 - i;
    const diag = unit ? 1.0 : ld(row + <usize>i * sz, f32);
    if (!transpose) {
      st(bi, (ld(bi, f32) - dotRow(part, bPart, len, f32)) / diag, f32);
    } else {
      const x = ld(bi, f32) / diag;
      st(bi, x, f32);
      axpyRow(-x, part, bPart, len, f32);
    }
  }
}

// ---- symmetric eigendecomposition: Householder tridiagonalization + implicit QL ----

/**
 * A = Z^T diag(d) Z for symmetric A (n x n at aPtr, lower triangle read, destroyed): the
 * eigenvalues ascending in d (n f64), the eigenvectors as the ROWS of Z (zPtr, n x n); ePtr is
 * scratch of n f64, pPtr of n entries. Returns 0, or 1 when QL did not converge (60 sweeps per value).
 *
 * 1. Householder, k = n-1 .. 2: with x = A[k,:k] (row k left of the diagonal), u = x - g e_{k-1},
 *    g = -sign(x_{k-1}) ||x||, h = u.u / 2, H = I - u u^T / h:  H A H = A - u q^T - q u^T on the
 *    leading k x k block, p = A u / h, q = p - (u.p / 2h) u. Row k keeps u; T[k,k-1] = g.
 * 2. Z = H_2 H_3 ... H_{n-1} (= P^T for A = P T P^T), built by right products: Z <- Z - (Z u) u^T / h,
 *    which touches only the leading k x k block.
 * 3. Implicit QL with Wilkinson's shift on the tridiagonal (d, e); each Givens rotation of columns
 *    i, i+1 of the eigenvector matrix is a rotation of rows i, i+1 of Z (contiguous).
 */
export function symEig(aPtr: usize, zPtr: usize, dPtr: usize, ePtr: usize, pPtr: usize, n: i32, f32: bool): i32 {
  if (!ASC_FEATURE_SIMD) return -1;
  const sz: usize = f32 ? 4 : 8;
  // The lower triangle defines A (as LAPACK's uplo = 'L'): mirror it into the upper one.
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) st(at(aPtr, j, i, n, sz), ld(at(aPtr, i, j, n, sz), f32), f32);
  memory.fill(zPtr, 0, <usize>n * n * sz);
  for (let i = 0; i < n; i++) st(at(zPtr, i, i, n, sz), 1, f32);
  // 1. tridiagonalize: d[k] = T[k,k], e[k] = T[k,k-1]; A[k,k] then keeps step k's h for step 2
  for (let k = n - 1; k >= 1; k--) {
    const rowK = at(aPtr, k, 0, n, sz), diagK = rowK + <usize>k * sz, last = diagK - sz;
    store<f64>(dPtr + (<usize>k << 3), ld(diagK, f32));
    // scale x by sum |x_j| so that its squares neither overflow nor underflow
    let scale: f64 = 0;
    for (let j = 0; j < k; j++) scale += Math.abs(ld(rowK + <usize>j * sz, f32));
    if (k == 1 || scale == 0) {
      store<f64>(ePtr + (<usize>k << 3), ld(last, f32));
      st(diagK, 0, f32); // h = 0: no reflection at this step
      continue;
    }
    for (let j = 0; j < k; j++) st(rowK + <usize>j * sz, ld(rowK + <usize>j * sz, f32) / scale, f32);
    const sigma = dotRow(rowK, rowK, k, f32);
    const f = ld(last, f32);
    const g = f >= 0 ? -Math.sqrt(sigma) : Math.sqrt(sigma);
    store<f64>(ePtr + (<usize>k << 3), scale * g);
    st(last, f - g, f32);
    const h = dotRow(rowK, rowK, k, f32) / 2; // u.u / 2 of the stored (rounded) u
    st(diagK, h, f32);
    let up: f64 = 0;
    for (let i = 0; i < k; i++) {
      const pi = dotRow(at(aPtr, i, 0, n, sz), rowK, k, f32) / h;
      st(pPtr + <usize>i * sz, pi, f32);
      up += ld(rowK + <usize>i * sz, f32) * pi;
    }
    axpyRow(-up / (2 * h), rowK, pPtr, k, f32); // q = p - (u.p / 2h) u
    for (let i = 0; i < k; i++) {
      const row = at(aPtr, i, 0, n, sz);
      axpyRow(-ld(rowK + <usize>i * sz, f32), pPtr, row, k, f32);
      axpyRow(-ld(pPtr + <usize>i * sz, f32), rowK, row, k, f32);
    }
  }
  if (n > 0) store<f64>(dPtr, ld(aPtr, f32));
  // 2. Z = H_2 ... H_{n-1}
  for (let k = 2; k < n; k++) {
    const rowK = at(aPtr, k, 0, n, sz);
    const h = ld(rowK + <usize>k * sz, f32);
    if (h == 0) continue;
    for (let r = 0; r < k; r++) {
      const row = at(zPtr, r, 0, n, sz);
      axpyRow(-dotRow(row, rowK, k, f32) / h, rowK, row, k, f32);
    }
  }
  // 3. implicit QL; e[i] = T[i+1,i] from here on (d and e are f64 whatever the dtype)
  for (let i = 1; i < n; i++) store<f64>(ePtr + (<usize>(i - 1) << 3), load<f64>(ePtr + (<usize>i << 3)));
  if (n > 0) store<f64>(ePtr + (<usize>(n - 1) << 3), 0);
  const eps: f64 = f32 ? 1.1920929e-7 : 2.220446049250313e-16;
  let shift: f64 = 0, norm: f64 = 0;
  for (let l = 0; l < n; l++) {
    const dl0 = dPtr + (<usize>l << 3), el0 = ePtr + (<usize>l << 3);
    norm = Math.max(norm, Math.abs(load<f64>(dl0)) + Math.abs(load<f64>(el0)));
    let m = l;
    while (m < n - 1 && Math.abs(load<f64>(ePtr + (<usize>m << 3))) > eps * norm) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) return 1;
        // shift: the eigenvalue of the leading 2 x 2 block closer to d[l]
        const dl = load<f64>(dl0), el = load<f64>(el0);
        const t = (load<f64>(dl0 + 8) - dl) / (2 * el);
        let r = Math.sqrt(t * t + 1); // the QL scalars are f64 whatever the dtype: no overflow to guard
        if (t < 0) r = -r;
        const dNew = el / (t + r), dl1 = el * (t + r), delta = dl - dNew;
        store<f64>(dl0, dNew);
        store<f64>(dl0 + 8, dl1);
        for (let i = l + 2; i < n; i++) store<f64>(dPtr + (<usize>i << 3), load<f64>(dPtr + (<usize>i << 3)) - delta);
        shift += delta;
        // chase the bulge from m up to l
        let p = load<f64>(dPtr + (<usize>m << 3));
        let c: f64 = 1, c2: f64 = 1, c3: f64 = 1, s: f64 = 0, s2: f64 = 0;
        const el1 = load<f64>(el0 + 8);
        for (let i = m - 1; i >= l; i--) {
          c3 = c2; c2 = c; s2 = s;
          const ei = load<f64>(ePtr + (<usize>i << 3)), di = load<f64>(dPtr + (<usize>i << 3));
          const g = c * ei, hp = c * p;
          r = Math.sqrt(p * p + ei * ei);
          store<f64>(ePtr + (<usize>(i + 1) << 3), s * r);
          s = ei / r;
          c = p / r;
          p = c * di - s * g;
          store<f64>(dPtr + (<usize>(i + 1) << 3), hp + s * (c * g + s * di));
          // columns (i, i+1) of the eigenvectors <- (c col_i - s col_{i+1}, s col_i + c col_{i+1})
          rotRows(at(zPtr, i, 0, n, sz), at(zPtr, i + 1, 0, n, sz), n, c, s, f32);
        }
        p = -s * s2 * c3 * el1 * load<f64>(el0) / dl1;
        store<f64>(el0, s * p);
        store<f64>(dl0, c * p);
      } while (Math.abs(load<f64>(el0)) > eps * norm);
    }
    store<f64>(dl0, load<f64>(dl0) + shift);
    store<f64>(el0, 0);
  }
  // ascending order: selection sort, swapping rows of Z (n swaps at most)
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let v = load<f64>(dPtr + (<usize>i << 3));
    for (let j = i + 1; j < n; j++) {
      const dj = load<f64>(dPtr + (<usize>j << 3));
      if (dj < v) { k = j; v = dj; }
    }
    if (k == i) continue;
    store<f64>(dPtr + (<usize>k << 3), load<f64>(dPtr + (<usize>i << 3)));
    store<f64>(dPtr + (<usize>i << 3), v);
    // swap rows i and k: (x, y) <- (y, -x), then y <- y - 2 y
    rotRows(at(zPtr, i, 0, n, sz), at(zPtr, k, 0, n, sz), n, 0, -1, f32);
    axpyRow(-2, at(zPtr, k, 0, n, sz), at(zPtr, k, 0, n, sz), n, f32);
  }
  return 0;
}

// ---- QR by Householder reflections ----

/**
 * Applies H = I - (2 / vv) v v^T to columns j0.. (cols of them) of rows k..m-1 of M (m x n, entry
 * size sz): v = (v0, A[k+1,k], ..., A[m-1,k]) (kept below R's diagonal). Row-wise:
 *   w = v^T M[k:, j0:] (axpy per row), then M[i, j0:] -= (2 / vv) v_i w. wPtr: scratch of cols.
 */
function reflect(mPtr: usize, aPtr: usize, wPtr: usize, m: i32, n: i32, k: i32, j0: i32, v0: f64, vv: f64, f32: bool): void {
  const sz: usize = f32 ? 4 : 8, cols = n - j0;
  if (cols <= 0) return;
  memory.fill(wPtr, 0, <usize>cols * sz);
  for (let i = k; i < m; i++) axpyRow(i == k ? v0 : ld(at(aPtr, i, k, n, sz), f32), at(mPtr, i, j0, n, sz), wPtr, cols, f32);
  const f = -2 / vv;
  for (let i = k; i < m; i++) axpyRow(f * (i == k ? v0 : ld(at(aPtr, i, k, n, sz), f32)), wPtr, at(mPtr, i, j0, n, sz), cols, f32);
}

/**
 * Thin A = Q R for an m x n matrix (m >= n) at aPtr, by Householder reflections applied row-wise:
 * column k below the diagonal is x, v = x + sign(x_0) ||x|| e_0, H = I - 2 v v^T / v.v.
 * On return the first n rows of aPtr hold R (upper, diagonal >= 0, zeros below) and qPtr (m x n)
 * holds Q, formed backwards from the identity (H_k touches columns k.. only).
 * wPtr: scratch of n entries; vPtr: of 2n f64 (each v_0 and v.v).
 */
export function qr(aPtr: usize, qPtr: usize, wPtr: usize, vPtr: usize, m: i32, n: i32, f32: bool): void {
  if (!ASC_FEATURE_SIMD) return;
  const sz: usize = f32 ? 4 : 8;
  const vvPtr = vPtr + (<usize>n << 3);
  for (let k = 0; k < n; k++) {
    // ||x||^2 and v.v in f64 (an f32 column's squares cannot overflow there)
    let ss: f64 = 0;
    for (let i = k + 1; i < m; i++) { const x = ld(at(aPtr, i, k, n, sz), f32); ss += x * x; }
    const x0 = ld(at(aPtr, k, k, n, sz), f32);
    const norm = Math.sqrt(ss + x0 * x0);
    const v0 = x0 >= 0 ? x0 + norm : x0 - norm;
    const vv = v0 * v0 + ss;
    store<f64>(vPtr + (<usize>k << 3), v0);
    store<f64>(vvPtr + (<usize>k << 3), vv);
    if (vv == 0) continue; // a zero column: nothing to reflect
    reflect(aPtr, aPtr, wPtr, m, n, k, k + 1, v0, vv, f32);
    st(at(aPtr, k, k, n, sz), x0 >= 0 ? -norm : norm, f32); // H x = -sign(x_0) ||x|| e_0; v_k[1:] stays below
  }
  // Q = H_0 ... H_{n-1} [I; 0]
  memory.fill(qPtr, 0, <usize>m * n * sz);
  for (let i = 0; i < n; i++) st(at(qPtr, i, i, n, sz), 1, f32);
  for (let k = n - 1; k >= 0; k--) {
    const vv = load<f64>(vvPtr + (<usize>k << 3));
    if (vv != 0) reflect(qPtr, aPtr, wPtr, m, n, k, k, load<f64>(vPtr + (<usize>k << 3)), vv, f32);
  }
  // R's diagonal non-negative: flip row i of R and column i of Q together; zero below the diagonal
  for (let i = 0; i < n; i++) {
    const row = at(aPtr, i, 0, n, sz);
    memory.fill(row, 0, <usize>i * sz);
    if (ld(row + <usize>i * sz, f32) >= 0) continue;
    axpyRow(-2, row + <usize>i * sz, row + <usize>i * sz, n - i, f32); // x <- x - 2 x
    for (let r = 0; r < m; r++) { const q = at(qPtr, r, i, n, sz); st(q, -ld(q, f32), f32); }
  }
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
