/**
 * Capability detection and kernel dispatch in one place. The JS reference runs everything; the
 * hot kernels go to the WebAssembly core, which the first op that needs it starts by itself
 * (synchronously where the engine allows; `ready()` is for explicit options and waiting).
 */
import { ArgumentError, BackendError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import type { FloatArray } from "../tensor/dtype.js";
import type { Backend, BackendName, Storage } from "./backend.js";
import { jsBackend, arrayOf } from "./js/backend.js";
import { lazyWasmBackend } from "./wasm/backend.js";
import { initWasm, initWasmSync, notifyWritten, wasmKernelsSync, type WasmKernels } from "./wasm/index.js";

export type { BackendName } from "./backend.js";

/** What runs ops: a backend, or automatic selection between the GPU and the core (`auto`). */
let preferred: BackendName | "auto" = "wasm";
let initError: unknown = null;
/**
 * What select.ts sees of the WebGPU backend (webgpu/backend.ts implements it). Declared here, not
 * imported, so the core's published types never mention WebGPU's.
 */
interface DeviceBackend extends Backend {
  readonly adapter: string;
  readonly lostReason: string | null;
  readonly precision: "f32" | "mixed";
  holds(s: Storage): boolean;
  isHalf(s: Storage): boolean;
  written(s: Storage): void;
}
/** The WebGPU backend once `ready({ backend: "webgpu" })` started it (its code is a separate chunk). */
let webgpu: DeviceBackend | null = null;
/** The router of `ready({ backend: "auto" })` once it accepted a hardware adapter, and its crossover. */
let auto: { backend: Backend; crossover: AutoCrossover } | null = null;

/**
 * Sizes from which automatic selection sends kernels on CPU values to the GPU (Infinity: never).
 * Declared here, not in the WebGPU chunk (webgpu/autoSelect.ts uses them), because the published
 * types carry no file of that chunk.
 */
export interface Crossover {
  /** Matrix products of at least this many flops (2 b m k n). */
  matmulFlops: number;
  /** Every other kernel with at least this many values (the output's; a reduction's input). */
  elements: number;
}

/** One timed size: the work (flops or values) and the best time of each side, in milliseconds. */
export interface CrossoverSample {
  kind: "matmul" | "elementwise";
  work: number;
  gpuMs: number;
  cpuMs: number;
}

/** The crossover automatic selection uses, and the timings it was measured from (absent when given). */
export type AutoCrossover = Crossover & { samples?: readonly CrossoverSample[] };

function wasm(): WasmKernels | null {
  return preferred === "js" ? null : (wasmKernelsSync() ?? autoStart());
}

let autoStarted = false;

/**
 * Fast by default: the first op that needs the WebAssembly core, when nobody called `ready()`,
 * starts it here, synchronously (Node, workers, a browser page's main thread under its size
 * limit). Where the engine refuses (an older browser's main thread throws a RangeError above
 * 4 KB), the asynchronous start runs in the background and ops use the JS reference until it is
 * up; where compiling bytes is forbidden outright (Cloudflare's workerd), that start fails too and
 * `backendInfo().error` says why. Tried once.
 */
function autoStart(): WasmKernels | null {
  if (autoStarted) return null;
  autoStarted = true;
  try {
    return initWasmSync();
  } catch {
    initWasm().catch((e) => {
      if (wasmKernelsSync() === null) initError = e;
    });
    return null;
  }
}



/** Options of `ready()`. */
export interface ReadyOptions {
  /**
   * `"js"` runs everything on the reference loops; default `"wasm"`. `"webgpu"` runs float32 work
   * on the GPU (a software adapter such as SwiftShader is accepted when asked for explicitly);
   * float64 stays on the WebAssembly core. In Node it loads Dawn from the optional `webgpu` package
   * unless `gpu` or `device` is given. If no device can be had, ops keep running on the
   * WebAssembly core and `backendInfo().error` says why.
   *
   * `"auto"`: the GPU for work large enough to pay for its transfers, the WebAssembly core for the
   * rest. Only a hardware adapter is taken (a software one such as SwiftShader or llvmpipe is
   * refused, and ops run on the core, `backendInfo().error` saying why). The crossover is
   * measured on the device against the core when `ready` runs (a product and a sum per size,
   * each family ending at the first call over 250 ms; not yet timed on a GPU), unless
   * `crossover` gives it; `backendInfo().crossover` shows it. Work on values already on the GPU
   * stays there, so a large product's result and what is computed from it are GPU values (read
   * with `await t.data()`). `jit` places each compiled program whole: on the GPU when an input
   * is there or one of its kernels passes the crossover, else on the core
   * (`stats.lastProgram.placement` says why).
   */
  backend?: BackendName | "auto";
  /** With `backend: "webgpu"` or `"auto"`: the `GPU` to ask for an adapter (`navigator.gpu`, or `create([...])` of the `webgpu` package). */
  gpu?: object;
  /** With `backend: "webgpu"` or `"auto"`: a `GPUDevice` to run on as it is. */
  device?: object;
  /**
   * With `backend: "webgpu"`: `"f32"` (default) or `"mixed"`: activations (products' results and
   * what elementwise ops compute from them) stored as binary16, two values to a 32-bit word
   * (core WGSL, no `shader-f16` needed), products reading binary16 operands, accumulating in
   * float32 and storing binary16; parameters, the optimizer's state and its update stay float32
   * (it reads binary16 gradients as float32). Compiled (`jit`) programs, and `fit`'s steps, store
   * values by the same rule. Native f16 arithmetic is not used. `lossScaler` scales the loss in a
   * loop of your own; `fit` does not.
   */
  precision?: "f32" | "mixed";
  /**
   * With `backend: "auto"`: the sizes from which work on CPU values goes to the GPU, instead of
   * measuring them: `matmulFlops` (2 b m k n of a product), `elements` (values of any other
   * kernel); Infinity: never. A field left out is measured.
   */
  crossover?: Partial<Crossover>;
  /** Total compute threads including the caller, or "auto" (min(cores, 4)); default "auto". */
  threads?: number | "auto";
  /** Resolve only once the worker threads run (default: true for an explicit count). */
  waitForThreads?: boolean;
  /**
   * A `WebAssembly.Module` compiled from this package's `downhill/wasm/simd.wasm` (or
   * `relaxed-simd.wasm`, `scalar.wasm`), for runtimes that forbid compiling bytes at run time
   * (Cloudflare Workers, Vercel Edge), whose bundlers turn a `.wasm` import into a module. It
   * runs on one thread; a module from another version of downhill is refused.
   */
  wasmModule?: WebAssembly.Module;
}

const READY_KEYS = { backend: true, threads: true, waitForThreads: true, wasmModule: true, gpu: true, device: true, crossover: true, precision: true } satisfies OptionKeys<ReadyOptions>;

/**
 * Starts the WebAssembly core (lazily, never at import). Until it resolves, or if it fails,
 * every op runs on the JS reference backend; the reason for a failure is kept in `backendInfo()`
 * (a core that already runs stays in use). With `threads: "auto"` (the default) it resolves as
 * soon as the calling thread's core is ready and starts the worker threads in the background
 * (large ops use them once they are up, ~30 ms later in Node); an explicit thread count, or
 * `waitForThreads: true`, waits for them. Invalid options, including a `wasmModule` that is not a
 * single-threaded downhill binary of this version, throw an ArgumentError and change nothing.
 */
export async function ready(options: ReadyOptions = {}): Promise<void> {
  checkOptions("ready", options, READY_KEYS);
  const { wasmModule } = options;
  if (options.backend !== undefined && options.backend !== "wasm" && options.backend !== "js" && options.backend !== "webgpu" && options.backend !== "auto") {
    throw new ArgumentError(`ready: backend must be "wasm", "js", "webgpu" or "auto", got ${JSON.stringify(options.backend)}`);
  }
  if ((options.gpu !== undefined || options.device !== undefined) && options.backend !== "webgpu" && options.backend !== "auto") {
    throw new ArgumentError(`ready: gpu and device are options of backend: "webgpu" or "auto"`);
  }
  if (options.crossover !== undefined) {
    if (options.backend !== "auto") throw new ArgumentError(`ready: crossover is an option of backend: "auto"`);
    checkCrossover(options.crossover);
  }
  if (options.precision !== undefined) {
    if (options.precision !== "f32" && options.precision !== "mixed") throw new ArgumentError(`ready: precision must be "f32" or "mixed", got ${typeof options.precision === "string" ? JSON.stringify(options.precision) : kindOf(options.precision)}`);
    if (options.backend !== "webgpu") throw new ArgumentError(`ready: precision is an option of backend: "webgpu"`);
  }
  if (options.backend === "webgpu") return startWebGpu(options);
  if (options.backend === "auto") return startAuto(options);
  const { threads, waitForThreads } = options;
  if (threads !== undefined && threads !== "auto" && !(Number.isInteger(threads) && threads >= 1)) {
    throw new ArgumentError(`ready: threads must be "auto" or an integer >= 1, got ${typeof threads === "number" ? threads : JSON.stringify(threads)}`);
  }
  if (waitForThreads !== undefined && typeof waitForThreads !== "boolean") {
    throw new ArgumentError(`ready: waitForThreads must be a boolean, got ${kindOf(waitForThreads)}`);
  }
  if (wasmModule !== undefined) {
    if (typeof WebAssembly !== "object" || !(wasmModule instanceof WebAssembly.Module)) {
      throw new ArgumentError(`ready: wasmModule must be a WebAssembly.Module (compiled from downhill/wasm/simd.wasm), got ${kindOf(wasmModule)}`);
    }
    if (typeof options.threads === "number" && options.threads !== 1) {
      throw new ArgumentError(`ready: a wasmModule runs on one thread; threads: ${options.threads} cannot be honoured (omit it or pass 1)`);
    }
    if (options.backend === "js") throw new ArgumentError(`ready: wasmModule given with backend: "js"`);
    try {
      await initWasm({ module: wasmModule });
      preferred = "wasm";
      initError = null;
    } catch (e) {
      if (e instanceof ArgumentError) throw e; // not a downhill binary of this version: the caller's mistake
      initError = e;
      if (wasmKernelsSync() === null) preferred = "js";
    }
    return;
  }
  if (options.backend) preferred = options.backend;
  if (preferred !== "wasm") return;
  autoStarted = true; // an explicit start: the first op need not try again
  try {
    await initWasm({ threads: options.threads ?? "auto", waitForThreads: options.waitForThreads });
  } catch (e) {
    initError = e;
    if (wasmKernelsSync() === null) preferred = "js";
  }
}

/** `ready({ backend: "webgpu" })`: imports the WebGPU chunk and starts a device; failures keep the current backend. */
async function startWebGpu(options: ReadyOptions): Promise<void> {
  const cpuReady = initWasm().catch(() => null); // float64 and a lost device run on the core
  try {
    const mod = await import("./webgpu/entry.js");
    await cpuReady;
    const host = { cpu: backendNamed("wasm") ?? jsBackend, BackendError };
    webgpu = await mod.startWebGpu(host, { gpu: options.gpu as never, device: options.device as never, precision: options.precision });
    auto = null; // its router was over the previous device
    preferred = "webgpu";
    initError = null;
  } catch (e) {
    initError = e;
  }
}

/** `ready`'s `crossover`: an object of positive numbers (Infinity allowed) with known keys. */
function checkCrossover(c: unknown): asserts c is Partial<Crossover> {
  if (c === null || typeof c !== "object") throw new ArgumentError(`ready: crossover must be an object { matmulFlops?, elements? }, got ${kindOf(c)}`);
  checkOptions("ready: crossover", c as Record<string, unknown>, { matmulFlops: true, elements: true } satisfies OptionKeys<Crossover>);
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined) continue;
    if (typeof v !== "number" || !(v > 0)) throw new ArgumentError(`ready: crossover.${k} must be a positive number (Infinity: never), got ${typeof v === "number" ? v : kindOf(v)}`);
  }
}

