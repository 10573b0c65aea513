import { expect } from "vitest";
import type { Tensor } from "../src/tensor/tensor.js";

interface AllcloseOptions { atol?: number; rtol?: number }

function toFlat(x: unknown): number[] {
  if (typeof x === "number") return [x];
  if (x && typeof x === "object" && "_storage" in x) return Array.from((x as unknown as Tensor).dataSync());
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (Array.isArray(x)) return x.flatMap(toFlat);
  throw new Error(`toBeAllclose: cannot read ${String(x)}`);
}

expect.extend({
  /** |actual - expected| <= atol + rtol |expected| elementwise (numpy.allclose), shapes by length. */
  toBeAllclose(received: unknown, expected: unknown, opts: AllcloseOptions = {}) {
    const atol = opts.atol ?? 1e-6, rtol = opts.rtol ?? 1e-5;
    const a = toFlat(received), b = toFlat(expected);
    if (a.length !== b.length) return { pass: false, message: () => `length ${a.length} != ${b.length}` };
    for (let i = 0; i < a.length; i++) {
      const ok = Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i])) || a[i] === b[i];
      if (!ok) return { pass: false, message: () => `index ${i}: ${a[i]} vs ${b[i]} (atol ${atol}, rtol ${rtol})\nreceived ${a.slice(0, 8)}\nexpected ${b.slice(0, 8)}` };
    }
    return { pass: true, message: () => "arrays are close" };
  },
});

declare module "vitest" {
  interface Assertion<T> { toBeAllclose(expected: unknown, opts?: AllcloseOptions): T }
  interface AsymmetricMatchersContaining { toBeAllclose(expected: unknown, opts?: AllcloseOptions): void }
}
