/**
 * Capability detection and kernel dispatch in one place. The JS reference runs everything; the
 * hot kernels go to the WebAssembly core, which the first op that needs it starts by itself
 * (synchronously where the engine allows; `ready()` is for explicit options and waiting).
 */
import type { FloatArray } from "../tensor/dtype.js";
import { ArgumentError } from "../errors.js";
import * as js from "./js.js";
import { initWasm, initWasmSync, notifyWritten, wasmKernelsSync, type WasmKernels } from "./wasm/index.js";

export type BackendName = "js" | "wasm";

let preferred: BackendName = "wasm";
let initError: unknown = null;

/** Below this many multiply-adds the JS loop beats the copy into WebAssembly memory. */
const WASM_MATMUL_MIN_FLOPS = 4096;

function wasm(): WasmKernels | null {
  return preferred === "wasm" ? (wasmKernelsSync() ?? autoStart()) : null;
}

let autoStarted = false;

/**
 * Fast by default: the first op that needs the WebAssembly core, when nobody called `ready()`,
 * starts it here, synchronously (Node, workers, a browser page's main thread under its size
 * limit). Where the engine refuses (an older browser's main thread throws a RangeError above
 * 4 KB), the asynchronous start runs in the background and ops use the JS reference until it is
 * up; where compiling bytes is forbidden outright (Cloudflare's workerd), that start fails too and
 * `backendInfo().error` says why. Tried once.
 */
function autoStart(): WasmKernels | null {
  if (autoStarted) return null;
  autoStarted = true;
  try {
    return initWasmSync();
  } catch {
    initWasm().catch((e) => {
      if (wasmKernelsSync() === null) initError = e;
    });
    return null;
  }
}

/** The WebAssembly kernels ops should use now (starting the core if needed), or null for the JS reference. */
export function wasmKernels(): WasmKernels | null {
  return wasm();
}

/** Options of `ready()`. */
export interface ReadyOptions {
  /** `"js"` runs everything on the reference loops; default `"wasm"`. */
  backend?: BackendName;
  /** Total compute threads including the caller, or "auto" (min(cores, 4)); default "auto". */
  threads?: number | "auto";
  /** Resolve only once the worker threads run (default: true for an explicit count). */
  waitForThreads?: boolean;
  /**
   * A `WebAssembly.Module` compiled from this package's `downhill/wasm/simd.wasm` (or
   * `relaxed-simd.wasm`, `scalar.wasm`), for runtimes that forbid compiling bytes at run time
   * (Cloudflare Workers, Vercel Edge), whose bundlers turn a `.wasm` import into a module. It
   * runs on one thread; a module from another version of downhill is refused.
   */
  wasmModule?: WebAssembly.Module;
}

/**
 * Starts the WebAssembly core (lazily, never at import). Until it resolves, or if it fails,
 * every op runs on the JS reference backend; the reason for a failure is kept in `backendInfo()`
 * (a core that already runs stays in use). With `threads: "auto"` (the default) it resolves as
 * soon as the calling thread's core is ready and starts the worker threads in the background
 * (large ops use them once they are up, ~30 ms later in Node); an explicit thread count, or
 * `waitForThreads: true`, waits for them. Invalid options, including a `wasmModule` that is not a
 * single-threaded downhill binary of this version, throw an ArgumentError and change nothing.
 */
export async function ready(options: ReadyOptions = {}): Promise<void> {
  const { wasmModule } = options;
  if (options.backend !== undefined && options.backend !== "wasm" && options.backend !== "js") {
    throw new ArgumentError(`ready: backend must be "wasm" or "js", got ${JSON.stringify(options.backend)}`);
  }
  const { threads, waitForThreads } = options;
  if (threads !== undefined && threads !== "auto" && !(Number.isInteger(threads) && threads >= 1)) {
    throw new ArgumentError(`ready: threads must be "auto" or an integer >= 1, got ${typeof threads === "number" ? threads : JSON.stringify(threads)}`);
  }
  if (waitForThreads !== undefined && typeof waitForThreads !== "boolean") {
    throw new ArgumentError(`ready: waitForThreads must be a boolean, got ${kindOf(waitForThreads)}`);
  }
  if (wasmModule !== undefined) {
    if (typeof WebAssembly !== "object" || !(wasmModule instanceof WebAssembly.Module)) {
      throw new ArgumentError(`ready: wasmModule must be a WebAssembly.Module (compiled from downhill/wasm/simd.wasm), got ${kindOf(wasmModule)}`);
    }
    if (typeof options.threads === "number" && options.threads !== 1) {
      throw new ArgumentError(`ready: a wasmModule runs on one thread; threads: ${options.threads} cannot be honoured (omit it or pass 1)`);
    }
    if (options.backend === "js") throw new ArgumentError(`ready: wasmModule given with backend: "js"`);
    try {
      await initWasm({ module: wasmModule });
      preferred = "wasm";
      initError = null;
    } catch (e) {
      if (e instanceof ArgumentError) throw e; // not a downhill binary of this version: the caller's mistake
      initError = e;
      if (wasmKernelsSync() === null) preferred = "js";
    }
    return;
  }
  if (options.backend) preferred = options.backend;
  if (preferred !== "wasm") return;
  autoStarted = true; // an explicit start: the first op need not try again
  try {
    await initWasm({ threads: options.threads ?? "auto", waitForThreads: options.waitForThreads });
  } catch (e) {
    initError = e;
    if (wasmKernelsSync() === null) preferred = "js";
  }
}