/**
 * `ready({ backend: "auto" })`: a hardware adapter only, then the crossover measured (or given);
 * with no hardware adapter, or any failure, ops run on the WebAssembly core with the reason kept.
 */
async function startAuto(options: ReadyOptions): Promise<void> {
  auto = null;
  const core = await initWasm().catch((e) => {
    initError = e;
    return null;
  });
  autoStarted = true;
  preferred = core ? "wasm" : "js";
  try {
    const mod = await import("./webgpu/entry.js");
    const cpu = backendNamed("wasm") ?? jsBackend;
    const device = await mod.startWebGpu({ cpu, BackendError }, { gpu: options.gpu as never, device: options.device as never, hardwareOnly: true, powerPreference: "high-performance" });
    const given = options.crossover ?? {};
    const measured = given.matmulFlops !== undefined && given.elements !== undefined ? null : await mod.measureCrossover(device, cpu);
    const crossover: AutoCrossover = { matmulFlops: given.matmulFlops ?? measured!.matmulFlops, elements: given.elements ?? measured!.elements };
    if (measured) crossover.samples = measured.samples;
    webgpu = device;
    auto = { backend: mod.createAutoBackend(device, cpu, crossover, BackendError), crossover };
    preferred = "auto";
    initError = null;
  } catch (e) {
    initError = new BackendError(`ready({ backend: "auto" }): no WebGPU device taken, ops run on the ${core ? "WebAssembly core" : "JS reference"}: ${(e as Error)?.message ?? String(e)}`);
  }
}

