// The foundation issue's size budget: `downhill/core` (tensors, autodiff, optimizers, every wasm
// binary inlined) at most 72 KiB gzipped. Deterministic, so it is a test, not a benchmark: the
// bundle once jumped from 48 to 86 KB unnoticed when gzip stopped deduplicating the binaries
// (they now ship as deltas, scripts/wasmDelta.mjs).
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

describe("bundle size", () => {
  it.skipIf(!existsSync("dist/core.min.js") && process.env.CI !== "true")("downhill/core minified is at most 72 KiB gzipped", () => {
    const kib = gzipSync(readFileSync("dist/core.min.js"), { level: 9 }).length / 1024;
    console.log(`[size] dist/core.min.js: ${kib.toFixed(1)} KiB gzip -9`);
    expect(kib).toBeLessThanOrEqual(72);
  });
});
