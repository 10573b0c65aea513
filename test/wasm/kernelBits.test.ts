// The elementwise and matmul kernels give exactly the bits they gave before assembly/ was
// rewritten with generics (fingerprints of kernelBits.ts, recorded from the binaries of commit
// e95d1bc). test/wasm/suite.ts checks accuracy against references; this pins the bits, so a
// refactor that reorders one operation fails here even when it stays within the ulp bounds.
// A deliberate change of a kernel's arithmetic updates the table (say why in the commit).
import * as v8 from "node:v8";
import { describe, expect, it } from "vitest";
import { sharedVariantBytes, variantBytes } from "../../src/backend/wasm/index";
import { kernelHashes } from "./kernelBits";

v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

const SCALAR: Record<string, string> = {
  expF32: "93401d2d", sigmoidF32: "a0f6a540", tanhF32: "e4948eff", softplusF32: "f31ce8d7", logF32: "60c91bed",
  sigmoidSlopeF32: "4b03d100", crossEntropyLogitsF32: "1fabfb4c", crossEntropyResidualF32: "ce74da46",
  packBF32: "5805771d", matmulF32: "790fe19d", matmulSmallF32: "a8c63224",
  expF64: "91cb2f36", sigmoidF64: "d57ddbc0", tanhF64: "4d820aa0", softplusF64: "64385c21", logF64: "788e09ed",
  sigmoidSlopeF64: "3ab166bf", crossEntropyLogitsF64: "f0961bae", crossEntropyResidualF64: "de928db0",
  packBF64: "0d7136b9", matmulF64: "5ca5966b", matmulSmallF64: "9a1ae93e",
};
const SIMD: Record<string, string> = {
  expF32: "93401d2d", sigmoidF32: "a0f6a540", tanhF32: "e4948eff", softplusF32: "f31ce8d7", logF32: "60c91bed",
  sigmoidSlopeF32: "4b03d100", crossEntropyLogitsF32: "1fabfb4c", crossEntropyResidualF32: "ce74da46",
  packBF32: "5805771d", matmulF32: "790fe19d", matmulSmallF32: "a5bd6fd1",
  expF64: "6448b7a8", sigmoidF64: "cec5fd84", tanhF64: "122f8685", softplusF64: "fa50aa93", logF64: "788e09ed",
  sigmoidSlopeF64: "e28f08ff", crossEntropyLogitsF64: "752e16da", crossEntropyResidualF64: "c60e6de8",
  packBF64: "0d7136b9", matmulF64: "5ca5966b", matmulSmallF64: "552530a4",
};

// computed once per binary, on first use
const memo = new Map<string, Record<string, string>>();
const hashes = (name: "scalar" | "simd" | "simd-mt" | "relaxed-simd" | "relaxed-simd-mt"): Record<string, string> => {
  let h = memo.get(name);
  if (!h) {
    const mt = name.endsWith("-mt"), v = name.replace("-mt", "") as "scalar" | "simd" | "relaxed-simd";
    memo.set(name, (h = kernelHashes(mt ? sharedVariantBytes(v)! : variantBytes(v), mt)));
  }
  return h;
};

describe("kernel bits are pinned", () => {
  it.each(Object.keys(SIMD))("%s: scalar and simd binaries (simd also on shared memory)", (name) => {
    expect(hashes("scalar")[name], "scalar").toBe(SCALAR[name]);
    expect(hashes("simd")[name], "simd").toBe(SIMD[name]);
    expect(hashes("simd-mt")[name], "simd-mt").toBe(SIMD[name]);
  });
  // relaxed_madd may or may not fuse (the engine and CPU decide), so the relaxed binary's bits are
  // not portable: only its two builds are compared, and bench/probes/kernelAB.mjs --variant=relaxed
  // compares it before and after a change on one machine.
  it.skipIf(!WebAssembly.validate(variantBytes("relaxed-simd")))("relaxed-simd: the shared-memory build computes what the ordinary one does", () => {
    expect(hashes("relaxed-simd-mt")).toEqual(hashes("relaxed-simd"));
  });
  it("(the fingerprint can fail: it tells apart the scalar and v128 exp f64, whose polynomials differ in form)", () => {
    // both within the suite's 1-ulp bound for exp; Horner's form in the scalar loop, Estrin's in the v128 one
    expect(SCALAR.expF64).not.toBe(SIMD.expF64);
    expect(hashes("scalar").expF64).not.toBe(hashes("simd").expF64);
  });
});
