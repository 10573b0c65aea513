import { DTypeError, ArgumentError } from "../errors.js";
import type { DType } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import type { Storage } from "../backend/backend.js";
import { backendFor } from "../backend/select.js";
import { Tensor, type TensorLike } from "../tensor/tensor.js";

/** A tensor over storage a kernel just returned (`shape` must be a fresh array of the right size). */
export function wrap(storage: Storage, shape: Shape, dtype: DType): Tensor {
  return new Tensor(storage, shape, dtype, true);
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
  if (typeof x === "number") return new Tensor(backendFor().fill(dtype, 1, x), [], dtype, true);
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
