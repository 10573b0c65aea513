// Packed, cache-blocked, register-blocked GEMM (Goto/BLIS scheme), f32 and f64.
//
//   C[m,n] = op(A)[m,k] @ B'[k,n]       B' is op(B), packed once by packB*, shared by all threads
//
// Who calls this: src/backend/wasm/index.ts `matmul`, once per tensor matmul. The caller packs B
// with packBF32/packBF64, then calls matmulF32/matmulF64 for a range of rows on each thread (each
// thread has its own `workPtr` scratch for its packed A block); C rows are disjoint per thread.
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

import { maddF32x4, maddF64x2 } from "./simd";
import { axpyF32, axpyF64, dotF32, dotF64 } from "./blas1";
import { gemvF32, gemvF64 } from "./gemv";

const MR: i32 = 4;
const NR_F32: i32 = 8;
const NR_F64: i32 = 4;
const KC: i32 = 256;
const MC_F32: i32 = 128;
const MC_F64: i32 = 64;

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

// ---------------------------------------------------------------------------------------------
// f32
// ---------------------------------------------------------------------------------------------

/** Packs op(B) ([k,n]) into NR_F32-column panels at bpPtr (layout above). */
export function packBF32(bPtr: usize, bpPtr: usize, k: i32, n: i32, transB: i32): void {
  const panels = (n + NR_F32 - 1) / NR_F32;
  let outPtr = bpPtr;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * NR_F32;
    const nr = min(NR_F32, n - j0);
    if (transB == 0) {
      for (let p = 0; p < k; p++) {
        const rowPtr = bPtr + ((<usize>p * n + j0) << 2);
        if (nr == NR_F32) {
          if (ASC_FEATURE_SIMD) {
            v128.store(outPtr, v128.load(rowPtr));
            v128.store(outPtr, v128.load(rowPtr, 16), 16);
          } else {
            for (let jj = 0; jj < NR_F32; jj++) store<f32>(outPtr + (jj << 2), load<f32>(rowPtr + (jj << 2)));
          }
        } else {
          for (let jj = 0; jj < NR_F32; jj++) store<f32>(outPtr + (jj << 2), jj < nr ? load<f32>(rowPtr + (jj << 2)) : 0);
        }
        outPtr += NR_F32 << 2;
      }
    } else {
      // B stored [n,k]: column j of B' is the contiguous row j of the storage.
      for (let p = 0; p < k; p++) {
        for (let jj = 0; jj < NR_F32; jj++) {
          store<f32>(outPtr + (jj << 2), jj < nr ? load<f32>(bPtr + ((<usize>(j0 + jj) * k + p) << 2)) : 0);
        }
        outPtr += NR_F32 << 2;
      }
    }
  }
}

/** Packs rows ic..ic+mc, depth pc..pc+kc of op(A) into MR-row panels at apPtr (layout above). */
function packAF32(aPtr: usize, apPtr: usize, m: i32, k: i32, transA: i32, ic: i32, mc: i32, pc: i32, kc: i32): void {
  let outPtr = apPtr;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    const row = ic + i0;
    if (transA == 0) {
      for (let p = 0; p < kc; p++) {
        for (let ii = 0; ii < MR; ii++) {
          store<f32>(outPtr + (ii << 2), ii < mr ? load<f32>(aPtr + ((<usize>(row + ii) * k + pc + p) << 2)) : 0);
        }
        outPtr += MR << 2;
      }
    } else {
      // A stored [k,m]: the MR values for one p are contiguous.
      for (let p = 0; p < kc; p++) {
        const srcPtr = aPtr + ((<usize>(pc + p) * m + row) << 2);
        if (mr == MR) {
          if (ASC_FEATURE_SIMD) v128.store(outPtr, v128.load(srcPtr));
          else for (let ii = 0; ii < MR; ii++) store<f32>(outPtr + (ii << 2), load<f32>(srcPtr + (ii << 2)));
        } else {
          for (let ii = 0; ii < MR; ii++) store<f32>(outPtr + (ii << 2), ii < mr ? load<f32>(srcPtr + (ii << 2)) : 0);
        }
        outPtr += MR << 2;
      }
    }
  }
}

