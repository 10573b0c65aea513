// Packed, cache-blocked, register-blocked GEMM (Goto/BLIS scheme), f32 and f64.
//
//   C[m,n] = op(A)[m,k] @ B'[k,n]       B' is op(B), packed once by packB*, shared by all threads
//
// Who calls this: src/backend/wasm/matmulKernel.ts `matmulOn`, once per tensor matmul. The caller
// packs B with packBF32/packBF64, then calls matmulF32/matmulF64 for all rows on one thread, or
// matmulClaimF32/F64 on every thread sharing the product, which take chunks of rows from a ticket
// (each thread has its own `workPtr` scratch for its packed A block); C rows are disjoint per chunk.
//
// Operand layouts (row-major, element counts, not bytes):
//   A      transA = 0: A[i,p] at aPtr[i*k + p]      transA = 1: stored [k,m], A[i,p] at aPtr[p*m + i]
//   B      transB = 0: B[p,j] at bPtr[p*n + j]      transB = 1: stored [n,k], B[p,j] at bPtr[j*k + p]
//   C      C[i,j] at cPtr[i*n + j]
//
// Packed layouts (columns/rows past the matrix edge are zero-padded):
//   packed B, NR-column panels over the full k:
//     | panel jp = 0: p=0: B[0,0..NR) | p=1: B[1,0..NR) | ... | p=k-1 | panel jp = 1: ... |
//     B[p, jp*NR + jj] at bpPtr[(jp*k + p)*NR + jj]
//   packed A block (rows ic..ic+mc, depth pc..pc+kc), MR-row panels:
//     A[ic + ip*MR + ii, pc + p] at workPtr[(ip*kc + p)*MR + ii]
//
// Micro-kernel: an MR x NR tile of C lives in registers (f32: 4 rows x 2 v128 = 4x8; f64: 4 rows x
// 2 v128 = 4x4), updated once per p with one broadcast of A[i,p] per row and NR/lanes loads of B.
// Loop nest (outer to inner): pc (KC-deep slices of k) > ic (MC-row blocks, packed A in L2)
// > jp (NR-column panels of B, one panel kc*NR in L1) > ip (MR-row panels of packed A).
//
// Both types run the same code, generic over T = f32 | f64: a panel row of packed B is 32 bytes
// (two v128) in both (NR = 32 / sizeof<T>), so are the packed A block (MC * KC * sizeof<T>) and
// the v128 register tile; only the lane ops and MC differ. The exported F32/F64 entry points are
// the ABI (src/backend/wasm/index.ts calls them by name).

import { maddF32x4, maddF64x2 } from "./simd";
import { axpyF32, axpyF64, dotF32, dotF64 } from "./blas1";
import { gemvF32, gemvF64 } from "./gemv";
import { claimChunk, finishChunk } from "./claim";

const MR: i32 = 4;
const NR_F32: i32 = 8;
const NR_F64: i32 = 4;
const KC: i32 = 256;
const MC_F32: i32 = 128;
const MC_F64: i32 = 64;

/** Columns per packed-B panel: 8 f32 or 4 f64, 32 bytes either way. */
// @ts-ignore: decorator
@inline function nrOf<T>(): i32 {
  return sizeof<T>() == 4 ? NR_F32 : NR_F64;
}
/** Rows per packed-A block: MC * KC elements are 128 KiB in both types. */
// @ts-ignore: decorator
@inline function mcOf<T>(): i32 {
  return sizeof<T>() == 4 ? MC_F32 : MC_F64;
}

/** Bytes of per-thread scratch that matmulF32/matmulF64 need at `workPtr` (packed A block + one C tile). */
export function matmulWorkBytes(): i32 {
  return max(MC_F32 * KC * 4, MC_F64 * KC * 8) + MR * NR_F32 * 8;
}

