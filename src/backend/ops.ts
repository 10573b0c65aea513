/**
 * The elementwise op names every backend implements, as one typed table: the JS reference formula
 * of each unary op and whether the WebAssembly core has a kernel for it. The op-name types, the
 * JS reference loop, the WebAssembly dispatch set, the worker pool's job list and the wasm ABI's
 * kernel names are all derived from this table, so adding an op is one line here (plus its
 * kernel where `wasm` says so).
 */
import { erf } from "./js/erf.js";

/** sigmoid without overflow: 1 / (1 + e^-x) for x >= 0, e^x / (1 + e^x) below. */
function sigmoidRef(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Round half to even (NumPy's and PyTorch's `round`): Math.round rounds halves up, so odd results of a tie step down. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const UNARY_OPS = {
  neg: { ref: (x: number) => -x, wasm: false },
  square: { ref: (x: number) => x * x, wasm: false },
  exp: { ref: Math.exp, wasm: true },
  log: { ref: Math.log, wasm: true },
  sqrt: { ref: Math.sqrt, wasm: false },
  abs: { ref: Math.abs, wasm: false },
  // NaN kept, as NumPy and TF 2
  sign: { ref: (x: number) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN), wasm: false },
  tanh: { ref: Math.tanh, wasm: true },
  sigmoid: { ref: sigmoidRef, wasm: true },
  // max(x, 0) + log1p(e^-|x|): neither overflows nor loses small values
  softplus: { ref: (x: number) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))), wasm: true },
  erf: { ref: erf, wasm: false },
  // sigmoid'(x) = s (1 - s) = e / (1 + e)^2, e = e^-|x|
  sigmoidSlope: { ref: (x: number) => { const e = Math.exp(-Math.abs(x)); return e / ((1 + e) * (1 + e)); }, wasm: true },
  // max(x, 0), NaN kept (as PyTorch); relu's slope, 1 where x > 0 (0 at 0 and for NaN)
  relu: { ref: (x: number) => (x < 0 ? 0 : x), wasm: false },
  positive: { ref: (x: number) => (x > 0 ? 1 : 0), wasm: false },
  sin: { ref: Math.sin, wasm: true },
  cos: { ref: Math.cos, wasm: true },
  tan: { ref: Math.tan, wasm: false },
  asin: { ref: Math.asin, wasm: false },
  acos: { ref: Math.acos, wasm: false },
  atan: { ref: Math.atan, wasm: false },
  sinh: { ref: Math.sinh, wasm: false },
  cosh: { ref: Math.cosh, wasm: false },
  asinh: { ref: Math.asinh, wasm: false },
  acosh: { ref: Math.acosh, wasm: false },
  atanh: { ref: Math.atanh, wasm: false },
  log1p: { ref: Math.log1p, wasm: true },
  expm1: { ref: Math.expm1, wasm: true },
  log2: { ref: Math.log2, wasm: false },
  log10: { ref: Math.log10, wasm: false },
  reciprocal: { ref: (x: number) => 1 / x, wasm: false },
  rsqrt: { ref: (x: number) => 1 / Math.sqrt(x), wasm: false },
  floor: { ref: Math.floor, wasm: false },
  ceil: { ref: Math.ceil, wasm: false },
  round: { ref: roundHalfEven, wasm: false },
  trunc: { ref: Math.trunc, wasm: false },
} as const satisfies Record<string, { ref: (x: number) => number; wasm: boolean }>;

export type UnaryOp = keyof typeof UNARY_OPS;
/** The unary ops with a WebAssembly kernel (`<op>F32`, `<op>F64` in assembly/elementwise.ts). */
export type WasmUnaryOp = { [K in UnaryOp]: (typeof UNARY_OPS)[K]["wasm"] extends true ? K : never }[UnaryOp];
export const WASM_UNARY_OPS = (Object.keys(UNARY_OPS) as UnaryOp[]).filter((k) => UNARY_OPS[k].wasm) as WasmUnaryOp[];

export const BINARY_OPS = ["add", "sub", "mul", "div", "pow", "max", "min", "gt", "ge", "lt", "le", "eq", "atan2", "hypot"] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];
