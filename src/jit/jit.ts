/**
 * `jit(f)`: trace `f` once per argument signature (tree structure, shapes, dtypes, static plain
 * values, backend) into a program of kernel calls, plan its buffers, and replay it. The eager
 * per-op costs (a tape entry, shape checks, a fresh array, a dispatch per op) are paid once, at
 * the trace; a call runs the kernels over reused buffers. Under automatic selection a program is
 * placed whole, on the GPU or the core (autoPlacement.ts), and the placement is part of the key:
 * whether any input is on the GPU.
 */
import { ArgumentError } from "../errors.js";
import { backendFor, readSync, withBackend } from "../backend/select.js";
import { Tensor } from "../tensor/tensor.js";
import type { Storage } from "../backend/backend.js";
import type { WebGpuBackend } from "../backend/webgpu/backend.js";
import type { AutoBackend, RoutedPrograms } from "../backend/webgpu/autoSelect.js";
import { placeProgram } from "./autoPlacement.js";
import { lowerCpu, type Executable } from "./cpuLowering.js";
import { lowerWebGpu, type DeviceExecutable } from "./webgpuLowering.js";
import type { Program } from "./program.js";
import { Tracer, TraceError } from "./tracer.js";

export { TraceError } from "./tracer.js";

export interface JitOptions {
  /**
   * When `f` cannot be traced (it reads a value it computed: `item()`, `dataSync()`, ...):
   * "throw" a TraceError naming the op (default), or "eager": run `f` eagerly for that
   * signature from then on, the reason kept in `stats.fallbackReason`.
   */
  fallback?: "throw" | "eager";
  /** Distinct argument signatures kept compiled, least recently used dropped first (default 32). */
  cacheSize?: number;
  /** Name used in errors (default: the function's name). */
  name?: string;
}

export interface JitStats {
  /** Signatures traced (a retrace per new structure, shape, dtype, static value or backend; under "auto", also per placement of the inputs, CPU or GPU). */
  traces: number;
  /** Calls that replayed a compiled program. */
  compiledCalls: number;
  /** Calls run eagerly: after a trace fallback, inside a gradient of the compiled function, or on a backend without a lowering. */
  eagerCalls: number;
  /** Why the last eager fallback happened, or null. */
  fallbackReason: string | null;
  /** Signatures currently cached. */
  cached: number;
  /**
   * The last program compiled: instructions run per call, the buffers it owns, which lowering runs
   * it ("cpu": a CPU backend's kernels; "webgpu": WGSL), under `ready({ backend: "auto" })` why it
   * was placed there (null on other backends), and how many of its values are stored as binary16
   * (WebGPU under mixed precision; else 0).
   */
  lastProgram: { instrs: number; buffers: number; bufferBytes: number; epilogues: number; lowering: "cpu" | "webgpu"; placement: string | null; halfValues: number } | null;
}

type AnyFn = (...args: never[]) => unknown;

/** Where the tensors and static values of an argument or result tree sit. */
type Template = { t: "tensor"; shape: readonly number[]; dtype: Tensor["dtype"] } | { t: "static"; v: unknown } | { t: "array"; items: Template[] } | { t: "object"; keys: string[]; items: Template[] };

interface Entry {
  exec: Executable | null;
  /** The program lowered for a device backend (WebGPU), whose storages are not CPU arrays. */
  device: DeviceExecutable | null;
  out: Template | null;
  reason: string | null;
  /** Under automatic selection: where the program was placed and why. */
  placement: string | null;
}

/**
 * Compiles `f`, a function of tensors (or arrays/plain objects of them; plain numbers, strings
 * and booleans are static: part of the signature) returning a tree of tensors. Tensors captured
 * from the closure are constants of the program, with their values at trace time. Composes with
 * autodiff inside: `jit(valueAndGrad(f))`, `jit(grad(f))`, `jit((x, v) => hvp(f, x, v))`; a
 * compiled function called where gradients flow through its inputs runs eagerly instead.
 * @example
 * const vg = jit(valueAndGrad((x: Tensor) => x.square().sum()));
 * vg(tensor([1, 2, 3])).grad; // [2, 4, 6], traced on the first call, replayed after
 */
