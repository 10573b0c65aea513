// Operands that come back stay in WebAssembly memory: a bounded cache from a tensor's typed array
// to a copy of it in linear memory, so that a data matrix multiplied on every evaluation (the
// logistic regression's X, a layer's weights in the forward and the backward pass) is copied in
// once instead of once per matmul. 8 MB of float64 cost ~150-300 us to copy and ~190 us to
// multiply by a vector: without this, copies were most of a logistic-regression evaluation.
//
// Why this is safe:
// - Tensors are immutable through the public API and `tensor(typedArray)` copies its input, so a
//   tensor's array changes only where the library writes it in place (the stateful optimizer,
//   checkGrad's perturbations, basis vectors in curvature code). Every such writer calls
//   `dataWritten` (src/backend/select.ts), which drops the array's entry.
// - Memory is bounded: at most CAPACITY bytes, least recently used entries evicted first. A
//   FinalizationRegistry frees entries of collected arrays early when the event loop gets to run;
//   nothing depends on it (a synchronous loop never lets it run, and the bound still holds).
// - Admission on the second sighting: an array seen once (a batch, an activation used once)
//   never displaces one that keeps coming back.

/** Arrays smaller than this are copied per call: the copy costs less than the bookkeeping. */
export const RESIDENT_MIN_BYTES = 256 * 1024;
/** Upper bound on the linear memory the cache holds. */
export const RESIDENT_CAPACITY = 96 * 1024 * 1024;

type FloatArray = Float32Array | Float64Array;

interface Entry {
  ptr: number;
  bytes: number;
}

export interface Allocator {
  alloc(bytes: number): number;
  free(ptr: number): void;
}

export class ResidentCache {
  /** Insertion order = recency order (a hit re-inserts), so the first key is the LRU entry. */
  private readonly lru = new Map<number, Entry>();
  private readonly ids = new WeakMap<FloatArray, number>();
  private readonly seen = new WeakSet<FloatArray>();
  private readonly finalizer: FinalizationRegistry<number> | null;
  private nextId = 1;
  private held = 0;

  constructor(private readonly arena: Allocator, private readonly capacity = RESIDENT_CAPACITY) {
    this.finalizer = typeof FinalizationRegistry === "function" ? new FinalizationRegistry((id) => this.drop(id)) : null;
  }

  /** Bytes of linear memory held (for tests and diagnostics). */
  get bytes(): number {
    return this.held;
  }
  get size(): number {
    return this.lru.size;
  }

  /**
   * The byte offset of `x`'s resident copy, or -1 when the caller should copy it to scratch as
   * before. `copyIn(ptr)` fills a newly admitted entry. Never evicts `keep` (the other operand of
   * the same call).
   */
  lookup(x: FloatArray, copyIn: (ptr: number) => void, keep: number = -1): number {
    const bytes = x.byteLength;
    if (bytes < RESIDENT_MIN_BYTES || bytes > this.capacity / 2) return -1;
    const id = this.ids.get(x);
    if (id !== undefined) {
      const e = this.lru.get(id);
      if (e) {
        this.lru.delete(id);
        this.lru.set(id, e);
        return e.ptr;
      }
    }
    if (!this.seen.has(x)) {
      this.seen.add(x);
      return -1;
    }
    while (this.held + bytes > this.capacity) {
      const first = this.lru.entries().next().value as [number, Entry] | undefined;
      if (!first || first[1].ptr === keep) return -1;
      this.drop(first[0]);
    }
    const ptr = this.arena.alloc(bytes);
    copyIn(ptr);
    const newId = this.nextId++;
    this.lru.set(newId, { ptr, bytes });
    this.ids.set(x, newId);
    this.held += bytes;
    this.finalizer?.register(x, newId, x);
    return ptr;
  }

  /** `x` was written in place: its copy (if any) is stale. */
  forget(x: FloatArray): void {
    const id = this.ids.get(x);
    if (id === undefined) return;
    this.ids.delete(x);
    this.finalizer?.unregister(x);
    this.drop(id);
  }

  /** Frees every entry. */
  clear(): void {
    for (const id of [...this.lru.keys()]) this.drop(id);
  }

  private drop(id: number): void {
    const e = this.lru.get(id);
    if (!e) return;
    this.lru.delete(id);
    this.held -= e.bytes;
    this.arena.free(e.ptr);
  }
}
