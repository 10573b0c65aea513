// The WebAssembly binaries (built by scripts/buildWasm.mjs from the same assembly/ sources,
// inlined as latin1 strings, a character per byte, by scripts/assetLoaders.mjs) and which of them this engine can run:
//   relaxed-simd  f32x4/f64x2.relaxed_madd FMA      simd  plain v128      scalar  no SIMD
//   *-mt          the same code on an imported shared memory, used when worker threads are on.
// The SIMD binary travels whole; the other four as deltas against it (scripts/wasmDelta.mjs):
// they are near-copies, and gzip alone stops seeing that once a binary outgrows its 32 KiB
// window. All are turned back into bytes on first use, one at a time: decoding all five at import cost
// ~6 ms of start-up for binaries never used.
import simdBytes from "../../../build/downhill.simd.wasm";
import scalarDelta from "../../../build/downhill.scalar.delta";
import simdMtDelta from "../../../build/downhill.simd-mt.delta";
import relaxedDelta from "../../../build/downhill.relaxed.delta";
import relaxedMtDelta from "../../../build/downhill.relaxed-mt.delta";
import { applyDelta } from "./delta.js";


export type WasmVariant = "relaxed-simd" | "simd" | "scalar";
export type Bytes = Uint8Array<ArrayBuffer>;
/** Each binary: the whole (SIMD) or a delta against the SIMD binary, a character per byte. */
const variantSource: Record<WasmVariant, { delta: boolean; bytes: string }> = {
  "relaxed-simd": { delta: true, bytes: relaxedDelta },
  simd: { delta: false, bytes: simdBytes },
  scalar: { delta: true, bytes: scalarDelta },
};
const sharedVariantSource: Partial<Record<WasmVariant, { delta: boolean; bytes: string }>> = {
  "relaxed-simd": { delta: true, bytes: relaxedMtDelta },
  simd: { delta: true, bytes: simdMtDelta },
};
const decoded = new Map<string, Bytes>();


/** A string whose character codes are bytes (scripts/assetLoaders.mjs), as bytes. */
function latin1Bytes(s: string): Bytes {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/** The bytes of one binary, memoised (the SIMD base is decoded once for every delta). */
function bytesOf(src: { delta: boolean; bytes: string }): Bytes {
  let b = decoded.get(src.bytes);
  if (!b) {
    b = src.delta ? applyDelta(bytesOf(variantSource.simd), latin1Bytes(src.bytes)) : latin1Bytes(src.bytes);
    decoded.set(src.bytes, b);
  }
  return b;
}
/** A binary's bytes, exported for the tests that check the deltas decode to build/*.wasm. */
export const variantBytes = (v: WasmVariant): Bytes => bytesOf(variantSource[v]);
export const sharedVariantBytes = (v: WasmVariant): Bytes | undefined => (sharedVariantSource[v] ? bytesOf(sharedVariantSource[v]!) : undefined);

/**
 * Which variants validate in this engine, best first. Chromium validates relaxed SIMD by default;
 * Node 20 only with `--experimental-wasm-relaxed-simd` (Node 22+ by default), else "simd" is used.
 */
export function supportedVariants(): WasmVariant[] {
  return (["relaxed-simd", "simd", "scalar"] as const).filter((v) => WebAssembly.validate(variantBytes(v)));
}

/** The best variant that validates, decoding only as many binaries as it has to try. */
export function bestVariant(): WasmVariant | undefined {
  return (["relaxed-simd", "simd", "scalar"] as const).find((v) => (v === "scalar" ? true : WebAssembly.validate(FEATURE_PROBES[v])));
}

/*
 * Feature probes: one-function modules using a single instruction of the feature. Validating
 * them costs microseconds; validating a whole kernel binary to learn the same costs ~1 ms each
 * (the chosen binary is validated again by WebAssembly.compile anyway).
 *   (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)
 *   (func (param v128 v128) (result v128) local.get 0 local.get 1 f32x4.add)
 */
const FEATURE_PROBES: Record<"relaxed-simd" | "simd", Uint8Array<ArrayBuffer>> = {
  "relaxed-simd": new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11]),
  simd: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 123, 123, 1, 123, 3, 2, 1, 0, 10, 11, 1, 9, 0, 32, 0, 32, 1, 253, 228, 1, 11]),
};