export function jit<F extends AnyFn>(f: F, options: JitOptions = {}): F & { readonly stats: JitStats } {
  if (typeof f !== "function") throw new ArgumentError(`jit: f must be a function, got ${f === null ? "null" : typeof f}`);
  for (const k of Object.keys(options)) if (!["fallback", "cacheSize", "name"].includes(k)) throw new ArgumentError(`jit: unknown option "${k}" (known: fallback, cacheSize, name)`);
  const fallback = options.fallback ?? "throw";
  if (fallback !== "throw" && fallback !== "eager") throw new ArgumentError(`jit: fallback must be "throw" or "eager", got ${JSON.stringify(fallback)}`);
  const cacheSize = options.cacheSize ?? 32;
  if (!(Number.isInteger(cacheSize) && cacheSize >= 1)) throw new ArgumentError(`jit: cacheSize must be an integer >= 1, got ${cacheSize}`);
  const name = options.name ?? (f.name || "f");
  const cache = new Map<string, Entry>();
  const stats: JitStats = { traces: 0, compiledCalls: 0, eagerCalls: 0, fallbackReason: null, cached: 0, lastProgram: null };

  const eager = (args: unknown[], reason: string | null): unknown => {
    stats.eagerCalls++;
    if (reason !== null) stats.fallbackReason = reason;
    return (f as unknown as (...a: unknown[]) => unknown)(...args);
  };

  // The last signature seen, as a template of the arguments: a call with the same structure,
  // shapes, dtypes and static values is recognised by walking the arguments against it, without
  // building the signature string (most calls, in a loop).
  let last: { backend: string; gpuInputs: boolean; half: string; args: Template; entry: Entry } | null = null;

  const compiled = (...args: unknown[]): unknown => {
    const backend = backendFor();
    const routed = backend.name === "auto" ? (backend as AutoBackend).routed : null;
    // a WebGPU program is lowered for one precision mode and, under mixed precision, for which
    // inputs arrive as binary16 (read as stored, as eager reads them)
    const mixed = backend.name === "webgpu" && (backend as WebGpuBackend).precision === "mixed" ? (backend as WebGpuBackend) : null;
    const backendKey = backend.name === "webgpu" ? `webgpu:${(backend as WebGpuBackend).precision}` : backend.name;
    let leaves: Tensor[] = [];
    let entry: Entry | undefined;
    if (last !== null && last.backend === backendKey && matches(args, last.args, leaves) && (routed === null || last.gpuInputs === anyOnGpu(leaves, routed)) && (mixed === null || halfKey(leaves, mixed) === last.half)) entry = last.entry;
    else {
      leaves = [];
      const sig = signature(args, leaves, name);
      const gpuInputs = routed !== null && anyOnGpu(leaves, routed);
      const half = mixed ? halfKey(leaves, mixed) : "";
      const lower = loweringFor(backend, gpuInputs, mixed ? leaves.map((t) => mixed.isHalf(t._storage)) : []);
      if (!lower) return eager(args, `the ${backend.name} backend has no compiled lowering yet`);
      const key = `${backendKey}|${half}|${routed ? (gpuInputs ? "inputs on the GPU|" : "inputs on the CPU|") : ""}${sig}`;
      entry = cache.get(key);
      if (entry) {
        cache.delete(key); // least recently used last
        cache.set(key, entry);
      } else {
        if (leaves.some((t) => t.requiresGrad)) return eager(args, null);
        entry = trace(f, args, leaves, name, fallback, lower);
        stats.traces++;
        const lowered = entry.exec ?? entry.device;
        if (lowered) {
          const { instrs, buffers, bufferBytes, epilogues } = lowered.stats;
          stats.lastProgram = { instrs, buffers, bufferBytes, epilogues, lowering: entry.device ? "webgpu" : "cpu", placement: entry.placement, halfValues: entry.device ? entry.device.stats.halfValues : 0 };
        }
        cache.set(key, entry);
        if (cache.size > cacheSize) {
          const oldest = cache.keys().next().value!;
          if (last?.entry === cache.get(oldest)) last = null;
          cache.delete(oldest);
        }
        stats.cached = cache.size;
      }
      last = { backend: backendKey, gpuInputs, half, args: templateOf(args, () => {}, "args"), entry };
    }
    for (let i = 0; i < leaves.length; i++) if (leaves[i].requiresGrad) return eager(args, null); // differentiated through: the tape needs the eager ops
    let i = 0;
    if (entry.device) {
      stats.compiledCalls++;
      const storages = entry.device.run(leaves.map((t) => t._storage));
      return build(entry.out!, () => storages[i++]);
    }
    if (!entry.exec) return eager(args, entry.reason);
    stats.compiledCalls++;
    const arrays = entry.exec.run(leaves.map((t) => readSync(t, `jit(${name})`)));
    return build(entry.out!, () => backend.adopt(arrays[i++]));
  };
  Object.defineProperty(compiled, "stats", { get: () => ({ ...stats }) });
  Object.defineProperty(compiled, "name", { value: `jit(${name})` });
  return compiled as unknown as F & { readonly stats: JitStats };
}

