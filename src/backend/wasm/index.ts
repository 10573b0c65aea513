// The WebAssembly backend's kernels: instantiation (variant chosen by WebAssembly.validate),
// the arena over linear memory, optional worker threads, and typed-array wrappers that copy
// operands into wasm memory, run a kernel from assembly/, and copy results out.
//
// Binaries (built by scripts/buildWasm.mjs from the same assembly/ sources, inlined as bytes):
//   relaxed-simd  f32x4/f64x2.relaxed_madd FMA      simd  plain v128      scalar  no SIMD
//   *-mt          the same code on an imported shared memory, used when worker threads are on.
// Nothing happens at import time; `initWasm()` compiles and instantiates lazily.

// The SIMD binary travels whole; the other four as deltas against it (scripts/wasmDelta.mjs):
// they are near-copies, and gzip alone stops seeing that once a binary's base64 outgrows its
// 32 KiB window. All arrive as base64 text (scripts/assetLoaders.mjs) and are decoded on first
// use, one at a time: decoding all five at import cost ~6 ms of start-up for binaries never used.
import simdBase64 from "../../../build/downhill.simd.wasm";
import scalarDelta from "../../../build/downhill.scalar.delta";
import simdMtDelta from "../../../build/downhill.simd-mt.delta";
import relaxedDelta from "../../../build/downhill.relaxed.delta";
import relaxedMtDelta from "../../../build/downhill.relaxed-mt.delta";
import abiFingerprint from "../../../build/downhill.abi";
import { abiHash } from "./abiHash";
import { applyDelta } from "./delta";
import { ArgumentError } from "../../errors";
import { decodeBase64, hardwareConcurrency, hardwareConcurrencySync, sharedMemorySupported } from "../../platform";
import { Arena } from "./arena";
import { sortEigenpairs } from "../js/linalg";
import { SLOTS, StartupHold, ThreadPool, type PoolStart } from "./threadPool";
import { ResidentCache } from "./resident";
import { WASM_UNARY_OPS, type WasmUnaryOp } from "../ops";

export type FloatArray = Float32Array | Float64Array;
export type WasmVariant = "relaxed-simd" | "simd" | "scalar";

export interface WasmKernels {
  readonly variant: WasmVariant;
  /** Threads a large matmul is split over (calling thread included); 1 without shared memory/workers, or until they are up. */
  readonly threads: number;
  /**
   * Resolves when the worker threads are running (or failed to start: then `threads` stays 1).
   * Reading it keeps a Node process alive until then; the background start alone does not.
   */
  readonly threadsReady: Promise<void>;
  /** C[m,n] = op(A) @ op(B); op(A) = A [m,k] or, with transA, A stored [k,m]; op(B) = B [k,n] or, with transB, B stored [n,k]. */
  matmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, transA: boolean, transB: boolean): void;
  /**
   * out = op(x) elementwise, x and out both float32 or both float64 (assembly/elementwise.ts: within
   * 2 ulp of the correctly rounded float32 value; float64 within 2 ulp of V8's Math-based formulas;
   * sigmoidSlope within 3 ulp). From 8192 values the second half runs on a pool worker.
   */
  unary(op: WasmUnaryOp, x: FloatArray, out: FloatArray): void;
  /** out = softplus(x) - x t (cross-entropy on logits), fused. */
  crossEntropyLogits(x: FloatArray, t: FloatArray, out: FloatArray): void;
  /** loss as crossEntropyLogits (the same bits) and res = sigmoid(x) - t, from one exp. */
  crossEntropyResidual(x: FloatArray, t: FloatArray, loss: FloatArray, res: FloatArray): void;
  dot(x: FloatArray, y: FloatArray): number;
  nrm2(x: FloatArray): number;
  axpy(alpha: number, x: FloatArray, y: FloatArray): void;
  scal(alpha: number, x: FloatArray): void;
  cholesky(a: Float64Array, n: number): Float64Array | null;
  choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array;
  symEig(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array };
  readonly exports: Record<string, unknown>;
  alloc(bytes: number): number;
  free(ptr: number): void;
  memory(): ArrayBuffer | SharedArrayBuffer;
  /**
   * A fresh instance of this variant's non-shared binary with a memory of its own, grown once so
   * that at least `bytes` are free from `base` (64-byte aligned) on, or null when the engine
   * refuses a synchronous instantiation. Nothing else allocates in it: if its owner never grows
   * it, typed views into it stay valid (an ordinary memory detaches its buffer only on growth).
   */
  privateInstance(bytes: number): PrivateInstance | null;
  /**
   * Tells the kernels that `x` was written in place: a resident copy of it (see resident.ts) is
   * dropped. Every in-place writer of a tensor's storage must call this (via select.ts).
   */
  dataWritten(x: FloatArray): void;
  /** The cache of operands kept in linear memory between calls (resident.ts). */
  readonly resident: ResidentCache;
  /**
   * Starts `exports[op](...args)` (one of `POOL_OPS`: pointers into the shared memory, counts,
   * f64 scalars) on pool worker 0 and returns true, or returns false when there is no pool. The
   * caller must `joinWorker()` before anything else uses the pool or the memory the job touches.
   * With `queue` (the Int32 index of a queue block in the shared memory, see threadPool.ts), the
   * worker runs the kernel on each chunk published there until a chunk of length 0.
   */
  startWorker(op: string, args: readonly number[], queue?: number): boolean;
  /** Waits for the job of `startWorker` (throws if it failed). */
  joinWorker(): void;
  /** Whether the job of `startWorker` finished (never blocks; `joinWorker` reports a failure). */
  workerDone(): boolean;
}

