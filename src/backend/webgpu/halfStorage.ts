/**
 * Mixed precision's storage format: binary16 values packed two to a u32 word (element 2w in the
 * low half of word w), which core WGSL can read and write without the `shader-f16` feature; every
 * kernel computes in float32 after unpacking (kernels/halfFormat.wgsl, whose bit operations these
 * functions mirror: round to nearest, ties to even, subnormals kept, overflow to infinity).
 * Native f16 arithmetic is not used: no adapter the tests run on (SwiftShader in Dawn and in
 * Chromium) offers `shader-f16`, so such kernels could not be tested here.
 */

/** The precision mode of the WebGPU backend: "f32" everywhere, or "mixed" (see backend.ts). */
export type Precision = "f32" | "mixed";

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bits nearest to float32 `x` (ties to even). */
export function f16Bits(x: number): number {
  f32[0] = x;
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const a = u & 0x7fffffff;
  if (a > 0x7f800000) return sign | 0x7e00;
  if (a >= 0x477ff000) return sign | 0x7c00;
  if (a >= 0x38800000) return sign | ((a - 0x38000000 + 0xfff + ((a >>> 13) & 1)) >>> 13);
  if (a <= 0x33000000) return sign;
  const s = 126 - (a >>> 23);
  const m = (a & 0x7fffff) | 0x800000;
  let h = m >>> s;
  const rem = m & ((1 << s) - 1), mid = 1 << (s - 1);
  if (rem > mid || (rem === mid && (h & 1) === 1)) h++;
  return sign | h;
}

/** The value of binary16 bits `h` (exact in float32). */
export function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1024 + m) * 2 ** (e - 25);
}

/** Words holding `n` packed binary16 values. */
export const halfWords = (n: number): number => Math.ceil(n / 2);

/** The `n` float32 values of packed binary16 words. */
export function unpackHalves(words: Uint32Array, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f16Value((words[i >>> 1] >>> ((i & 1) * 16)) & 0xffff);
  return out;
}

/** `n` float32 values packed as binary16 words. */
export function packHalves(values: ArrayLike<number>, n: number): Uint32Array {
  const out = new Uint32Array(halfWords(n));
  for (let i = 0; i < n; i++) out[i >>> 1] |= f16Bits(values[i]) << ((i & 1) * 16);
  return out;
}

/** Float32 values rounded to binary16 (as float32): what packing and unpacking them gives. */
export function roundToHalves(values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f16Value(f16Bits(values[i]));
  return out;
}
