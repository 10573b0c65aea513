/**
 * Matrix product with NumPy semantics: 1-D operands are promoted (and the added dimension
 * dropped), leading dimensions are batch dimensions and broadcast. The kernel reads transposed
 * operands in place, so the backward pass never materialises a transpose.
 */
import { backendFor } from "../backend/select.js";
import { ShapeError } from "../errors.js";
import { broadcastShapes, fmt, sameShape, sizeOf } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { record } from "../autodiff/tape.js";
import { wrap, assertTensor } from "./util.js";
import { broadcastTo, reshape, sumTo } from "./shape.js";
import { ArgumentError, DTypeError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";

export interface MatmulOptions {
  /** Use the transpose of a's last two dimensions (read in place, never materialised). */
  transposeA?: boolean;
  /** Use the transpose of b's last two dimensions. */
  transposeB?: boolean;
}

const MATMUL_KEYS = { transposeA: true, transposeB: true } satisfies OptionKeys<MatmulOptions>;

/**
 * a @ b, or op(a) @ op(b) with `{transposeA, transposeB}` (as tfjs's matMul): X^T r as
 * `matmul(X, r, {transposeA: true})` reads X in place, where `X.transpose().matmul(r)` first copies
 * X transposed.
 */
export function matmul(a: Tensor, b: Tensor, options?: MatmulOptions): Tensor {
  assertTensor("matmul", "a", a);
  assertTensor("matmul", "b", b);
  if (a.rank === 0 || b.rank === 0) throw new ShapeError(`matmul: operands must have rank >= 1, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  let transA = false, transB = false;
  if (options !== undefined) {
    checkOptions("matmul", options, MATMUL_KEYS);
    for (const k of ["transposeA", "transposeB"] as const) {
      const v = options[k];
      if (v !== undefined && typeof v !== "boolean") throw new ArgumentError(`matmul: ${k} must be a boolean, got ${JSON.stringify(v)}`);
    }
    transA = options.transposeA === true;
    transB = options.transposeB === true;
    if (transA && a.rank === 1) throw new ShapeError(`matmul: transposeA needs a of rank >= 2, got shape ${fmt(a.shape)}`);
    if (transB && b.rank === 1) throw new ShapeError(`matmul: transposeB needs b of rank >= 2, got shape ${fmt(b.shape)}`);
  }
  const A = a.rank === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const B = b.rank === 1 ? reshape(b, [b.shape[0], 1]) : b;
  let out = matmulT(A, B, transA, transB);
  if (a.rank === 1) out = reshape(out, [...out.shape.slice(0, -2), out.shape[out.rank - 1]]);
  if (b.rank === 1) out = reshape(out, out.shape.slice(0, -1));
  return out;
}

/**
 * op(a) @ op(b) over the last two dimensions, where op transposes when its flag is set.
 * With C = op(A) op(B) and cotangent G:
 *   dA = G op(B)^T        (or op(B) G^T when A is read transposed)
 *   dB = op(A)^T G        (or G^T op(A) when B is read transposed)
 */
export function matmulT(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  if (a.dtype !== b.dtype) throw new DTypeError(`matmul: operands have dtypes ${a.dtype} and ${b.dtype}`);
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const m = transA ? ac : ar, k = transA ? ar : ac;
  const kb = transB ? bc : br, n = transB ? br : bc;
  if (k !== kb) {
    throw new ShapeError(`matmul: inner dimensions differ: ${fmt(a.shape)}${transA ? "^T" : ""} @ ${fmt(b.shape)}${transB ? "^T" : ""} (${k} vs ${kb})`);
  }
  const batch = broadcastShapes("matmul (batch dimensions)", a.shape.slice(0, -2), b.shape.slice(0, -2));
  const A = sameShape(a.shape.slice(0, -2), batch) ? a : broadcastTo(a, [...batch, ar, ac]);
  const B = sameShape(b.shape.slice(0, -2), batch) ? b : broadcastTo(b, [...batch, br, bc]);
  const out = wrap(backendFor(A, B).matmul(A._storage, B._storage, sizeOf(batch), m, k, n, transA, transB, a.dtype), [...batch, m, n], a.dtype);
  return record(out, "matmul", [a, b], (g, needs) => {
    const ga = !needs[0] ? null : transA ? matmulT(b, g, transB, true) : matmulT(g, b, false, !transB);
    const gb = !needs[1] ? null : transB ? matmulT(g, a, true, transA) : matmulT(a, g, !transA, false);
    return [ga && sumTo(ga, a.shape), gb && sumTo(gb, b.shape)];
  });
}