/**
 * One MR x NR_F32 tile: T = Apanel[kc x MR]^T @ Bpanel[kc x NR]; then C = T (first) or C += T.
 * Partial tiles (mr < MR or nr < NR) go through `tilePtr` and only the valid part is written.
 */
// @ts-ignore: decorator
@inline function kernelF32(apPtr: usize, bpPtr: usize, kc: i32, cPtr: usize, ldc: i32, mr: i32, nr: i32, first: bool, tilePtr: usize): void {
  if (ASC_FEATURE_SIMD) {
    let c00V = f32x4.splat(0), c01V = f32x4.splat(0);
    let c10V = f32x4.splat(0), c11V = f32x4.splat(0);
    let c20V = f32x4.splat(0), c21V = f32x4.splat(0);
    let c30V = f32x4.splat(0), c31V = f32x4.splat(0);
    for (let p = 0; p < kc; p++) {
      const b0V = v128.load(bpPtr);
      const b1V = v128.load(bpPtr, 16);
      let aV = v128.load32_splat(apPtr);
      c00V = maddF32x4(aV, b0V, c00V); c01V = maddF32x4(aV, b1V, c01V);
      aV = v128.load32_splat(apPtr, 4);
      c10V = maddF32x4(aV, b0V, c10V); c11V = maddF32x4(aV, b1V, c11V);
      aV = v128.load32_splat(apPtr, 8);
      c20V = maddF32x4(aV, b0V, c20V); c21V = maddF32x4(aV, b1V, c21V);
      aV = v128.load32_splat(apPtr, 12);
      c30V = maddF32x4(aV, b0V, c30V); c31V = maddF32x4(aV, b1V, c31V);
      apPtr += MR << 2;
      bpPtr += NR_F32 << 2;
    }
    if (mr == MR && nr == NR_F32) {
      const ld = <usize>ldc << 2;
      if (!first) {
        c00V = f32x4.add(c00V, v128.load(cPtr)); c01V = f32x4.add(c01V, v128.load(cPtr, 16));
        c10V = f32x4.add(c10V, v128.load(cPtr + ld)); c11V = f32x4.add(c11V, v128.load(cPtr + ld, 16));
        c20V = f32x4.add(c20V, v128.load(cPtr + 2 * ld)); c21V = f32x4.add(c21V, v128.load(cPtr + 2 * ld, 16));
        c30V = f32x4.add(c30V, v128.load(cPtr + 3 * ld)); c31V = f32x4.add(c31V, v128.load(cPtr + 3 * ld, 16));
      }
      v128.store(cPtr, c00V); v128.store(cPtr, c01V, 16);
      v128.store(cPtr + ld, c10V); v128.store(cPtr + ld, c11V, 16);
      v128.store(cPtr + 2 * ld, c20V); v128.store(cPtr + 2 * ld, c21V, 16);
      v128.store(cPtr + 3 * ld, c30V); v128.store(cPtr + 3 * ld, c31V, 16);
      return;
    }
    v128.store(tilePtr, c00V); v128.store(tilePtr, c01V, 16);
    v128.store(tilePtr, c10V, 32); v128.store(tilePtr, c11V, 48);
    v128.store(tilePtr, c20V, 64); v128.store(tilePtr, c21V, 80);
    v128.store(tilePtr, c30V, 96); v128.store(tilePtr, c31V, 112);
  } else {
    // Scalar: accumulate the tile in memory at tilePtr.
    memory.fill(tilePtr, 0, MR * NR_F32 * 4);
    for (let p = 0; p < kc; p++) {
      for (let ii = 0; ii < MR; ii++) {
        const a = load<f32>(apPtr + (ii << 2));
        const rowPtr = tilePtr + ((ii * NR_F32) << 2);
        for (let jj = 0; jj < NR_F32; jj++) {
          const tPtr = rowPtr + (jj << 2);
          store<f32>(tPtr, load<f32>(tPtr) + a * load<f32>(bpPtr + (jj << 2)));
        }
      }
      apPtr += MR << 2;
      bpPtr += NR_F32 << 2;
    }
  }
  for (let ii = 0; ii < mr; ii++) {
    for (let jj = 0; jj < nr; jj++) {
      const dstPtr = cPtr + ((<usize>ii * ldc + jj) << 2);
      const t = load<f32>(tilePtr + ((ii * NR_F32 + jj) << 2));
      store<f32>(dstPtr, first ? t : load<f32>(dstPtr) + t);
    }
  }
}