type Lowering = (p: Program) => Pick<Entry, "exec" | "device" | "reason" | "placement">;

/** Which argument tensors a mixed-precision WebGPU backend holds as binary16 (their indices). */
function halfKey(leaves: readonly Tensor[], gpu: WebGpuBackend): string {
  let key = "";
  for (let i = 0; i < leaves.length; i++) if (gpu.isHalf(leaves[i]._storage)) key += `${i},`;
  return key;
}

/** Whether the router's GPU holds any of the argument tensors' values. */
function anyOnGpu(leaves: readonly Tensor[], routed: RoutedPrograms): boolean {
  for (let i = 0; i < leaves.length; i++) if (routed.gpu.holds(leaves[i]._storage)) return true;
  return false;
}

/**
 * How programs lower on `backend`: on its CPU into-kernels, to WGSL on WebGPU, under automatic
 * selection on either side as autoPlacement.ts places the program (`gpuInputs`: an argument's
 * values are on the GPU, so only WGSL may read them), or not at all (null). `halfInputs`: which
 * inputs a mixed-precision WebGPU backend holds as binary16.
 */
function loweringFor(backend: ReturnType<typeof backendFor>, gpuInputs: boolean, halfInputs: readonly boolean[]): Lowering | null {
  const cpu = backend.cpu;
  if (cpu) return (p) => ({ exec: lowerCpu(p, cpu), device: null, reason: null, placement: null });
  if (backend.name === "webgpu") {
    const host = (backend as WebGpuBackend).programs;
    return (p) => {
      const got = lowerWebGpu(p, host, halfInputs);
      return typeof got === "string" ? { exec: null, device: null, reason: `this program does not lower to WGSL: ${got}`, placement: null } : { exec: null, device: got, reason: null, placement: null };
    };
  }
  if (backend.name === "auto") {
    const { gpu, cpu: core, crossover } = (backend as AutoBackend).routed;
    return (p) => {
      const place = placeProgram(p, gpuInputs, crossover, gpu.lostReason !== null);
      let why = place.why;
      if (place.where === "webgpu") {
        const got = lowerWebGpu(p, gpu.programs);
        if (typeof got !== "string") return { exec: null, device: got, reason: null, placement: `on the GPU: ${why}` };
        if (gpuInputs) return { exec: null, device: null, reason: `this program does not lower to WGSL: ${got}; an input is on the GPU, so it cannot be compiled for the CPU either`, placement: null };
        why = `${why}, but it does not lower to WGSL: ${got}`;
      }
      if (!core.cpu) return { exec: null, device: null, reason: `the ${core.name} backend has no compiled lowering`, placement: null };
      return { exec: lowerCpu(p, core.cpu), device: null, reason: null, placement: `on the CPU: ${why}` };
    };
  }
  return null;
}

/** Traces `f` on symbolic copies of the argument tensors and lowers the program with `lower`. */
function trace(f: AnyFn, args: unknown[], leaves: Tensor[], name: string, fallback: "throw" | "eager", lower: Lowering): Entry {
  const tracer = new Tracer(name);
  const inputs: number[] = [];
  let n = 0;
  const symbolic = mapTensors(args, (t) => {
    const s = tracer.input(n++, t.dtype, t.size);
    inputs.push(tracer.ref(s));
    return new Tensor(s, t.shape, t.dtype, true);
  }) as unknown[];
  let result: unknown;
  try {
    result = withBackend(tracer, () => (f as (...a: unknown[]) => unknown)(...symbolic));
  } catch (e) {
    if (e instanceof TraceError && fallback === "eager") return { exec: null, device: null, out: null, reason: e.message, placement: null };
    throw e;
  }
  const outputs: number[] = [];
  const out = templateOf(result, (t) => outputs.push(tracer.ref(t._storage)), `jit(${name}): the result`);
  return { ...lower(tracer.program(inputs, outputs)), out };
}

