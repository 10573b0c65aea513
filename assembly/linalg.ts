// Dense linear algebra in f32 and f64 (one generic body per routine, instantiated twice) for the
// minimizers (Newton, BFGS) and the training preconditioners (Shampoo, SOAP, K-FAC).
// Who calls this: src/backend/wasm/linalgKernels.ts, through backendFor().linalg (src/linalg).
// All matrices are row-major: M[i,j] at mPtr + (i*cols + j) * sizeof<T>. Every loop is arranged
// to walk rows (contiguous), so the inner loops are the v128 helpers below.

import { hsumF32x4, hsumF64x2, maddF32x4, maddF64x2 } from "./simd";

// ---- row primitives (v128 where the binary has SIMD; the scalar tail finishes) ----

/** sum_i x[i] y[i] over n elements. */
function dotT<T>(xPtr: usize, yPtr: usize, n: i32): T {
  let i = 0;
  let s: T = <T>0;
  if (ASC_FEATURE_SIMD) {
    const lanes = 16 / sizeof<T>();
    let s0V = i64x2.splat(0), s1V = i64x2.splat(0);
    for (; i + 2 * lanes <= n; i += 2 * lanes) {
      const off = <usize>i * sizeof<T>();
      if (sizeof<T>() == 4) {
        s0V = maddF32x4(v128.load(xPtr + off), v128.load(yPtr + off), s0V);
        s1V = maddF32x4(v128.load(xPtr + off, 16), v128.load(yPtr + off, 16), s1V);
      } else {
        s0V = maddF64x2(v128.load(xPtr + off), v128.load(yPtr + off), s0V);
        s1V = maddF64x2(v128.load(xPtr + off, 16), v128.load(yPtr + off, 16), s1V);
      }
    }
    if (sizeof<T>() == 4) s = <T>hsumF32x4(f32x4.add(s0V, s1V));
    else s = <T>hsumF64x2(f64x2.add(s0V, s1V));
  }
  for (; i < n; i++) s += load<T>(xPtr + <usize>i * sizeof<T>()) * load<T>(yPtr + <usize>i * sizeof<T>());
  return s;
}

/** y[i] += alpha x[i] over n elements. */
function axpyT<T>(alpha: T, xPtr: usize, yPtr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const lanes = 16 / sizeof<T>();
    const aV = sizeof<T>() == 4 ? f32x4.splat(<f32>alpha) : f64x2.splat(<f64>alpha);
    for (; i + lanes <= n; i += lanes) {
      const off = <usize>i * sizeof<T>();
      const yV = v128.load(yPtr + off), xV = v128.load(xPtr + off);
      v128.store(yPtr + off, sizeof<T>() == 4 ? maddF32x4(aV, xV, yV) : maddF64x2(aV, xV, yV));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i * sizeof<T>();
    store<T>(yPtr + off, load<T>(yPtr + off) + alpha * load<T>(xPtr + off));
  }
}

/** The plane rotation (x, y) <- (c x - s y, s x + c y), elementwise over n elements. */
function rotT<T>(xPtr: usize, yPtr: usize, n: i32, c: T, s: T): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const lanes = 16 / sizeof<T>();
    if (sizeof<T>() == 4) {
      const cV = f32x4.splat(<f32>c), sV = f32x4.splat(<f32>s);
      for (; i + lanes <= n; i += lanes) {
        const off = <usize>i << 2;
        const xV = v128.load(xPtr + off), yV = v128.load(yPtr + off);
        v128.store(xPtr + off, f32x4.sub(f32x4.mul(cV, xV), f32x4.mul(sV, yV)));
        v128.store(yPtr + off, maddF32x4(sV, xV, f32x4.mul(cV, yV)));
      }
    } else {
      const cV = f64x2.splat(<f64>c), sV = f64x2.splat(<f64>s);
      for (; i + lanes <= n; i += lanes) {
        const off = <usize>i << 3;
        const xV = v128.load(xPtr + off), yV = v128.load(yPtr + off);
        v128.store(xPtr + off, f64x2.sub(f64x2.mul(cV, xV), f64x2.mul(sV, yV)));
        v128.store(yPtr + off, maddF64x2(sV, xV, f64x2.mul(cV, yV)));
      }
    }
  }
  for (; i < n; i++) {
    const off = <usize>i * sizeof<T>();
    const x = load<T>(xPtr + off), y = load<T>(yPtr + off);
    store<T>(xPtr + off, c * x - s * y);
    store<T>(yPtr + off, s * x + c * y);
  }
}

