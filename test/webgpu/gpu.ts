// Starts the WebGPU backend for a test file: Dawn from the `webgpu` package over the SwiftShader
// Vulkan driver that @sparticuz/chromium carries (test/browser/globalSetup.ts puts it on the
// forks' loader path). A machine without it fails here with the reason, never skips.
import { backendInfo, ready, setBackend } from "../../src/backend/select.js";
import { backendNamed } from "../../src/backend/select.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/entry.js";

export async function startGpu(): Promise<WebGpuBackend> {
  await ready({ backend: "webgpu" });
  const info = backendInfo();
  if (info.backend !== "webgpu") throw new Error(`no WebGPU device: ${info.error}`);
  return backendNamed("webgpu") as WebGpuBackend;
}

/** Runs `f` on the JS reference backend, then back on WebGPU. */
export function onJs<T>(f: () => T): T {
  setBackend("js");
  try {
    return f();
  } finally {
    setBackend("webgpu");
  }
}

/**
 * Lets collected GPU tensors go back to the pool before a count of live buffers is read:
 * finalization callbacks run on later tasks, some rounds after the collection, so this collects
 * and waits until the count stops falling (at least 6 rounds, at most 40).
 */
export async function settleLiveBuffers(gpu: WebGpuBackend, gc: () => void): Promise<void> {
  let prev = Infinity, stable = 0;
  for (let round = 0; round < 40 && (round < 6 || stable < 3); round++) {
    const now = gpu.stats().liveBuffers;
    stable = now >= prev ? stable + 1 : 0;
    prev = now;
    gc();
    gc();
    await new Promise((r) => setTimeout(r, 20));
    gpu.ctx.flush();
  }
}
