/**
 * The interface a backend implements. Tensors hold a backend's `Storage` and never look inside
 * it: every op, optimizer step, linear-algebra call and training loop reaches values through these
 * methods, chosen at one dispatch point (`backendFor` in select.ts). A kernel returns fresh
 * storage rather than writing into an output the caller allocated, so a backend whose values live
 * on a device (WebGPU) can enqueue work and hand back a buffer; reading is `read()` (a Promise,
 * everywhere) or `readSync()` where a backend can answer synchronously (the CPU backends).
 *
 * Shapes and sizes travel as plain numbers; `dtype` is passed because storage is opaque.
 */
import type { DType, FloatArray } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import type { UnaryOp, BinaryOp } from "./ops.js";
import type { FusedEngine, FusedEngineRequest } from "./fused/spec.js";
import type { CpuKernels } from "./js/cpuKernels.js";

export type BackendName = "js" | "wasm" | "webgpu";

declare const storageBrand: unique symbol;
/** One tensor's values as its backend holds them (a typed array on the CPU backends). Opaque above src/backend. */
export type Storage = { readonly [storageBrand]: true };

/** One part of `place`: `x` (of `shape`) written at `begin` of the output. */
export interface Placement {
  x: Storage;
  shape: Shape;
  begin: readonly number[];
}

/** The arrays dense linear algebra runs on: float32 or float64, one dtype per call. */
export type LinalgArray = Float32Array | Float64Array;

/**
 * Dense linear algebra on row-major arrays (small matrices: Newton, BFGS, preconditioners), in the
 * dtype of its operands. Callers (src/linalg) validate shapes and dtypes first.
 */
export interface LinalgKernels {
  /** L with A = L L^T (lower triangle of A read), or null when A is not numerically positive definite. */
  cholesky<A extends LinalgArray>(a: A, n: number): A | null;
  /** x with L L^T x = b. */
  choleskySolve<A extends LinalgArray>(l: A, n: number, b: A): A;
  /** x with op(T) x = b for triangular T: its `lower` or upper triangle read, op(T) = T or T^T, unit diagonal or T's. */
  triangularSolve<A extends LinalgArray>(t: A, n: number, b: A, lower: boolean, transpose: boolean, unitDiagonal: boolean): A;
  /** A = V diag(values) V^T for symmetric A (lower triangle read): values ascending, eigenvectors as the columns of V; null if it did not converge. */
  symEig<A extends LinalgArray>(a: A, n: number): { values: A; vectors: A } | null;
  /** Thin A = Q R of an m x n A (m >= n): Q m x n with orthonormal columns, R n x n upper with a non-negative diagonal. */
  qr<A extends LinalgArray>(a: A, m: number, n: number): { q: A; r: A };
  /** V diag(d) V^T (symmetric) for V's columns v_k and values d_k. */
  fromEigen<A extends LinalgArray>(vectors: A, d: A, n: number): A;
}

/** A dense symmetric n x n float64 matrix in a backend's memory (BFGS's inverse Hessian). */
export interface DenseSymmetric {
  /** H v, as a new array. */
  times(v: Float64Array): Float64Array;
  /** H = gamma I. */
  setIdentity(gamma: number): void;
  /** H = (I - rho s y^T) H (I - rho y s^T) + rho s s^T, rho = 1 / (y^T s). */
  update(s: Float64Array, y: Float64Array, rho: number): void;
  /** Frees the backend's memory. */
  dispose(): void;
}

export interface Backend {
  readonly name: BackendName | "trace" | "auto";

  // ---- storage --------------------------------------------------------------------------------
  /** `n` zeros. */
  zeros(dtype: DType, n: number): Storage;
  /** Storage holding `values`, which the caller hands over (it must not use the array afterwards). */
  adopt(values: FloatArray): Storage;
  /** A copy of the values, on every backend. */
  read(s: Storage, dtype: DType, n: number): Promise<FloatArray>;
  /**
   * The values themselves, synchronously, where the backend can (CPU backends: no copy, and the
   * caller must not write them); absent on a backend whose values live on a device. `op` names
   * the operation that asked, for the error of a backend that can refuse some reads (tracing).
   */
  readSync?(s: Storage, op: string): FloatArray;
  /**
   * False where `s`'s values do not exist yet (a value being traced by src/jit); code that only
   * validates values skips the check then (`tryReadSync`). Absent: always true.
   */
  valuesAvailable?(s: Storage): boolean;

