/**
 * The stateful optimizer: `optimizer(transform, params).step(grads)` updates the given parameter
 * tensors in place (the same Tensor objects hold the new values).
 *
 * Three paths, chosen once at construction:
 * - "wasm": the transform is a fusable alias (its `fused` descriptor), all leaves share a dtype and
 *   the WebAssembly core is ready (`await ready()`): parameters, gradients and moments live in
 *   contiguous slabs (leaves concatenated in canonical order) in the memory of a private instance
 *   of the non-shared binary, sized once at construction and never grown, so the parameter
 *   tensors' storage becomes views into the parameter slab (no copy in or out; writes to
 *   `param._data` between steps land in the slab). The fused kernel runs over the slabs in chunks
 *   of 64K elements. Per step, per chunk: the gradients of the next 64K elements are copied into a
 *   small buffer (it stays in cache) and the kernel updates that range; the gradient copy is the
 *   only copy, an ordinary memcpy (V8 copies into a SharedArrayBuffer ~4x slower). Fallback when
 *   the engine refuses a synchronous instantiation: slabs in the shared kernels' arena (views on a
 *   shared memory; copied in and out each step on an ordinary one, whose buffer growth detaches).
 *   From THREAD_MIN_PARAMS parameters on, with a worker pool: slabs in the shared kernels' arena
 *   (parameters are views there) and each step split with a pool worker (`WasmEngine.splitStep`),
 *   bit-identical to the one-thread path.
 * - "js": the same kernel as a plain loop per leaf, on the parameters' own arrays; bit-identical
 *   to the pure path.
 * - "pure": any other transform: `update` + `applyUpdates`, written back into the same tensors.
 * No path allocates memory proportional to the parameter count per step.
 */
import { ArgumentError } from "../errors.js";
import { wasmKernelsSync, type WasmKernels } from "../backend/wasm/index.js";
import { dataWritten } from "../backend/select.js";
import { QUEUE_HEADER } from "../backend/wasm/threadPool.js";
import type { DType, FloatArray } from "../tensor/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import { treeFlattenWithPaths, type Tree } from "../tensor/tree.js";
import { applyUpdates, fusedSpecOf, type GradientTransformation, type OptState } from "./base.js";
import type { FusedSpec } from "./fusedSpec.js";
import { adagradJs, adamJs, identityRound, lionJs, rmspropJs, sgdJs, type Round, type StepScalars } from "./fusedJs.js";
import { checkLeaves, cloneState } from "./treeMath.js";
import { adamBiasCorrection } from "./formulas.js";
import { scheduleValue } from "./validate.js";

export type OptimizerPath = "wasm" | "js" | "pure";

export interface OptimizerOptions {
  /** "auto" (default: wasm when ready, else js, for fusable transforms), or force a path. */
  fused?: "auto" | OptimizerPath;
  /** @internal a specific WebAssembly instance (tests and benches); default `wasmKernelsSync()`. */
  kernels?: WasmKernels | null;
  /**
   * @internal wasm path: from this many parameters on, a step is split between the calling thread
   * and a pool worker when the kernels have one (default `THREAD_MIN_PARAMS`; Infinity: never).
   */
  threadMin?: number;
}

export interface Optimizer<S = OptState> {
  /** Applies one update with `grads` (same tree and shapes as params), in place. */
  step(grads: Tree): void;
  /** A snapshot (deep copy) of the state tree, in the transform's own structure. */
  readonly state: S;
  /** Loads a state tree (e.g. from a checkpoint); it must have the structure of `state`. */
  setState(state: S): void;
  /** The parameter tree given at construction (its tensors are updated in place). */
  readonly params: Tree;
  /** Steps taken. */
  readonly count: number;
  /** Which path runs the steps. */
  readonly path: OptimizerPath;
  /** Threads a step runs on: 2 when the wasm path splits it with a pool worker (large N), else 1. */
  readonly threads: number;
  /** Releases WebAssembly slabs (parameters get their own arrays back). Idempotent. */
  dispose(): void;
}

interface Engine {
  readonly path: OptimizerPath;
  readonly threads: number;
  step(grads: Tensor[], count: number, lr: number): void;
  /** Copies moments out of the engine into the owned state's slot tensors. */
  syncOut(): void;
  /** Copies the owned state's slot tensors into the engine. */
  syncIn(): void;
  dispose(): void;
}