// @ts-ignore: decorator
@inline function at<T>(ptr: usize, i: i32, j: i32, cols: i32): usize {
  return ptr + (<usize>i * cols + j) * sizeof<T>();
}

/** sqrt(a^2 + b^2) without overflow or underflow of the squares. */
function hypotT<T>(a: T, b: T): T {
  const x = abs<T>(a), y = abs<T>(b);
  const big = max<T>(x, y), small = min<T>(x, y);
  if (big == 0) return <T>0;
  const r = small / big;
  return big * <T>sqrt<T>(<T>1 + r * r);
}

// ---- Cholesky and triangular solves ----

/**
 * In-place Cholesky A = L L^T (Cholesky-Banachiewicz, row by row, each entry one row dot):
 *   L[i,j] = (A[i,j] - L[i,:j] . L[j,:j]) / L[j,j]   (j < i),   L[i,i] = sqrt(A[i,i] - L[i,:i] . L[i,:i])
 * Reads the lower triangle, writes L there and zeroes the strict upper triangle.
 * Returns 0 on success, else k + 1 for the first pivot k that is not positive (or not finite).
 */
function choleskyT<T>(aPtr: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) {
    const rowI = at<T>(aPtr, i, 0, n);
    for (let j = 0; j <= i; j++) {
      const rowJ = at<T>(aPtr, j, 0, n);
      const s = load<T>(rowI + <usize>j * sizeof<T>()) - dotT<T>(rowI, rowJ, j);
      if (i == j) {
        if (!(s > 0) || !isFinite<T>(s)) return i + 1;
        store<T>(rowI + <usize>i * sizeof<T>(), <T>sqrt<T>(s));
      } else {
        store<T>(rowI + <usize>j * sizeof<T>(), s / load<T>(rowJ + <usize>j * sizeof<T>()));
      }
    }
    for (let j = i + 1; j < n; j++) store<T>(rowI + <usize>j * sizeof<T>(), <T>0);
  }
  return 0;
}
export function choleskyF32(aPtr: usize, n: i32): i32 { return choleskyT<f32>(aPtr, n); }
export function choleskyF64(aPtr: usize, n: i32): i32 { return choleskyT<f64>(aPtr, n); }

/**
 * Solves op(T) x = b in place on bPtr for triangular T (n x n; only its `lower` or upper triangle
 * is read), op(T) = T or, with `transpose`, T^T; `unit` takes the diagonal as ones.
 *   T x = b (rows of T):   x[i] = (b[i] - T[i,<i or >i] . x[<i or >i]) / T[i,i]
 *   T^T x = b (rows again): x[i] = b[i] / T[i,i], then b[<i or >i] -= x[i] T[i,<i or >i]
 */
