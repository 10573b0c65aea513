/**
 * The WebAssembly backend: the JS backend's storage (typed arrays in the JS heap) with the hot
 * kernels replaced by the WebAssembly core's (src/backend/wasm/index.ts): matmul, the
 * transcendental elementwise ops and the loss pair above their break-even sizes, dense linear
 * algebra, BLAS-1 on long vectors, and the fused optimizer engine. Everything else is the JS
 * reference, so the two agree wherever the wasm kernels are not used.
 */
import type { DType, FloatArray } from "../../tensor/dtype.js";
import type { Backend, LinalgKernels } from "../backend.js";
import { cpuBackend, jsBackend } from "../js/backend.js";
import { batched, jsCpuKernels, type CpuKernels } from "../js/cpuKernels.js";
import { JsEngine } from "../js/fusedSteps.js";
import { WASM_UNARY_OPS, type UnaryOp, type WasmUnaryOp } from "../ops.js";
import { WasmEngine, fusedKernelName } from "./fusedEngine.js";
import type { WasmKernels } from "./index.js";
import { HOST_MATH_OPS } from "./abi.js";
import { WasmDenseSymmetric } from "./denseSymmetric.js";
import { epilogueJs, type MatmulEpilogue } from "./matmulKernel.js";

export { epilogueJs, type MatmulEpilogue };
/** The wasm backend's into-kernels: the CPU ones plus a product with an epilogue, which compiled programs use (src/jit/epilogue.ts). */
export interface WasmCpuKernels extends CpuKernels {
  /** out [m, n] = op(a) @ op(b) (one product, no batch), then the epilogue on out in place. */
  matmulEpilogue(a: FloatArray, b: FloatArray, out: FloatArray, m: number, k: number, n: number, transA: boolean, transB: boolean, epilogue: MatmulEpilogue): void;
  /** A buffer in the core's memory that its kernels use in place (kernels.ts homeArray), or null: then a plain array serves. */
  homeArray(dtype: DType, size: number): FloatArray | null;
}
/** Whether `cpu` has `matmulEpilogue` (the wasm backend's kernels do, the JS reference's not). */
export const hasMatmulEpilogue = (cpu: CpuKernels): cpu is WasmCpuKernels => typeof (cpu as Partial<WasmCpuKernels>).matmulEpilogue === "function";

/** Below this many multiply-adds the JS loop beats the copy into WebAssembly memory. */
const WASM_MATMUL_MIN_FLOPS = 4096;
/**
 * From this many values on, the WebAssembly kernel (copy in, v128 loop, copy out) beats V8's Math
 * loop for every op with a wasm kernel. Measured on Node 20 (simd and relaxed-simd binaries, one
 * thread and shared memory), ns a value JS / wasm at 1e4 values: float64 exp 8.4 / 3.4, sigmoid
 * 9.6 / 4.0, tanh 12.7 / 6.4, softplus 27 / 7.8, log 6.9 / 5.2; float32 exp 9.2 / 2.5, sigmoid 21 /
 * 3.0, tanh 13.8 / 3.7, softplus 27.6 / 4.8, log 7.6 / 2.0. Break-even (the fixed cost of a call
 * is ~120 ns): float64 at 16-64 values (log: 64-256), float32 at 8-32; the thresholds sit at or
 * above the worst. sin, cos, log1p, expm1 (`node bench/probes/unaryKernels.mjs`, simd binary, one
 * thread, 2026-12-01 on a shared machine at load average 10-12, so every time is ~2x the quiet
 * figures above; JS and wasm rounds interleaved): float32 sin 9.8 / 4.0, cos 10.2 / 3.9, log1p
 * 9.5 / 3.1, expm1 11.0 / 3.1; float64 sin 10.2 / 8.6, cos 10.2 / 8.5, log1p 9.7 / 7.8, expm1
 * 10.9 / 7.8 (exp in the same run: 10.3 / 4.0 and 10.8 / 6.7). Break-even float32 at 16-32
 * values, float64 at 64-128 (expm1 64): below both thresholds, which stay.
 */
const WASM_UNARY_MIN_F32 = 64;
const WASM_UNARY_MIN_F64 = 256;
const WASM_UNARY: ReadonlySet<UnaryOp> = new Set<UnaryOp>(WASM_UNARY_OPS);
const HOST_MATH: ReadonlySet<UnaryOp> = new Set<UnaryOp>(HOST_MATH_OPS);
/** BLAS-1 below this many elements stays in JS: copying the operands into linear memory costs more than the loop. */
const WASM_BLAS1_MIN = 1 << 16;
/** A dense matrix in linear memory pays from this size on (BFGS: gemv + rank-2 update in wasm). */
const WASM_DENSE_MIN = 64;

const minValues = (like: FloatArray): number => (like instanceof Float32Array ? WASM_UNARY_MIN_F32 : WASM_UNARY_MIN_F64);