/** Elements in the packed B buffer for a [k,n] operand: k * roundUp(n, NR). */
export function packedBElementsF32(k: i32, n: i32): i32 {
  return k * ((n + NR_F32 - 1) / NR_F32) * NR_F32;
}
export function packedBElementsF64(k: i32, n: i32): i32 {
  return k * ((n + NR_F64 - 1) / NR_F64) * NR_F64;
}

// ---- packing ---------------------------------------------------------------------------------

/** Packs op(B) ([k,n]) into NR-column panels at bpPtr (layout above). */
// @ts-ignore: decorator
@inline function packB<T>(bPtr: usize, bpPtr: usize, k: i32, n: i32, transB: i32): void {
  const NR = nrOf<T>(), sh = alignof<T>();
  const panels = (n + NR - 1) / NR;
  let outPtr = bpPtr;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * NR;
    const nr = min(NR, n - j0);
    if (transB == 0) {
      for (let p = 0; p < k; p++) {
        const rowPtr = bPtr + ((<usize>p * n + j0) << sh);
        if (nr == NR) {
          if (ASC_FEATURE_SIMD) {
            // a whole panel row is 32 bytes in both types
            v128.store(outPtr, v128.load(rowPtr));
            v128.store(outPtr, v128.load(rowPtr, 16), 16);
          } else {
            for (let jj = 0; jj < NR; jj++) store<T>(outPtr + (<usize>jj << sh), load<T>(rowPtr + (<usize>jj << sh)));
          }
        } else {
          for (let jj = 0; jj < NR; jj++) store<T>(outPtr + (<usize>jj << sh), jj < nr ? load<T>(rowPtr + (<usize>jj << sh)) : 0);
        }
        outPtr += <usize>NR << sh;
      }
    } else {
      // B stored [n,k]: column j of B' is the contiguous row j of the storage.
      for (let p = 0; p < k; p++) {
        for (let jj = 0; jj < NR; jj++) {
          store<T>(outPtr + (<usize>jj << sh), jj < nr ? load<T>(bPtr + ((<usize>(j0 + jj) * k + p) << sh)) : 0);
        }
        outPtr += <usize>NR << sh;
      }
    }
  }
}

/** Packs rows ic..ic+mc, depth pc..pc+kc of op(A) into MR-row panels at apPtr (layout above). */
// @ts-ignore: decorator
@inline function packA<T>(aPtr: usize, apPtr: usize, m: i32, k: i32, transA: i32, ic: i32, mc: i32, pc: i32, kc: i32): void {
  const sh = alignof<T>();
  let outPtr = apPtr;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    const row = ic + i0;
    if (transA == 0) {
      for (let p = 0; p < kc; p++) {
        for (let ii = 0; ii < MR; ii++) {
          store<T>(outPtr + (<usize>ii << sh), ii < mr ? load<T>(aPtr + ((<usize>(row + ii) * k + pc + p) << sh)) : 0);
        }
        outPtr += <usize>MR << sh;
      }
    } else {
      // A stored [k,m]: the MR values for one p are contiguous (16 bytes of f32, 32 of f64).
      for (let p = 0; p < kc; p++) {
        const srcPtr = aPtr + ((<usize>(pc + p) * m + row) << sh);
        if (mr == MR) {
          if (ASC_FEATURE_SIMD) {
            v128.store(outPtr, v128.load(srcPtr));
            if (sizeof<T>() == 8) v128.store(outPtr, v128.load(srcPtr, 16), 16);
          } else for (let ii = 0; ii < MR; ii++) store<T>(outPtr + (<usize>ii << sh), load<T>(srcPtr + (<usize>ii << sh)));
        } else {
          for (let ii = 0; ii < MR; ii++) store<T>(outPtr + (<usize>ii << sh), ii < mr ? load<T>(srcPtr + (<usize>ii << sh)) : 0);
        }
        outPtr += <usize>MR << sh;
      }
    }
  }
}

// ---- micro-kernel ----------------------------------------------------------------------------

