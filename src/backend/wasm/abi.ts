// The raw ABI of assembly/index.ts as TypeScript sees it: exported functions over byte offsets
// into linear memory (counts are elements), and the kernels the worker pool may run.
import { WASM_UNARY_OPS, type WasmUnaryOp } from "../ops.js";

/** The elementwise kernels of the ops table (src/backend/ops.ts): `<op>F32(xPtr, outPtr, n)` and `<op>F64`. */
type UnaryKernels = { [K in WasmUnaryOp as `${K}F32` | `${K}F64`]: (xPtr: number, outPtr: number, n: number) => void };

/** The raw ABI of assembly/index.ts (pointers are byte offsets, counts are elements). */
export interface WasmCore extends UnaryKernels {
  heapBase(): number;
  /** bit 0 SIMD, bit 1 relaxed SIMD, bit 2 threads (assembly/index.ts). */
  features(): number;
  matmulWorkBytes(): number;
  packedBElementsF32(k: number, n: number): number;
  packedBElementsF64(k: number, n: number): number;
  packBF32(bPtr: number, bpPtr: number, k: number, n: number, transB: number): void;
  packBF64(bPtr: number, bpPtr: number, k: number, n: number, transB: number): void;
  matmulF32(aPtr: number, bpPtr: number, cPtr: number, m: number, k: number, n: number, transA: number, rowStart: number, rowEnd: number, workPtr: number): void;
  matmulF64(aPtr: number, bpPtr: number, cPtr: number, m: number, k: number, n: number, transA: number, rowStart: number, rowEnd: number, workPtr: number): void;
  /** matmulF32/F64 on the rows, then the epilogue (assembly/matmul.ts: + bias[j], relu, * (mask > 0); a pointer 0 or relu 0 skips that part). */
  matmulEpiF32(aPtr: number, bpPtr: number, cPtr: number, m: number, k: number, n: number, transA: number, rowStart: number, rowEnd: number, workPtr: number, biasPtr: number, maskPtr: number, relu: number): void;
  matmulEpiF64(aPtr: number, bpPtr: number, cPtr: number, m: number, k: number, n: number, transA: number, rowStart: number, rowEnd: number, workPtr: number, biasPtr: number, maskPtr: number, relu: number): void;
  /** Rows of the product in chunks claimed from a ticket shared with pool workers (assembly/matmul.ts), then the epilogue when a pointer or relu is nonzero. */
  matmulClaimF32(aPtr: number, bpPtr: number, cPtr: number, m: number, k: number, n: number, transA: number, workPtr: number, biasPtr: number, maskPtr: number, relu: number, ctrPtr: number, job: number, rows: number): void;
  matmulClaimF64(aPtr: number, bpPtr: number, cPtr: number, m: number, k: number, n: number, transA: number, workPtr: number, biasPtr: number, maskPtr: number, relu: number, ctrPtr: number, job: number, rows: number): void;
  /** Column sums of C [m, n] into out (n values), in f64 in row order (accPtr: n f64 of scratch, or out itself for f64). */
  columnSumsF32(cPtr: number, m: number, n: number, accPtr: number, outPtr: number): void;
  columnSumsF64(cPtr: number, m: number, n: number, accPtr: number, outPtr: number): void;
  epilogueF32(cPtr: number, n: number, rowStart: number, rowEnd: number, biasPtr: number, maskPtr: number, relu: number): void;
  epilogueF64(cPtr: number, n: number, rowStart: number, rowEnd: number, biasPtr: number, maskPtr: number, relu: number): void;
  matmulSmallF32(aPtr: number, bPtr: number, cPtr: number, m: number, k: number, n: number, transA: number, transB: number): void;
  matmulSmallF64(aPtr: number, bPtr: number, cPtr: number, m: number, k: number, n: number, transA: number, transB: number): void;
  gemvF32(aPtr: number, xPtr: number, yPtr: number, m: number, k: number, transA: number, start: number, end: number): void;
  gemvF64(aPtr: number, xPtr: number, yPtr: number, m: number, k: number, transA: number, start: number, end: number): void;
  /** Chunks of y = op(A) x claimed from the ticket at ctrPtr for job `job` (assembly/claim.ts); depth chunks write partial sums yStride bytes apart. */
  gemvSharedF32(aPtr: number, xPtr: number, yPtr: number, m: number, k: number, transA: number, ctrPtr: number, job: number, chunk: number, yStride: number): void;
  gemvSharedF64(aPtr: number, xPtr: number, yPtr: number, m: number, k: number, transA: number, ctrPtr: number, job: number, chunk: number, yStride: number): void;
  crossEntropyLogitsF32(xPtr: number, tPtr: number, outPtr: number, n: number): void;
  crossEntropyLogitsF64(xPtr: number, tPtr: number, outPtr: number, n: number): void;
  crossEntropyResidualF32(xPtr: number, tPtr: number, lossPtr: number, resPtr: number, n: number): void;
  crossEntropyResidualF64(xPtr: number, tPtr: number, lossPtr: number, resPtr: number, n: number): void;
  dotF32(xPtr: number, yPtr: number, n: number): number;
  dotF64(xPtr: number, yPtr: number, n: number): number;
  nrm2F32(xPtr: number, n: number): number;
  nrm2F64(xPtr: number, n: number): number;
  axpyF32(alpha: number, xPtr: number, yPtr: number, n: number): void;
  axpyF64(alpha: number, xPtr: number, yPtr: number, n: number): void;
  scalF32(alpha: number, xPtr: number, n: number): void;
  scalF64(alpha: number, xPtr: number, n: number): void;
  /** assembly/linalg.ts, one kernel for both dtypes (f32: 1 for float32, 0 for float64). 0 on success, else the failing pivot + 1. */
  cholesky(aPtr: number, n: number, f32: number): number;
  triangularSolve(tPtr: number, n: number, bPtr: number, lower: number, transpose: number, unit: number, f32: number): void;
  /** 0 on success, 1 when QL did not converge; d and e are f64, p in the dtype. */
  symEig(aPtr: number, zPtr: number, dPtr: number, ePtr: number, pPtr: number, n: number, f32: number): number;
  qr(aPtr: number, qPtr: number, wPtr: number, vPtr: number, m: number, n: number, f32: number): void;
  memory?: WebAssembly.Memory;
}


