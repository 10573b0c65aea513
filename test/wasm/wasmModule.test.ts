// `ready({ wasmModule })`: the WebAssembly core from a module the caller compiled, for runtimes
// that forbid compiling bytes (test/edge runs it in workerd). Here in Node: the shipped files
// resolve through the package's `exports`, each one runs the whole kernel suite, and bad modules
// or options are refused with an ArgumentError that leaves the running backend as it was.
import * as v8 from "node:v8";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import { ArgumentError } from "../../src/errors.js";
import { initWasm, supportedVariants, wasmKernelsSync, type WasmVariant } from "../../src/backend/wasm/index";
import { describeWasmKernels } from "./suite";

v8.setFlagsFromString("--experimental-wasm-relaxed-simd"); // as kernels.test.ts: lets relaxed-simd.wasm compile

const require = createRequire(import.meta.url);
/** `downhill/wasm/<variant>.wasm` resolved as a user's import would (package self-reference through `exports`). */
const shipped = (variant: WasmVariant): string => require.resolve(`downhill/wasm/${variant}.wasm`);
const compile = (path: string) => new WebAssembly.Module(readFileSync(path));

for (const variant of supportedVariants()) {
  describeWasmKernels(`${variant} from downhill/wasm/${variant}.wasm (wasmModule)`, async () => {
    const k = await initWasm({ module: compile(shipped(variant)) });
    expect(k.variant).toBe(variant);
    expect(k.threads).toBe(1);
    return k;
  });
}

describe("ready({ wasmModule })", () => {
  it("makes the given module's core the backend in use; the same module twice is one instance", async () => {
    const m = compile(shipped("scalar"));
    await dh.ready({ wasmModule: m });
    expect(dh.backendInfo()).toEqual({ backend: "wasm", variant: "scalar", threads: 1, adapter: null, error: null });
    const k = wasmKernelsSync();
    await dh.ready({ wasmModule: m });
    expect(wasmKernelsSync()).toBe(k);
    const a = dh.randn([40, 30], { seed: 5 }), b = dh.randn([30, 20], { seed: 6 });
    const c = dh.matmul(a, b);
    dh.setBackend("js");
    const ref = dh.matmul(a, b);
    dh.setBackend("wasm");
    expect(c).toBeAllclose(ref, { atol: 1e-5, rtol: 1e-5 });
  });

  it("refuses what is not a single-threaded downhill binary of this version, and bad options, and keeps the running core", async () => {
    await dh.ready({ wasmModule: compile(shipped("simd")) });
    const before = dh.backendInfo();
    expect(before.variant).toBe("simd");
    const bad: [unknown, RegExp][] = [
      [readFileSync(shipped("simd")), /wasmModule must be a WebAssembly\.Module .*got Buffer/],
      [{}, /wasmModule must be a WebAssembly\.Module .*got Object/],
      [compile(`${process.cwd()}/build/downhill.simd-mt.wasm`), /shared-memory \(threads\) binary/],
      [new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])), /not a binary of this version of downhill \(export fingerprint 811c9dc5, expected [0-9a-f]{8}\)/],
    ];
    for (const [wasmModule, message] of bad) {
      const err = await dh.ready({ wasmModule: wasmModule as WebAssembly.Module }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ArgumentError);
      expect((err as Error).message).toMatch(message);
      expect(dh.backendInfo()).toEqual(before);
    }
    const threads = await dh.ready({ wasmModule: compile(shipped("scalar")), threads: 2 }).then(() => null, (e: unknown) => e);
    expect(threads).toBeInstanceOf(ArgumentError);
    expect((threads as Error).message).toMatch(/runs on one thread; threads: 2/);
    const refused: [dh.ReadyOptions, RegExp][] = [
      [{ backend: "gpu" as "js" }, /backend must be "wasm", "js", "webgpu" or "auto", got "gpu"/],
      [{ threads: 0 }, /threads must be "auto" or an integer >= 1, got 0/],
      [{ threads: 2.5 }, /threads must be "auto" or an integer >= 1, got 2.5/],
      [{ threads: "x" as "auto" }, /threads must be "auto" or an integer >= 1, got "x"/],
      [{ waitForThreads: "yes" as unknown as boolean }, /waitForThreads must be a boolean, got string/],
    ];
    for (const [options, message] of refused) {
      const err = await dh.ready(options).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ArgumentError);
      expect((err as Error).message).toMatch(message);
    }
    expect(dh.backendInfo()).toEqual(before);
  });
});