function triangularSolveT<T>(tPtr: usize, n: i32, bPtr: usize, lower: i32, transpose: i32, unit: i32): void {
  const forward = (lower != 0) != (transpose != 0);
  for (let step = 0; step < n; step++) {
    const i = forward ? step : n - 1 - step;
    const row = at<T>(tPtr, i, 0, n), bi = bPtr + <usize>i * sizeof<T>();
    const diag = unit != 0 ? <T>1 : load<T>(row + <usize>i * sizeof<T>());
    if (transpose == 0) {
      const s = lower != 0 ? dotT<T>(row, bPtr, i) : dotT<T>(row + <usize>(i + 1) * sizeof<T>(), bi + sizeof<T>(), n - 1 - i);
      store<T>(bi, (load<T>(bi) - s) / diag);
    } else {
      const x = load<T>(bi) / diag;
      store<T>(bi, x);
      if (lower != 0) axpyT<T>(-x, row, bPtr, i);
      else axpyT<T>(-x, row + <usize>(i + 1) * sizeof<T>(), bi + sizeof<T>(), n - 1 - i);
    }
  }
}
export function triangularSolveF32(tPtr: usize, n: i32, bPtr: usize, lower: i32, transpose: i32, unit: i32): void { triangularSolveT<f32>(tPtr, n, bPtr, lower, transpose, unit); }
export function triangularSolveF64(tPtr: usize, n: i32, bPtr: usize, lower: i32, transpose: i32, unit: i32): void { triangularSolveT<f64>(tPtr, n, bPtr, lower, transpose, unit); }

/** Solves L L^T x = b in place on bPtr: L y = b forward, then L^T x = y backward. */
export function choleskySolveF32(lPtr: usize, n: i32, bPtr: usize): void {
  triangularSolveT<f32>(lPtr, n, bPtr, 1, 0, 0);
  triangularSolveT<f32>(lPtr, n, bPtr, 1, 1, 0);
}
export function choleskySolveF64(lPtr: usize, n: i32, bPtr: usize): void {
  triangularSolveT<f64>(lPtr, n, bPtr, 1, 0, 0);
  triangularSolveT<f64>(lPtr, n, bPtr, 1, 1, 0);
}

// ---- symmetric eigendecomposition: Householder tridiagonalization + implicit QL ----

/**
 * A = Z^T diag(d) Z for symmetric A (n x n at aPtr, lower triangle read, destroyed): the
 * eigenvalues ascending in d (n), the eigenvectors as the ROWS of Z (zPtr, n x n); ePtr is
 * scratch of 2n. Returns 0, or 1 when the QL iteration did not converge (60 sweeps per value).
 *
 * 1. Householder, k = n-1 .. 2: with x = A[k,:k] (row k left of the diagonal), u = x - g e_{k-1},
 *    g = -sign(x_{k-1}) ||x||, h = u.u / 2, H = I - u u^T / h:  H A H = A - u q^T - q u^T on the
 *    leading k x k block, p = A u / h, q = p - (u.p / 2h) u. Row k keeps u; T[k,k-1] = g.
 * 2. Z = H_2 H_3 ... H_{n-1} (= P^T for A = P T P^T), built by right products: Z <- Z - (Z u) u^T / h,
 *    which touches only the leading k x k block.
 * 3. Implicit QL with Wilkinson's shift on the tridiagonal (d, e); each Givens rotation of columns
 *    i, i+1 of the eigenvector matrix is a rotation of rows i, i+1 of Z (contiguous).
 */
