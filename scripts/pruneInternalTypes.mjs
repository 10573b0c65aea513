// After tsc: drops the declaration files of the WebGPU chunk (dist/backend/webgpu) and of the jit's
// WebGPU lowering, which imports the chunk's types. They are internal (the chunk is reached only
// through `ready({ backend: "webgpu" })`, and no public type names them) and they mention WebGPU's
// own types (GPUBuffer, ...), which a user's project need not have installed
// (test/bundle/pack.test.ts type-checks every shipped declaration file).
import { rmSync } from "node:fs";
rmSync("dist/backend/webgpu", { recursive: true, force: true });
rmSync("dist/jit/webgpuLowering.d.ts", { force: true });