/** a*b + c on lanes of T (one relaxed multiply-add where relaxed SIMD is enabled). */
// @ts-ignore: decorator
@inline function maddV<T>(aV: v128, bV: v128, cV: v128): v128 {
  if (sizeof<T>() == 4) return maddF32x4(aV, bV, cV);
  return maddF64x2(aV, bV, cV);
}

/**
 * One MR x NR tile: T = Apanel[kc x MR]^T @ Bpanel[kc x NR]; then C = T (first) or C += T.
 * Partial tiles (mr < MR or nr < NR) go through `tilePtr` and only the valid part is written.
 */
// @ts-ignore: decorator
@inline function kernel<T>(apPtr: usize, bpPtr: usize, kc: i32, cPtr: usize, ldc: i32, mr: i32, nr: i32, first: bool, tilePtr: usize): void {
  const NR = nrOf<T>(), sh = alignof<T>();
  if (ASC_FEATURE_SIMD) {
    let c00V = v128.splat<T>(0), c01V = v128.splat<T>(0);
    let c10V = v128.splat<T>(0), c11V = v128.splat<T>(0);
    let c20V = v128.splat<T>(0), c21V = v128.splat<T>(0);
    let c30V = v128.splat<T>(0), c31V = v128.splat<T>(0);
    for (let p = 0; p < kc; p++) {
      const b0V = v128.load(bpPtr);
      const b1V = v128.load(bpPtr, 16);
      let aV = v128.load_splat<T>(apPtr);
      c00V = maddV<T>(aV, b0V, c00V); c01V = maddV<T>(aV, b1V, c01V);
      aV = v128.load_splat<T>(apPtr, sizeof<T>());
      c10V = maddV<T>(aV, b0V, c10V); c11V = maddV<T>(aV, b1V, c11V);
      aV = v128.load_splat<T>(apPtr, 2 * sizeof<T>());
      c20V = maddV<T>(aV, b0V, c20V); c21V = maddV<T>(aV, b1V, c21V);
      aV = v128.load_splat<T>(apPtr, 3 * sizeof<T>());
      c30V = maddV<T>(aV, b0V, c30V); c31V = maddV<T>(aV, b1V, c31V);
      apPtr += <usize>MR << sh;
      bpPtr += <usize>NR << sh;
    }
    if (mr == MR && nr == NR) {
      const ld = <usize>ldc << sh;
      if (!first) {
        c00V = v128.add<T>(c00V, v128.load(cPtr)); c01V = v128.add<T>(c01V, v128.load(cPtr, 16));
        c10V = v128.add<T>(c10V, v128.load(cPtr + ld)); c11V = v128.add<T>(c11V, v128.load(cPtr + ld, 16));
        c20V = v128.add<T>(c20V, v128.load(cPtr + 2 * ld)); c21V = v128.add<T>(c21V, v128.load(cPtr + 2 * ld, 16));
        c30V = v128.add<T>(c30V, v128.load(cPtr + 3 * ld)); c31V = v128.add<T>(c31V, v128.load(cPtr + 3 * ld, 16));
      }
      v128.store(cPtr, c00V); v128.store(cPtr, c01V, 16);
      v128.store(cPtr + ld, c10V); v128.store(cPtr + ld, c11V, 16);
      v128.store(cPtr + 2 * ld, c20V); v128.store(cPtr + 2 * ld, c21V, 16);
      v128.store(cPtr + 3 * ld, c30V); v128.store(cPtr + 3 * ld, c31V, 16);
      return;
    }
    // the tile row ii is the 32 bytes at tilePtr + 32 ii (NR values of T)
    v128.store(tilePtr, c00V); v128.store(tilePtr, c01V, 16);
    v128.store(tilePtr, c10V, 32); v128.store(tilePtr, c11V, 48);
    v128.store(tilePtr, c20V, 64); v128.store(tilePtr, c21V, 80);
    v128.store(tilePtr, c30V, 96); v128.store(tilePtr, c31V, 112);
  } else {
    // Scalar: accumulate the tile in memory at tilePtr.
    memory.fill(tilePtr, 0, <usize>(MR * NR) << sh);
    for (let p = 0; p < kc; p++) {
      for (let ii = 0; ii < MR; ii++) {
        const a = load<T>(apPtr + (<usize>ii << sh));
        const rowPtr = tilePtr + (<usize>(ii * NR) << sh);
        for (let jj = 0; jj < NR; jj++) {
          const tPtr = rowPtr + (<usize>jj << sh);
          store<T>(tPtr, load<T>(tPtr) + a * load<T>(bpPtr + (<usize>jj << sh)));
        }
      }
      apPtr += <usize>MR << sh;
      bpPtr += <usize>NR << sh;
    }
  }
  for (let ii = 0; ii < mr; ii++) {
    for (let jj = 0; jj < nr; jj++) {
      const dstPtr = cPtr + ((<usize>ii * ldc + jj) << sh);
      const t = load<T>(tilePtr + (<usize>(ii * NR + jj) << sh));
      store<T>(dstPtr, first ? t : load<T>(dstPtr) + t);
    }
  }
}