/** What a wrong argument is, for an error message. */
function kindOf(x: unknown): string {
  if (x === null) return "null";
  if (typeof x !== "object") return typeof x;
  return (x as object).constructor?.name ?? "an object";
}

/** Chooses the backend for later ops (`"js"` forces the reference loops; `"auto"` once `ready({ backend: "auto" })` took a device). */
export function setBackend(name: BackendName | "auto"): void {
  if (name === "webgpu" && webgpu === null) throw new ArgumentError(`setBackend: the webgpu backend has not been started; call \`await ready({ backend: "webgpu" })\``);
  if (name === "auto" && auto === null) throw new ArgumentError(`setBackend: automatic selection has no device; call \`await ready({ backend: "auto" })\` (backendInfo().error says why it took none)`);
  preferred = name;
}

/**
 * Which backend runs ops: its name, the WebAssembly variant and threads, the WebGPU adapter (on
 * "webgpu"), and the error that left it there (a core that could not start, a WebGPU device that
 * could not be had or was lost: then ops run on the core and `error` says why). Under automatic
 * selection with a device, `backend` is "auto" and `crossover` the sizes from which work goes to
 * the GPU (absent otherwise); on "webgpu", `precision` is the mode `ready` started ("f32" or "mixed").
 */
export function backendInfo(): { backend: BackendName | "auto"; variant: string | null; threads: number; adapter: string | null; error: string | null; crossover?: AutoCrossover; precision?: "f32" | "mixed" } {
  const w = wasm();
  const cpu = { variant: w ? w.variant : null, threads: w ? w.threads : 1 };
  if ((preferred === "webgpu" || preferred === "auto") && webgpu && webgpu.lostReason === null) {
    return preferred === "auto" ? { backend: preferred, ...cpu, adapter: webgpu.adapter, error: null, crossover: { ...auto!.crossover } } : { backend: preferred, ...cpu, adapter: webgpu.adapter, error: null, precision: webgpu.precision };
  }
  return {
    backend: w ? "wasm" : "js",
    ...cpu,
    adapter: null,
    error: (preferred === "webgpu" || preferred === "auto") && webgpu?.lostReason ? webgpu.lostReason : initError ? String(initError) : null,
  };
}

