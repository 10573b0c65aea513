/// <reference types="@webgpu/types" />
/**
 * A byte-bounded pool of storage buffers by power-of-two size class. A buffer whose tensor was
 * collected (or a kernel's temporary) comes back here, but only once the command buffer that may
 * still read it has been submitted (`release` parks it until `settle`): a later
 * `queue.writeBuffer` into a reused buffer runs before commands submitted after it, never before
 * ones submitted earlier. Above the bound, returned buffers are destroyed.
 */
export const BUFFER_USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8 /* COPY_DST */;

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private parked: GPUBuffer[] = [];
  pooledBytes = 0;
  liveBytes = 0;
  liveBuffers = 0;
  created = 0;
  constructor(private readonly device: GPUDevice, readonly maxPooledBytes: number) {}

  /** The size class of a request: a power of two, at least 256 bytes. */
  static classOf(bytes: number): number {
    return Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(bytes, 1))));
  }

  acquire(bytes: number): GPUBuffer {
    const size = BufferPool.classOf(bytes);
    const list = this.free.get(size);
    let b = list?.pop();
    if (b) this.pooledBytes -= size;
    else {
      b = this.device.createBuffer({ size, usage: BUFFER_USAGE });
      this.created++;
    }
    this.liveBytes += size;
    this.liveBuffers++;
    return b;
  }

  /** Returns a buffer; it becomes reusable at the next `settle`. */
  release(b: GPUBuffer): void {
    this.liveBytes -= b.size;
    this.liveBuffers--;
    this.parked.push(b);
  }

  /** Called after a submit: parked buffers become reusable (or are destroyed above the bound). */
  settle(): void {
    const parked = this.parked;
    this.parked = [];
    for (const b of parked) {
      if (this.pooledBytes + b.size > this.maxPooledBytes) {
        b.destroy();
        continue;
      }
      let list = this.free.get(b.size);
      if (!list) this.free.set(b.size, (list = []));
      list.push(b);
      this.pooledBytes += b.size;
    }
  }

  /** Destroys every pooled buffer. */
  clear(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooledBytes = 0;
  }
}
