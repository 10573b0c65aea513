// Asking for WebGPU: bad options change nothing; setBackend("webgpu") before a device exists is an
// error; a GPU that gives no adapter leaves ops on the WebAssembly core with the reason kept.
import { describe, expect, it } from "vitest";
import * as dh from "../../src/core.js";

describe("ready({ backend: \"webgpu\" }) and its options", () => {
  it("gpu and device belong to backend: \"webgpu\"; setBackend(\"webgpu\") needs a started device", async () => {
    await expect(dh.ready({ gpu: {} })).rejects.toThrow(/gpu and device are options of backend: "webgpu"/);
    expect(() => dh.setBackend("webgpu")).toThrow(/the webgpu backend has not been started; call `await ready\(\{ backend: "webgpu" \}\)`/);
  });
  it("a GPU without an adapter: ops stay on the WebAssembly core, backendInfo().error says why", async () => {
    const noAdapter = { requestAdapter: async () => null };
    await dh.ready({ backend: "webgpu", gpu: noAdapter });
    const info = dh.backendInfo();
    expect(info.backend).toBe("wasm");
    expect(info.adapter).toBeNull();
    expect(info.error).toMatch(/WebGPU gave no adapter/);
    expect(dh.tensor([1, 2]).mul(3).item).toBeDefined();
    expect(dh.tensor([1, 2]).sum().item()).toBe(3);
  });
});