/** Kernels the worker pool can run: matmul and matrix-vector bands, the fused optimizer steps (src/optim/optimizer.ts), elementwise halves. */
const POOL_OPS = [
  "matmulF32", "matmulF64", "gemvSharedF32", "gemvSharedF64",
  ...["sgd", "adam", "adagrad", "rmsprop", "lion"].flatMap((k) => [`${k}StepF32`, `${k}StepF64`]),
  ...[...WASM_UNARY_OPS, "crossEntropyLogits", "crossEntropyResidual"].flatMap((k) => [`${k}F32`, `${k}F64`]),
];

export type { WasmUnaryOp } from "../ops";

export interface PrivateInstance {
  readonly exports: Record<string, unknown>;
  readonly memory: WebAssembly.Memory;
  /** First free byte (64-byte aligned) above the instance's static data. */
  readonly base: number;
}

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

/** The elementwise kernels of the ops table (src/backend/ops.ts): `<op>F32(xPtr, outPtr, n)` and `<op>F64`. */
type UnaryKernels = { [K in WasmUnaryOp as `${K}F32` | `${K}F64`]: (xPtr: number, outPtr: number, n: number) => void };

/** The raw ABI of assembly/index.ts (pointers are byte offsets, counts are elements). */
interface WasmCore extends UnaryKernels {
  heapBase(): number;
  /** bit 0 SIMD, bit 1 relaxed SIMD, bit 2 threads (assembly/index.ts). */
  features(): number;
  matmulWorkBytes(): number;
  packedBElementsF32(k: number, n: number): number;
  packedBElementsF64(k: number, n: number): number;
  packBF32(bPtr: number, bpPtr: number, k: number, n: number, transB: number): void;
  packBF64(bPtr: number, bpPtr: number, k: number, n: number, transB: number): void;
  matmulF32(aPtr: number, bpPtr: number, cPtr: number, m: number, k: number, n: number, transA: number, rowStart: number, rowEnd: number, workPtr: number): void;
  matmulF64(aPtr: number, bpPtr: number, cPtr: number, m: number, k: number, n: number, transA: number, rowStart: number, rowEnd: number, workPtr: number): void;
  matmulSmallF32(aPtr: number, bPtr: number, cPtr: number, m: number, k: number, n: number, transA: number, transB: number): void;
  matmulSmallF64(aPtr: number, bPtr: number, cPtr: number, m: number, k: number, n: number, transA: number, transB: number): void;
  gemvF32(aPtr: number, xPtr: number, yPtr: number, m: number, k: number, transA: number, start: number, end: number): void;
  gemvF64(aPtr: number, xPtr: number, yPtr: number, m: number, k: number, transA: number, start: number, end: number): void;
  gemvSharedF32(aPtr: number, xPtr: number, yPtr: number, m: number, k: number, transA: number, counterPtr: number, chunk: number, yStride: number): void;
  gemvSharedF64(aPtr: number, xPtr: number, yPtr: number, m: number, k: number, transA: number, counterPtr: number, chunk: number, yStride: number): void;
  crossEntropyLogitsF32(xPtr: number, tPtr: number, outPtr: number, n: number): void;
  crossEntropyLogitsF64(xPtr: number, tPtr: number, outPtr: number, n: number): void;
  crossEntropyResidualF32(xPtr: number, tPtr: number, lossPtr: number, resPtr: number, n: number): void;
  crossEntropyResidualF64(xPtr: number, tPtr: number, lossPtr: number, resPtr: number, n: number): void;
  dotF32(xPtr: number, yPtr: number, n: number): number;
  dotF64(xPtr: number, yPtr: number, n: number): number;
  nrm2F32(xPtr: number, n: number): number;
  nrm2F64(xPtr: number, n: number): number;
  axpyF32(alpha: number, xPtr: number, yPtr: number, n: number): void;
  axpyF64(alpha: number, xPtr: number, yPtr: number, n: number): void;
  scalF32(alpha: number, xPtr: number, n: number): void;
  scalF64(alpha: number, xPtr: number, n: number): void;
  choleskyF64(aPtr: number, n: number): number;
  choleskySolveF64(lPtr: number, n: number, bPtr: number): void;
  symEigF64(aPtr: number, vPtr: number, n: number, maxSweeps: number): number;
  memory?: WebAssembly.Memory;
}