/**
 * C[rowStart:rowEnd, :] = op(A)[rowStart:rowEnd, :] @ B', with B' packed by packBF32 at bpPtr.
 * workPtr: matmulWorkBytes() bytes of scratch owned by the calling thread.
 */
export function matmulF32(aPtr: usize, bpPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, rowStart: i32, rowEnd: i32, workPtr: usize): void {
  if (k == 0) {
    memory.fill(cPtr + ((<usize>rowStart * n) << 2), 0, <usize>(rowEnd - rowStart) * n * 4);
    return;
  }
  const tilePtr = workPtr + <usize>MC_F32 * KC * 4;
  const panels = (n + NR_F32 - 1) / NR_F32;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    for (let ic = rowStart; ic < rowEnd; ic += MC_F32) {
      const mc = min(MC_F32, rowEnd - ic);
      packAF32(aPtr, workPtr, m, k, transA, ic, mc, pc, kc);
      for (let jp = 0; jp < panels; jp++) {
        const bPanelPtr = bpPtr + ((<usize>(jp * k + pc) * NR_F32) << 2);
        const nr = min(NR_F32, n - jp * NR_F32);
        for (let i0 = 0; i0 < mc; i0 += MR) {
          const aPanelPtr = workPtr + ((<usize>i0 * kc) << 2);
          const cTilePtr = cPtr + ((<usize>(ic + i0) * n + jp * NR_F32) << 2);
          kernelF32(aPanelPtr, bPanelPtr, kc, cTilePtr, n, min(MR, mc - i0), nr, pc == 0, tilePtr);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// f64 (same scheme, NR_F64 = 4 columns = 2 v128 per row)
// ---------------------------------------------------------------------------------------------

/** Packs op(B) ([k,n]) into NR_F64-column panels at bpPtr. */
export function packBF64(bPtr: usize, bpPtr: usize, k: i32, n: i32, transB: i32): void {
  const panels = (n + NR_F64 - 1) / NR_F64;
  let outPtr = bpPtr;
  for (let jp = 0; jp < panels; jp++) {
    const j0 = jp * NR_F64;
    const nr = min(NR_F64, n - j0);
    for (let p = 0; p < k; p++) {
      for (let jj = 0; jj < NR_F64; jj++) {
        let v: f64 = 0;
        if (jj < nr) v = transB == 0 ? load<f64>(bPtr + ((<usize>p * n + j0 + jj) << 3)) : load<f64>(bPtr + ((<usize>(j0 + jj) * k + p) << 3));
        store<f64>(outPtr + (jj << 3), v);
      }
      outPtr += NR_F64 << 3;
    }
  }
}

function packAF64(aPtr: usize, apPtr: usize, m: i32, k: i32, transA: i32, ic: i32, mc: i32, pc: i32, kc: i32): void {
  let outPtr = apPtr;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const mr = min(MR, mc - i0);
    const row = ic + i0;
    for (let p = 0; p < kc; p++) {
      for (let ii = 0; ii < MR; ii++) {
        let v: f64 = 0;
        if (ii < mr) v = transA == 0 ? load<f64>(aPtr + ((<usize>(row + ii) * k + pc + p) << 3)) : load<f64>(aPtr + ((<usize>(pc + p) * m + row + ii) << 3));
        store<f64>(outPtr + (ii << 3), v);
      }
      outPtr += MR << 3;
    }
  }
}

// @ts-ignore: decorator
@inline function kernelF64(apPtr: usize, bpPtr: usize, kc: i32, cPtr: usize, ldc: i32, mr: i32, nr: i32, first: bool, tilePtr: usize): void {
  if (ASC_FEATURE_SIMD) {
    let c00V = f64x2.splat(0), c01V = f64x2.splat(0);
    let c10V = f64x2.splat(0), c11V = f64x2.splat(0);
    let c20V = f64x2.splat(0), c21V = f64x2.splat(0);
    let c30V = f64x2.splat(0), c31V = f64x2.splat(0);
    for (let p = 0; p < kc; p++) {
      const b0V = v128.load(bpPtr);
      const b1V = v128.load(bpPtr, 16);
      let aV = v128.load64_splat(apPtr);
      c00V = maddF64x2(aV, b0V, c00V); c01V = maddF64x2(aV, b1V, c01V);
      aV = v128.load64_splat(apPtr, 8);
      c10V = maddF64x2(aV, b0V, c10V); c11V = maddF64x2(aV, b1V, c11V);
      aV = v128.load64_splat(apPtr, 16);
      c20V = maddF64x2(aV, b0V, c20V); c21V = maddF64x2(aV, b1V, c21V);
      aV = v128.load64_splat(apPtr, 24);
      c30V = maddF64x2(aV, b0V, c30V); c31V = maddF64x2(aV, b1V, c31V);
      apPtr += MR << 3;
      bpPtr += NR_F64 << 3;
    }
    if (mr == MR && nr == NR_F64) {
      const ld = <usize>ldc << 3;
      if (!first) {
        c00V = f64x2.add(c00V, v128.load(cPtr)); c01V = f64x2.add(c01V, v128.load(cPtr, 16));
        c10V = f64x2.add(c10V, v128.load(cPtr + ld)); c11V = f64x2.add(c11V, v128.load(cPtr + ld, 16));
        c20V = f64x2.add(c20V, v128.load(cPtr + 2 * ld)); c21V = f64x2.add(c21V, v128.load(cPtr + 2 * ld, 16));
        c30V = f64x2.add(c30V, v128.load(cPtr + 3 * ld)); c31V = f64x2.add(c31V, v128.load(cPtr + 3 * ld, 16));
      }
      v128.store(cPtr, c00V); v128.store(cPtr, c01V, 16);
      v128.store(cPtr + ld, c10V); v128.store(cPtr + ld, c11V, 16);
      v128.store(cPtr + 2 * ld, c20V); v128.store(cPtr + 2 * ld, c21V, 16);
      v128.store(cPtr + 3 * ld, c30V); v128.store(cPtr + 3 * ld, c31V, 16);
      return;
    }
    v128.store(tilePtr, c00V); v128.store(tilePtr, c01V, 16);
    v128.store(tilePtr, c10V, 32); v128.store(tilePtr, c11V, 48);
    v128.store(tilePtr, c20V, 64); v128.store(tilePtr, c21V, 80);
    v128.store(tilePtr, c30V, 96); v128.store(tilePtr, c31V, 112);
  } else {
    memory.fill(tilePtr, 0, MR * NR_F64 * 8);
    for (let p = 0; p < kc; p++) {
      for (let ii = 0; ii < MR; ii++) {
        const a = load<f64>(apPtr + (ii << 3));
        const rowPtr = tilePtr + ((ii * NR_F64) << 3);
        for (let jj = 0; jj < NR_F64; jj++) {
          const tPtr = rowPtr + (jj << 3);
          store<f64>(tPtr, load<f64>(tPtr) + a * load<f64>(bpPtr + (jj << 3)));
        }
      }
      apPtr += MR << 3;
      bpPtr += NR_F64 << 3;
    }
  }
  for (let ii = 0; ii < mr; ii++) {
    for (let jj = 0; jj < nr; jj++) {
      const dstPtr = cPtr + ((<usize>ii * ldc + jj) << 3);
      const t = load<f64>(tilePtr + ((ii * NR_F64 + jj) << 3));
      store<f64>(dstPtr, first ? t : load<f64>(dstPtr) + t);
    }
  }
}

/** f64 twin of matmulF32 (B' packed by packBF64). */
export function matmulF64(aPtr: usize, bpPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, rowStart: i32, rowEnd: i32, workPtr: usize): void {
  if (k == 0) {
    memory.fill(cPtr + ((<usize>rowStart * n) << 3), 0, <usize>(rowEnd - rowStart) * n * 8);
    return;
  }
  const tilePtr = workPtr + <usize>MC_F64 * KC * 8;
  const panels = (n + NR_F64 - 1) / NR_F64;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    for (let ic = rowStart; ic < rowEnd; ic += MC_F64) {
      const mc = min(MC_F64, rowEnd - ic);
      packAF64(aPtr, workPtr, m, k, transA, ic, mc, pc, kc);
      for (let jp = 0; jp < panels; jp++) {
        const bPanelPtr = bpPtr + ((<usize>(jp * k + pc) * NR_F64) << 3);
        const nr = min(NR_F64, n - jp * NR_F64);
        for (let i0 = 0; i0 < mc; i0 += MR) {
          const aPanelPtr = workPtr + ((<usize>i0 * kc) << 3);
          const cTilePtr = cPtr + ((<usize>(ic + i0) * n + jp * NR_F64) << 3);
          kernelF64(aPanelPtr, bPanelPtr, kc, cTilePtr, n, min(MR, mc - i0), nr, pc == 0, tilePtr);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Unpacked path for vector-like shapes (m < MR rows, or a single column n == 1), where packing
// B (k*n) or A (m*k) would cost as much as the multiply itself:
//   op(B) rows contiguous (transB = 0, n > 1):  C[i,:] = sum_p A[i,p] * B[p,:]    (axpy per p)
//   op(B) columns contiguous (transB = 1 or n == 1): C[i,j] = dot(A[i,:], B'[:,j]) (dot per j)
//   n == 1: a matrix-vector product, assembly/gemv.ts
// Column j of op(B) starts at bPtr + j*k elements in both contiguous-column cases.
// ---------------------------------------------------------------------------------------------

export function matmulSmallF32(aPtr: usize, bPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, transB: i32): void {
  if (n == 1) {
    gemvF32(aPtr, bPtr, cPtr, m, k, transA, 0, m); // see assembly/gemv.ts
    return;
  }
  for (let i = 0; i < m; i++) {
    const cRowPtr = cPtr + ((<usize>i * n) << 2);
    if (transB == 0 && n > 1) {
      memory.fill(cRowPtr, 0, <usize>n << 2);
      for (let p = 0; p < k; p++) {
        const a = transA == 0 ? load<f32>(aPtr + ((<usize>i * k + p) << 2)) : load<f32>(aPtr + ((<usize>p * m + i) << 2));
        axpyF32(a, bPtr + ((<usize>p * n) << 2), cRowPtr, n);
      }
    } else {
      for (let j = 0; j < n; j++) {
        const bColPtr = bPtr + ((<usize>j * k) << 2);
        let s: f32 = 0;
        if (transA == 0) s = <f32>dotF32(aPtr + ((<usize>i * k) << 2), bColPtr, k);
        else for (let p = 0; p < k; p++) s += load<f32>(aPtr + ((<usize>p * m + i) << 2)) * load<f32>(bColPtr + (<usize>p << 2));
        store<f32>(cRowPtr + (<usize>j << 2), s);
      }
    }
  }
}

export function matmulSmallF64(aPtr: usize, bPtr: usize, cPtr: usize, m: i32, k: i32, n: i32, transA: i32, transB: i32): void {
  if (n == 1) {
    gemvF64(aPtr, bPtr, cPtr, m, k, transA, 0, m); // see assembly/gemv.ts
    return;
  }
  for (let i = 0; i < m; i++) {
    const cRowPtr = cPtr + ((<usize>i * n) << 3);
    if (transB == 0 && n > 1) {
      memory.fill(cRowPtr, 0, <usize>n << 3);
      for (let p = 0; p < k; p++) {
        const a = transA == 0 ? load<f64>(aPtr + ((<usize>i * k + p) << 3)) : load<f64>(aPtr + ((<usize>p * m + i) << 3));
        axpyF64(a, bPtr + ((<usize>p * n) << 3), cRowPtr, n);
      }
    } else {
      for (let j = 0; j < n; j++) {
        const bColPtr = bPtr + ((<usize>j * k) << 3);
        let s: f64 = 0;
        if (transA == 0) s = dotF64(aPtr + ((<usize>i * k) << 3), bColPtr, k);
        else for (let p = 0; p < k; p++) s += load<f64>(aPtr + ((<usize>p * m + i) << 3)) * load<f64>(bColPtr + (<usize>p << 3));
        store<f64>(cRowPtr + (<usize>j << 3), s);
      }
    }
  }
}