function symEigT<T>(aPtr: usize, zPtr: usize, dPtr: usize, ePtr: usize, n: i32): i32 {
  const sz = sizeof<T>();
  const pPtr = ePtr + <usize>n * sz; // p and q of step 1 (n)
  // The lower triangle defines A (as LAPACK's uplo = 'L'): mirror it into the upper one.
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) store<T>(at<T>(aPtr, j, i, n), load<T>(at<T>(aPtr, i, j, n)));
  for (let i = 0; i < n; i++) {
    const row = at<T>(zPtr, i, 0, n);
    memory.fill(row, 0, <usize>n * sz);
    store<T>(row + <usize>i * sz, <T>1);
  }
  // 1. tridiagonalize: d[k] = T[k,k], e[k] = T[k,k-1]; A[k,k] then keeps step k's h for step 2
  for (let k = n - 1; k >= 1; k--) {
    const rowK = at<T>(aPtr, k, 0, n);
    store<T>(dPtr + <usize>k * sz, load<T>(rowK + <usize>k * sz));
    // scale x by sum |x_j| so that its squares neither overflow nor underflow
    let scale: T = <T>0;
    for (let j = 0; j < k; j++) scale += abs<T>(load<T>(rowK + <usize>j * sz));
    const last = rowK + <usize>(k - 1) * sz;
    if (k == 1 || scale == 0) {
      store<T>(ePtr + <usize>k * sz, load<T>(last));
      store<T>(rowK + <usize>k * sz, <T>0); // h = 0: no reflection at this step
      continue;
    }
    const inv = <T>1 / scale;
    for (let j = 0; j < k; j++) store<T>(rowK + <usize>j * sz, load<T>(rowK + <usize>j * sz) * inv);
    const sigma = dotT<T>(rowK, rowK, k);
    const f = load<T>(last);
    const g: T = f >= 0 ? -<T>sqrt<T>(sigma) : <T>sqrt<T>(sigma);
    store<T>(ePtr + <usize>k * sz, scale * g);
    const h = sigma - f * g;
    store<T>(last, f - g);
    store<T>(rowK + <usize>k * sz, h); // A[k,k] (already in d) keeps h for step 2
    const hinv = <T>1 / h;
    let up: T = <T>0;
    for (let i = 0; i < k; i++) {
      const pi = dotT<T>(at<T>(aPtr, i, 0, n), rowK, k) * hinv;
      store<T>(pPtr + <usize>i * sz, pi);
      up += load<T>(rowK + <usize>i * sz) * pi;
    }
    const kk = up * hinv * <T>0.5;
    axpyT<T>(-kk, rowK, pPtr, k); // q = p - kk u
    for (let i = 0; i < k; i++) {
      const row = at<T>(aPtr, i, 0, n);
      axpyT<T>(-load<T>(rowK + <usize>i * sz), pPtr, row, k);
      axpyT<T>(-load<T>(pPtr + <usize>i * sz), rowK, row, k);
    }
  }
  store<T>(dPtr, load<T>(aPtr));
  // 2. Z = H_2 ... H_{n-1}
  for (let k = 2; k < n; k++) {
    const rowK = at<T>(aPtr, k, 0, n);
    const h = load<T>(rowK + <usize>k * sz);
    if (h == 0) continue;
    const hinv = <T>1 / h;
    for (let r = 0; r < k; r++) {
      const row = at<T>(zPtr, r, 0, n);
      axpyT<T>(-dotT<T>(row, rowK, k) * hinv, rowK, row, k);
    }
  }
  // 3. implicit QL; e[i] = T[i+1,i] from here on
  for (let i = 1; i < n; i++) store<T>(ePtr + <usize>(i - 1) * sz, load<T>(ePtr + <usize>i * sz));
  if (n > 0) store<T>(ePtr + <usize>(n - 1) * sz, <T>0);
  const eps: T = sizeof<T>() == 4 ? <T>1.1920929e-7 : <T>2.220446049250313e-16;
  let shift: T = <T>0, norm: T = <T>0;
  for (let l = 0; l < n; l++) {
    norm = max<T>(norm, abs<T>(load<T>(dPtr + <usize>l * sz)) + abs<T>(load<T>(ePtr + <usize>l * sz)));
    let m = l;
    while (m < n - 1 && abs<T>(load<T>(ePtr + <usize>m * sz)) > eps * norm) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) return 1;
        // shift: the eigenvalue of the leading 2 x 2 block closer to d[l]
        const dl = load<T>(dPtr + <usize>l * sz), el = load<T>(ePtr + <usize>l * sz);
        const t = (load<T>(dPtr + <usize>(l + 1) * sz) - dl) / (<T>2 * el);
        let r = hypotT<T>(t, <T>1);
        if (t < 0) r = -r;
        const dNew = el / (t + r);
        store<T>(dPtr + <usize>l * sz, dNew);
        const dl1 = el * (t + r);
        store<T>(dPtr + <usize>(l + 1) * sz, dl1);
        const delta = dl - dNew;
        for (let i = l + 2; i < n; i++) store<T>(dPtr + <usize>i * sz, load<T>(dPtr + <usize>i * sz) - delta);
        shift += delta;
        // chase the bulge from m up to l
        let p = load<T>(dPtr + <usize>m * sz);
        let c: T = <T>1, c2: T = <T>1, c3: T = <T>1, s: T = <T>0, s2: T = <T>0;
        const el1 = load<T>(ePtr + <usize>(l + 1) * sz);
        for (let i = m - 1; i >= l; i--) {
          c3 = c2; c2 = c; s2 = s;
          const ei = load<T>(ePtr + <usize>i * sz), di = load<T>(dPtr + <usize>i * sz);
          const g = c * ei, hp = c * p;
          r = hypotT<T>(p, ei);
          store<T>(ePtr + <usize>(i + 1) * sz, s * r);
          s = ei / r;
          c = p / r;
          p = c * di - s * g;
          store<T>(dPtr + <usize>(i + 1) * sz, hp + s * (c * g + s * di));
          // columns (i, i+1) of the eigenvectors <- (c col_i - s col_{i+1}, s col_i + c col_{i+1})
          rotT<T>(at<T>(zPtr, i, 0, n), at<T>(zPtr, i + 1, 0, n), n, c, s);
        }
        p = -s * s2 * c3 * el1 * load<T>(ePtr + <usize>l * sz) / dl1;
        store<T>(ePtr + <usize>l * sz, s * p);
        store<T>(dPtr + <usize>l * sz, c * p);
      } while (abs<T>(load<T>(ePtr + <usize>l * sz)) > eps * norm);
    }
    store<T>(dPtr + <usize>l * sz, load<T>(dPtr + <usize>l * sz) + shift);
    store<T>(ePtr + <usize>l * sz, <T>0);
  }
  // ascending order: selection sort, swapping rows of Z (n swaps at most)
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let v = load<T>(dPtr + <usize>i * sz);
    for (let j = i + 1; j < n; j++) {
      const dj = load<T>(dPtr + <usize>j * sz);
      if (dj < v) { k = j; v = dj; }
    }
    if (k == i) continue;
    store<T>(dPtr + <usize>k * sz, load<T>(dPtr + <usize>i * sz));
    store<T>(dPtr + <usize>i * sz, v);
    for (let j = 0; j < n; j++) {
      const x = at<T>(zPtr, i, j, n), y = at<T>(zPtr, k, j, n);
      const t = load<T>(x);
      store<T>(x, load<T>(y));
      store<T>(y, t);
    }
  }
  return 0;
}
export function symEigF32(aPtr: usize, zPtr: usize, dPtr: usize, ePtr: usize, n: i32): i32 { return symEigT<f32>(aPtr, zPtr, dPtr, ePtr, n); }
export function symEigF64(aPtr: usize, zPtr: usize, dPtr: usize, ePtr: usize, n: i32): i32 { return symEigT<f64>(aPtr, zPtr, dPtr, ePtr, n); }