/** What a wrong argument is, for an error message. */
function kindOf(x: unknown): string {
  if (x === null) return "null";
  if (typeof x !== "object") return typeof x;
  return (x as object).constructor?.name ?? "an object";
}

/** Chooses the backend for later ops (`"js"` forces the reference loops). */
export function setBackend(name: BackendName): void {
  preferred = name;
}

export function backendInfo(): { backend: BackendName; variant: string | null; threads: number; error: string | null } {
  const w = wasm();
  return {
    backend: w ? "wasm" : "js",
    variant: w ? w.variant : null,
    threads: w ? w.threads : 1,
    error: initError ? String(initError) : null,
  };
}

/**
 * From this many values on, the WebAssembly kernel (copy in, v128 loop, copy out) beats V8's Math
 * loop for every op in WASM_UNARY. Measured on Node 20 (simd and relaxed-simd binaries, one thread
 * and shared memory), ns a value JS / wasm at 1e4 values: float64 exp 8.4 / 3.4, sigmoid 9.6 / 4.0,
 * tanh 12.7 / 6.4, softplus 27 / 7.8, log 6.9 / 5.2; float32 exp 9.2 / 2.5, sigmoid 21 / 3.0,
 * tanh 13.8 / 3.7, softplus 27.6 / 4.8, log 7.6 / 2.0. Break-even (the fixed cost of a call is ~120 ns):
 * float64 at 16-64 values (log: 64-256), float32 at 8-32; the thresholds sit at or above the worst.
 */
const WASM_UNARY_MIN_F32 = 64;
const WASM_UNARY_MIN_F64 = 256;
const WASM_UNARY: ReadonlySet<js.UnaryOp> = new Set<js.UnaryOp>(["exp", "sigmoid", "tanh", "softplus", "log", "sigmoidSlope"]);
type WasmUnaryOp = Parameters<WasmKernels["unary"]>[0];

/** out = op(x): transcendental ops on large arrays run in WebAssembly, the rest in JS. */
export function unary(op: js.UnaryOp, x: FloatArray, out: FloatArray): void {
  if (x.length >= (x instanceof Float32Array ? WASM_UNARY_MIN_F32 : WASM_UNARY_MIN_F64) && WASM_UNARY.has(op)) {
    const w = wasm();
    if (w) {
      w.unary(op as WasmUnaryOp, x, out);
      return;
    }
  }
  js.unary(op, x, out);
}

/** out = softplus(x) - x t (src/ops/logisticLoss.ts), fused in WebAssembly for large arrays. */
export function crossEntropyLogits(x: FloatArray, t: FloatArray, out: FloatArray): void {
  if (out.length >= (x instanceof Float32Array ? WASM_UNARY_MIN_F32 : WASM_UNARY_MIN_F64)) {
    const w = wasm();
    if (w) {
      w.crossEntropyLogits(x, t, out);
      return;
    }
  }
  js.crossEntropyLogits(x, t, out);
}

/** loss = softplus(x) - x t and res = sigmoid(x) - t from one exp (the forward pass of a loss whose gradient will be taken). */
export function crossEntropyResidual(x: FloatArray, t: FloatArray, loss: FloatArray, res: FloatArray): void {
  if (loss.length >= (x instanceof Float32Array ? WASM_UNARY_MIN_F32 : WASM_UNARY_MIN_F64)) {
    const w = wasm();
    if (w) {
      w.crossEntropyResidual(x, t, loss, res);
      return;
    }
  }
  js.crossEntropyResidual(x, t, loss, res);
}

/**
 * Must be called after any in-place write to a tensor's storage (the optimizer's step, checkGrad's
 * perturbations): the WebAssembly backend may hold a resident copy of it (wasm/resident.ts).
 */
export function dataWritten(x: FloatArray): void {
  notifyWritten(x);
}

export function matmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, transA: boolean, transB: boolean): void {
  const w = wasm();
  if (w && m * k * n >= WASM_MATMUL_MIN_FLOPS) w.matmul(a, b, c, m, k, n, transA, transB);
  else js.matmul(a, b, c, m, k, n, transA, transB);
}
