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

/**
 * Whether an adapter is a CPU implementation: the adapter says so (`info.isFallbackAdapter`, or
 * the older `adapter.isFallbackAdapter`), or its names are those of a software rasterizer that
 * does not (SwiftShader, llvmpipe/lavapipe, softpipe, WARP as "Microsoft Basic Render Driver").
 */
export function isSoftwareAdapter(info: Partial<GPUAdapterInfo> | undefined, adapterFlag?: boolean): boolean {
  if ((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter || adapterFlag) return true;
  const names = info ? [info.vendor, info.architecture, info.device, info.description].join(" ") : "";
  return /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render/i.test(names);
}

function describe(info: GPUAdapterInfo | undefined, fallback: boolean): string {
  const parts = info ? [info.vendor, info.architecture, info.device, info.description].filter((s) => s) : [];
  return (parts.length ? parts.join(" ") : "unknown adapter") + (fallback ? " (fallback)" : "");
}

export async function acquireDevice(options: DeviceOptions): Promise<AcquiredDevice> {
  if (options.device) {
    const d = options.device;
    const info = (d as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    // a device whose adapter says nothing about itself is taken as hardware: the caller chose it
    const fallback = isSoftwareAdapter(info);
    if (options.hardwareOnly && fallback) throw new Error(`the device given runs on a software adapter (${describe(info, true)})`);
    return { device: d, adapter: describe(info, fallback), fallback, features: new Set(d.features), gpu: null };
  }
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const gpu = options.gpu ?? nav?.gpu ?? (await nodeGpu());
  if (!gpu) throw new Error("WebGPU is not available here (no navigator.gpu)");
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
  if (!adapter) throw new Error("WebGPU gave no adapter");
  const info = adapter.info;
  const fallback = isSoftwareAdapter(info, (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter);
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
