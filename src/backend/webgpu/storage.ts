/// <reference types="@webgpu/types" />
/**
 * What a tensor holds on the WebGPU backend: a float32 buffer on the device plus its lineage,
 * the recipe that recomputes its values on the CPU (the host backend's kernel over its inputs'
 * lineages). The lineage is what keeps every tensor's values when the device is lost: they are
 * recomputed on the CPU on first use. It holds no GPU buffer, only recipes and CPU arrays, and is
 * cut whenever values reach the CPU (a read, or a snapshot the backend takes once a chain grows
 * deep), so it stays short.
 */
import type { FloatArray } from "../../tensor/dtype.js";

export interface Lineage {
  /** The values on the CPU, once known. */
  cpu: FloatArray | null;
  /** Recomputes the values on the CPU (null once `cpu` is set). */
  replay: (() => FloatArray) | null;
  /** Length of the recipe chain since the last values on the CPU. */
  depth: number;
}

export const knownLineage = (values: FloatArray): Lineage => ({ cpu: values, replay: null, depth: 0 });

/** The values of a lineage on the CPU, recomputing (and memoizing) them if needed. */
export function resolveLineage(l: Lineage): FloatArray {
  if (l.cpu === null) {
    l.cpu = l.replay!();
    l.replay = null;
  }
  return l.cpu;
}

export class GpuStorage {
  /** null after the device was lost (then `lin` is the only source of the values). */
  buffer: GPUBuffer | null;
  /** `half`: the buffer holds the n values as packed binary16 (mixed precision, halfStorage.ts). */
  constructor(buffer: GPUBuffer, readonly n: number, public lin: Lineage, readonly half = false) {
    this.buffer = buffer;
  }
}
