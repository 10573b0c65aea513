// The single seam between downhill and its host (Node, browsers, workers, edge runtimes).
// Node built-ins are only reached through dynamic `import("node:...")` behind runtime detection,
// so the neutral ESM bundle never needs them (scripts/bundle.mjs marks `node:*` external).

/** True in Node (and Node-compatible runtimes that set `process.versions.node`). */
export const isNode: boolean =
  typeof process !== "undefined" && typeof process.versions === "object" && process.versions !== null && typeof process.versions.node === "string";

/**
 * A Node built-in module, synchronously, where the host offers `process.getBuiltinModule`
 * (Node >= 20.16 and 22.3), else null. This is what lets the first op start the WebAssembly core
 * and its worker threads without an `await`; older Node keeps the asynchronous path.
 */
export function builtinSync<T>(id: "node:os" | "node:worker_threads" | "node:fs"): T | null {
  if (!isNode) return null;
  const get = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (typeof get !== "function") return null;
  try {
    return (get(id) as T) ?? null;
  } catch {
    return null;
  }
}

/**
 * Writes `bytes` to the file `path` in Node, atomically (a temporary file beside it, then a
 * rename, so a reader or a crash never sees half a file). Returns false where there is no
 * synchronous file system (browsers, workers, edge runtimes, Node < 20.16).
 */
export function writeFileAtomicSync(path: string, bytes: Uint8Array): boolean {
  const fs = builtinSync<typeof import("node:fs")>("node:fs");
  if (!fs) return false;
  const tmp = `${path}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, path);
  return true;
}

/** Logical cores (including the calling thread) if the host tells synchronously, else null. */
export function hardwareConcurrencySync(): number | null {
  if (isNode) {
    const os = builtinSync<typeof import("node:os")>("node:os");
    if (!os) return null;
    return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency && nav.hardwareConcurrency > 0 ? nav.hardwareConcurrency : 1;
}

/** Logical cores usable for compute threads (including the calling thread); 1 when unknown. */
export async function hardwareConcurrency(): Promise<number> {
  const sync = hardwareConcurrencySync();
  if (sync !== null) return sync;
  try {
    const os = await import("node:os"); // only reached in Node without getBuiltinModule
    return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  } catch {
    return 1;
  }
}

/**
 * Whether a shared WebAssembly.Memory can be created and posted to workers: always in Node;
 * in browsers only on cross-origin-isolated pages (COOP/COEP headers), where SharedArrayBuffer exists.
 */
export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined") return false;
  if (isNode) return true;
  return (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/**
 * Whether this thread may block in `Atomics.wait`. Node's main thread and any worker may; a
 * browser window's main thread may not (it must spin on `Atomics.load` instead).
 */
export function canBlock(): boolean {
  if (isNode) return true;
  const g = globalThis as { document?: unknown; WorkerGlobalScope?: unknown };
  return typeof g.document === "undefined" && typeof g.WorkerGlobalScope !== "undefined";
}

/** A started worker thread, whatever the host. */
export interface WorkerHandle {
  postMessage(message: unknown): void;
  /**
   * Resolves with the first message the worker sends, rejects on a worker error. Waiting for it
   * does not keep a Node process alive (see `ref`).
   */
  firstMessage(): Promise<unknown>;
  /** Node: keep the process alive while this worker runs or is awaited (no-op elsewhere). */
  ref(): void;
  /** Node: stop keeping the process alive for this worker (the state after spawnWorker). */
  unref(): void;
  terminate(): void;
}

type NodeWorker = typeof import("node:worker_threads").Worker;

/**
 * Starts a worker from self-contained JavaScript source (a classic script, no imports).
 * Node: `worker_threads.Worker` with `eval: true`, unref'd so it never keeps the process alive.
 * Browsers: a Blob URL Worker. Returns null where workers are unavailable.
 */
export async function spawnWorker(source: string): Promise<WorkerHandle | null> {
  const now = spawnWorkerSync(source);
  if (now !== undefined) return now;
  // Node without getBuiltinModule. In a try block so bundlers targeting browsers or edge runtimes
  // (esbuild, hence wrangler) treat the unresolvable built-in as optional instead of failing.
  let Worker: NodeWorker;
  try {
    ({ Worker } = await import("node:worker_threads"));
  } catch {
    return null;
  }
  return nodeWorker(Worker, source);
}

/**
 * `spawnWorker` without an await: the handle (or null where workers are unavailable), or
 * undefined where only the asynchronous path can tell (Node without getBuiltinModule).
 */
export function spawnWorkerSync(source: string): WorkerHandle | null | undefined {
  if (isNode) {
    const wt = builtinSync<typeof import("node:worker_threads")>("node:worker_threads");
    return wt ? nodeWorker(wt.Worker, source) : undefined;
  }
  return browserWorker(source);
}

function nodeWorker(Worker: NodeWorker, source: string): WorkerHandle {
  // execArgv: [] so flags of the parent (e.g. --input-type=module) cannot change how the
  // classic-script worker source is parsed.
  const worker = new Worker(source, { eval: true, execArgv: [] });
  worker.unref();
  return {
    postMessage: (message) => worker.postMessage(message),
    firstMessage: () =>
      new Promise((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
        // Adding a "message" listener refs the worker again: without this a script that called
        // ready() stayed alive until the pool reported in (~100 ms after its last line here).
        worker.unref();
      }),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    terminate: () => void worker.terminate(),
  };
}

function browserWorker(source: string): WorkerHandle | null {
  const g = globalThis as { Worker?: typeof Worker; Blob?: typeof Blob; URL?: typeof URL };
  if (!g.Worker || !g.Blob || !g.URL) return null;
  const url = g.URL.createObjectURL(new g.Blob([source], { type: "text/javascript" }));
  const worker = new g.Worker(url);
  return {
    postMessage: (message) => worker.postMessage(message),
    firstMessage: () =>
      new Promise((resolve, reject) => {
        worker.addEventListener("message", (e) => resolve((e as MessageEvent).data), { once: true });
        worker.addEventListener("error", (e) => reject(new Error((e as ErrorEvent).message || "worker error")), { once: true });
      }),
    ref: () => {},
    unref: () => {},
    terminate: () => {
      worker.terminate();
      g.URL!.revokeObjectURL(url);
    },
  };
}
