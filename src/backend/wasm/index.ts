// The WebAssembly backend's lifecycle: choosing a binary (binaries.ts), compiling and
// instantiating it (synchronously where the engine allows, so the first op can start the core),
// starting the worker pool on a shared memory, and the default instance ops dispatch to.
// Nothing happens at import time.
import abiFingerprint from "../../../build/downhill.abi";
import { abiHash } from "./abiHash.js";
import { ArgumentError } from "../../errors.js";
import { hardwareConcurrency, hardwareConcurrencySync, sharedMemorySupported } from "../../platform.js";
import { Arena } from "./arena.js";
import { SLOTS, ThreadPool } from "./threadPool.js";
import { POOL_OPS, hostEnv, type WasmCore } from "./abi.js";
import { bestVariant, sharedVariantBytes, variantBytes, type Bytes, type WasmVariant } from "./binaries.js";
import { Kernels, type WasmKernels } from "./kernels.js";

export type { FloatArray, WasmKernels, PrivateInstance } from "./kernels.js";
export { notifyWritten } from "./kernels.js";
export type { WasmVariant } from "./binaries.js";
export type { WasmUnaryOp } from "../ops.js";
export { supportedVariants, variantBytes, sharedVariantBytes } from "./binaries.js";

export interface InitWasmOptions {
  /** Total compute threads including the caller; "auto" = min(available cores, 4). Default "auto". */
  threads?: number | "auto";
  /**
   * Resolve only once the worker threads run. Default: true for an explicit thread count, false
   * for "auto" (the workers then start in the background and large ops use them once they are up).
   */
  waitForThreads?: boolean;
  /** Force a variant (must validate here); default: best that validates, relaxed-simd > simd > scalar. */
  variant?: WasmVariant;
  /**
   * A module compiled by the caller from one of the single-threaded binaries shipped as
   * `downhill/wasm/{relaxed-simd,simd,scalar}.wasm`, for runtimes that forbid compiling bytes at
   * run time (Cloudflare Workers, Vercel Edge: their bundlers hand a `.wasm` import over as a
   * `WebAssembly.Module`). Its variant is read from the binary; it runs on one thread.
   */
  module?: WebAssembly.Module;
}

const MAX_AUTO_THREADS = 4;
/**
 * The shared memory handed to the -mt binaries, in 64 KiB pages: at least their declared minimum
 * (asconfig.json's initialMemory, 1 page) and exactly their maximum (maximumMemory, 16384 pages =
 * 1 GiB: a shared memory's maximum must match the import's). 16 pages up front spare the first
 * products a grow.
 */
const SHARED_INITIAL_PAGES = 16;
const SHARED_MAX_PAGES = 16384;

const instances = new Map<string, Promise<WasmKernels>>();
let lastReady: WasmKernels | null = null;
const DEFAULT_KEY = JSON.stringify(["auto", "best"]);

/** Compiles and instantiates the best (or requested) binary; idempotent per options. */
export function initWasm(options: InitWasmOptions = {}): Promise<WasmKernels> {
  if (options.module !== undefined) return fromModule(options.module);
  const key = JSON.stringify([options.threads ?? "auto", options.variant ?? "best"]);
  let p = instances.get(key);
  if (!p) {
    p = create(options).then((kernels) => {
      // A forced variant is for tests and benchmarks: it never displaces the default instance.
      if (options.variant === undefined || lastReady === null) lastReady = kernels;
      return kernels;
    });
    p.catch(() => instances.delete(key));
    instances.set(key, p);
  }
  const wait = options.waitForThreads ?? (options.threads !== undefined && options.threads !== "auto");
  return wait ? p.then((k) => k.threadsReady.then(() => k)) : p;
}

/**
 * The default instance (best variant, "auto" threads) created without an await, for the first op
 * that needs the core when nobody called `ready()`: compiled and instantiated synchronously, its
 * worker threads spawned before this returns (they attach once up, see threadPool.ts). Returns
 * the instance that already runs if there is one, null while an asynchronous start is under way;
 * throws what the engine threw when it refuses (a RangeError where synchronous compilation of
 * this size is not allowed, a CompileError where compiling bytes is forbidden).
 */
export function initWasmSync(): WasmKernels | null {
  if (lastReady) return lastReady;
  if (instances.has(DEFAULT_KEY)) return null;
  const variant = bestVariant()!;
  const cores = hardwareConcurrencySync() ?? 1;
  const kernels = createSync(variant, Math.min(cores, MAX_AUTO_THREADS));
  lastReady = kernels;
  instances.set(DEFAULT_KEY, Promise.resolve(kernels));
  return kernels;
}

/**
 * The kernels of the latest resolved `initWasm` call without a forced `variant` (or of the first
 * one at all), else null. Synchronous, for the tensor layer's per-op dispatch.
 */
export function wasmKernelsSync(): WasmKernels | null {
  return lastReady;
}

const fromModules = new WeakMap<WebAssembly.Module, Promise<WasmKernels>>();

/**
 * Kernels on a module the caller compiled (InitWasmOptions.module): checked to be a downhill
 * binary of this ABI and single-threaded, instantiated once per module, and from then on the
 * default instance (the caller asked for it by name).
 */
