// One dispatch point: after setBackend, every op, the stateful optimizer, linear algebra and
// minimize run on the chosen backend (the optimizer used to take the wasm path regardless), and
// backendInfo() says which. Observed with spies on the backends' own kernels.
import { afterEach, describe, expect, it, vi } from "vitest";
import * as dh from "../../src/index.js";
import { jsBackend } from "../../src/backend/js/backend.js";
import { initWasm } from "../../src/backend/wasm/index.js";
import { backendFor } from "../../src/backend/select.js";

afterEach(async () => {
  vi.restoreAllMocks();
  await dh.ready({ backend: "wasm" });
});

describe("setBackend is obeyed everywhere", () => {
  it('"js": matmul, the fused optimizer, Cholesky in Newton all run on the JS reference', async () => {
    const w = await initWasm();
    const wasmMatmul = vi.spyOn(w, "matmul"), wasmChol = vi.spyOn(w, "cholesky");
    const jsMatmul = vi.spyOn(jsBackend, "matmul"), jsChol = vi.spyOn(jsBackend.linalg!, "cholesky");
    dh.setBackend("js");
    expect(dh.backendInfo()).toMatchObject({ backend: "js", variant: null, threads: 1 });
    expect(backendFor().name).toBe("js");
    dh.matmul(dh.randn([64, 64], { seed: 1 }), dh.randn([64, 64], { seed: 2 }));
    const x = dh.tensor([1, 2, 3]);
    const opt = dh.optimizer(dh.adam({ lr: 0.1 }), x);
    expect(opt.path).toBe("js");
    opt.step(dh.tensor([1, 1, 1]));
    const r = dh.minimize((v: dh.Tensor) => v.sub(1).square().sum(), [3, -2], { method: "newton" });
    expect(r.converged).toBe(true);
    expect(jsMatmul).toHaveBeenCalled();
    expect(jsChol).toHaveBeenCalled();
    expect(wasmMatmul).not.toHaveBeenCalled();
    expect(wasmChol).not.toHaveBeenCalled();
  });

  it('"wasm": the same calls reach the WebAssembly kernels', async () => {
    const w = await initWasm();
    const wasmMatmul = vi.spyOn(w, "matmul"), wasmChol = vi.spyOn(w, "cholesky");
    dh.setBackend("wasm");
    expect(dh.backendInfo().backend).toBe("wasm");
    dh.matmul(dh.randn([64, 64], { seed: 1 }), dh.randn([64, 64], { seed: 2 }));
    expect(dh.optimizer(dh.adam({ lr: 0.1 }), dh.tensor([1, 2, 3])).path).toBe("wasm");
    dh.minimize((v: dh.Tensor) => v.sub(1).square().sum(), [3, -2], { method: "newton" });
    expect(wasmMatmul).toHaveBeenCalled();
    expect(wasmChol).toHaveBeenCalled();
  });

  it("tensors made on one backend work on the other (both keep values on the CPU)", () => {
    dh.setBackend("wasm");
    const a = dh.randn([70, 70], { seed: 3 });
    const onWasm = dh.matmul(a, a).dataSync();
    dh.setBackend("js");
    const onJs = dh.matmul(a, a).dataSync();
    for (let i = 0; i < onJs.length; i++) expect(Math.abs(onWasm[i] - onJs[i])).toBeLessThan(1e-3);
  });
});
