// The bundle ships one binary whole and four as deltas (scripts/wasmDelta.mjs, decoded by
// src/backend/wasm/delta.ts): each must decode to exactly the file the build wrote.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sharedVariantBytes, variantBytes } from "../../src/backend/wasm/index";
import { applyDelta } from "../../src/backend/wasm/delta";
// @ts-expect-error plain .mjs helper without types
import { encodeDelta } from "../../scripts/wasmDelta.mjs";

const file = (name: string) => new Uint8Array(readFileSync(`build/downhill.${name}.wasm`));

describe("wasm binaries shipped as deltas", () => {
  it("every variant decodes to the built binary, byte for byte", () => {
    expect(variantBytes("simd")).toEqual(file("simd"));
    expect(variantBytes("relaxed-simd")).toEqual(file("relaxed"));
    expect(variantBytes("scalar")).toEqual(file("scalar"));
    expect(sharedVariantBytes("simd")).toEqual(file("simd-mt"));
    expect(sharedVariantBytes("relaxed-simd")).toEqual(file("relaxed-mt"));
    expect(sharedVariantBytes("scalar")).toBeUndefined();
  });

  it("round-trips arbitrary edits, and rejects a truncated delta", () => {
    const base = file("simd");
    const target = new Uint8Array([...base.subarray(100, 5000), 1, 2, 3, ...base.subarray(0, 90), ...base.subarray(7000)]);
    const delta = new Uint8Array(encodeDelta(base, target));
    expect(delta.length).toBeLessThan(100);
    expect(applyDelta(base, delta)).toEqual(target);
    expect(() => applyDelta(base, delta.subarray(0, delta.length - 3))).toThrow();
  });

  it("the bundle's latin1 literals (scripts/assetLoaders.mjs) carry every byte value through a JS string", async () => {
    // @ts-expect-error plain .mjs helper without types
    const { latin1Literal } = await import("../../scripts/assetLoaders.mjs");
    const all = Uint8Array.from({ length: 512 }, (_, i) => (i * 37) % 256); // every byte, quote, backslash, LF, CR, NUL
    const decoded = (0, eval)(latin1Literal(all)) as string;
    expect(Uint8Array.from(decoded, (c) => c.charCodeAt(0))).toEqual(all);
    expect(Array.from(variantBytes("scalar"))).toEqual(Array.from(file("scalar")));
  });
});