// ---- driver ------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function matmulRows<T>(aPtr: usize, bpPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, rowStart: i32, rowEnd: i32, workPtr: usize): void {
  const NR = nrOf<T>(), MC = mcOf<T>(), sh = alignof<T>();
  if (k == 0) {
    memory.fill(cPtr + ((<usize>rowStart * n) << sh), 0, (<usize>(rowEnd - rowStart) * n) << sh);
    return;
  }
  const tilePtr = workPtr + (<usize>MC * KC << sh);
  const panels = (n + NR - 1) / NR;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    for (let ic = rowStart; ic < rowEnd; ic += MC) {
      const mc = min(MC, rowEnd - ic);
      packA<T>(aPtr, workPtr, m, k, transA, ic, mc, pc, kc);
      for (let jp = 0; jp < panels; jp++) {
        const bPanelPtr = bpPtr + ((<usize>(jp * k + pc) * NR) << sh);
        const nr = min(NR, n - jp * NR);
        for (let i0 = 0; i0 < mc; i0 += MR) {
          const aPanelPtr = workPtr + ((<usize>i0 * kc) << sh);
          const cTilePtr = cPtr + ((<usize>(ic + i0) * n + jp * NR) << sh);
          kernel<T>(aPanelPtr, bPanelPtr, kc, cTilePtr, n, min(MR, mc - i0), nr, pc == 0, tilePtr);
        }
      }
    }
  }
}

/** Packs op(B) ([k,n]) into NR_F32-column panels at bpPtr (layout above). */
export function packBF32(bPtr: usize, bpPtr: usize, k: i32, n: i32, transB: i32): void {
  packB<f32>(bPtr, bpPtr, k, n, transB);
}
/** Packs op(B) ([k,n]) into NR_F64-column panels at bpPtr. */
export function packBF64(bPtr: usize, bpPtr: usize, k: i32, n: i32, transB: i32): void {
  packB<f64>(bPtr, bpPtr, k, n, transB);
}

/**
 * C[rowStart:rowEnd, :] = op(A)[rowStart:rowEnd, :] @ B', with B' packed by packBF32 at bpPtr.
 * workPtr: matmulWorkBytes() bytes of scratch owned by the calling thread.
 */
export function matmulF32(aPtr: usize, bpPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, rowStart: i32, rowEnd: i32, workPtr: usize): void {
  matmulRows<f32>(aPtr, bpPtr, cPtr, m, k, n, transA, rowStart, rowEnd, workPtr);
}
/** f64 twin of matmulF32 (B' packed by packBF64). */
export function matmulF64(aPtr: usize, bpPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, rowStart: i32, rowEnd: i32, workPtr: usize): void {
  matmulRows<f64>(aPtr, bpPtr, cPtr, m, k, n, transA, rowStart, rowEnd, workPtr);
}