/**
 * Wraps `transform` and `params` into a stateful optimizer whose `step(grads)` updates the same
 * parameter tensors in place, through a fused kernel when the transform is an alias
 * (`sgd`, `adam`, `adamw`, `adagrad`, `rmsprop`, `lion`, optionally `chain(clipByGlobalNorm(c), alias)`).
 * @example
 * await ready();
 * const x = tensor([3, -2]);
 * const opt = optimizer(adam({ lr: 0.1 }), x);
 * for (let i = 0; i < 5; i++) opt.step(grad((x) => x.square().sum())(x));
 */
export function optimizer<S = OptState>(transform: GradientTransformation<S>, params: Tree, options: OptimizerOptions = {}): Optimizer<S> {
  const want = options.fused ?? "auto";
  if (!["auto", "wasm", "js", "pure"].includes(want)) throw new ArgumentError(`optimizer: fused must be "auto", "wasm", "js" or "pure", got ${JSON.stringify(want)}`);
  const flat = treeFlattenWithPaths(params, "params");
  const leaves = flat.map(([, t]) => t);
  const dtypes = new Set(leaves.map((t) => t.dtype));
  const spec = fusedSpecOf(transform);
  let state = transform.init(params);
  let count = 0;

  let path: OptimizerPath = "pure";
  const wasm = options.kernels !== undefined ? options.kernels : wasmKernelsSync();
  if (spec && dtypes.size === 1 && leaves.length > 0) {
    const wasmOk = wasm !== null && typeof wasm.exports[kernelName(spec.kind, "float32")] === "function";
    if (want === "wasm" && !wasmOk) throw new ArgumentError("optimizer: fused \"wasm\" requested but the WebAssembly core is not ready (await ready() first)");
    path = want === "auto" ? (wasmOk ? "wasm" : "js") : want;
  } else if (want === "wasm" || want === "js") {
    throw new ArgumentError(`optimizer: fused "${want}" needs an alias transform (sgd, adam, adamw, adagrad, rmsprop, lion) over leaves of one dtype`);
  }
  const dtype = leaves[0]?.dtype ?? "float32";
  const engine: Engine | null = path === "pure" || !spec ? null : path === "wasm" ? new WasmEngine(wasm!, spec, leaves, spec.slots(state as OptState), dtype, options.threadMin ?? THREAD_MIN_PARAMS) : new JsEngine(spec, leaves, spec.slots(state as OptState), dtype);

  const checkGrads = (grads: Tree): Tensor[] => {
    const g = treeFlattenWithPaths(grads, "grads");
    checkLeaves(flat, g, "params", "grads");
    return g.map(([, t]) => t);
  };

  // The parameters were written in place: resident WebAssembly copies of them are stale.
  const written = (): void => leaves.forEach((p) => dataWritten(p._data));

  return {
    get path() { return path; },
    get threads() { return engine?.threads ?? 1; },
    get params() { return params; },
    get count() { return count; },
    step(grads: Tree): void {
      const g = checkGrads(grads);
      if (engine && spec) {
        const lr = scheduleValue("optimizer.step", "lr", spec.lr, count);
        try {
          engine.step(g, count, lr);
        } finally {
          written();
        }
        count++;
        return;
      }
      const r = transform.update(grads, state, params);
      const next = treeFlattenWithPaths(applyUpdates(params, r.updates)).map(([, t]) => t);
      leaves.forEach((p, i) => p._data.set(next[i]._data));
      written();
      state = r.state;
      count++;
    },
    get state(): S {
      if (engine && spec) {
        engine.syncOut();
        spec.setCount(state as OptState, count);
      }
      return cloneState(state);
    },
    setState(s: S): void {
      copyState(state, s, "state");
      if (engine && spec) {
        engine.syncIn();
        count = readCount(s);
      } else {
        state = cloneState(s);
        count = readCount(s);
      }
    },
    dispose(): void {
      engine?.dispose();
    },
  };
}