// ---- QR by Householder reflections ----

/**
 * Thin A = Q R for an m x n matrix (m >= n) at aPtr, by Householder reflections applied row-wise:
 * column k below the diagonal is x, v = x + sign(x_0) ||x|| e_0, H = I - 2 v v^T / v.v, and
 * H R = R - v w^T with w = (2 / v.v) v^T R[k:, k+1:] (accumulated row by row). On return the
 * first n rows of aPtr hold R (upper, diagonal >= 0, zeros below) and qPtr (m x n) holds Q,
 * formed backwards from the identity (H_k touches columns k.. only). wPtr: scratch of 3n.
 */
function qrT<T>(aPtr: usize, qPtr: usize, wPtr: usize, m: i32, n: i32): void {
  const sz = sizeof<T>();
  const v0Ptr = wPtr + <usize>n * sz, vvPtr = v0Ptr + <usize>n * sz; // v_k[0] and v_k . v_k
  for (let k = 0; k < n; k++) {
    let big: T = <T>0;
    for (let i = k; i < m; i++) big = max<T>(big, abs<T>(load<T>(at<T>(aPtr, i, k, n))));
    let norm: T = <T>0;
    if (big > 0) {
      let ss: T = <T>0;
      for (let i = k; i < m; i++) { const x = load<T>(at<T>(aPtr, i, k, n)) / big; ss += x * x; }
      norm = big * <T>sqrt<T>(ss);
    }
    const x0 = load<T>(at<T>(aPtr, k, k, n));
    const v0 = x0 >= 0 ? x0 + norm : x0 - norm;
    let vv = v0 * v0;
    for (let i = k + 1; i < m; i++) { const x = load<T>(at<T>(aPtr, i, k, n)); vv += x * x; }
    store<T>(v0Ptr + <usize>k * sz, v0);
    store<T>(vvPtr + <usize>k * sz, vv);
    if (vv == 0) continue; // a zero column: nothing to reflect
    const cols = n - k - 1;
    if (cols > 0) {
      memory.fill(wPtr, 0, <usize>cols * sz);
      axpyT<T>(v0, at<T>(aPtr, k, k + 1, n), wPtr, cols);
      for (let i = k + 1; i < m; i++) axpyT<T>(load<T>(at<T>(aPtr, i, k, n)), at<T>(aPtr, i, k + 1, n), wPtr, cols);
      const f = <T>2 / vv;
      axpyT<T>(-f * v0, wPtr, at<T>(aPtr, k, k + 1, n), cols);
      for (let i = k + 1; i < m; i++) axpyT<T>(-f * load<T>(at<T>(aPtr, i, k, n)), wPtr, at<T>(aPtr, i, k + 1, n), cols);
    }
    store<T>(at<T>(aPtr, k, k, n), x0 >= 0 ? -norm : norm); // H x = -sign(x_0) ||x|| e_0; v_k[1:] stays below
  }
  // Q = H_0 ... H_{n-1} [I; 0]
  memory.fill(qPtr, 0, <usize>m * n * sz);
  for (let i = 0; i < n; i++) store<T>(at<T>(qPtr, i, i, n), <T>1);
  for (let k = n - 1; k >= 0; k--) {
    const vv = load<T>(vvPtr + <usize>k * sz), v0 = load<T>(v0Ptr + <usize>k * sz);
    if (vv == 0) continue;
    const cols = n - k;
    memory.fill(wPtr, 0, <usize>cols * sz);
    axpyT<T>(v0, at<T>(qPtr, k, k, n), wPtr, cols);
    for (let i = k + 1; i < m; i++) axpyT<T>(load<T>(at<T>(aPtr, i, k, n)), at<T>(qPtr, i, k, n), wPtr, cols);
    const f = <T>2 / vv;
    axpyT<T>(-f * v0, wPtr, at<T>(qPtr, k, k, n), cols);
    for (let i = k + 1; i < m; i++) axpyT<T>(-f * load<T>(at<T>(aPtr, i, k, n)), wPtr, at<T>(qPtr, i, k, n), cols);
  }
  // R's diagonal non-negative: flip row i of R and column i of Q together; zero below the diagonal
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) store<T>(at<T>(aPtr, i, j, n), <T>0);
    if (load<T>(at<T>(aPtr, i, i, n)) >= 0) continue;
    for (let j = i; j < n; j++) { const q = at<T>(aPtr, i, j, n); store<T>(q, -load<T>(q)); }
    for (let r = 0; r < m; r++) { const q = at<T>(qPtr, r, i, n); store<T>(q, -load<T>(q)); }
  }
}
export function qrF32(aPtr: usize, qPtr: usize, wPtr: usize, m: i32, n: i32): void { qrT<f32>(aPtr, qPtr, wPtr, m, n); }
export function qrF64(aPtr: usize, qPtr: usize, wPtr: usize, m: i32, n: i32): void { qrT<f64>(aPtr, qPtr, wPtr, m, n); }

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
