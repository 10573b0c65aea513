// Worker threads over one shared WebAssembly.Memory. Each worker instantiates the same compiled
// WebAssembly.Module on the shared memory and loops: block in Atomics.wait on its control block,
// run one exported kernel with integer (pointer/count) arguments, signal completion.
//
// Control block of worker w (Int32 slots at ctlPtr/4 + w*SLOTS; ctlPtr 8-byte aligned):
//   | 0 gen | 1 doneGen | 2 op (index into `ops`) | 3 nargs | 4 error | 5 queue | 6 state | 7 unused | 8.. args (f64) |
// `state` is written by the worker once it has instantiated the module: 1 ready, 2 failed. The
// main thread reads it with Atomics.load before an op, so a pool attaches even in a program that
// never yields to the event loop (the worker's "ready" message would arrive only on a macrotask).
// Arguments are f64 slots (pointers and counts are exact in f64; the optimizer kernels also take
// f64 scalars), passed to the export as JS numbers (wasm converts them to its parameter types).
// The main thread writes op/args, bumps `gen` and notifies; the worker runs the job, stores
// `doneGen = gen` and notifies. Atomics give the happens-before edges for the data in memory.
//
// Queue jobs (queue != 0: the Int32 index of a queue block, see QUEUE_* below): the worker runs the
// kernel once per chunk the main thread publishes, until a chunk of length 0. The main thread can
// copy data the worker cannot see (JS arrays) into a small ring of chunk buffers while the worker
// runs the kernel on earlier chunks, and keep the chunks it does not hand out for itself.
// Queue block (Int32 slots at its index q):
//   | 0 published | 1 consumed | 2 ring slots R | 3 arg index of the chunk pointer | 4 arg index of
//   the chunk length | 5 bit mask of args advanced by start*elemBytes | 6 elemBytes | 7 ring byte
//   pointer | 8 ring slot elements | 9-15 unused | 16.. R entries (start, length) |
// Chunk k sits in entry k % R and ring slot k % R; `published` counts chunks published (the main
// thread writes the entry and slot, then stores published and notifies), `consumed` chunks done.
//
// Shared jobs (matrix products, src/backend/wasm/matmulKernel.ts): the caller and the workers take
// chunks from a ticket in memory and the caller waits for the chunk count (`waitCount`), not for the
// workers' jobs to end; `dispatch` lets a worker still on such a job finish before reusing its block.

import { canBlock, spawnWorker, spawnWorkerSync, type WorkerHandle } from "../../platform.js";
import { HOST_ENV_SOURCE } from "./abi.js";

export const SLOTS = 48;

/**
 * Whether starting workers keeps a Node process alive. A pool started in the background must not
 * (a script that ends first exits at once), but a caller awaiting the pool must be kept alive
 * until it is up, or Node exits under its top-level await (exit code 13). `want()` switches from
 * the first to the second, for workers already starting and those still to come.
 */
export class StartupHold {
  private wanted = false;
  private readonly pending = new Set<WorkerHandle>();
  want(): void {
    if (this.wanted) return;
    this.wanted = true;
    for (const w of this.pending) w.ref();
  }
  /** A worker started: it holds the process only if someone waits. */
  starting(w: WorkerHandle): void {
    this.pending.add(w);
    if (this.wanted) w.ref();
  }
  /** A worker reported in (or failed): a running pool never holds the process. */
  settled(w: WorkerHandle): void {
    this.pending.delete(w);
    w.unref();
  }
}
/** Polls of a worker's done flag before the calling thread blocks (~100-200 us of spinning). */
const SPIN_BEFORE_WAIT = 10000;
/** Polls of its control word a worker makes after a job before it blocks (~0.5 ms). */
const WORKER_SPIN = 50000;
/** Int32 slots of a queue block before its entries (a block is QUEUE_HEADER + 2 * R slots). */
export const QUEUE_HEADER = 16;
const ARGS = 8;
const MAX_ARGS = (SLOTS - ARGS) / 2;
/** The control-block slot a worker writes once started, and its values (see the header). */
const STATE = 6;
const READY = 1;
const FAILED = 2;