/**
 * Resolves once the worker threads of the backend that runs ops are up (or failed to start),
 * starting the WebAssembly core first if nothing has; at once on the JS backend. `fit` waits for
 * this before building its optimizer, which picks a two-thread step at construction.
 */
export async function whenThreadsReady(): Promise<void> {
  if (preferred !== "wasm" && preferred !== "auto") return;
  const w = wasmKernelsSync() ?? autoStart() ?? (await initWasm().catch(() => null));
  await w?.threadsReady;
}

/** The default WebAssembly backend: the default instance, started by the first kernel that needs it. */
const defaultWasm: Backend = lazyWasmBackend(() => wasmKernelsSync() ?? autoStart());

/** The JS backend, or the WebAssembly one (null when its core cannot run here). */
export function backendNamed(name: BackendName): Backend | null {
  if (name === "js") return jsBackend;
  if (name === "webgpu") return webgpu;
  return wasmKernelsSync() ?? autoStart() ? defaultWasm : null;
}

/**
 * The one dispatch point: the backend an op on these tensors runs on. Today both backends keep
 * values in JS typed arrays, so it is the chosen backend (`setBackend`, `ready`), whichever
 * produced the inputs; a device backend will move inputs it does not hold here, not in the ops.
 */
export function backendFor(a?: unknown, b?: unknown, c?: unknown): Backend {
  if (override !== null) return override;
  if (webgpu !== null && (preferred === "webgpu" || holdsGpu(a) || holdsGpu(b) || holdsGpu(c))) return webgpu;
  if (preferred === "auto") return auto!.backend;
  return preferred === "wasm" ? defaultWasm : jsBackend;
}