/** Copies every tensor of `src` into the matching tensor of `dst` (same structure), and numbers. */
function copyState(dst: unknown, src: unknown, path: string): void {
  if (dst instanceof Tensor) {
    if (!(src instanceof Tensor)) throw new ArgumentError(`setState: ${path} must be a Tensor`);
    if (src.size !== dst.size || src.dtype !== dst.dtype) throw new ArgumentError(`setState: ${path} has ${src.size} ${src.dtype} values, expected ${dst.size} ${dst.dtype}`);
    dst._data.set(src._data);
    dataWritten(dst._data);
  } else if (Array.isArray(dst)) {
    if (!Array.isArray(src) || src.length !== dst.length) throw new ArgumentError(`setState: ${path} must be an array of ${dst.length}`);
    dst.forEach((d, i) => copyState(d, src[i], `${path}.${i}`));
  } else if (dst !== null && typeof dst === "object") {
    if (src === null || typeof src !== "object") throw new ArgumentError(`setState: ${path} must be an object`);
    for (const k of Object.keys(dst)) {
      if (!(k in src)) throw new ArgumentError(`setState: ${path}.${k} is missing`);
      const v = (src as Record<string, unknown>)[k];
      if (typeof (dst as Record<string, unknown>)[k] === "number") {
        if (typeof v !== "number") throw new ArgumentError(`setState: ${path}.${k} must be a number`);
        (dst as Record<string, unknown>)[k] = v;
      } else copyState((dst as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
  }
}

/** The step count of a state tree: the first numeric `count` field found (0 if none). */
function readCount(s: unknown): number {
  if (s !== null && typeof s === "object" && !(s instanceof Tensor)) {
    if (typeof (s as Record<string, unknown>).count === "number") return (s as Record<string, number>).count;
    for (const v of Object.values(s)) {
      const c = readCount(v);
      if (c > 0) return c;
    }
  }
  return 0;
}

const roundOf = (dtype: DType): Round => (dtype === "float32" ? Math.fround : identityRound);

class JsEngine implements Engine {
  readonly path = "js";
  readonly threads = 1;
  private readonly R: Round;
  private readonly c: StepScalars = { lr: 0, gScale: 1, clip: false, count: 0 };
  private readonly slotData: FloatArray[][];
  constructor(private readonly spec: FusedSpec, private readonly leaves: Tensor[], slots: Tensor[][], dtype: DType) {
    this.R = roundOf(dtype);
    // per leaf: its slot arrays
    this.slotData = leaves.map((_, l) => slots.map((s) => s[l]._data));
  }
  step(grads: Tensor[], count: number, lr: number): void {
    const c = this.c;
    c.lr = lr;
    c.count = count;
    c.clip = false;
    c.gScale = 1;
    if (this.spec.clipNorm !== undefined) {
      let s = 0;
      for (const g of grads) {
        const d = g._data;
        for (let i = 0; i < d.length; i++) s += d[i] * d[i];
      }
      const norm = Math.sqrt(s);
      if (norm > this.spec.clipNorm) {
        c.clip = true;
        c.gScale = this.spec.clipNorm / norm;
      }
    }
    const spec = this.spec;
    for (let l = 0; l < this.leaves.length; l++) {
      const P = this.leaves[l]._data, G = grads[l]._data, S = this.slotData[l], n = P.length;
      switch (spec.kind) {
        case "sgd": sgdJs(P, G, S, n, spec.hp, c, this.R); break;
        case "adam": adamJs(P, G, S, n, spec.hp, c, this.R); break;
        case "adagrad": adagradJs(P, G, S, n, spec.hp, c, this.R); break;
        case "rmsprop": rmspropJs(P, G, S, n, spec.hp, c, this.R); break;
        case "lion": lionJs(P, G, S, n, spec.hp, c, this.R); break;
      }
    }
  }
  syncOut(): void {}
  syncIn(): void {}
  dispose(): void {}
}

/** Export name of the fused kernel for `kind` in assembly/optim.ts. */
function kernelName(kind: FusedSpec["kind"], dtype: DType): string {
  return `${kind}Step${dtype === "float32" ? "F32" : "F64"}`;
}

type Fn = (...args: number[]) => number;

/**
 * Gradients reach the kernel through a buffer of this many elements (256 KiB of f32), filled just
 * before the kernel runs on that range: it stays in L2, so the gradient is read from main memory
 * once (by the copy), as the bandwidth bound assumes. Measured at 1e7 Adam parameters (step time,
 * 2-core EPYC, 1 MiB L2 per core): 16K elements 7.4 ms, 32K 7.0-7.2, 64K 6.6-6.9, 128K 6.8; fewer,
 * longer copies stream faster (35 GB/s at 16K, 40 GB/s at 64K) until the chunk leaves L2.
 */
const CHUNK = 65536;

/**
 * From this many parameters on (and when the kernels have a worker pool on shared memory), the wasm
 * path splits each step with a pool worker: see `WasmEngine`. Measured in bench/optim.bench.mjs.
 */
export const THREAD_MIN_PARAMS = 1 << 20;
/**
 * Chunk buffers in the ring through which the calling thread hands gradients to the worker (see
 * `WasmEngine.splitStep`): enough that the worker never waits for the next chunk, few enough that
 * the ring stays in cache and the worker's backlog at the end of a step is short.
 */
const RING = 4;

/** What must happen when a wasm engine is released (dispose, or garbage collection of the optimizer). */
interface WasmRelease {
  /** The shared kernels whose arena holds the slabs, or null for a private instance (nothing to free). */
  w: WasmKernels | null;
  ptrs: number[];
  leaves: Tensor[];
  /** The parameters' own arrays (before they became views); refilled from the slab on release. */
  own: FloatArray[];
  /** The parameters' storage are views into the slab. */
  views: boolean;
  done: boolean;
}

/** Buffers of the optimizers' private WebAssembly memories (never grown, so never detached). */
const privateBuffers = new WeakSet<ArrayBufferLike>();

/** `a` itself, or a private copy when it lives in WebAssembly memory (another optimizer's slab). */
function ownable(a: FloatArray): FloatArray {
  return (typeof SharedArrayBuffer !== "undefined" && a.buffer instanceof SharedArrayBuffer) || privateBuffers.has(a.buffer) ? a.slice() : a;
}

function release(r: WasmRelease, collected = false): void {
  if (r.done) return;
  r.done = true;
  if (r.views) r.leaves.forEach((t, l) => {
    r.own[l].set(t._data);
    dataWritten(r.own[l]);
    t._data = r.own[l];
  });
  // Slabs in the shared arena are freed only on an explicit dispose(). After garbage collection a
  // tensor derived from a parameter while it was a view (a reshape shares storage) may still read
  // the slab, and freed arena memory is reused: keeping it costs memory, reusing it would corrupt.
  if (r.w && !collected) r.ptrs.forEach((p) => r.w!.free(p));
}

/** Gives parameters their own arrays back when an optimizer is dropped without `dispose()`. */
const finalizer = typeof FinalizationRegistry !== "undefined" ? new FinalizationRegistry<WasmRelease>((r) => release(r, true)) : null;

const align64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** Overwrites `a` with the arguments (no allocation: `a` keeps its backing store). */
function put(a: number[], ...xs: number[]): void {
  a.length = xs.length;
  for (let i = 0; i < xs.length; i++) a[i] = xs[i];
}

/**
 * The fused kernels over slabs in WebAssembly memory. Preferably in a private instance of the
 * non-shared binary whose memory is sized once here and never grows: the parameters' storage
 * becomes views into the parameter slab (no copy in or out), and the gradient copy is an ordinary
 * memcpy (V8 copies into a SharedArrayBuffer word by word, ~4x slower). Fallback (an engine that
 * refuses synchronous instantiation): slabs in the shared kernels' arena, parameters as views on a
 * shared memory, copied in and out on an ordinary one (whose buffer is replaced when it grows).
 */
class WasmEngine implements Engine {
  readonly path = "wasm";
  readonly threads: number;
  /** Steps are split with a pool worker (`splitStep`). */
  private readonly split: boolean;
  /** When split: the queue block and the ring of RING chunk buffers (shared memory). */
  private readonly qPtr: number;
  private readonly ringPtr: number;
  /** Export name of the fused kernel. */
  private readonly op: string;
  /** Kernel arguments (reused: no allocation per step). */
  private readonly args: number[] = [];
  /** Gradient cursor: leaf and offset in it of the next element to copy. */
  private curL = 0;
  private curA = 0;
  private readonly bytes: number;
  private readonly n: number;
  private readonly offsets: number[];
  private readonly pPtr: number;
  private readonly gPtr: number;
  private readonly slotPtrs: number[];
  private kernel: Fn;
  private sumSquares: Fn;
  /** The parameters' storage are views into the parameter slab. */
  private readonly views: boolean;
  private readonly rel: WasmRelease;
  /** The memory holding the slabs. */
  private mem: () => ArrayBuffer | SharedArrayBuffer;
  /** When views: the views the parameters' storage was pointed at. */
  private readonly paramViews: FloatArray[] = [];
  /** Per-step scalars (reused: no allocation per step). */
  private readonly c = { lr: 0, first: 0, gScale: 1, bc1: 1, sqrtBc2: 1 };
  private view: FloatArray | null = null;
  private viewBuffer: ArrayBufferLike | null = null;
  private viewLength = 0;

  constructor(private readonly w: WasmKernels, private readonly spec: FusedSpec, private readonly leaves: Tensor[], private readonly slots: Tensor[][], private readonly dtype: DType, threadMin: number) {
    this.bytes = dtype === "float32" ? 4 : 8;
    this.offsets = [];
    let n = 0;
    for (const t of leaves) {
      this.offsets.push(n);
      n += t.size;
    }
    this.n = n;
    const slabBytes = align64(Math.max(1, n) * this.bytes), chunkBytes = align64(Math.max(1, Math.min(n, CHUNK)) * this.bytes);
    const suffix = dtype === "float32" ? "F32" : "F64";
    this.op = kernelName(spec.kind, dtype);
    // Split with a pool worker: every slab in the kernels' shared memory (the worker sees nothing
    // else), plus the queue block and ring of chunk buffers through which it gets gradients.
    const shared = typeof SharedArrayBuffer !== "undefined" && w.memory() instanceof SharedArrayBuffer;
    let split = n >= threadMin && n > CHUNK && w.threads > 1 && shared && typeof w.startWorker === "function" && typeof w.workerDone === "function";
    let ptrs: number[] = [];
    if (split) {
      try {
        for (const bytes of [slabBytes, chunkBytes, (QUEUE_HEADER + 2 * RING) * 4, RING * chunkBytes, ...slots.map(() => slabBytes)]) ptrs.push(w.alloc(bytes));
      } catch {
        ptrs.forEach((p) => w.free(p)); // out of shared memory: one thread, private memory
        ptrs = [];
        split = false;
      }
    }
    this.split = split;
    const priv = !split && typeof w.privateInstance === "function" ? w.privateInstance(slabBytes * (1 + slots.length) + chunkBytes) : null;
    if (split) {
      this.mem = () => w.memory();
      [this.pPtr, this.gPtr, this.qPtr, this.ringPtr] = ptrs;
      this.slotPtrs = ptrs.slice(4);
      this.kernel = w.exports[this.op] as Fn;
      this.sumSquares = w.exports[`sumSquares${suffix}`] as Fn;
      this.views = true;
    } else if (priv) {
      const buf = priv.memory.buffer;
      privateBuffers.add(buf);
      this.mem = () => buf;
      this.pPtr = priv.base;
      this.gPtr = priv.base + slabBytes;
      this.qPtr = this.ringPtr = 0;
      this.slotPtrs = slots.map((_, k) => priv.base + slabBytes + chunkBytes + k * slabBytes);
      this.kernel = priv.exports[this.op] as Fn;
      this.sumSquares = priv.exports[`sumSquares${suffix}`] as Fn;
      this.views = true;
    } else {
      this.mem = () => w.memory();
      const alloc = () => w.alloc(slabBytes);
      this.pPtr = alloc();
      this.gPtr = w.alloc(chunkBytes);
      this.qPtr = this.ringPtr = 0;
      this.slotPtrs = slots.map(alloc);
      this.kernel = w.exports[this.op] as Fn;
      this.sumSquares = w.exports[`sumSquares${suffix}`] as Fn;
      this.views = shared;
      ptrs = [this.pPtr, this.gPtr, ...this.slotPtrs];
    }
    this.threads = split ? 2 : 1;
    // A parameter whose storage already is a view into WebAssembly memory (another optimizer's
    // slab) gets a private copy to return to, never that view (its slab may be freed first).
    this.rel = { w: ptrs.length > 0 ? w : null, ptrs, leaves, own: leaves.map((t) => ownable(t._data)), views: this.views, done: false };
    const v = this.heap();
    leaves.forEach((t, l) => v.set(t._data, this.at(this.pPtr, l)));
    this.syncIn();
    if (this.views) {
      leaves.forEach((t, l) => {
        t._data = this.slice(this.pPtr, l);
        this.paramViews.push(t._data);
      });
    }
    finalizer?.register(this, this.rel, this);
  }

  /** A typed view of all of linear memory, re-created only when the buffer changed (growth). */
  private heap(): FloatArray {
    const buf = this.mem();
    if (this.view === null || this.viewBuffer !== buf || this.viewLength !== buf.byteLength) {
      this.view = this.dtype === "float32" ? new Float32Array(buf) : new Float64Array(buf);
      this.viewBuffer = buf;
      this.viewLength = buf.byteLength;
    }
    return this.view;
  }
  private at(ptr: number, leaf: number): number {
    return ptr / this.bytes + this.offsets[leaf];
  }
  private slice(ptr: number, leaf: number): FloatArray {
    const s = this.at(ptr, leaf);
    return this.heap().subarray(s, s + this.leaves[leaf].size);
  }

  step(grads: Tensor[], count: number, lr: number): void {
    if (this.rel.done) throw new ArgumentError("optimizer.step: the optimizer was disposed");
    let v = this.heap();
    if (!this.views) for (let l = 0; l < grads.length; l++) v.set(this.leaves[l]._data, this.at(this.pPtr, l));
    else {
      // Someone replaced a parameter's storage (e.g. loaded a checkpoint into a new array):
      // take its values and point it back at the slab.
      for (let l = 0; l < this.leaves.length; l++) {
        const t = this.leaves[l];
        if (t._data !== this.paramViews[l]) {
          v.set(t._data, this.at(this.pPtr, l));
          this.rel.own[l] = ownable(t._data);
          t._data = this.paramViews[l];
        }
      }
    }
    const spec = this.spec;
    const c = this.c;
    c.lr = lr;
    c.first = count === 0 ? 1 : 0;
    c.gScale = 1;
    if (spec.kind === "adam") [c.bc1, c.sqrtBc2] = adamBiasCorrection(spec.hp.b1, spec.hp.b2, count + 1, spec.hp.biasCorrection);
    if (!this.split) {
      if (spec.clipNorm !== undefined) {
        const norm = Math.sqrt(this.chunked(grads, false, 0));
        if (norm > spec.clipNorm) c.gScale = spec.clipNorm / norm;
      }
      this.chunked(grads, true, 0);
    } else this.splitStep(grads, v);
    if (!this.views) {
      v = this.heap();
      for (let l = 0; l < this.leaves.length; l++) {
        const s = this.at(this.pPtr, l);
        this.leaves[l]._data.set(v.subarray(s, s + this.leaves[l].size));
      }
    }
  }

  private words: Int32Array | null = null;
  /** An Int32Array over the same buffer as `v` when it is shared memory, else null. */
  private sharedWords(v: FloatArray): Int32Array | null {
    if (typeof SharedArrayBuffer === "undefined" || !(v.buffer instanceof SharedArrayBuffer)) return null;
    if (this.words === null || this.words.buffer !== v.buffer) this.words = new Int32Array(v.buffer);
    return this.words;
  }

  /**
   * A step split with a pool worker. Only this thread can read the gradients, so it walks the
   * chunks in order and, for each, either hands it to the worker (copies its gradients into the
   * next free buffer of a small ring in shared memory and publishes it on the queue) when the
   * worker has fewer than RING chunks pending, or copies it into its own chunk buffer and runs the
   * kernel itself. The split balances itself (a slow or descheduled worker gets fewer chunks), the
   * chunk boundaries are those of the unsplit path (same kernel calls, bit-identical results), and
   * the ring stays in cache, so the worker's gradients cost no extra main-memory traffic. With the
   * clip, the norm first takes a pass over the gradients on this thread, as unsplit.
   */
  private splitStep(grads: Tensor[], v: FloatArray): void {
    const w = this.w, spec = this.spec, c = this.c, bytes = this.bytes;
    if (spec.clipNorm !== undefined) {
      const norm = Math.sqrt(this.chunked(grads, false, 0));
      if (norm > spec.clipNorm) c.gScale = spec.clipNorm / norm;
    }
    const ctl = this.sharedWords(v)!;
    const q = this.qPtr >> 2;
    // The kernel's arguments for chunk 0 as a template: the worker advances the pointer arguments.
    this.setArgs(0, 0, 0);
    const args = this.args, nIndex = spec.kind === "adam" || spec.kind === "rmsprop" ? 5 : 3;
    let mask = 1;
    for (let i = 2; i < nIndex; i++) if (args[i] !== 0) mask |= 1 << i;
    ctl[q] = 0;
    ctl[q + 1] = 0;
    ctl[q + 2] = RING;
    ctl[q + 3] = 1;
    ctl[q + 4] = nIndex;
    ctl[q + 5] = mask;
    ctl[q + 6] = bytes;
    ctl[q + 7] = this.ringPtr;
    ctl[q + 8] = CHUNK;
    w.startWorker(this.op, args, q);
    const gBase = this.gPtr / bytes, ringBase = this.ringPtr / bytes;
    let pub = 0;
    const publish = (start: number, len: number): void => {
      const e = q + QUEUE_HEADER + (pub % RING) * 2;
      ctl[e] = start;
      ctl[e + 1] = len;
      Atomics.store(ctl, q, ++pub);
      Atomics.notify(ctl, q, 1);
    };
    try {
      this.seek(0);
      for (let start = 0; start < this.n; start += CHUNK) {
        const len = Math.min(CHUNK, this.n - start);
        // Near the end, a backlog no longer than the chunks left, so both threads finish together.
        if (pub - Atomics.load(ctl, q + 1) < Math.min(RING, Math.ceil((this.n - start) / CHUNK))) {
          this.copyNext(grads, v, len, ringBase + (pub % RING) * CHUNK);
          publish(start, len);
        } else {
          this.copyNext(grads, v, len, gBase);
          this.setArgs(start, len, this.gPtr);
          this.kernel.apply(null, this.args);
        }
      }
    } finally {
      // End of queue: a chunk of length 0, once a ring entry is free (unless the worker stopped).
      while (pub - Atomics.load(ctl, q + 1) >= RING && !w.workerDone());
      if (!w.workerDone()) publish(0, 0);
      w.joinWorker(); // never return (or throw) while the worker still writes the slabs
    }
  }

  /** Points the gradient cursor at flat element `start`. */
  private seek(start: number): void {
    let l = 0;
    while (l < this.leaves.length - 1 && this.offsets[l] + this.leaves[l].size <= start) l++;
    this.curL = l;
    this.curA = start - this.offsets[l];
  }

  /**
   * Copies the next `len` gradient elements (across leaf boundaries) to element index `dst` of `v`.
   * Into shared memory the copy goes through Int32Array views of the same bytes: V8 copies a
   * Float32Array into a SharedArrayBuffer element by element (measured 12 GB/s in cache) but an
   * Int32Array word-wise (22 GB/s; 33 GB/s into an ordinary buffer), bit for bit the same values.
   */
  private copyNext(grads: Tensor[], v: FloatArray, len: number, dst: number): void {
    let l = this.curL, a = this.curA, filled = 0;
    const words = this.sharedWords(v), k = this.bytes >> 2;
    while (filled < len) {
      const src = grads[l]._data;
      const take = Math.min(src.length - a, len - filled);
      if (take > 0) {
        if (words) words.set(new Int32Array(src.buffer, src.byteOffset + a * this.bytes, take * k), (dst + filled) * k);
        else v.set(a === 0 && take === src.length ? src : src.subarray(a, a + take), dst + filled);
      }
      filled += take;
      a += take;
      if (a >= src.length) {
        l++;
        a = 0;
      }
    }
    this.curL = l;
    this.curA = a;
  }

  /**
   * Streams the gradients of elements [from, n) through the small chunk buffer: copies the next
   * CHUNK elements (across leaf boundaries: the slabs are contiguous) and either accumulates their
   * sum of squares (`update` false, for the clip) or runs the fused kernel on that range of the
   * slabs. The chunk stays in cache between the copy and the kernel, so main-memory traffic is the
   * kernel's own.
   */
  private chunked(grads: Tensor[], update: boolean, from: number): number {
    const v = this.heap();
    const gBase = this.gPtr / this.bytes;
    let start = from, sum = 0;
    this.seek(from);
    while (start < this.n) {
      const len = Math.min(CHUNK, this.n - start);
      this.copyNext(grads, v, len, gBase);
      if (update) {
        this.setArgs(start, len, this.gPtr);
        this.kernel.apply(null, this.args);
      } else sum += this.sumSquares(this.gPtr, len);
      start += len;
    }
    return sum;
  }

  /** `args` = the fused kernel's arguments for elements [start, start + len) of the slabs, gradients at `g`. */
  private setArgs(start: number, len: number, g: number): void {
    const o = start * this.bytes;
    const c = this.c;
    const p = this.pPtr + o;
    const sp = this.slotPtrs;
    const s0 = sp.length > 0 ? sp[0] + o : 0, s1 = sp.length > 1 ? sp[1] + o : 0, s2 = sp.length > 2 ? sp[2] + o : 0;
    const a = this.args;
    const spec = this.spec;
    switch (spec.kind) {
      case "sgd": {
        const h = spec.hp;
        put(a, p, g, s0, len, c.lr, h.wd, h.momentum, 1 - h.dampening, h.nesterov ? 1 : 0, c.first, c.gScale);
        break;
      }
      case "adam": {
        const h = spec.hp;
        const flags = (h.wd > 0 && !h.decoupled ? 1 : 0) | (h.wd > 0 && h.decoupled ? 2 : 0) | (h.amsgrad ? 4 : 0);
        put(a, p, g, s0, s1, s2, len, c.lr, h.b1, h.b2, h.eps, c.bc1, c.sqrtBc2, h.wd, flags, c.gScale);
        break;
      }
      case "adagrad": {
        const h = spec.hp;
        put(a, p, g, s0, len, c.lr, h.wd, h.eps, h.epsMode === "outside" ? 0 : 1, c.gScale);
        break;
      }
      case "rmsprop": {
        const h = spec.hp;
        const nu = s0, mu = h.centered ? s1 : 0, b = h.centered ? s2 : s1;
        const mode = h.epsMode === "outside" ? 0 : h.epsMode === "inside" ? 1 : 2;
        const flags = (h.centered ? 1 : 0) | (h.lrInsideMomentum ? 2 : 0) | (c.first ? 4 : 0);
        put(a, p, g, nu, mu, b, len, c.lr, h.wd, h.alpha, h.eps, mode, h.momentum, flags, c.gScale);
        break;
      }
      case "lion": {
        const h = spec.hp;
        put(a, p, g, s0, len, c.lr, h.wd, h.b1, h.b2, c.gScale);
        break;
      }
    }
  }

  syncOut(): void {
    if (this.rel.done) return;
    const v = this.heap();
    this.slots.forEach((slot, k) =>
      slot.forEach((t, l) => {
        const s = this.at(this.slotPtrs[k], l);
        t._data.set(v.subarray(s, s + t.size));
      }),
    );
  }
  syncIn(): void {
    if (this.rel.done) return;
    const v = this.heap();
    this.slots.forEach((slot, k) => slot.forEach((t, l) => v.set(t._data, this.at(this.slotPtrs[k], l))));
  }
  dispose(): void {
    if (this.rel.done) return;
    this.syncOut();
    finalizer?.unregister(this);
    release(this.rel);
    // Drop every reference to a private instance, so its memory can be collected.
    const gone = (): never => {
      throw new ArgumentError("optimizer: the optimizer was disposed");
    };
    this.mem = this.kernel = this.sumSquares = gone;
    this.view = null;
    this.words = null;
    this.viewBuffer = null;
    this.paramViews.length = 0;
  }
}
