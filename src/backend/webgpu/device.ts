/// <reference types="@webgpu/types" />
/**
 * Getting a GPUDevice: a device or a GPU (navigator.gpu-like object) the caller passes, else
 * `navigator.gpu` (browsers, workers), else Dawn's Node binding from the optional `webgpu`
 * package, imported only here and only when asked for. An explicit request accepts a software
 * adapter (SwiftShader); `hardwareOnly` (automatic selection) refuses one.
 */

export interface DeviceOptions {
  /** A GPU to ask for an adapter (`navigator.gpu`, or `create([...])` from the `webgpu` package). */
  gpu?: GPU;
  /** A device to run on as it is (its adapter's description is then unknown). */
  device?: GPUDevice;
  /** Refuse fallback (software) adapters. */
  hardwareOnly?: boolean;
  powerPreference?: GPUPowerPreference;
}

export interface AcquiredDevice {
  device: GPUDevice;
  /** The adapter, in words: vendor, architecture, device, description; "(fallback)" for software. */
  adapter: string;
  fallback: boolean;
  features: ReadonlySet<string>;
  /**
   * The GPU the adapter came from. It must stay reachable as long as the device is used: Dawn's
   * Node binding destroys its instance when this object is collected, and the next event
   * processing then crashes the process (seen: a segfault in CallbackTaskManager::Flush).
   */
  gpu: GPU | null;
}

/** Dawn's Node binding, imported by a name bundlers do not follow (it is an optional dependency). */
async function nodeGpu(): Promise<GPU | null> {
  const name = "webgpu";
  let mod: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as typeof mod;
  } catch (e) {
    throw new Error(`the optional dependency "webgpu" (Dawn for Node) could not be loaded: ${(e as Error).message}`);
  }
  // GPUBufferUsage, GPUMapMode, ... as in a browser
  for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  return mod.create([]);
}

function describe(info: GPUAdapterInfo | undefined, fallback: boolean): string {
  const parts = info ? [info.vendor, info.architecture, info.device, info.description].filter((s) => s) : [];
  return (parts.length ? parts.join(" ") : "unknown adapter") + (fallback ? " (fallback)" : "");
}

export async function acquireDevice(options: DeviceOptions): Promise<AcquiredDevice> {
  if (options.device) {
    const d = options.device;
    const info = (d as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    return { device: d, adapter: describe(info, false), fallback: false, features: new Set(d.features), gpu: null };
  }
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const gpu = options.gpu ?? nav?.gpu ?? (await nodeGpu());
  if (!gpu) throw new Error("WebGPU is not available here (no navigator.gpu)");
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
  if (!adapter) throw new Error("WebGPU gave no adapter");
  const info = adapter.info;
  const fallback = Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter) || /swiftshader|llvmpipe|software/i.test(describe(info, false));
  if (options.hardwareOnly && fallback) throw new Error(`only a software adapter is available (${describe(info, true)})`);
  const want: GPUFeatureName[] = adapter.features.has("shader-f16") ? ["shader-f16"] : [];
  // ask for the adapter's own limits (never desktop defaults): the kernels read device.limits
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: want,
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    },
  });
  return { device, adapter: describe(info, fallback), fallback, features: new Set(device.features), gpu };
}
