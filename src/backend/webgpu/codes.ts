/**
 * The op codes of kernels/elementwise.wgsl's `OP` override, by name: the order of the `switch`
 * cases there. Typed against the op tables, so an op added to src/backend/ops.ts fails to compile
 * here until the shader has it.
 */
import type { BinaryOp, UnaryOp } from "../ops.js";

export const UNARY_CODES: Record<UnaryOp, number> = {
  neg: 0, square: 1, exp: 2, log: 3, sqrt: 4, abs: 5, sign: 6, tanh: 7, sigmoid: 8, softplus: 9,
  erf: 10, sigmoidSlope: 11, relu: 12, positive: 13, sin: 14, cos: 15, tan: 16, asin: 17, acos: 18,
  atan: 19, sinh: 20, cosh: 21, asinh: 22, acosh: 23, atanh: 24, log1p: 25, expm1: 26, log2: 27,
  log10: 28, reciprocal: 29, rsqrt: 30, floor: 31, ceil: 32, round: 33, trunc: 34,
};

export const BINARY_CODES: Record<BinaryOp, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, max: 5, min: 6, gt: 7, ge: 8, lt: 9, le: 10, eq: 11, atan2: 12, hypot: 13,
};

/** Reduction codes of kernels/reduce.wgsl. */
export const REDUCE_CODES = { sum: 0, max: 1, mean: 2, prod: 3 } as const;