/** Classic-script source of a worker; self-contained (shipped inside the bundle as a string). */
const WORKER_SOURCE = `"use strict";
(function () {
  var isNode = typeof process !== "undefined" && process.versions && process.versions.node;
  var port = isNode ? require("node:worker_threads").parentPort : null;
  function post(m) { if (port) port.postMessage(m); else self.postMessage(m); }
  var ctl, memory;
  function setup(msg) {
    memory = msg.memory;
    ctl = new Int32Array(msg.memory.buffer);
    var base = msg.ctlIndex, seen = 0, args = [];
    var instance;
    try {
      instance = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory, abort: function () { throw new Error("wasm abort"); }, ${HOST_ENV_SOURCE} } });
    } catch (err) { Atomics.store(ctl, base + ${STATE}, ${FAILED}); post({ type: "error", message: String(err) }); return; }
    var fns = msg.ops.map(function (name) { return instance.exports[name]; });
    var f64 = new Float64Array(msg.memory.buffer);
    Atomics.store(ctl, base + ${STATE}, ${READY});
    post({ type: "ready" });
    for (;;) {
      // Poll for the next job a little before sleeping: jobs come in bursts (a matrix-vector
      // product per evaluation, ~0.3 ms apart), and waking a sleeping thread costs 50-200 us here.
      for (var spin = 0; spin < ${WORKER_SPIN} && Atomics.load(ctl, base) === seen; spin++);
      Atomics.wait(ctl, base, seen);
      var gen = Atomics.load(ctl, base);
      if (gen === seen) continue;
      seen = gen;
      var op = ctl[base + 2];
      if (op < 0) return;
      var nargs = ctl[base + 3];
      args.length = nargs;
      var a0 = (base + ${ARGS}) >> 1;
      for (var i = 0; i < nargs; i++) args[i] = f64[a0 + i];
      var q = ctl[base + 5];
      try { if (q > 0) queue(fns[op], args, q); else fns[op].apply(null, args); ctl[base + 4] = 0; } catch (err) { ctl[base + 4] = 1; }
      Atomics.store(ctl, base + 1, gen);
      Atomics.notify(ctl, base + 1);
    }
  }
  function queue(fn, tmpl, q) {
    if (ctl.length < q + 256) ctl = new Int32Array(memory.buffer); // the block may lie above the memory seen at start-up
    var R = ctl[q + 2], gi = ctl[q + 3], ni = ctl[q + 4], mask = ctl[q + 5], eb = ctl[q + 6], ring = ctl[q + 7], C = ctl[q + 8];
    var a = tmpl.slice();
    for (var k = 0; ; k++) {
      // spin a little (a chunk takes tens of microseconds; waking from Atomics.wait costs as much), then sleep
      for (var spin = 0; Atomics.load(ctl, q) <= k; spin++) if (spin > 20000) Atomics.wait(ctl, q, k, 5);
      var e = q + ${QUEUE_HEADER} + (k % R) * 2, start = ctl[e], len = ctl[e + 1];
      if (len <= 0) return;
      for (var i = 0; i < a.length; i++) if (mask & (1 << i)) a[i] = tmpl[i] + start * eb;
      a[gi] = ring + (k % R) * C * eb;
      a[ni] = len;
      fn.apply(null, a);
      Atomics.store(ctl, q + 1, k + 1);
    }
  }
  if (port) port.once("message", setup);
  else self.onmessage = function (e) { self.onmessage = null; setup(e.data); };
})();
`;

export class ThreadPool {
  private readonly gens: number[];
  private readonly blocking = canBlock();

  /** Number of worker threads (the calling thread is not counted). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts `count` workers on `module` + shared `memory`; `ctlPtr` must point at count*SLOTS*4
   * zeroed bytes. Where the host can spawn workers synchronously (browsers, workers, Node with
   * getBuiltinModule) they are spawned before this returns; `PoolStart.poll()` then hands over
   * the pool once every worker has flagged itself ready in shared memory.
   */
  static start(module: WebAssembly.Module, memory: WebAssembly.Memory, ctlPtr: number, count: number, ops: readonly string[], hold: StartupHold = new StartupHold()): PoolStart {
    return new PoolStart(module, memory, ctlPtr, count, ops, hold);
  }

