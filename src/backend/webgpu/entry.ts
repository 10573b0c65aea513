/// <reference types="@webgpu/types" />
/**
 * The WebGPU backend's entry: select.ts reaches it only through a dynamic import from
 * `ready({ backend: "webgpu" })`, and the bundle builds it as its own file (dist/webgpu.js), so
 * neither `downhill` nor `downhill/core` carries it until asked for.
 */
import { acquireDevice, type DeviceOptions } from "./device.js";
import { GpuContext } from "./context.js";
import { createBackend, type Host, type WebGpuBackend } from "./backend.js";
import type { Precision } from "./halfStorage.js";

export type { WebGpuBackend } from "./backend.js";
export { createAutoBackend, measureCrossover } from "./autoSelect.js";

export interface WebGpuStart extends DeviceOptions {
  /** Bytes of free buffers the pool keeps for reuse (default 256 MiB). */
  poolBytes?: number;
  /** "mixed": activations stored as packed binary16, float32 accumulation (backend.ts); default "f32". */
  precision?: Precision;
  /** Called once if the device is lost, with the reason. */
  onLost?: (reason: string) => void;
}

export async function startWebGpu(host: Host, options: WebGpuStart): Promise<WebGpuBackend> {
  const got = await acquireDevice(options);
  const ctx = new GpuContext(got.device, options.poolBytes ?? 256 * 2 ** 20);
  ctx.keepAlive = got.gpu;
  const backend = createBackend(ctx, got.adapter, host, got.fallback, options.precision ?? "f32");
  got.device.lost.then((info) => {
    backend.markLost(`the WebGPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ""})`);
    options.onLost?.(backend.lostReason!);
  });
  return backend;
}
