// The WebAssembly core's kernels behind typed-array wrappers: each copies its operands into
// linear memory (a reusable scratch region, or the resident copy of an operand seen before), runs
// a kernel from assembly/, and copies the result out; large products and elementwise passes are
// split with the worker pool once it is up. One instance per compiled binary and memory
// (src/backend/wasm/index.ts creates them).
import { ThreadPool, StartupHold, type PoolStart } from "./threadPool.js";
import type { Arena } from "./arena.js";
import { ResidentCache } from "./resident.js";
import { hostEnv, type WasmCore } from "./abi.js";
import type { WasmVariant, Bytes } from "./binaries.js";
import type { WasmUnaryOp } from "../ops.js";
import { matmulOn, type MatmulEpilogue } from "./matmulKernel.js";
import { unaryOn, crossEntropyLogitsOn, crossEntropyResidualOn } from "./elementwiseKernels.js";
import * as blas from "./linalgKernels.js";
import { al } from "./align.js";

export type FloatArray = Float32Array | Float64Array;

/** Every instance created, so that an in-place write reaches each one's resident cache. */
const created: WasmKernels[] = [];

/** `x` (a tensor's storage) was written in place: drop resident copies of it everywhere. */
export function notifyWritten(x: FloatArray): void {
  for (let i = 0; i < created.length; i++) created[i].dataWritten(x);
}