// ---- epilogues ----------------------------------------------------------------------------------
// What a compiled program folds into a product (src/jit/epilogue.ts), applied in place to rows
// [rowStart, rowEnd) of C [m, n] once they are complete, on the thread that wrote them:
//   biasPtr != 0: C[i,j] = C[i,j] + bias[j]   (rounded to T, as the separate add stored it)
//   relu != 0:    C = max(C, 0)               (NaN stays NaN, -0 becomes +0: the JS relu's values)
//   maskPtr != 0: C[i,j] = C[i,j] * (mask[i,j] > 0 ? 1 : 0)   (relu's slope times a gradient:
//                 the same product the JS loop forms, so -0, NaN and Inf * 0 come out alike)
// Each is the operation the unfused program ran, on the same values, so the bits are the same.

// @ts-ignore: decorator
@inline function epilogueRows<T>(cPtr: usize, n: i32, rowStart: i32, rowEnd: i32, biasPtr: usize, maskPtr: usize, relu: i32): void {
  const sh = alignof<T>(), lanes = 16 >> sh;
  const zero: T = 0, one: T = 1;
  for (let i = rowStart; i < rowEnd; i++) {
    const rowPtr = cPtr + ((<usize>i * n) << sh);
    const mRowPtr = maskPtr + ((<usize>i * n) << sh);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const zeroV = v128.splat<T>(zero), oneV = v128.splat<T>(one);
      for (; j + lanes <= n; j += lanes) {
        const at = rowPtr + (<usize>j << sh);
        let cV = v128.load(at);
        if (biasPtr != 0) cV = v128.add<T>(cV, v128.load(biasPtr + (<usize>j << sh)));
        if (relu != 0) cV = v128.max<T>(cV, zeroV);
        if (maskPtr != 0) cV = v128.mul<T>(cV, v128.and(oneV, v128.gt<T>(v128.load(mRowPtr + (<usize>j << sh)), zeroV)));
        v128.store(at, cV);
      }
    }
    for (; j < n; j++) {
      const at = rowPtr + (<usize>j << sh);
      let c = load<T>(at);
      if (biasPtr != 0) c = c + load<T>(biasPtr + (<usize>j << sh));
      if (relu != 0) c = max<T>(c, zero);
      if (maskPtr != 0) c = c * (load<T>(mRowPtr + (<usize>j << sh)) > zero ? one : zero);
      store<T>(at, c);
    }
  }
}

/**
 * The column sums of C [m, n] into out (n values of C's type), accumulated in f64 in row order
 * (accPtr: n f64 of scratch; for f64 it may be out itself): the sum over every axis but the last
 * that a compiled program folds into the product (a bias's gradient), in the order, and so with
 * the bits, of the JS reduce it replaces (src/backend/js/kernels.ts `reduce`).
 */
// @ts-ignore: decorator
@inline function columnSums<T>(cPtr: usize, m: i32, n: i32, accPtr: usize, outPtr: usize): void {
  const sh = alignof<T>();
  memory.fill(accPtr, 0, <usize>n << 3);
  for (let i = 0; i < m; i++) {
    const rowPtr = cPtr + ((<usize>i * n) << sh);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 2 <= n; j += 2) {
        const at = accPtr + (<usize>j << 3);
        const x = sizeof<T>() == 4 ? f64x2.promote_low_f32x4(v128.load64_zero(rowPtr + (<usize>j << 2))) : v128.load(rowPtr + (<usize>j << 3));
        v128.store(at, f64x2.add(v128.load(at), x));
      }
    }
    for (; j < n; j++) {
      const at = accPtr + (<usize>j << 3);
      store<f64>(at, load<f64>(at) + <f64>load<T>(rowPtr + (<usize>j << sh)));
    }
  }
  if (sizeof<T>() == 4) for (let j = 0; j < n; j++) store<f32>(outPtr + (<usize>j << 2), <f32>load<f64>(accPtr + (<usize>j << 3)));
  else if (outPtr != accPtr) memory.copy(outPtr, accPtr, <usize>n << 3);
}

