// Builds every WebAssembly flavour of assembly/ into build/*.wasm (targets in asconfig.json):
//   scalar, simd, relaxed (relaxed-simd FMA), simd-mt and relaxed-mt (shared imported memory for
//   worker threads). Uses the AssemblyScript compiler API in-process (no Python, no shell), then
//   binaryen's wasm-opt -O3 (shipped with assemblyscript), and prints raw and gzipped sizes.
import asc from "assemblyscript/asc";
import binaryen from "binaryen";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { decodeDelta, encodeDelta } from "./wasmDelta.mjs";
import { latin1Literal } from "./assetLoaders.mjs";
import { transformSync } from "esbuild";

const config = JSON.parse(readFileSync(new URL("../asconfig.json", import.meta.url), "utf8"));
const targets = Object.keys(config.targets);
mkdirSync("build", { recursive: true });

let totalGz = 0;
for (const target of targets) {
  const { error, stderr } = await asc.main(["--config", "asconfig.json", "--target", target]);
  if (error) {
    console.error(stderr.toString());
    throw new Error(`asc failed for target ${target}: ${error.message}`);
  }
  const outFile = config.targets[target].outFile;
  const raw = readFileSync(outFile);
  // wasm-opt -O3 pass over the asc output (asc already optimizes; this mostly trims a little more).
  const mod = binaryen.readBinary(raw);
  // Everything but GC: with GC on, binaryen may emit its types as a recursion group (type code
  // 0x4e), which engines without wasm-gc (Node 20) refuse to compile.
  mod.setFeatures(binaryen.Features.All & ~binaryen.Features.GC);
  binaryen.setOptimizeLevel(3);
  binaryen.setShrinkLevel(0);
  mod.optimize();
  const opt = mod.emitBinary();
  mod.dispose();
  const bytes = opt.length < raw.length ? opt : raw;
  writeFileSync(outFile, bytes);
  const gz = gzipSync(bytes, { level: 9 }).length;
  totalGz += gz;
  console.log(`${outFile.padEnd(32)} ${String(bytes.length).padStart(7)} B  ${String(gz).padStart(6)} B gzip`);
}
console.log(`${"total".padEnd(32)} ${" ".repeat(9)}  ${String(totalGz).padStart(6)} B gzip`);

// The bundle ships the SIMD binary whole and the others as deltas against it (scripts/wasmDelta.mjs).
const BASE = "build/downhill.simd.wasm";
const base = readFileSync(BASE);
let bundled = gzipSync(Buffer.from(latin1Literal(base)), { level: 9 }).length;
for (const target of targets) {
  const outFile = config.targets[target].outFile;
  if (outFile === BASE) continue;
  const bytes = readFileSync(outFile);
  const delta = encodeDelta(base, bytes);
  if (!decodeDelta(base, delta).equals(bytes)) throw new Error(`wasm delta for ${outFile} does not round-trip`);
  writeFileSync(outFile.replace(/\.wasm$/, ".delta"), delta);
  bundled += gzipSync(Buffer.from(latin1Literal(delta)), { level: 9 }).length;
}
console.log(`${"as bundled (latin1; deltas vs simd)".padEnd(32)} ${" ".repeat(9)}  ${String(bundled).padStart(6)} B gzip`);

// The ABI fingerprint: FNV-1a of the sorted export names (scripts/abiHash.mjs). The bundle checks
// a module handed to `ready({ wasmModule })` against it, so a binary from another version of
// downhill is refused with a clear error instead of being called with the wrong functions.
// src/backend/wasm/abiHash.ts, type-stripped by esbuild: one implementation for build and runtime.
const hashSource = transformSync(readFileSync("src/backend/wasm/abiHash.ts", "utf8"), { loader: "ts", format: "esm" }).code;
const { abiHash } = await import(`data:text/javascript;base64,${Buffer.from(hashSource).toString("base64")}`);
const abi = abiHash(WebAssembly.Module.exports(new WebAssembly.Module(base)).map((e) => e.name));
writeFileSync("build/downhill.abi", abi);
console.log(`${"ABI fingerprint (export names)".padEnd(32)} ${abi}`);