  // ---- elementwise ----------------------------------------------------------------------------
  /** op(x) elementwise. */
  unary(op: UnaryOp, x: Storage, dtype: DType, n: number): Storage;
  /** a (op) b with NumPy broadcasting to `outShape`. */
  binary(op: BinaryOp, a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape, dtype: DType): Storage;
  /** cond != 0 ? a : b, all broadcast to `outShape`; cond has dtype `condDtype`. */
  where(cond: Storage, cShape: Shape, a: Storage, aShape: Shape, b: Storage, bShape: Shape, outShape: Shape, dtype: DType): Storage;
  /** `n` copies of `value`. */
  fill(dtype: DType, n: number, value: number): Storage;
  /** The same values in dtype `to` (rounded to float32 when narrowing). */
  cast(x: Storage, n: number, to: DType): Storage;
  /** Cross-entropy on logits, softplus(x) - x t, elementwise. */
  crossEntropyLogits(x: Storage, t: Storage, dtype: DType, n: number): Storage;
  /** [loss as crossEntropyLogits, sigmoid(x) - t] from one pass. */
  crossEntropyResidual(x: Storage, t: Storage, dtype: DType, n: number): [Storage, Storage];

  // ---- reductions and layout ------------------------------------------------------------------
  /**
   * Reduces over `axes` (sorted, unique, non-empty); the result has the keepDims shape's size.
   * Sums and products accumulate in float64; "mean" divides that sum by the count before rounding.
   */
  reduce(op: "sum" | "max" | "mean" | "prod", x: Storage, shape: Shape, axes: readonly number[], dtype: DType): Storage;
  /** Running sums along `axis` (from the last index backwards when `reverse`), accumulated in float64. */
  cumsum(x: Storage, shape: Shape, axis: number, reverse: boolean, dtype: DType): Storage;
  /** x broadcast (repeated along size-1 and leading dimensions) to `outShape`. */
  broadcast(x: Storage, shape: Shape, outShape: Shape, dtype: DType): Storage;
  /** x with its dimensions permuted: out.shape[i] = shape[perm[i]]. */
  transpose(x: Storage, shape: Shape, perm: readonly number[], dtype: DType): Storage;
  /** The box of extent `size` starting at `begin`. */
  slice(x: Storage, shape: Shape, begin: readonly number[], size: Shape, dtype: DType): Storage;
  /** Zeros of `outShape` with each part written at its `begin` (slice's adjoint; concat). */
  place(parts: readonly Placement[], outShape: Shape, dtype: DType): Storage;
  /** x viewed as [outer, dim, inner]: out[o, k, :] = x[o, idx[k], :]. */
  gather(x: Storage, outer: number, dim: number, inner: number, idx: Int32Array, dtype: DType): Storage;
  /** gather's adjoint: out [outer, dim, inner] zeros, out[o, idx[k], :] += g[o, k, :]. */
  scatterAdd(g: Storage, outer: number, dim: number, inner: number, idx: Int32Array, dtype: DType): Storage;
  /**
   * x viewed as [outer, dim, inner]: its k largest entries along dim, largest first (ties: the
   * lower position first; NaN counts as the largest), and their positions as numbers of `dtype`:
   * [values, indices], each [outer, k, inner].
   */
  topk(x: Storage, outer: number, dim: number, inner: number, k: number, dtype: DType): [Storage, Storage];
  /** out[o, m, j] = x[o, idx[o, m, j], j]: x [outer, dim, inner], positions idx (numbers) and out [outer, k, inner]. */
  takeAlong(x: Storage, idx: Storage, outer: number, dim: number, inner: number, k: number, dtype: DType): Storage;
  /** takeAlong's adjoint: out [outer, dim, inner] zeros, out[o, idx[o, m, j], j] += g[o, m, j]. */
  putAlong(g: Storage, idx: Storage, outer: number, dim: number, inner: number, k: number, dtype: DType): Storage;
  /** Rows of the identity: out[i, idx[i]] = 1, shape [idx.length, depth]. */
  oneHot(idx: Int32Array, depth: number, dtype: DType): Storage;

  // ---- products -------------------------------------------------------------------------------
  /**
   * C[b] = op(A[b]) op(B[b]) for `batch` pairs of matrices stored one after another: op(A) is
   * [m, k] (A stored [k, m] when transA), op(B) is [k, n] (B stored [n, k] when transB).
   */
  matmul(a: Storage, b: Storage, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, dtype: DType): Storage;

  // ---- optional fast paths used by the layers above -------------------------------------------
  /**
   * CPU backends: the same kernels writing into typed arrays the caller provides, for compiled
   * programs (src/jit), which plan and reuse their buffers; absent on a device backend.
   */
  readonly cpu?: CpuKernels;
  /** Dense float32/float64 linear algebra (src/linalg calls it). */
  readonly linalg?: LinalgKernels;
  /** BLAS-1 on long float64 vectors, where the backend beats a JS loop; absent: JS loops. */
  readonly blas1?: {
    dot(x: Float64Array, y: Float64Array): number;
    nrm2(x: Float64Array): number;
    axpy(alpha: number, x: Float64Array, y: Float64Array): void;
  };
  /** A dense symmetric matrix of the backend's memory, or null/absent where a JS array serves better. */
  denseSymmetric?(n: number): DenseSymmetric | null;
  /**
   * The stateful optimizer's fused step (src/optim/optimizer.ts) over parameters stored on this
   * backend, or null when this backend has no fused kernel for the request (the optimizer then
   * runs the transform's pure update).
   */
  fusedOptimizer(request: FusedEngineRequest): FusedEngine | null;
}