export function columnSumsF32(cPtr: usize, m: i32, n: i32, accPtr: usize, outPtr: usize): void {
  columnSums<f32>(cPtr, m, n, accPtr, outPtr);
}
export function columnSumsF64(cPtr: usize, m: i32, n: i32, accPtr: usize, outPtr: usize): void {
  columnSums<f64>(cPtr, m, n, accPtr, outPtr);
}

/** The epilogue alone over rows [rowStart, rowEnd) of C [m, n] (after a product that took the unpacked path). */
export function epilogueF32(cPtr: usize, n: i32, rowStart: i32, rowEnd: i32, biasPtr: usize, maskPtr: usize, relu: i32): void {
  epilogueRows<f32>(cPtr, n, rowStart, rowEnd, biasPtr, maskPtr, relu);
}
export function epilogueF64(cPtr: usize, n: i32, rowStart: i32, rowEnd: i32, biasPtr: usize, maskPtr: usize, relu: i32): void {
  epilogueRows<f64>(cPtr, n, rowStart, rowEnd, biasPtr, maskPtr, relu);
}
/** matmulF32 on rows [rowStart, rowEnd), then the epilogue on those rows (while they are still in cache). */
// (These call matmulF32/F64 rather than inlining the driver: one copy of the GEMM per type in the binary.)
export function matmulEpiF32(aPtr: usize, bpPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, rowStart: i32, rowEnd: i32, workPtr: usize, biasPtr: usize, maskPtr: usize, relu: i32): void {
  matmulF32(aPtr, bpPtr, cPtr, m, k, n, transA, rowStart, rowEnd, workPtr);
  epilogueF32(cPtr, n, rowStart, rowEnd, biasPtr, maskPtr, relu);
}
export function matmulEpiF64(aPtr: usize, bpPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, rowStart: i32, rowEnd: i32, workPtr: usize, biasPtr: usize, maskPtr: usize, relu: i32): void {
  matmulF64(aPtr, bpPtr, cPtr, m, k, n, transA, rowStart, rowEnd, workPtr);
  epilogueF64(cPtr, n, rowStart, rowEnd, biasPtr, maskPtr, relu);
}

// ---- rows shared through a ticket ---------------------------------------------------------------
// Threads that share one product call matmulClaim* with the same arguments and take chunks of
// `rows` rows from the ticket at ctrPtr (assembly/claim.ts) until none are left, so a thread that
// starts late (a worker woken late, a busier core) takes fewer, and the calling thread never idles
// while a worker finishes a fixed band. A chunk's rows are computed as matmulEpi* computes them, so
// the bits do not depend on who took it. Without the threads feature the caller runs every chunk.

// @ts-ignore: decorator
@inline function matmulClaim<T>(aPtr: usize, bpPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, workPtr: usize, biasPtr: usize, maskPtr: usize, relu: i32, ctrPtr: usize, job: i32, rows: i32): void {
  const chunks = (m + rows - 1) / rows;
  const epi = biasPtr != 0 || maskPtr != 0 || relu != 0;
  for (;;) {
    const c = claimChunk(ctrPtr, job, chunks);
    if (c < 0) return;
    const r0 = c * rows, r1 = min(m, r0 + rows);
    if (sizeof<T>() == 4) {
      matmulF32(aPtr, bpPtr, cPtr, m, k, n, transA, r0, r1, workPtr);
      if (epi) epilogueF32(cPtr, n, r0, r1, biasPtr, maskPtr, relu);
    } else {
      matmulF64(aPtr, bpPtr, cPtr, m, k, n, transA, r0, r1, workPtr);
      if (epi) epilogueF64(cPtr, n, r0, r1, biasPtr, maskPtr, relu);
    }
    finishChunk(ctrPtr);
  }
}

