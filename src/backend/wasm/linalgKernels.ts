// BLAS-1 and dense float32/float64 linear algebra in the WebAssembly core (assembly/blas1.ts,
// assembly/linalg.ts): operands copied into scratch, results copied out, in the operands' dtype.
import type { FloatArray, Kernels } from "./kernels.js";
import * as js from "../js/linalg.js";
import { like } from "../js/linalg.js";
import { al } from "./align.js";

export function dot(host: Kernels, x: FloatArray, y: FloatArray): number {
  const n = Math.min(x.length, y.length);
  const size = x instanceof Float32Array ? 4 : 8;
  if (size !== (y instanceof Float32Array ? 4 : 8)) throw new TypeError("downhill dot: x and y must share one dtype");
  const xPtr = host.scratch(al(n * size) * 2), yPtr = xPtr + al(n * size);
  host.put(xPtr, x.subarray(0, n));
  host.put(yPtr, y.subarray(0, n));
  return size === 4 ? host.core.dotF32(xPtr, yPtr, n) : host.core.dotF64(xPtr, yPtr, n);
}

export function nrm2(host: Kernels, x: FloatArray): number {
  const xPtr = host.scratch(x.length * x.BYTES_PER_ELEMENT);
  host.put(xPtr, x);
  return x instanceof Float32Array ? host.core.nrm2F32(xPtr, x.length) : host.core.nrm2F64(xPtr, x.length);
}

export function axpy(host: Kernels, alpha: number, x: FloatArray, y: FloatArray): void {
  const n = Math.min(x.length, y.length);
  const size = y.BYTES_PER_ELEMENT;
  if (size !== x.BYTES_PER_ELEMENT) throw new TypeError("downhill axpy: x and y must share one dtype");
  const xPtr = host.scratch(al(n * size) * 2), yPtr = xPtr + al(n * size);
  host.put(xPtr, x.subarray(0, n));
  host.put(yPtr, y.subarray(0, n));
  if (size === 4) host.core.axpyF32(alpha, xPtr, yPtr, n);
  else host.core.axpyF64(alpha, xPtr, yPtr, n);
  host.get(yPtr, y.subarray(0, n));
}

export function scal(host: Kernels, alpha: number, x: FloatArray): void {
  const xPtr = host.scratch(x.length * x.BYTES_PER_ELEMENT);
  host.put(xPtr, x);
  if (x instanceof Float32Array) host.core.scalF32(alpha, xPtr, x.length);
  else host.core.scalF64(alpha, xPtr, x.length);
  host.get(xPtr, x);
}

/** 1 for float32 operands, 0 for float64: the dtype argument of the core's linalg kernels. */
const f32 = (x: FloatArray): number => (x instanceof Float32Array ? 1 : 0);

/** The scalar binary has no linalg kernels (assembly/linalg.ts): the JS reference runs instead. */
const scalar = (host: Kernels): boolean => host.variant === "scalar";

export function cholesky<A extends FloatArray>(host: Kernels, a: A, n: number): A | null {
  if (scalar(host)) return js.cholesky(a, n);
  const aPtr = host.scratch(n * n * a.BYTES_PER_ELEMENT);
  host.put(aPtr, a.subarray(0, n * n));
  if (host.core.cholesky(aPtr, n, f32(a)) !== 0) return null;
  const l = like(a, n * n);
  host.get(aPtr, l);
  return l;
}

export function choleskySolve<A extends FloatArray>(host: Kernels, l: A, n: number, b: A): A {
  return triangularSolve(host, l, n, triangularSolve(host, l, n, b, true, false, false), true, true, false);
}

export function triangularSolve<A extends FloatArray>(host: Kernels, t: A, n: number, b: A, lower: boolean, transpose: boolean, unitDiagonal: boolean): A {
  if (scalar(host)) return js.triangularSolve(t, n, b, lower, transpose, unitDiagonal);
  const size = t.BYTES_PER_ELEMENT;
  const tPtr = host.scratch(al(n * n * size) + n * size), bPtr = tPtr + al(n * n * size);
  host.put(tPtr, t.subarray(0, n * n));
  host.put(bPtr, b.subarray(0, n));
  host.core.triangularSolve(tPtr, n, bPtr, +lower, +transpose, +unitDiagonal, f32(t));
  const x = like(t, n);
  host.get(bPtr, x);
  return x;
}

/** Householder tridiagonalization + implicit QL (assembly/linalg.ts); the kernel leaves the eigenvectors as rows. */
export function symEig<A extends FloatArray>(host: Kernels, a: A, n: number): { values: A; vectors: A } | null {
  if (scalar(host)) return js.symEig(a, n);
  const size = a.BYTES_PER_ELEMENT, nn = al(n * n * size);
  const aPtr = host.scratch(2 * nn + 2 * al(n * 8) + n * size);
  const zPtr = aPtr + nn, dPtr = zPtr + nn, ePtr = dPtr + al(n * 8), pPtr = ePtr + al(n * 8);
  host.put(aPtr, a.subarray(0, n * n));
  if (host.core.symEig(aPtr, zPtr, dPtr, ePtr, pPtr, n, f32(a)) !== 0) return null;
  const d = new Float64Array(n), rows = like(a, n * n), vectors = like(a, n * n);
  host.get(dPtr, d);
  const values = a instanceof Float64Array ? (d as A) : (Float32Array.from(d) as A);
  host.get(zPtr, rows);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vectors[j * n + i] = rows[i * n + j];
  return { values, vectors };
}

export function qr<A extends FloatArray>(host: Kernels, a: A, m: number, n: number): { q: A; r: A } {
  if (scalar(host)) return js.qr(a, m, n);
  const size = a.BYTES_PER_ELEMENT, mn = al(m * n * size);
  const aPtr = host.scratch(2 * mn + al(n * size) + 2 * n * 8), qPtr = aPtr + mn, wPtr = qPtr + mn, vPtr = wPtr + al(n * size);
  host.put(aPtr, a.subarray(0, m * n));
  host.core.qr(aPtr, qPtr, wPtr, vPtr, m, n, f32(a));
  const q = like(a, m * n), r = like(a, n * n);
  host.get(qPtr, q);
  host.get(aPtr, r);
  return { q, r };
}

/** V diag(d) V^T as one GEMM, (V diag(d)) V^T, made exactly symmetric (the two triangles round differently). */
export function fromEigen<A extends FloatArray>(host: Kernels, vectors: A, d: A, n: number): A {
  const scaled = like(vectors, n * n), out = like(vectors, n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) scaled[i * n + k] = vectors[i * n + k] * d[k];
  host.matmul(scaled, vectors, out, n, n, n, false, true);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[i * n + j] = out[j * n + i] = (out[i * n + j] + out[j * n + i]) / 2;
  return out;
}