export interface WasmKernels {
  readonly variant: WasmVariant;
  /** Threads a large matmul is split over (calling thread included); 1 without shared memory/workers, or until they are up. */
  readonly threads: number;
  /** Threads once the pool is up: `threads` or more while workers are starting, 1 where they failed or none were asked for. */
  readonly threadsPlanned: number;
  /**
   * Resolves when the worker threads are running (or failed to start: then `threads` stays 1).
   * Reading it keeps a Node process alive until then; the background start alone does not.
   */
  readonly threadsReady: Promise<void>;
  /** C[m,n] = op(A) @ op(B); op(A) = A [m,k] or, with transA, A stored [k,m]; op(B) = B [k,n] or, with transB, B stored [n,k]. */
  matmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, transA: boolean, transB: boolean, epilogue?: MatmulEpilogue | null): void;
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
  /** Dense linear algebra in the operands' dtype (assembly/linalg.ts; LinalgKernels in backend.ts says what each returns). */
  cholesky<A extends FloatArray>(a: A, n: number): A | null;
  choleskySolve<A extends FloatArray>(l: A, n: number, b: A): A;
  triangularSolve<A extends FloatArray>(t: A, n: number, b: A, lower: boolean, transpose: boolean, unitDiagonal: boolean): A;
  symEig<A extends FloatArray>(a: A, n: number): { values: A; vectors: A } | null;
  qr<A extends FloatArray>(a: A, m: number, n: number): { q: A; r: A };
  fromEigen<A extends FloatArray>(vectors: A, d: A, n: number): A;
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
   * An array of `size` values that lives in this core's memory, so its kernels read and write it in
   * place (no copy in or out); freed when the array is collected. Null where the memory is not
   * shared (its growth would detach the view) or nothing could free it (no FinalizationRegistry).
   * For buffers the library owns (a compiled program's intermediates), never for a caller's values.
   */
  homeArray(f32: boolean, size: number): FloatArray | null;
  /** The byte offset of an array from `homeArray`, or -1 for any other array. */
  homeOf(x: FloatArray): number;
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

export interface PrivateInstance {
  readonly exports: Record<string, unknown>;
  readonly memory: WebAssembly.Memory;
  /** First free byte (64-byte aligned) above the instance's static data. */
  readonly base: number;
}

export class Kernels implements WasmKernels {
  readonly exports: Record<string, unknown>;
  /** @internal the worker pool once it is running (see `live`), else null. */
  pool: ThreadPool | null = null;
  /** Workers on their way up, polled before ops until they are (or failed). */
  private starting: PoolStart | null = null;
  private onStartFailed: () => void = () => {};
  private threadsStarted: Promise<void> = Promise.resolve();
  /** Whether the starting workers keep a Node process alive: only once someone reads `threadsReady`. */
  readonly hold = new StartupHold();
  /** The non-shared binary of `variant`, for `privateInstance` (compiled on first use). */
  private plainModule: WebAssembly.Module | null;
  /** @internal per-thread scratch for the packed A block (index 0: calling thread). */
  readonly workPtrs: number[];
  /** @internal the ticket and done counter of products shared with the workers (assembly/matmul.ts matmulClaim*); 0 until a pool attaches. */
  claimPtr = 0;
  private claimJob = 0;
  readonly resident: ResidentCache;
  /** One reusable region for matmul/BLAS operands, grown on demand. */
  private scratchPtr = 0;
  private scratchBytes = 0;

  constructor(
    readonly variant: WasmVariant,
    instance: WebAssembly.Instance,
    readonly core: WasmCore,
    private readonly mem: WebAssembly.Memory,
    readonly arena: Arena,
    /** The non-shared binary's bytes; null when the caller supplied the compiled module. */
    private readonly plainBytes: Bytes | null,
    plainModule?: WebAssembly.Module,
  ) {
    this.exports = instance.exports as Record<string, unknown>;
    this.workPtrs = [arena.alloc(core.matmulWorkBytes())];
    this.resident = new ResidentCache(arena);
    // Compiled on first use (privateInstance): ~0.5 ms synchronously once V8's wasm engine is up,
    // cheaper than a background compile competing with start-up and the workers for the cores.
    this.plainModule = plainModule ?? null;
    created.push(this);
  }

  get threadsReady(): Promise<void> {
    this.startDeferred();
    this.hold.want();
    return this.threadsStarted.then(() => void this.live());
  }
  startThreads(start: PoolStart, onFailed: () => void): void {
    this.starting = start;
    this.onStartFailed = onFailed;
    this.threadsStarted = start.settled;
  }
  /**
   * The pool: spawned at the second kernel call (or when someone waits for it: `threadsReady`,
   * `ready({ threads })`, `fit`). Workers take ~30-70 ms to come up in Node, so the op that started the core
   * could never use them; a program that computes once (a script, a start-up measurement) does not
   * pay the ~3-7 ms of spawning on the main thread, and one that keeps computing gets them one
   * kernel later.
   */
  deferThreads(start: () => PoolStart, onFailed: () => void, workers: number): void {
    this.deferred = { start, onFailed, workers };
  }
  private deferred: { start: () => PoolStart; onFailed: () => void; workers: number } | null = null;
  private kernelCalls = 0;
  private startDeferred(): void {
    const d = this.deferred;
    if (d === null) return;
    this.deferred = null;
    this.startThreads(d.start(), d.onFailed);
  }

  get threads(): number {
    return 1 + (this.live()?.size ?? 0);
  }
  get threadsPlanned(): number {
    const pool = this.live();
    return pool ? 1 + pool.size : this.starting ? 1 + this.starting.count : this.deferred ? 1 + this.deferred.workers : 1;
  }

  /**
   * The pool if its workers are up. While they start, each call polls their flags in shared
   * memory (a few Atomics loads) and attaches them the first time all are ready: between two
   * kernels, never during one.
   */
  /** @internal */
  live(): ThreadPool | null {
    if (this.deferred !== null && ++this.kernelCalls >= 2) this.startDeferred();
    if (this.starting !== null) {
      const pool = this.starting.poll();
      if (pool) {
        while (this.workPtrs.length < 1 + pool.size) this.workPtrs.push(this.arena.alloc(this.core.matmulWorkBytes()));
        this.claimPtr = this.arena.alloc(64);
        this.pool = pool;
        this.starting = null;
      } else if (this.starting.failed) {
        this.starting = null;
        this.onStartFailed();
      }
    }
    return this.pool;
  }

  /** @internal a fresh job id for the claim ticket (1 .. 2^22 - 1: it sits above the chunk bits). */
  nextClaimJob(): number {
    this.claimJob = this.claimJob >= 0x3fffff ? 1 : this.claimJob + 1;
    return this.claimJob;
  }

  dataWritten(x: FloatArray): void {
    this.resident.forget(x);
  }

  private readonly homes = new WeakMap<FloatArray, number>();
  private homeRegistry: FinalizationRegistry<number> | null = null;
  homeArray(f32: boolean, size: number): FloatArray | null {
    const buffer = this.mem.buffer;
    if (typeof SharedArrayBuffer === "undefined" || !(buffer instanceof SharedArrayBuffer) || typeof FinalizationRegistry !== "function") return null;
    this.homeRegistry ??= new FinalizationRegistry((ptr) => this.arena.free(ptr));
    const ptr = this.arena.alloc(Math.max(size * (f32 ? 4 : 8), 64));
    const x = f32 ? new Float32Array(this.mem.buffer, ptr, size) : new Float64Array(this.mem.buffer, ptr, size); // the buffer after any growth
    this.homes.set(x, ptr);
    this.homeRegistry.register(x, ptr);
    return x;
  }
  homeOf(x: FloatArray): number {
    return this.homes.get(x) ?? -1;
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
      // Compiled synchronously on first use (a browser's main thread may refuse a large one: then
      // the caller falls back to the shared arena).
      this.plainModule ??= new WebAssembly.Module(this.plainBytes!);
      instance = new WebAssembly.Instance(this.plainModule, { env: hostEnv() });
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
  /** @internal */
  scratch(bytes: number): number {
    if (bytes > this.scratchBytes) {
      if (this.scratchBytes > 0) this.arena.free(this.scratchPtr);
      this.scratchBytes = Math.max(bytes, this.scratchBytes * 1.5);
      this.scratchPtr = this.arena.alloc(this.scratchBytes);
    }
    return this.scratchPtr;
  }

  /** Copies `x` to byte offset `ptr` of linear memory. */
  /** @internal */
  put(ptr: number, x: FloatArray): void {
    const v = this.arena.views();
    if (x instanceof Float32Array) v.f32.set(x, ptr >> 2);
    else v.f64.set(x, ptr >> 3);
  }

  /** Copies linear memory at `ptr` into `out` (same element type). */
  /** @internal */
  get(ptr: number, out: FloatArray): void {
    const v = this.arena.views();
    if (out instanceof Float32Array) out.set(v.f32.subarray(ptr >> 2, (ptr >> 2) + out.length));
    else out.set(v.f64.subarray(ptr >> 3, (ptr >> 3) + out.length));
  }

  unary(op: WasmUnaryOp, x: FloatArray, out: FloatArray): void {
    unaryOn(this, op, x, out);
  }
  crossEntropyLogits(x: FloatArray, t: FloatArray, out: FloatArray): void {
    crossEntropyLogitsOn(this, x, t, out);
  }
  crossEntropyResidual(x: FloatArray, t: FloatArray, loss: FloatArray, res: FloatArray): void {
    crossEntropyResidualOn(this, x, t, loss, res);
  }

  matmul(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, transA: boolean, transB: boolean, epilogue: MatmulEpilogue | null = null): void {
    matmulOn(this, a, b, c, m, k, n, transA, transB, epilogue);
  }

  dot(x: FloatArray, y: FloatArray): number {
    return blas.dot(this, x, y);
  }
  nrm2(x: FloatArray): number {
    return blas.nrm2(this, x);
  }
  axpy(alpha: number, x: FloatArray, y: FloatArray): void {
    blas.axpy(this, alpha, x, y);
  }
  scal(alpha: number, x: FloatArray): void {
    blas.scal(this, alpha, x);
  }
  cholesky<A extends FloatArray>(a: A, n: number): A | null {
    return blas.cholesky(this, a, n);
  }
  choleskySolve<A extends FloatArray>(l: A, n: number, b: A): A {
    return blas.choleskySolve(this, l, n, b);
  }
  triangularSolve<A extends FloatArray>(t: A, n: number, b: A, lower: boolean, transpose: boolean, unitDiagonal: boolean): A {
    return blas.triangularSolve(this, t, n, b, lower, transpose, unitDiagonal);
  }
  symEig<A extends FloatArray>(a: A, n: number): { values: A; vectors: A } | null {
    return blas.symEig(this, a, n);
  }
  qr<A extends FloatArray>(a: A, m: number, n: number): { q: A; r: A } {
    return blas.qr(this, a, m, n);
  }
  fromEigen<A extends FloatArray>(vectors: A, d: A, n: number): A {
    return blas.fromEigen(this, vectors, d, n);
  }
}

