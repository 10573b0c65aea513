// Worker threads over one shared WebAssembly.Memory. Each worker instantiates the same compiled
// WebAssembly.Module on the shared memory and loops: block in Atomics.wait on its control block,
// run one exported kernel with integer (pointer/count) arguments, signal completion.
//
// Control block of worker w (Int32 slots at ctlPtr/4 + w*SLOTS):
//   | 0 gen | 1 doneGen | 2 op (index into `ops`) | 3 nargs | 4 error | 5.. args (i32) |
// The main thread writes op/args, bumps `gen` and notifies; the worker runs the job, stores
// `doneGen = gen` and notifies. Atomics give the happens-before edges for the data in memory.

import { canBlock, spawnWorker, type WorkerHandle } from "../../platform";

export const SLOTS = 16;
const MAX_ARGS = SLOTS - 5;

/** Classic-script source of a worker; self-contained (shipped inside the bundle as a string). */
const WORKER_SOURCE = `"use strict";
(function () {
  var isNode = typeof process !== "undefined" && process.versions && process.versions.node;
  var port = isNode ? require("node:worker_threads").parentPort : null;
  function post(m) { if (port) port.postMessage(m); else self.postMessage(m); }
  function setup(msg) {
    var instance;
    try {
      instance = new WebAssembly.Instance(msg.module, { env: { memory: msg.memory, abort: function () { throw new Error("wasm abort"); } } });
    } catch (err) { post({ type: "error", message: String(err) }); return; }
    var fns = msg.ops.map(function (name) { return instance.exports[name]; });
    var ctl = new Int32Array(msg.memory.buffer);
    var base = msg.ctlIndex, seen = 0, args = [];
    post({ type: "ready" });
    for (;;) {
      Atomics.wait(ctl, base, seen);
      var gen = Atomics.load(ctl, base);
      if (gen === seen) continue;
      seen = gen;
      var op = ctl[base + 2];
      if (op < 0) return;
      var nargs = ctl[base + 3];
      args.length = nargs;
      for (var i = 0; i < nargs; i++) args[i] = ctl[base + 5 + i];
      try { fns[op].apply(null, args); ctl[base + 4] = 0; } catch (err) { ctl[base + 4] = 1; }
      Atomics.store(ctl, base + 1, gen);
      Atomics.notify(ctl, base + 1);
    }
  }
  if (port) port.once("message", setup);
  else self.onmessage = function (e) { self.onmessage = null; setup(e.data); };
})();
`;

export class ThreadPool {
  private readonly gens: number[];
  private readonly blocking = canBlock();

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly ctlIndex: number,
    private readonly workers: WorkerHandle[],
    private readonly ops: readonly string[],
  ) {
    this.gens = workers.map(() => 0);
  }

  /** Number of worker threads (the calling thread is not counted). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Starts `count` workers on `module` + shared `memory`; `ctlPtr` must point at count*SLOTS*4
   * zeroed bytes. Returns null if workers cannot be started here.
   */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, ctlPtr: number, count: number, ops: readonly string[]): Promise<ThreadPool | null> {
    const workers: WorkerHandle[] = [];
    try {
      for (let w = 0; w < count; w++) {
        const worker = await spawnWorker(WORKER_SOURCE);
        if (!worker) break;
        const ready = worker.firstMessage();
        worker.postMessage({ module, memory, ctlIndex: (ctlPtr >> 2) + w * SLOTS, ops });
        const msg = (await ready) as { type: string; message?: string };
        if (msg.type !== "ready") {
          worker.terminate();
          throw new Error(msg.message ?? "worker failed to start");
        }
        workers.push(worker);
      }
    } catch {
      for (const w of workers) w.terminate();
      return null;
    }
    return workers.length > 0 ? new ThreadPool(memory, ctlPtr >> 2, workers, ops) : null;
  }

  private ctl(): Int32Array {
    return new Int32Array(this.memory.buffer, 0, this.ctlIndex + this.workers.length * SLOTS);
  }

  /** Starts `ops[op](...args)` on worker `w` (args are i32: pointers and element counts). */
  dispatch(w: number, op: string, args: readonly number[]): void {
    const opIndex = this.ops.indexOf(op);
    if (opIndex < 0 || args.length > MAX_ARGS) throw new Error(`downhill thread pool: bad job ${op}`);
    const ctl = this.ctl();
    const base = this.ctlIndex + w * SLOTS;
    ctl[base + 2] = opIndex;
    ctl[base + 3] = args.length;
    for (let i = 0; i < args.length; i++) ctl[base + 5 + i] = args[i] | 0;
    const gen = (this.gens[w] = (this.gens[w] + 1) | 0);
    Atomics.store(ctl, base, gen);
    Atomics.notify(ctl, base, 1);
  }

  /** Waits until workers 0..count-1 finished their last job; throws if one of them failed. */
  wait(count: number): void {
    const ctl = this.ctl();
    for (let w = 0; w < count; w++) {
      const base = this.ctlIndex + w * SLOTS;
      const gen = this.gens[w];
      for (;;) {
        const done = Atomics.load(ctl, base + 1);
        if (done === gen) break;
        if (this.blocking) Atomics.wait(ctl, base + 1, done, 1000);
      }
      if (ctl[base + 4] !== 0) throw new Error(`downhill thread pool: worker ${w} failed`);
    }
  }

  terminate(): void {
    for (const w of this.workers) w.terminate();
  }
}