/** Chunks of `rows` rows of C = op(A) @ B' (then the epilogue, when a pointer or relu is nonzero), claimed from the ticket at ctrPtr. */
export function matmulClaimF32(aPtr: usize, bpPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, workPtr: usize, biasPtr: usize, maskPtr: usize, relu: i32, ctrPtr: usize, job: i32, rows: i32): void {
  matmulClaim<f32>(aPtr, bpPtr, cPtr, m, k, n, transA, workPtr, biasPtr, maskPtr, relu, ctrPtr, job, rows);
}
export function matmulClaimF64(aPtr: usize, bpPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, workPtr: usize, biasPtr: usize, maskPtr: usize, relu: i32, ctrPtr: usize, job: i32, rows: i32): void {
  matmulClaim<f64>(aPtr, bpPtr, cPtr, m, k, n, transA, workPtr, biasPtr, maskPtr, relu, ctrPtr, job, rows);
}

// ---------------------------------------------------------------------------------------------
// Unpacked path for vector-like shapes (m < MR rows, or a single column n == 1), where packing
// B (k*n) or A (m*k) would cost as much as the multiply itself:
//   op(B) rows contiguous (transB = 0, n > 1):  C[i,:] = sum_p A[i,p] * B[p,:]    (axpy per p)
//   op(B) columns contiguous (transB = 1 or n == 1): C[i,j] = dot(A[i,:], B'[:,j]) (dot per j)
//   n == 1: a matrix-vector product, assembly/gemv.ts
// Column j of op(B) starts at bPtr + j*k elements in both contiguous-column cases.
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function matmulSmall<T>(aPtr: usize, bPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, transB: i32): void {
  const sh = alignof<T>();
  if (n == 1) {
    // see assembly/gemv.ts
    if (sizeof<T>() == 4) gemvF32(aPtr, bPtr, cPtr, m, k, transA, 0, m);
    else gemvF64(aPtr, bPtr, cPtr, m, k, transA, 0, m);
    return;
  }
  for (let i = 0; i < m; i++) {
    const cRowPtr = cPtr + ((<usize>i * n) << sh);
    if (transB == 0 && n > 1) {
      memory.fill(cRowPtr, 0, <usize>n << sh);
      for (let p = 0; p < k; p++) {
        const a = transA == 0 ? load<T>(aPtr + ((<usize>i * k + p) << sh)) : load<T>(aPtr + ((<usize>p * m + i) << sh));
        if (sizeof<T>() == 4) axpyF32(<f32>a, bPtr + ((<usize>p * n) << sh), cRowPtr, n);
        else axpyF64(<f64>a, bPtr + ((<usize>p * n) << sh), cRowPtr, n);
      }
    } else {
      for (let j = 0; j < n; j++) {
        const bColPtr = bPtr + ((<usize>j * k) << sh);
        let s: T = 0;
        if (transA == 0) s = sizeof<T>() == 4 ? <T>dotF32(aPtr + ((<usize>i * k) << sh), bColPtr, k) : <T>dotF64(aPtr + ((<usize>i * k) << sh), bColPtr, k);
        else for (let p = 0; p < k; p++) s += load<T>(aPtr + ((<usize>p * m + i) << sh)) * load<T>(bColPtr + (<usize>p << sh));
        store<T>(cRowPtr + (<usize>j << sh), s);
      }
    }
  }
}

export function matmulSmallF32(aPtr: usize, bPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, transB: i32): void {
  matmulSmall<f32>(aPtr, bPtr, cPtr, m, k, n, transA, transB);
}
export function matmulSmallF64(aPtr: usize, bPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, transB: i32): void {
  matmulSmall<f64>(aPtr, bPtr, cPtr, m, k, n, transA, transB);
}