/** Whether a tensor's values are WebGPU storage (which only that backend, live or lost, can read). */
function holdsGpu(t: unknown): boolean {
  return t != null && typeof t === "object" && "_storage" in t && webgpu!.holds((t as { _storage: Storage })._storage);
}

let override: Backend | null = null;

/**
 * Runs `fn` with every op dispatched to `backend` (src/jit's tracer records the kernels a
 * function calls this way), restoring the previous dispatch afterwards, also on a throw.
 */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const prev = override;
  override = backend;
  try {
    return fn();
  } finally {
    override = prev;
  }
}

/**
 * Must be called after an in-place write to a tensor's storage (the optimizer's step): the
 * WebAssembly backend may hold a resident copy of it (wasm/resident.ts).
 */
export function dataWritten(t: { _storage: Storage }): void {
  webgpu?.written(t._storage);
  notifyWritten(arrayOf(t._storage));
}

/** Whether a tensor's values are held as binary16 (WebGPU under mixed precision). */
export function storedAsBinary16(t: { _storage: Storage }): boolean {
  return webgpu !== null && webgpu.isHalf(t._storage);
}

/**
 * A tensor's values on the CPU, synchronously and without a copy (callers must not write them),
 * for code that reads values to decide (item(), a line search's f, a metric, a checkpoint); a
 * backend that holds values on a device cannot, and `op` is named in its error.
 */
export function readSync(t: { _storage: Storage }, op: string): FloatArray {
  const b = backendFor(t);
  if (!b.readSync) throw new BackendError(`${op}: the ${b.name} backend keeps values on the device; use \`await t.data()\``);
  return b.readSync(t._storage, op);
}

/**
 * `readSync`, or null where the values do not exist yet (a traced value) or live on a device:
 * for checks that validate input values (label ranges) and can be skipped then, never for
 * computing results (results must not depend on whether they were readable).
 */
export function tryReadSync(t: { _storage: Storage }, op: string): FloatArray | null {
  const b = backendFor(t);
  if (!b.readSync || b.valuesAvailable?.(t._storage) === false) return null;
  return b.readSync(t._storage, op);
}