/** Kernels the worker pool can run: matmul row chunks and matrix-vector chunks, the fused optimizer steps (src/optim/optimizer.ts), elementwise halves. */
export const POOL_OPS = [
  "matmulClaimF32", "matmulClaimF64", "gemvSharedF32", "gemvSharedF64",
  ...["sgd", "adam", "adagrad", "rmsprop", "lion"].flatMap((k) => [`${k}StepF32`, `${k}StepF64`]),
  ...[...WASM_UNARY_OPS, "crossEntropyLogits", "crossEntropyResidual"].flatMap((k) => [`${k}F32`, `${k}F64`]),
];

/**
 * The ops whose kernel in the scalar binary is the host's Math function (`hostMath` in
 * assembly/trig.ts, op code = index here); the SIMD binaries call it only for sin / cos of
 * |x| >= 2^19. The backend runs these ops on the JS loops when the scalar binary is the one loaded.
 */
export const HOST_MATH_OPS = ["sin", "cos", "log1p", "expm1"] as const satisfies readonly WasmUnaryOp[];
const hostMath = (op: number, x: number): number => (op === 0 ? Math.sin(x) : op === 1 ? Math.cos(x) : op === 2 ? Math.log1p(x) : Math.expm1(x));

/** What the core imports from its host besides a shared memory: `hostMath`. Every instantiation passes this. */
export function hostEnv(memory?: WebAssembly.Memory): WebAssembly.ModuleImports {
  return memory ? { memory, hostMath } : { hostMath };
}
/** hostEnv's function as source text, for the worker pool's classic script (src/backend/wasm/threadPool.ts). */
export const HOST_ENV_SOURCE = "hostMath: function (op, x) { return op === 0 ? Math.sin(x) : op === 1 ? Math.cos(x) : op === 2 ? Math.log1p(x) : Math.expm1(x); }";