/** Whether `x` has the template's structure, shapes, dtypes and static values (collecting its tensors into `leaves`). */
function matches(x: unknown, tp: Template, leaves: Tensor[]): boolean {
  switch (tp.t) {
    case "tensor": {
      if (!(x instanceof Tensor) || x.dtype !== tp.dtype) return false;
      const s = x.shape;
      if (s.length !== tp.shape.length) return false;
      for (let i = 0; i < s.length; i++) if (s[i] !== tp.shape[i]) return false;
      leaves.push(x);
      return true;
    }
    case "static": return Object.is(x, tp.v);
    case "array": {
      if (!Array.isArray(x) || x.length !== tp.items.length) return false;
      for (let i = 0; i < x.length; i++) if (!matches(x[i], tp.items[i], leaves)) return false;
      return true;
    }
    case "object": {
      if (!isPlainObject(x)) return false;
      const keys = Object.keys(x);
      if (keys.length !== tp.keys.length) return false;
      for (let i = 0; i < keys.length; i++) if (keys[i] !== tp.keys[i] || !matches(x[keys[i]], tp.items[i], leaves)) return false;
      return true;
    }
  }
}

/** The signature of an argument list (collecting its tensors in order into `leaves`). */
function signature(x: unknown, leaves: Tensor[], name: string, path = "args"): string {
  if (x instanceof Tensor) {
    leaves.push(x);
    return `T${x.dtype === "float64" ? "d" : "f"}[${x.shape.join(",")}]`;
  }
  if (Array.isArray(x)) return `[${x.map((v, i) => signature(v, leaves, name, `${path}[${i}]`)).join(",")}]`;
  if (isPlainObject(x)) return `{${Object.keys(x).map((k) => `${JSON.stringify(k)}:${signature((x as Record<string, unknown>)[k], leaves, name, `${path}.${k}`)}`).join(",")}}`;
  if (x === undefined) return "u";
  if (x === null || typeof x === "number" || typeof x === "string" || typeof x === "boolean") return `S${typeof x}:${Object.is(x, -0) ? "-0" : JSON.stringify(x)}`;
  throw new ArgumentError(`jit(${name}): ${path} is ${typeof x === "function" ? "a function" : `a ${(x as object).constructor?.name ?? typeof x}`}; a compiled function takes tensors, plain numbers/strings/booleans (static), and arrays or plain objects of them`);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** `x` with every tensor replaced by `fn(tensor)` (structure and static values kept). */
function mapTensors(x: unknown, fn: (t: Tensor) => Tensor): unknown {
  if (x instanceof Tensor) return fn(x);
  if (Array.isArray(x)) return x.map((v) => mapTensors(v, fn));
  if (isPlainObject(x)) return Object.fromEntries(Object.keys(x).map((k) => [k, mapTensors(x[k], fn)]));
  return x;
}

/** The result's structure; `leaf` is called on each tensor in order. */
function templateOf(x: unknown, leaf: (t: Tensor) => void, where: string): Template {
  if (x instanceof Tensor) {
    leaf(x);
    return { t: "tensor", shape: x.shape, dtype: x.dtype };
  }
  if (Array.isArray(x)) return { t: "array", items: x.map((v, i) => templateOf(v, leaf, `${where}[${i}]`)) };
  if (isPlainObject(x)) {
    const keys = Object.keys(x);
    return { t: "object", keys, items: keys.map((k) => templateOf(x[k], leaf, `${where}.${k}`)) };
  }
  if (x === null || x === undefined || typeof x === "number" || typeof x === "string" || typeof x === "boolean") return { t: "static", v: x };
  throw new ArgumentError(`${where} is a ${typeof x === "function" ? "function" : (x as object).constructor?.name ?? typeof x}; a compiled function returns tensors, plain values, and arrays or plain objects of them`);
}

/** Rebuilds a result from its template, taking the output storages in order. */
function build(tp: Template, next: () => Storage): unknown {
  switch (tp.t) {
    case "tensor": return new Tensor(next(), tp.shape, tp.dtype, true);
    case "static": return tp.v;
    case "array": return tp.items.map((it) => build(it, next));
    case "object": return Object.fromEntries(tp.keys.map((k, i) => [k, build(tp.items[i], next)]));
  }
}