  /** @internal a pool of started workers (see PoolStart). */
  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly ctlIndex: number,
    private readonly workers: WorkerHandle[],
    private readonly ops: readonly string[],
  ) {
    this.gens = workers.map(() => 0);
  }

  private ctlView: Int32Array | null = null;
  private argView: Float64Array | null = null;
  /** Views of the control blocks (they sit below the initial memory size: growth never moves them). */
  private ctl(): Int32Array {
    if (!this.ctlView) {
      const end = this.ctlIndex + this.workers.length * SLOTS;
      this.ctlView = new Int32Array(this.memory.buffer, 0, end);
      this.argView = new Float64Array(this.memory.buffer, 0, end >> 1);
    }
    return this.ctlView;
  }

  /** Starts `ops[op](...args)` on worker `w` (pointers, element counts and f64 scalars). */
  dispatch(w: number, op: string, args: readonly number[], queue = 0): void {
    const opIndex = this.ops.indexOf(op);
    if (opIndex < 0 || args.length > MAX_ARGS) throw new Error(`downhill thread pool: bad job ${op}`);
    // A worker may still be on a job its caller stopped waiting for (a shared product whose chunks
    // were all taken before it woke, see waitCount): let it finish before its arguments change.
    if (!this.done(w)) this.settle(w);
    const ctl = this.ctl();
    const f64 = this.argView!;
    const base = this.ctlIndex + w * SLOTS;
    ctl[base + 2] = opIndex;
    ctl[base + 3] = args.length;
    ctl[base + 5] = queue;
    const a0 = (base + ARGS) >> 1;
    for (let i = 0; i < args.length; i++) f64[a0 + i] = args[i];
    const gen = (this.gens[w] = (this.gens[w] + 1) | 0);
    Atomics.store(ctl, base, gen);
    Atomics.notify(ctl, base, 1);
  }

  /** Whether worker `w` finished its last job (never blocks; `wait` still reports its failure). */
  done(w: number): boolean {
    return Atomics.load(this.ctl(), this.ctlIndex + w * SLOTS + 1) === this.gens[w];
  }

  /** Whether worker `w` finishes its last job within `spins` polls of its done flag. */
  doneSoon(w: number, spins: number): boolean {
    const ctl = this.ctl();
    const at = this.ctlIndex + w * SLOTS + 1;
    for (let i = 0; i < spins; i++) if (Atomics.load(ctl, at) === this.gens[w]) return true;
    return false;
  }

  /** Waits until workers 0..count-1 finished their last job; throws if one of them failed. */
  wait(count: number): void {
    const ctl = this.ctl();
    for (let w = 0; w < count; w++) {
      const base = this.ctlIndex + w * SLOTS;
      const gen = this.gens[w];
      // Spin first: the calling thread has nothing else to do, and being woken from Atomics.wait
      // costs ~40 us here (a tiny job's round trip went from 75 to ~35 us), which is a third of a
      // 10000x100 matrix-vector product.
      for (let spin = 0; ; spin++) {
        const done = Atomics.load(ctl, base + 1);
        if (done === gen) break;
        if (this.blocking && spin > SPIN_BEFORE_WAIT) Atomics.wait(ctl, base + 1, done, 1000);
      }
      if (ctl[base + 4] !== 0) throw new Error(`downhill thread pool: worker ${w} failed`);
    }
  }

  /** Waits until worker `w` finished its last job, failed or not (the caller does not need its result). */
  settle(w: number): void {
    const ctl = this.ctl();
    const at = this.ctlIndex + w * SLOTS + 1;
    for (let spin = 0; ; spin++) {
      const done = Atomics.load(ctl, at);
      if (done === this.gens[w]) return;
      if (this.blocking && spin > SPIN_BEFORE_WAIT) Atomics.wait(ctl, at, done, 1000);
    }
  }

  /**
   * Waits until the counter `counter[at]` reaches `target` (chunks of a job shared with
   * `workers`, each counted once finished). It does not wait for those workers to end their jobs:
   * one that wakes after every chunk was taken finds none left and stops, and `dispatch` lets it
   * do so before giving it the next job. Throws if one of them ended its job having failed.
   */
  waitCount(counter: Int32Array, at: number, target: number, workers: readonly number[]): void {
    const ctl = this.ctl();
    for (let spin = 0; ; spin++) {
      const v = Atomics.load(counter, at);
      if (v >= target) return;
      if ((spin & 255) === 255) {
        for (const w of workers) if (this.done(w) && ctl[this.ctlIndex + w * SLOTS + 4] !== 0) throw new Error(`downhill thread pool: worker ${w} failed`);
      }
      // chunks take tens of microseconds: poll with short sleeps (the workers do not notify)
      if (this.blocking && spin > SPIN_BEFORE_WAIT) Atomics.wait(counter, at, v, 0.05);
    }
  }

  terminate(): void {
    for (const w of this.workers) w.terminate();
  }
}