/**
 * Below this many multiply-adds (m*k*n) a matmul stays on the calling thread: waking a worker
 * costs ~20-40 us here, break-even measured near 128^3 (bench/matmul.bench.mjs, 2 cores).
 * A worker spinning before it blocks was tried and measured slower on this 2-core machine.
 */
const THREAD_MIN_MACS = 140 * 140 * 140;
/**
 * A matrix-vector product is split over threads from this many multiply-adds when its matrix is
 * already resident (else the copy in dominates and is single-threaded anyway): 10000x100 float64
 * takes ~120 us on one thread, a worker wake-up ~20-40 us.
 */
const THREAD_MIN_GEMV = 256 * 1024;
/**
 * Elementwise kernels (exp, softplus, the loss pairs, ...) are split over two threads from this
 * many values: they cost 2-8 ns a value, a worker's wake-up 5-40 us.
 */
const ELEMENTWISE_THREAD_MIN = 8192;
/** Rows (or depth rows, at least) per chunk when threads share a matrix-vector product. */
const GEMV_CHUNK = 256;
/** At most this many depth chunks, each with a partial sum of the m outputs. */
const GEMV_MAX_PARTS = 16;
const MAX_AUTO_THREADS = 4;
/** Shared memory limits; must match asconfig.json's initialMemory/maximumMemory of the -mt targets. */
const SHARED_INITIAL_PAGES = 16;
const SHARED_MAX_PAGES = 16384;

type Bytes = Uint8Array<ArrayBuffer>;
/** Each binary: base64 of the whole (SIMD) or of a delta against the SIMD binary. */
const variantSource: Record<WasmVariant, { delta: boolean; base64: string }> = {
  "relaxed-simd": { delta: true, base64: relaxedDelta },
  simd: { delta: false, base64: simdBase64 },
  scalar: { delta: true, base64: scalarDelta },
};
const sharedVariantSource: Partial<Record<WasmVariant, { delta: boolean; base64: string }>> = {
  "relaxed-simd": { delta: true, base64: relaxedMtDelta },
  simd: { delta: true, base64: simdMtDelta },
};
const decoded = new Map<string, Bytes>();


/** The bytes of one binary, memoised (the SIMD base is decoded once for every delta). */
function bytesOf(src: { delta: boolean; base64: string }): Bytes {
  let b = decoded.get(src.base64);
  if (!b) {
    b = src.delta ? applyDelta(bytesOf(variantSource.simd), decodeBase64(src.base64)) : decodeBase64(src.base64);
    decoded.set(src.base64, b);
  }
  return b;
}
/** A binary's bytes, exported for the tests that check the deltas decode to build/*.wasm. */
export const variantBytes = (v: WasmVariant): Bytes => bytesOf(variantSource[v]);
export const sharedVariantBytes = (v: WasmVariant): Bytes | undefined => (sharedVariantSource[v] ? bytesOf(sharedVariantSource[v]!) : undefined);

const instances = new Map<string, Promise<WasmKernels>>();
let lastReady: WasmKernels | null = null;
/** Every instance created, so that an in-place write reaches each one's resident cache. */
const created: WasmKernels[] = [];

/** `x` (a tensor's storage) was written in place: drop resident copies of it everywhere. */
export function notifyWritten(x: FloatArray): void {
  for (let i = 0; i < created.length; i++) created[i].dataWritten(x);
}

/**
 * Which variants validate in this engine, best first. Chromium validates relaxed SIMD by default;
 * Node 20 only with `--experimental-wasm-relaxed-simd` (Node 22+ by default), else "simd" is used.
 */
export function supportedVariants(): WasmVariant[] {
  return (["relaxed-simd", "simd", "scalar"] as const).filter((v) => WebAssembly.validate(variantBytes(v)));
}