function fromModule(module: WebAssembly.Module): Promise<WasmKernels> {
  let p = fromModules.get(module);
  if (!p) {
    p = (async () => {
      if (WebAssembly.Module.imports(module).some((i) => i.kind === "memory")) {
        throw new ArgumentError("ready: wasmModule is a shared-memory (threads) binary; pass a single-threaded one: downhill/wasm/relaxed-simd.wasm, simd.wasm or scalar.wasm");
      }
      const found = abiHash(WebAssembly.Module.exports(module).map((e) => e.name));
      if (found !== abiFingerprint) {
        throw new ArgumentError(`ready: wasmModule is not a binary of this version of downhill (export fingerprint ${found}, expected ${abiFingerprint}); compile this package's downhill/wasm/simd.wasm`);
      }
      const instance = await WebAssembly.instantiate(module, { env: hostEnv() });
      const core = instance.exports as unknown as WasmCore;
      const bits = core.features();
      const variant: WasmVariant = bits & 2 ? "relaxed-simd" : bits & 1 ? "simd" : "scalar";
      return assemble({ variant, wanted: 1, module, instance, shared: null, plainBytes: null });
    })();
    p.catch(() => fromModules.delete(module));
    fromModules.set(module, p);
  }
  return p.then((k) => ((lastReady = k), k));
}

/** A compiled binary and its instance; `shared` is the imported shared memory of a threaded build. */
interface Parts {
  variant: WasmVariant;
  /** Total compute threads wanted (calling thread included). */
  wanted: number;
  module: WebAssembly.Module;
  instance: WebAssembly.Instance;
  shared: WebAssembly.Memory | null;
  /** The non-shared binary's bytes (for private instances); null when the caller supplied the module. */
  plainBytes: Bytes | null;
}

/** The variant to build: the requested one (checked here) or the best that validates. */
function chooseVariant(requested: WasmVariant | undefined): WasmVariant {
  // A forced variant is checked here; the chosen one is validated by compiling it.
  const variant = requested ?? bestVariant();
  if (!variant || (requested !== undefined && !WebAssembly.validate(variantBytes(variant)))) throw new Error(`downhill: wasm variant "${requested}" does not validate in this engine`);
  return variant;
}

/** Whether to use the shared-memory build: threads wanted, one exists for the variant, and the host allows it. */
function sharedBytesFor(variant: WasmVariant, wanted: number): Bytes | undefined {
  return wanted > 1 && sharedMemorySupported() ? sharedVariantBytes(variant) : undefined;
}

const sharedMemory = (): WebAssembly.Memory => new WebAssembly.Memory({ initial: SHARED_INITIAL_PAGES, maximum: SHARED_MAX_PAGES, shared: true });

/**
 * Compiles and instantiates synchronously (Node and workers always allow it; a browser page's
 * main thread up to a size limit: Chromium 8 MB today, older engines 4 KB, which throw a
 * RangeError). The shared-memory binary is not validated up front (a whole-binary validate costs
 * ~1 ms): if this engine cannot compile it, the single-threaded binary is used.
 */
function createSync(variant: WasmVariant, wanted: number): Kernels {
  const sharedBytes = sharedBytesFor(variant, wanted);
  if (sharedBytes) {
    let module: WebAssembly.Module | null = null;
    try {
      module = new WebAssembly.Module(sharedBytes);
    } catch (e) {
      if (e instanceof RangeError) throw e; // refused for its size: the caller takes the async path
    }
    if (module) {
      const shared = sharedMemory();
      const instance = new WebAssembly.Instance(module, { env: hostEnv(shared) });
      return assemble({ variant, wanted, module, instance, shared, plainBytes: variantBytes(variant) });
    }
  }
  const bytes = variantBytes(variant);
  const module = new WebAssembly.Module(bytes);
  return assemble({ variant, wanted: 1, module, instance: new WebAssembly.Instance(module, { env: hostEnv() }), shared: null, plainBytes: bytes });
}

/** `createSync`, or where the engine refuses synchronous compilation, the same asynchronously. */
async function create(options: InitWasmOptions): Promise<WasmKernels> {
  const variant = chooseVariant(options.variant);
  // Only "auto" needs the core count (in Node without getBuiltinModule, a dynamic import of node:os).
  const auto = options.threads === undefined || options.threads === "auto";
  const wanted = auto ? Math.min(await hardwareConcurrency(), MAX_AUTO_THREADS) : Math.max(1, Math.floor(options.threads as number));
  try {
    return createSync(variant, wanted);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  const sharedBytes = sharedBytesFor(variant, wanted);
  const sharedModule = sharedBytes ? await WebAssembly.compile(sharedBytes).catch(() => null) : null;
  if (sharedModule) {
    const shared = sharedMemory();
    const instance = await WebAssembly.instantiate(sharedModule, { env: hostEnv(shared) });
    return assemble({ variant, wanted, module: sharedModule, instance, shared, plainBytes: variantBytes(variant) });
  }
  const bytes = variantBytes(variant);
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: hostEnv() });
  return assemble({ variant, wanted: 1, module, instance, shared: null, plainBytes: bytes });
}

/**
 * Kernels over an instance. On a shared memory, the worker pool is spawned at the second kernel
 * call or when someone waits for it (synchronously where the host allows; ~30-70 ms until they run
 * in Node); until they are up every op runs on the calling thread, on the same memory, and each op
 * checks whether they are.
 */
function assemble(p: Parts): Kernels {
  const core = p.instance.exports as unknown as WasmCore;
  const memory = p.shared ?? core.memory!;
  const arena = new Arena(memory, core.heapBase());
  if (!p.shared) return new Kernels(p.variant, p.instance, core, memory, arena, p.plainBytes, p.module);
  const kernels = new Kernels(p.variant, p.instance, core, memory, arena, p.plainBytes);
  const workers = p.wanted - 1;
  const ctlPtr = arena.alloc(workers * SLOTS * 4);
  arena.views().i32.fill(0, ctlPtr >> 2, (ctlPtr >> 2) + workers * SLOTS);
  // Spawned at the second kernel call, or as soon as someone waits for them (Kernels.deferThreads).
  kernels.deferThreads(() => ThreadPool.start(p.module, memory, ctlPtr, workers, POOL_OPS, kernels.hold), () => arena.free(ctlPtr), workers);
  return kernels;
}

