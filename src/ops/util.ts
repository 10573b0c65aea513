import { DTypeError, ArgumentError } from "../errors.js";
import { arrayFor, type DType } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import { sizeOf } from "../tensor/shape.js";
import { Tensor, type TensorLike } from "../tensor/tensor.js";

/** A fresh, uninitialised-to-zero output tensor. */
export function empty(shape: Shape, dtype: DType): Tensor {
  return new Tensor(arrayFor(dtype, sizeOf(shape)), shape, true);
}

export function assertTensor(op: string, name: string, x: unknown): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: ${name} must be a Tensor or a number, got ${describe(x)}`);
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array (wrap it with tensor(...))";
  return typeof x;
}

/** Lifts a plain number to a scalar of `like`'s dtype. */
export function lift(op: string, name: string, x: TensorLike, dtype: DType): Tensor {
  if (typeof x === "number") {
    const a = arrayFor(dtype, 1);
    a[0] = x;
    return new Tensor(a, []);
  }
  assertTensor(op, name, x);
  return x;
}

/** Both operands as tensors of one dtype (numbers adopt the tensor's dtype; no silent promotion). */
export function pair(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === "number" && typeof b === "number") throw new ArgumentError(`${op}: at least one operand must be a Tensor`);
  const dtype = typeof a === "number" ? (b as Tensor).dtype : (a as Tensor).dtype;
  const A = lift(op, "a", a, dtype);
  const B = lift(op, "b", b, dtype);
  if (A.dtype !== B.dtype) {
    throw new DTypeError(`${op}: operands have dtypes ${A.dtype} and ${B.dtype}; convert one with cast(x, dtype) (downhill never promotes silently)`);
  }
  return [A, B];
}
