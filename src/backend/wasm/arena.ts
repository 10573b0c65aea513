// Allocation in WebAssembly linear memory, owned by TypeScript (the wasm side never allocates).
// First-fit free list with coalescing above a bump pointer; memory grows in 64 KiB pages when the
// bump pointer passes the end. Typed views must be re-created after growth: use `views()`.

const ALIGN = 64; // cache-line alignment; also satisfies v128 (16) and f64 (8)
const PAGE = 65536;

export interface MemoryViews {
  buffer: ArrayBuffer | SharedArrayBuffer;
  u8: Uint8Array;
  i32: Int32Array;
  f32: Float32Array;
  f64: Float64Array;
}

export class Arena {
  private top: number;
  private readonly sizes = new Map<number, number>();
  /** Free blocks sorted by address, never adjacent (coalesced). */
  private free_: { ptr: number; bytes: number }[] = [];
  private cached: MemoryViews | null = null;

  constructor(readonly memory: WebAssembly.Memory, heapBase: number) {
    this.top = align(Math.max(heapBase, 1024));
  }

  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    for (let i = 0; i < this.free_.length; i++) {
      const block = this.free_[i];
      if (block.bytes >= size) {
        const ptr = block.ptr;
        if (block.bytes === size) this.free_.splice(i, 1);
        else {
          block.ptr += size;
          block.bytes -= size;
        }
        this.sizes.set(ptr, size);
        return ptr;
      }
    }
    const ptr = this.top;
    const end = ptr + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    this.sizes.set(ptr, size);
    return ptr;
  }

  free(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`downhill wasm arena: free of unknown pointer ${ptr}`);
    this.sizes.delete(ptr);
    // Insert sorted, then merge with neighbours; a block touching `top` returns to the bump region.
    let i = 0;
    while (i < this.free_.length && this.free_[i].ptr < ptr) i++;
    this.free_.splice(i, 0, { ptr, bytes: size });
    if (i + 1 < this.free_.length && ptr + size === this.free_[i + 1].ptr) {
      this.free_[i].bytes += this.free_[i + 1].bytes;
      this.free_.splice(i + 1, 1);
    }
    if (i > 0 && this.free_[i - 1].ptr + this.free_[i - 1].bytes === ptr) {
      this.free_[i - 1].bytes += this.free_[i].bytes;
      this.free_.splice(i, 1);
      i--;
    }
    const last = this.free_[this.free_.length - 1];
    if (last && last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      this.free_.pop();
    }
  }

  /** Typed views over the current buffer (re-created only after the memory grew). */
  views(): MemoryViews {
    const buffer = this.memory.buffer;
    if (this.cached === null || this.cached.buffer !== buffer) {
      this.cached = { buffer, u8: new Uint8Array(buffer), i32: new Int32Array(buffer), f32: new Float32Array(buffer), f64: new Float64Array(buffer) };
    }
    return this.cached;
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
