/** `bytes` rounded up to a multiple of 64 (a cache line; every scratch operand starts on one). */
export function al(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}
