export type DType = "float32" | "float64";
export type FloatArray = Float32Array | Float64Array;

export const DEFAULT_DTYPE: DType = "float32";

export function arrayFor(dtype: DType, n: number): FloatArray {
  return dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
}

export function dtypeOf(a: FloatArray): DType {
  return a instanceof Float64Array ? "float64" : "float32";
}

/** Machine epsilon of a dtype (the gap between 1 and the next representable number). */
export function epsOf(dtype: DType): number {
  return dtype === "float64" ? 2.220446049250313e-16 : 1.1920928955078125e-7;
}
