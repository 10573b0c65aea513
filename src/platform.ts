// The single seam between downhill and its host (Node, browsers, workers, edge runtimes).
// Node built-ins are only reached through dynamic `import("node:...")` behind runtime detection,
// so the neutral ESM bundle never needs them (scripts/bundle.mjs marks `node:*` external).

/** True in Node (and Node-compatible runtimes that set `process.versions.node`). */
export const isNode: boolean =
  typeof process !== "undefined" && typeof process.versions === "object" && process.versions !== null && typeof process.versions.node === "string";

/** Logical cores usable for compute threads (including the calling thread); 1 when unknown. */
export async function hardwareConcurrency(): Promise<number> {
  if (isNode) {
    try {
      const os = await import("node:os");
      return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
    } catch {
      return 1;
    }
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency && nav.hardwareConcurrency > 0 ? nav.hardwareConcurrency : 1;
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

/**
 * Starts a worker from self-contained JavaScript source (a classic script, no imports).
 * Node: `worker_threads.Worker` with `eval: true`, unref'd so it never keeps the process alive.
 * Browsers: a Blob URL Worker. Returns null where workers are unavailable.
 */
export async function spawnWorker(source: string): Promise<WorkerHandle | null> {
  if (isNode) {
    // In a try block so bundlers targeting browsers or edge runtimes (esbuild, hence wrangler)
    // treat the unresolvable built-in as optional instead of failing the user's build.
    let Worker: typeof import("node:worker_threads").Worker;
    try {
      ({ Worker } = await import("node:worker_threads"));
    } catch {
      return null;
    }
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

/**
 * base64 text -> bytes, with the fastest decoder the host has: `Uint8Array.fromBase64` (new
 * engines), Node's global `Buffer` (~0.2 ms for a 40 KB binary, against 2-3 ms for the atob +
 * charCodeAt loop below, which was most of `ready()`), else `atob` everywhere else.
 */
export function decodeBase64(base64: string): Uint8Array<ArrayBuffer> {
  const U8 = Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array<ArrayBuffer> };
  if (typeof U8.fromBase64 === "function") return U8.fromBase64(base64);
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (B && typeof B.from === "function") return new Uint8Array(B.from(base64, "base64")); // own ArrayBuffer, not Node's pool
  const s = atob(base64);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
