/// <reference types="@webgpu/types" />
/**
 * One device's machinery: pipelines compiled once per (kernel, constants) and cached, the buffer
 * pool, and one open command encoder that collects every dispatch until something needs the
 * results (a read) or the current task ends (a microtask flush), so a training step's kernels go
 * to the queue as one command buffer. Metadata travels in small storage buffers from the pool.
 */
import commonSrc from "../../../kernels/common.wgsl";
import elementwiseSrc from "../../../kernels/elementwise.wgsl";
import layoutSrc from "../../../kernels/layout.wgsl";
import reduceSrc from "../../../kernels/reduce.wgsl";
import matmulSrc from "../../../kernels/matmul.wgsl";
import optimSrc from "../../../kernels/optim.wgsl";
import matmulOperandsSrc from "../../../kernels/matmulOperands.wgsl";
import matmulHalfOperandsSrc from "../../../kernels/matmulHalfOperands.wgsl";
import halfFormatSrc from "../../../kernels/halfFormat.wgsl";
import halfSrc from "../../../kernels/half.wgsl";
import { BufferPool } from "./pool.js";

export type Family = "elementwise" | "layout" | "reduce" | "matmul" | "optim" | "half" | "matmulHalf";
// matmulHalf: the same products over packed binary16 operands (mixed precision, halfStorage.ts)
const SOURCES: Record<Family, string> = {
  elementwise: elementwiseSrc,
  layout: layoutSrc,
  reduce: reduceSrc,
  matmul: matmulOperandsSrc + matmulSrc,
  optim: optimSrc,
  half: halfFormatSrc + halfSrc,
  matmulHalf: halfFormatSrc + matmulHalfOperandsSrc + matmulSrc,
};

/** A binding: a buffer (whole) or metadata words. */
export type Binding = GPUBuffer | Uint32Array | Int32Array | Float32Array;

/** Dispatches submitted in one command buffer at most (then it is flushed early). */
const MAX_DISPATCHES = 2048;

export class GpuContext {
  readonly pool: BufferPool;
  private readonly modules = new Map<Family, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private flushQueued = false;
  private temps: GPUBuffer[] = [];
  /** `temporary` buffers: they return to the pool one flush later than metadata temporaries. */
  private lateTemps: GPUBuffer[] = [];
  /** Command buffers submitted so far (tests check a step is one). */
  submits = 0;
  readonly maxGroups: number;
  readonly limits: GPUSupportedLimits;
  /** Set when the device is lost; every later call must go to the CPU. */
  lost = false;
  /** The GPU object the device came from, kept reachable (device.ts `gpu`). */
  keepAlive: unknown = null;

  /** Validation and out-of-memory errors the device reported (a kernel bug shows here, not as a throw). */
  readonly errors: string[] = [];

  constructor(readonly device: GPUDevice, maxPooledBytes: number) {
    this.pool = new BufferPool(device, maxPooledBytes);
    device.addEventListener?.("uncapturederror", (e) => {
      const msg = (e as GPUUncapturedErrorEvent).error.message;
      if (this.errors.length < 16) this.errors.push(msg);
    });
    this.limits = device.limits;
    this.maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
  }

  pipeline(family: Family, entry: string, constants: Record<string, number> = {}): GPUComputePipeline {
    const key = `${family}:${entry}:${JSON.stringify(constants)}`;
    let p = this.pipelines.get(key);
    if (!p) {
      let mod = this.modules.get(family);
      if (!mod) this.modules.set(family, (mod = this.device.createShaderModule({ code: commonSrc + SOURCES[family], label: family })));
      p = this.device.createComputePipeline({ layout: "auto", compute: { module: mod, entryPoint: entry, constants }, label: key });
      this.pipelines.set(key, p);
    }
    return p;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /** A buffer holding `data` (a pool buffer; `temp`: returned to the pool after the next submit). */
  upload(data: ArrayBufferView, temp: boolean): GPUBuffer {
    const b = this.pool.acquire(Math.max(data.byteLength, 4));
    if (data.byteLength > 0) this.device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
    if (temp) this.temps.push(b);
    return b;
  }

  /**
   * A pool buffer of at least `bytes` for one op's intermediate (mixed precision's conversions):
   * it returns to the pool at the second flush from now, so an early flush (MAX_DISPATCHES)
   * between the dispatch that writes it and the one that reads it cannot hand it out again.
   */
  temporary(bytes: number): GPUBuffer {
    const b = this.pool.acquire(Math.max(bytes, 4));
    this.lateTemps.push(b);
    return b;
  }

  /** The 2-D grid covering `groups` workgroups. */
  grid(groups: number): [number, number] {
    if (groups <= this.maxGroups) return [Math.max(groups, 1), 1];
    const y = Math.ceil(groups / this.maxGroups);
    return [Math.ceil(groups / y), y];
  }

  /**
   * Encodes one dispatch: `bindings[i]` at binding `slots[i]` (default 0, 1, ...); metadata arrays
   * are uploaded as temporaries.
   */
  dispatch(pipe: GPUComputePipeline, bindings: Binding[], groups: [number, number, number?], slots?: number[]): void {
    this.dispatchBound(pipe, this.bindGroup(pipe, bindings, slots), groups);
  }

  /** The bind group of `bindings` for `pipe` (as `dispatch` binds them); a compiled program keeps its own across calls. */
  bindGroup(pipe: GPUComputePipeline, bindings: Binding[], slots?: number[]): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = bindings.map((b, i) => ({
      binding: slots ? slots[i] : i,
      resource: { buffer: ArrayBuffer.isView(b) ? this.upload(b, true) : b },
    }));
    return this.device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries });
  }

  /** Encodes one dispatch over a bind group made beforehand (`bindGroup`). */
  dispatchBound(pipe: GPUComputePipeline, group: GPUBindGroup, groups: [number, number, number?]): void {
    const pass = this.openPass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2] ?? 1);
    if (++this.dispatches >= MAX_DISPATCHES) this.flush();
  }

  private openEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    return this.encoder;
  }

  private openPass(): GPUComputePassEncoder {
    const encoder = this.openEncoder();
    if (!this.pass) this.pass = encoder.beginComputePass();
    return this.pass;
  }

  /** Encodes a buffer copy (outside compute passes: the open one ends, none is begun for it). */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number): void {
    const encoder = this.openEncoder();
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    if (bytes > 0) encoder.copyBufferToBuffer(src, 0, dst, 0, bytes);
  }

  /** Submits what was encoded; parked buffers become reusable. */
  flush(): void {
    this.flushQueued = false;
    if (this.encoder) {
      this.pass?.end();
      const cmd = this.encoder.finish();
      this.encoder = null;
      this.pass = null;
      this.dispatches = 0;
      if (!this.lost) {
        this.device.queue.submit([cmd]);
        this.submits++;
      }
    }
    for (const t of this.temps) this.pool.release(t);
    this.temps = this.lateTemps;
    this.lateTemps = [];
    this.pool.settle();
    if (this.temps.length > 0 && !this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** `bytes` of `src` as the CPU sees them, after everything encoded so far. */
  async read(src: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({ size: Math.max(4, Math.ceil(bytes / 4) * 4), usage: 0x1 /* MAP_READ */ | 0x8 /* COPY_DST */ });
    this.copy(src, staging, Math.ceil(bytes / 4) * 4);
    this.flush();
    try {
      await staging.mapAsync(0x1 /* READ */);
      return staging.getMappedRange().slice(0, bytes);
    } finally {
      staging.destroy();
    }
  }
}