/**
 * Workers on their way up. `poll()` never blocks: it returns the pool once every worker has
 * written READY into its control block, null before that or after a failure. `settled` resolves
 * (never rejects) once each worker has reported in or failed, through its first message: that is
 * what `await ready({threads})` waits for.
 */
export class PoolStart {
  private readonly workers: WorkerHandle[] = [];
  private readonly ctl: Int32Array;
  private pool: ThreadPool | null = null;
  private spawned = false;
  failed = false;
  readonly settled: Promise<void>;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly ctlPtr: number,
    /** Workers asked for. */
    readonly count: number,
    private readonly ops: readonly string[],
    private readonly hold: StartupHold,
  ) {
    this.ctl = new Int32Array(memory.buffer, 0, (ctlPtr >> 2) + count * SLOTS);
    const firsts: Promise<unknown>[] = [];
    let sync = true;
    for (let w = 0; w < count && sync; w++) {
      let h: WorkerHandle | null | undefined;
      try {
        h = spawnWorkerSync(WORKER_SOURCE);
      } catch {
        h = null;
      }
      if (h === undefined) sync = false;
      else if (h === null) break;
      else firsts.push(this.launch(h, w));
    }
    const all = sync ? Promise.resolve(firsts) : this.spawnAsync();
    this.settled = all.then((fs) => Promise.all(fs)).then(
      (msgs) => {
        if ((msgs as { type?: string }[]).some((m) => m?.type !== "ready") || this.workers.length === 0) this.fail();
      },
      () => this.fail(),
    );
    if (sync) this.spawned = true;
  }

  /** Posts the module and memory to worker `w`; resolves with its first message. */
  private launch(h: WorkerHandle, w: number): Promise<unknown> {
    const first = h.firstMessage();
    this.hold.starting(h);
    this.workers.push(h);
    h.postMessage({ module: this.module, memory: this.memory, ctlIndex: (this.ctlPtr >> 2) + w * SLOTS, ops: this.ops });
    return first.finally(() => this.hold.settled(h));
  }

  /** The asynchronous spawn (Node without getBuiltinModule). */
  private async spawnAsync(): Promise<Promise<unknown>[]> {
    const firsts: Promise<unknown>[] = [];
    for (let w = 0; w < this.count; w++) {
      const h = await spawnWorker(WORKER_SOURCE);
      if (!h) break;
      firsts.push(this.launch(h, w));
    }
    this.spawned = true;
    return firsts;
  }

  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    for (const w of this.workers) w.terminate();
  }

  /** The pool once every worker flagged READY; null while starting or after a failure. */
  poll(): ThreadPool | null {
    if (this.pool || this.failed || !this.spawned || this.workers.length === 0) return this.pool;
    const base = this.ctlPtr >> 2;
    for (let w = 0; w < this.workers.length; w++) {
      const state = Atomics.load(this.ctl, base + w * SLOTS + STATE);
      if (state === FAILED) {
        this.fail();
        return null;
      }
      if (state !== READY) return null;
    }
    return (this.pool = new ThreadPool(this.memory, base, this.workers, this.ops));
  }
}