/** The best variant that validates, decoding only as many binaries as it has to try. */
function bestVariant(): WasmVariant | undefined {
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
      const instance = await WebAssembly.instantiate(module, { env: {} });
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
      const instance = new WebAssembly.Instance(module, { env: { memory: shared } });
      return assemble({ variant, wanted, module, instance, shared, plainBytes: variantBytes(variant) });
    }
  }
  const bytes = variantBytes(variant);
  const module = new WebAssembly.Module(bytes);
  return assemble({ variant, wanted: 1, module, instance: new WebAssembly.Instance(module, { env: {} }), shared: null, plainBytes: bytes });
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
    const instance = await WebAssembly.instantiate(sharedModule, { env: { memory: shared } });
    return assemble({ variant, wanted, module: sharedModule, instance, shared, plainBytes: variantBytes(variant) });
  }
  const bytes = variantBytes(variant);
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, { env: {} });
  return assemble({ variant, wanted: 1, module, instance, shared: null, plainBytes: bytes });
}

/**
 * Kernels over an instance. On a shared memory, the worker pool starts at once: spawned
 * synchronously where the host allows (~30 ms until they run in Node); until they are up every
 * op runs on the calling thread, on the same memory, and each op checks whether they are.
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
  kernels.startThreads(ThreadPool.start(p.module, memory, ctlPtr, workers, POOL_OPS, kernels.hold), () => arena.free(ctlPtr));
  return kernels;
}

class Kernels implements WasmKernels {
  readonly exports: Record<string, unknown>;
  /** The worker pool once it is running (see `live`), else null. */
  private pool: ThreadPool | null = null;
  /** Workers on their way up, polled before ops until they are (or failed). */
  private starting: PoolStart | null = null;
  private onStartFailed: () => void = () => {};
  private threadsStarted: Promise<void> = Promise.resolve();
  /** Whether the starting workers keep a Node process alive: only once someone reads `threadsReady`. */
  readonly hold = new StartupHold();
  /** The non-shared binary of `variant`, for `privateInstance` (compiled in the background). */
  private plainModule: WebAssembly.Module | null;
  /** Per-thread scratch for the packed A block (index 0: calling thread). */
  private readonly workPtrs: number[];
  readonly resident: ResidentCache;
  /** One reusable region for matmul/BLAS operands, grown on demand. */
  private scratchPtr = 0;
  private scratchBytes = 0;

  constructor(
    readonly variant: WasmVariant,
    instance: WebAssembly.Instance,
    private readonly core: WasmCore,
    private readonly mem: WebAssembly.Memory,
    private readonly arena: Arena,
    /** The non-shared binary's bytes; null when the caller supplied the compiled module. */
    private readonly plainBytes: Bytes | null,
    plainModule?: WebAssembly.Module,
  ) {
    this.exports = instance.exports as Record<string, unknown>;
    this.workPtrs = [arena.alloc(core.matmulWorkBytes())];
    this.resident = new ResidentCache(arena);
    this.plainModule = plainModule ?? null;
    if (!plainModule && plainBytes) {
      WebAssembly.compile(plainBytes).then((m) => (this.plainModule ??= m), () => {});
    }
    created.push(this);
  }

  get threadsReady(): Promise<void> {
    this.hold.want();
    return this.threadsStarted.then(() => void this.live());
  }
  startThreads(start: PoolStart, onFailed: () => void): void {
    this.starting = start;
    this.onStartFailed = onFailed;
    this.threadsStarted = start.settled;
  }

  get threads(): number {
    return 1 + (this.live()?.size ?? 0);
  }

  /**
   * The pool if its workers are up. While they start, each call polls their flags in shared
   * memory (a few Atomics loads) and attaches them the first time all are ready: between two
   * kernels, never during one.
   */
  private live(): ThreadPool | null {
    if (this.starting !== null) {
      const pool = this.starting.poll();
      if (pool) {
        while (this.workPtrs.length < 1 + pool.size) this.workPtrs.push(this.arena.alloc(this.core.matmulWorkBytes()));
        this.pool = pool;
        this.starting = null;
      } else if (this.starting.failed) {
        this.starting = null;
        this.onStartFailed();
      }
    }
    return this.pool;
  }

  dataWritten(x: FloatArray): void {
    this.resident.forget(x);
  }

  alloc(bytes: number): number {
    return this.arena.alloc(bytes);
  }
  free(ptr: number): void {
    this.arena.free(ptr);
  }
  memory(): ArrayBuffer | SharedArrayBuffer {
    return this.mem.buffer;
  }

  privateInstance(bytes: number): PrivateInstance | null {
    let instance: WebAssembly.Instance;
    try {
      // Normally compiled in the background by now; else synchronously (which a browser's main
      // thread may refuse: then the caller falls back to the shared arena).
      this.plainModule ??= new WebAssembly.Module(this.plainBytes!);
      instance = new WebAssembly.Instance(this.plainModule, { env: {} });
    } catch {
      return null; // e.g. a browser main thread refusing synchronous instantiation
    }
    const core = instance.exports as unknown as WasmCore;
    const memory = core.memory!;
    const base = al(Math.max(core.heapBase(), 1024));
    const end = base + al(Math.max(bytes, 1));
    const have = memory.buffer.byteLength;
    try {
      if (end > have) memory.grow(Math.ceil((end - have) / 65536));
    } catch {
      return null; // out of memory: the caller falls back to the shared arena
    }
    return { exports: instance.exports as Record<string, unknown>, memory, base };
  }

  startWorker(op: string, args: readonly number[], queue = 0): boolean {
    const pool = this.live();
    if (!pool) return false;
    pool.dispatch(0, op, args, queue);
    return true;
  }
  joinWorker(): void {
    this.pool?.wait(1);
  }
  workerDone(): boolean {
    return this.pool ? this.pool.done(0) : true;
  }

  /** A scratch region of at least `bytes`, valid until the next call that uses scratch. */
  private scratch(bytes: number): number {
    if (bytes > this.scratchBytes) {
      if (this.scratchBytes > 0) this.arena.free(this.scratchPtr);
      this.scratchBytes = Math.max(bytes, this.scratchBytes * 1.5);
      this.scratchPtr = this.arena.alloc(this.scratchBytes);
    }
    return this.scratchPtr;
  }

  /** Copies `x` to byte offset `ptr` of linear memory. */
  private put(ptr: number, x: FloatArray): void {
    const v = this.arena.views();
    if (x instanceof Float32Array) v.f32.set(x, ptr >> 2);
    else v.f64.set(x, ptr >> 3);
  }

  /** Copies linear memory at `ptr` into `out` (same element type). */
  private get(ptr: number, out: FloatArray): void {
    const v = this.arena.views();
    if (out instanceof Float32Array) out.set(v.f32.subarray(ptr >> 2, (ptr >> 2) + out.length));
    else out.set(v.f64.subarray(ptr >> 3, (ptr >> 3) + out.length));
  }

  unary(op: WasmUnaryOp, x: FloatArray, out: FloatArray): void {
    const f32 = x instanceof Float32Array;
    if (f32 !== out instanceof Float32Array) throw new TypeError("downhill unary: x and out must share one dtype");
    const n = Math.min(x.length, out.length);
    const ptr = this.scratch(al(n * x.BYTES_PER_ELEMENT));
    this.put(ptr, n === x.length ? x : x.subarray(0, n));
    const name = kernelName(op, f32);
    const kernel = this.exports[name] as (xPtr: number, outPtr: number, n: number) => void;
    const size = f32 ? 4 : 8;
    // in place in scratch; halves over two threads for long arrays (elementwise: the same bits)
    this.halves(n, name, (i0, len) => [ptr + i0 * size, ptr + i0 * size, len], (i0, len) => kernel(ptr + i0 * size, ptr + i0 * size, len));
    this.get(ptr, n === out.length ? out : out.subarray(0, n));
  }

  crossEntropyLogits(x: FloatArray, t: FloatArray, out: FloatArray): void {
    const f32 = x instanceof Float32Array;
    if (f32 !== t instanceof Float32Array || f32 !== out instanceof Float32Array) throw new TypeError("downhill crossEntropyLogits: x, t and out must share one dtype");
    const n = out.length;
    if (x.length < n || t.length < n) throw new RangeError("downhill crossEntropyLogits: x and t must be as long as out");
    const size = f32 ? 4 : 8;
    const bytes = al(n * size);
    const xPtr = this.scratch(2 * bytes), tPtr = xPtr + bytes;
    this.put(xPtr, x.length === n ? x : x.subarray(0, n));
    this.put(tPtr, t.length === n ? t : t.subarray(0, n));
    const name = kernelName("crossEntropyLogits", f32);
    const kernel = this.exports[name] as (xPtr: number, tPtr: number, outPtr: number, n: number) => void;
    // in place over x in scratch, halves over two threads for long arrays
    this.halves(n, name, (i0, len) => [xPtr + i0 * size, tPtr + i0 * size, xPtr + i0 * size, len], (i0, len) => kernel(xPtr + i0 * size, tPtr + i0 * size, xPtr + i0 * size, len));
    this.get(xPtr, out);
  }

  crossEntropyResidual(x: FloatArray, t: FloatArray, loss: FloatArray, res: FloatArray): void {
    const f32 = x instanceof Float32Array;
    if (f32 !== t instanceof Float32Array || f32 !== loss instanceof Float32Array || f32 !== res instanceof Float32Array) throw new TypeError("downhill crossEntropyResidual: x, t, loss and res must share one dtype");
    const n = loss.length;
    if (x.length < n || t.length < n || res.length < n) throw new RangeError("downhill crossEntropyResidual: x, t and res must be as long as loss");
    const size = f32 ? 4 : 8;
    const bytes = al(n * size);
    const xPtr = this.scratch(2 * bytes), tPtr = xPtr + bytes;
    this.put(xPtr, x.length === n ? x : x.subarray(0, n));
    this.put(tPtr, t.length === n ? t : t.subarray(0, n));
    const name = kernelName("crossEntropyResidual", f32);
    const kernel = this.exports[name] as (xPtr: number, tPtr: number, lossPtr: number, resPtr: number, n: number) => void;
    // the loss in place over x, the residual over t; halves over two threads for long arrays
    this.halves(n, name, (i0, len) => [xPtr + i0 * size, tPtr + i0 * size, xPtr + i0 * size, tPtr + i0 * size, len], (i0, len) => kernel(xPtr + i0 * size, tPtr + i0 * size, xPtr + i0 * size, tPtr + i0 * size, len));
    this.get(xPtr, loss);
    this.get(tPtr, res.length === n ? res : res.subarray(0, n));
  }

  /**
   * An elementwise kernel over n values: from ELEMENTWISE_THREAD_MIN values on, pool worker 0
   * takes the second half (`op(...args(i0, len))`) while the calling thread runs the first; below
   * it, or without a pool, the calling thread runs all of it.
   */
  private halves(n: number, op: string, args: (i0: number, len: number) => number[], own: (i0: number, len: number) => void): void {
    const pool = n < ELEMENTWISE_THREAD_MIN ? null : this.live();
    if (!pool) {
      own(0, n);
      return;
    }
    const h = Math.ceil(n / 2 / 16) * 16; // v128-aligned split: both halves start on a 64-byte line
    pool.dispatch(0, op, args(h, n - h));
    try {
      own(0, h);
    } finally {
      pool.wait(1);
    }
  }

  matmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, transA: boolean, transB: boolean): void {
    const f32 = a instanceof Float32Array;
    if (f32 !== b instanceof Float32Array || f32 !== c instanceof Float32Array) throw new TypeError("downhill matmul: a, b and c must share one dtype");
    if (a.length < m * k || b.length < k * n || c.length < m * n) throw new RangeError(`downhill matmul: arrays too short for [${m},${k}] @ [${k},${n}]`);
    if (m === 0 || n === 0) return;
    const pool = this.live(); // first: attaching a pool allocates its scratch
    const size = f32 ? 4 : 8;
    const core = this.core;
    const tA = transA ? 1 : 0, tB = transB ? 1 : 0;
    // Operands used again (a data matrix, weights in forward and backward) stay resident; the rest
    // are copied into scratch. Resident pointers are never inside scratch, so both can coexist.
    const aRes = a.length === m * k ? this.resident.lookup(a, (p) => this.put(p, a)) : -1;
    const bRes = b.length === k * n ? this.resident.lookup(b, (p) => this.put(p, b), aRes) : -1;
    const aBytes = aRes < 0 ? al(m * k * size) : 0, bBytes = bRes < 0 ? al(k * n * size) : 0, cBytes = al(m * n * size);
    const small = m < 4 || n === 1; // vector-like: no packing (it would cost as much as the product)
    const bpElements = small ? 0 : f32 ? core.packedBElementsF32(k, n) : core.packedBElementsF64(k, n);
    // Matrix-vector products go over threads when A was resident (else the copy dominates).
    const gemvThreads = n === 1 && pool && aRes >= 0 && m * k >= THREAD_MIN_GEMV ? 1 + pool.size : 1;
    // A stored [k, m] with a long depth: chunks of depth with one partial sum each (assembly/gemv.ts),
    // at most GEMV_MAX_PARTS of them, the same chunks whether one thread or several compute them.
    const depthChunks = n === 1 && transA && k >= 2 * GEMV_CHUNK;
    const chunk = depthChunks ? Math.max(GEMV_CHUNK, Math.ceil(k / GEMV_MAX_PARTS / 4) * 4) : GEMV_CHUNK;
    const parts = depthChunks ? Math.ceil(k / chunk) : 0;
    const partBytes = al(m * size);
    // Scratch layout: | A (m*k) | B (k*n) | C (m*n) | packed B, or partial sums + a chunk counter |,
    // each 64-byte aligned; A and B only when not resident. A packed product reads B only through
    // its packed copy, so there C takes B's place (a 256^2 product then touches 768 KiB of
    // scratch, not 1 MiB: 64 fewer fresh pages on the first call).
    const cOverB = !small && bRes < 0;
    const bcBytes = cOverB ? Math.max(bBytes, cBytes) : bBytes + cBytes;
    const base = this.scratch(aBytes + bcBytes + bpElements * size + parts * partBytes + 64);
    const aPtr = aRes >= 0 ? aRes : base, bPtr = bRes >= 0 ? bRes : base + aBytes;
    const cPtr = cOverB ? bPtr : base + aBytes + bBytes, bpPtr = base + aBytes + bcBytes;
    if (aRes < 0) this.put(aPtr, a.length === m * k ? a : a.subarray(0, m * k));
    if (bRes < 0) this.put(bPtr, b.length === k * n ? b : b.subarray(0, k * n));
    const out = c.length === m * n ? c : c.subarray(0, m * n);
    if (n === 1) {
      // y = op(A) x (assembly/gemv.ts).
      if (gemvThreads === 1 && !depthChunks) {
        (f32 ? core.gemvF32 : core.gemvF64)(aPtr, bPtr, cPtr, m, k, tA, 0, m);
      } else {
        // Threads take chunks through an atomic counter, so a slower thread takes fewer. Output
        // rows go straight to y; depth chunks (A stored [k, m]: each thread streams contiguous
        // rows of A) each get a partial sum, added here in chunk order: the same bits for any
        // number of threads. Splitting the outputs instead made every thread stride through all
        // of A and measured slower than one thread.
        const shared = f32 ? core.gemvSharedF32 : core.gemvSharedF64;
        const op = f32 ? "gemvSharedF32" : "gemvSharedF64";
        const partials = bpPtr, counter = bpPtr + parts * partBytes;
        const v = this.arena.views();
        v.i32[counter >> 2] = 0;
        const yPtr = depthChunks ? partials : cPtr;
        for (let t = 1; t < gemvThreads; t++) pool!.dispatch(t - 1, op, [aPtr, bPtr, yPtr, m, k, tA, counter, chunk, partBytes]);
        try {
          shared(aPtr, bPtr, yPtr, m, k, tA, counter, chunk, partBytes);
        } finally {
          if (gemvThreads > 1) pool!.wait(gemvThreads - 1);
        }
        if (depthChunks) {
          const y = f32 ? v.f32 : v.f64, shift = f32 ? 2 : 3, c0 = cPtr >> shift, p0 = partials >> shift, stride = partBytes >> shift;
          for (let j = 0; j < m; j++) y[c0 + j] = y[p0 + j];
          for (let q = 1; q < parts; q++) for (let j = 0, pq = p0 + q * stride; j < m; j++) y[c0 + j] += y[pq + j];
        }
      }
      this.get(cPtr, out);
      return;
    }
    if (small) {
      (f32 ? core.matmulSmallF32 : core.matmulSmallF64)(aPtr, bPtr, cPtr, m, k, n, tA, tB);
      this.get(cPtr, out);
      return;
    }
    if (f32) core.packBF32(bPtr, bpPtr, k, n, tB);
    else core.packBF64(bPtr, bpPtr, k, n, tB);
    const kernel = f32 ? core.matmulF32 : core.matmulF64;
    const threads = pool && m * k * n >= THREAD_MIN_MACS ? Math.min(1 + pool.size, Math.floor(m / 8)) : 1;
    const workPtrs = this.workPtrs;
    this.split(threads, m, f32 ? "matmulF32" : "matmulF64", (r0, r1, t) => [aPtr, bpPtr, cPtr, m, k, n, tA, r0, r1, workPtrs[t]], (r0, r1) => kernel(aPtr, bpPtr, cPtr, m, k, n, tA, r0, r1, workPtrs[0]));
    this.get(cPtr, out);
  }

  /**
   * Splits rows [0, m) into `threads` bands (multiples of 4 rows, the micro-tile): workers take
   * bands 1..threads-1 as `op(...args(r0, r1, t))`, the calling thread runs band 0, then waits.
   */
  private split(threads: number, m: number, op: string, args: (r0: number, r1: number, t: number) => number[], own: (r0: number, r1: number) => void): void {
    if (threads <= 1) {
      own(0, m);
      return;
    }
    const band = Math.ceil(m / threads / 4) * 4;
    let used = 0;
    for (let t = 1; t < threads; t++) {
      const r0 = Math.min(m, t * band), r1 = Math.min(m, (t + 1) * band);
      if (r0 >= r1) break;
      this.pool!.dispatch(t - 1, op, args(r0, r1, t));
      used = t;
    }
    try {
      own(0, Math.min(m, band));
    } finally {
      this.pool!.wait(used); // never leave a worker writing into scratch we may reuse
    }
  }

  dot(x: FloatArray, y: FloatArray): number {
    const n = Math.min(x.length, y.length);
    const size = x instanceof Float32Array ? 4 : 8;
    if (size !== (y instanceof Float32Array ? 4 : 8)) throw new TypeError("downhill dot: x and y must share one dtype");
    const xPtr = this.scratch(al(n * size) * 2), yPtr = xPtr + al(n * size);
    this.put(xPtr, x.subarray(0, n));
    this.put(yPtr, y.subarray(0, n));
    return size === 4 ? this.core.dotF32(xPtr, yPtr, n) : this.core.dotF64(xPtr, yPtr, n);
  }

  nrm2(x: FloatArray): number {
    const xPtr = this.scratch(x.length * x.BYTES_PER_ELEMENT);
    this.put(xPtr, x);
    return x instanceof Float32Array ? this.core.nrm2F32(xPtr, x.length) : this.core.nrm2F64(xPtr, x.length);
  }

  axpy(alpha: number, x: FloatArray, y: FloatArray): void {
    const n = Math.min(x.length, y.length);
    const size = y.BYTES_PER_ELEMENT;
    if (size !== x.BYTES_PER_ELEMENT) throw new TypeError("downhill axpy: x and y must share one dtype");
    const xPtr = this.scratch(al(n * size) * 2), yPtr = xPtr + al(n * size);
    this.put(xPtr, x.subarray(0, n));
    this.put(yPtr, y.subarray(0, n));
    if (size === 4) this.core.axpyF32(alpha, xPtr, yPtr, n);
    else this.core.axpyF64(alpha, xPtr, yPtr, n);
    this.get(yPtr, y.subarray(0, n));
  }

  scal(alpha: number, x: FloatArray): void {
    const xPtr = this.scratch(x.length * x.BYTES_PER_ELEMENT);
    this.put(xPtr, x);
    if (x instanceof Float32Array) this.core.scalF32(alpha, xPtr, x.length);
    else this.core.scalF64(alpha, xPtr, x.length);
    this.get(xPtr, x);
  }

  cholesky(a: Float64Array, n: number): Float64Array | null {
    const aPtr = this.scratch(n * n * 8);
    this.put(aPtr, a.subarray(0, n * n));
    if (this.core.choleskyF64(aPtr, n) === 0) return null;
    const l = new Float64Array(n * n);
    this.get(aPtr, l);
    return l;
  }

  choleskySolve(l: Float64Array, n: number, b: Float64Array): Float64Array {
    const lPtr = this.scratch(al(n * n * 8) + n * 8), bPtr = lPtr + al(n * n * 8);
    this.put(lPtr, l.subarray(0, n * n));
    this.put(bPtr, b.subarray(0, n));
    this.core.choleskySolveF64(lPtr, n, bPtr);
    const x = new Float64Array(n);
    this.get(bPtr, x);
    return x;
  }

  symEig(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
    const aPtr = this.scratch(al(n * n * 8) * 2), vPtr = aPtr + al(n * n * 8);
    this.put(aPtr, a.subarray(0, n * n));
    this.core.symEigF64(aPtr, vPtr, n, 100);
    const d = new Float64Array(n * n), v = new Float64Array(n * n);
    this.get(aPtr, d);
    this.get(vPtr, v);
    return sortEigenpairs(d, v, n);
  }
}

/** Export names of the elementwise kernels, built once (these run per op, from 64 values on). */
const KERNEL_NAMES = new Map<string, readonly [string, string]>();
function kernelName(op: string, f32: boolean): string {
  let names = KERNEL_NAMES.get(op);
  if (!names) KERNEL_NAMES.set(op, (names = [`${op}F32`, `${op}F64`]));
  return names[f32 ? 0 : 1];
}

function al(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}
