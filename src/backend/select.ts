/**
 * Capability detection and kernel dispatch in one place. The JS reference runs everything;
 * once `ready()` has started the WebAssembly core, the hot kernels go there.
 */
import type { FloatArray } from "../tensor/dtype.js";
import * as js from "./js.js";
import { initWasm, notifyWritten, wasmKernelsSync, type WasmKernels } from "./wasm/index.js";

export type BackendName = "js" | "wasm";

let preferred: BackendName = "wasm";
let initError: unknown = null;

/** Below this many multiply-adds the JS loop beats the copy into WebAssembly memory. */
const WASM_MATMUL_MIN_FLOPS = 4096;

function wasm(): WasmKernels | null {
  return preferred === "wasm" ? wasmKernelsSync() : null;
}

/**
 * Starts the WebAssembly core (lazily, never at import). Until it resolves, or if it fails,
 * every op runs on the JS reference backend; the reason for a failure is kept in `backendInfo()`.
 */
export async function ready(options: { backend?: BackendName; threads?: number | "auto" } = {}): Promise<void> {
  if (options.backend) preferred = options.backend;
  if (preferred !== "wasm") return;
  try {
    await initWasm({ threads: options.threads ?? "auto" });
  } catch (e) {
    initError = e;
    preferred = "js";
  }
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
 * Below this many float32 values the copy into WebAssembly memory and back costs more than
 * V8's Math.exp loop saves (~10 ns a value in JS, ~1 ns in the v128 kernel).
 */
const WASM_UNARY_MIN = 1024;
const WASM_UNARY: ReadonlySet<js.UnaryOp> = new Set<js.UnaryOp>(["exp", "sigmoid", "tanh"]);

/** out = op(x): transcendental float32 ops on large arrays run in WebAssembly, the rest in JS. */
export function unary(op: js.UnaryOp, x: FloatArray, out: FloatArray): void {
  if (x.length >= WASM_UNARY_MIN && x instanceof Float32Array && WASM_UNARY.has(op)) {
    const w = wasm();
    if (w) {
      w.unaryF32(op as "exp" | "sigmoid" | "tanh", x, out as Float32Array);
      return;
    }
  }
  js.unary(op, x, out);
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