const made = new WeakMap<WasmKernels, Backend>();

/** The backend over one WebAssembly instance (memoised per instance; tests and benches pick instances). */
export function wasmBackend(w: WasmKernels): Backend {
  let b = made.get(w);
  if (!b) made.set(w, (b = lazyWasmBackend(() => w)));
  return b;
}

/**
 * The backend over whatever instance `kernels()` returns when a kernel needs one: the default
 * backend asks for the default instance, which starts the core on the first op above a
 * break-even size (small ops never pay for a core they do not use). Where `kernels()` returns
 * null (the core could not start here) every op runs on the JS reference, and the fused optimizer
 * is the JS one.
 */
export function lazyWasmBackend(kernels: () => WasmKernels | null): Backend & { readonly cpu: CpuKernels } {
  const js = jsCpuKernels;
  const cpu: WasmCpuKernels = {
    ...js,
    unary(op, x, out) {
      const w = x.length < minValues(x) || !WASM_UNARY.has(op) ? null : kernels();
      // The scalar binary's sin, cos, log1p and expm1 call the host's Math per value: the JS loop is faster.
      if (w && !(w.variant === "scalar" && HOST_MATH.has(op))) w.unary(op as WasmUnaryOp, x, out);
      else js.unary(op, x, out);
    },
    crossEntropyLogits(x, t, out) {
      const w = out.length < minValues(out) ? null : kernels();
      if (w) w.crossEntropyLogits(x, t, out);
      else js.crossEntropyLogits(x, t, out);
    },
    crossEntropyResidual(x, t, loss, res) {
      const w = loss.length < minValues(loss) ? null : kernels();
      if (w) w.crossEntropyResidual(x, t, loss, res);
      else js.crossEntropyResidual(x, t, loss, res);
    },
    matmul(a, b, out, batch, m, k, n, transA, transB) {
      const w = m * k * n < WASM_MATMUL_MIN_FLOPS ? null : kernels();
      if (w) batched(a, b, out, batch, m, k, n, (ad, bd, cd) => w.matmul(ad, bd, cd, m, k, n, transA, transB));
      else js.matmul(a, b, out, batch, m, k, n, transA, transB);
    },
    homeArray(dtype, size) {
      return kernels()?.homeArray(dtype === "float32", size) ?? null;
    },
    matmulEpilogue(a, b, out, m, k, n, transA, transB, epilogue) {
      const w = m * k * n < WASM_MATMUL_MIN_FLOPS ? null : kernels();
      if (w) w.matmul(a, b, out, m, k, n, transA, transB, epilogue);
      else {
        js.matmul(a, b, out, 1, m, k, n, transA, transB);
        epilogueJs(out, m, n, epilogue);
      }
    },
  };
  return cpuBackend("wasm", cpu, {
    linalg: {
      cholesky: (a, n) => (kernels() ?? jsLinalg).cholesky(a, n),
      choleskySolve: (l, n, b) => (kernels() ?? jsLinalg).choleskySolve(l, n, b),
      triangularSolve: (t, n, b, lower, transpose, unit) => (kernels() ?? jsLinalg).triangularSolve(t, n, b, lower, transpose, unit),
      symEig: (a, n) => (kernels() ?? jsLinalg).symEig(a, n),
      qr: (a, m, n) => (kernels() ?? jsLinalg).qr(a, m, n),
      fromEigen: (v, d, n) => (kernels() ?? jsLinalg).fromEigen(v, d, n),
    },
    blas1: {
      dot(x, y) {
        const w = x.length >= WASM_BLAS1_MIN ? kernels() : null;
        if (w) return w.dot(x, y);
        let s = 0;
        for (let i = 0; i < x.length; i++) s += x[i] * y[i];
        return s;
      },
      nrm2(x) {
        const w = x.length >= WASM_BLAS1_MIN ? kernels() : null;
        if (w) return w.nrm2(x);
        let s = 0;
        for (let i = 0; i < x.length; i++) s += x[i] * x[i];
        return Math.sqrt(s);
      },
      axpy(alpha, x, y) {
        const w = x.length >= WASM_BLAS1_MIN ? kernels() : null;
        if (w) return w.axpy(alpha, x, y);
        for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
      },
    },
    denseSymmetric(n) {
      const w = n >= WASM_DENSE_MIN ? kernels() : null;
      return w && typeof w.exports.bfgsUpdateF64 === "function" && typeof w.exports.gemvF64 === "function" ? new WasmDenseSymmetric(w, n) : null;
    },
    fusedOptimizer(request) {
      const w = kernels();
      if (!w) return new JsEngine(request);
      return typeof w.exports[fusedKernelName(request.step.kind, request.dtype)] === "function" ? new WasmEngine(w, request) : null;
    },
  });
}

const jsLinalg: LinalgKernels = jsBackend.linalg!;
