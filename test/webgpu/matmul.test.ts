// The product kernels on WebGPU against the JS reference: the wide kernel (128 x 128, 8 x 8 per
// invocation), the tiled kernel in both tilings (64 x 64 with 4 x 4 per invocation, 16 x 16 with
// one) and the direct kernel, sizes that are not multiples of 4 or of a tile,
// batched and transposed operands read in place, the matrix-vector paths (m = 1, n = 1), k = 0,
// and the fused bias/relu epilogue.
import { beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/core.js";
import { jsBackend } from "../../src/backend/js/backend.js";
import { chooseMatmul } from "../../src/backend/webgpu/matmul.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/entry.js";
import { startGpu } from "./gpu.js";

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await startGpu();
});

const cases: Array<[number, number, number, number]> = [
  // batch, m, k, n
  [1, 1, 1, 1], [1, 3, 5, 7], [1, 17, 33, 65], [1, 64, 64, 64], [1, 65, 130, 67], [1, 130, 7, 129],
  [1, 257, 19, 131], [2, 129, 40, 260], [3, 9, 21, 13], [2, 70, 19, 66], [1, 1, 300, 37], [1, 41, 300, 1], [4, 1, 33, 5], [2, 6, 17, 1],
];

describe.each(["tiled", "direct", "wide"] as const)("matmul on WebGPU matches the JS reference: %s kernels", (flavor) => {
  beforeAll(() => {
    gpu.matmulFlavor = flavor;
  });
  for (const [batch, m, k, n] of cases) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      it(`batch ${batch}, ${m}x${k} @ ${k}x${n}${ta ? ", A^T" : ""}${tb ? ", B^T" : ""} (${chooseMatmul(m, k, n, ta, tb, 0, flavor).kind})`, async () => {
        const a = dh.randn([batch * m * k], { seed: m + k }), b = dh.randn([batch * k * n], { seed: n + 1 });
        const got = await gpu.read(gpu.matmul(a._storage, b._storage, batch, m, k, n, ta, tb, "float32"), "float32", batch * m * n);
        const ref = jsBackend.matmul(a._storage, b._storage, batch, m, k, n, ta, tb, "float32") as unknown as Float32Array;
        expect(got).toBeAllclose(ref, { atol: 1e-4, rtol: 1e-4 });
      });
    }
  }
  it("k = 0 gives zeros", async () => {
    const e = dh.zeros([0]);
    expect(Array.from(await gpu.read(gpu.matmul(e._storage, e._storage, 1, 3, 0, 2, false, false, "float32"), "float32", 6))).toEqual([0, 0, 0, 0, 0, 0]);
  });
  it("through the op: batched dh.matmul with broadcasting shapes and transposes", async () => {
    const a = dh.randn([2, 3, 5, 4], { seed: 9 }), b = dh.randn([3, 4, 6], { seed: 10 });
    const f = () => dh.matmul(a, b).sum([1]);
    const got = await f().data();
    dh.setBackend("js");
    const ref = f().dataSync();
    dh.setBackend("webgpu");
    expect(got).toBeAllclose(ref, { atol: 1e-4, rtol: 1e-4 });
  });
});

describe("which kernel a product takes", () => {
  it("hardware adapters: the wide kernel for large products, the 64 x 64 tiling below, one output per invocation for small ones", () => {
    expect(chooseMatmul(4096, 4096, 4096, false, false, 0).kind).toBe("wide");
    expect(chooseMatmul(2048, 64, 2048, true, true, 2).kind).toBe("wide");
    expect(chooseMatmul(1024, 1024, 1024, false, false, 0)).toEqual({ kind: "tiled", r: 4, bk: 16 }); // 64 wide tiles: too few
    expect(chooseMatmul(1024, 1024, 1024, false, false, 0, "tiled", 2).kind).toBe("wide"); // a batch of two: 128
    expect(chooseMatmul(128, 784, 256, false, false, 2)).toEqual({ kind: "tiled", r: 4, bk: 16 });
    expect(chooseMatmul(30, 50, 4096, false, false, 0)).toEqual({ kind: "tiled", r: 1, bk: 16 });
    expect(chooseMatmul(1, 4096, 4096, false, false, 0).kind).toBe("dot");
  });
  it("CPU-backed adapters: the wide kernel where it fills half its tiles, the direct kernel otherwise", () => {
    expect(chooseMatmul(512, 512, 512, false, false, 0, "direct").kind).toBe("wide");
    expect(chooseMatmul(128, 784, 256, false, false, 2, "direct").kind).toBe("wide");
    expect(chooseMatmul(100, 100, 100, false, false, 0, "direct").kind).toBe("wide");
    expect(chooseMatmul(200, 300, 129, false, false, 0, "direct").kind).toBe("direct"); // a third filled
    expect(chooseMatmul(64, 64, 64, false, false, 0, "direct").kind).toBe("direct");
    expect(chooseMatmul(128, 256, 10, false, false, 0, "direct").kind).toBe("direct");
    expect(chooseMatmul(1, 512, 512, false, false, 0, "direct").kind).toBe("direct");
  });
});

describe("the fused epilogue", () => {
  for (const [m, k, n, flavor] of [[5, 9, 7, "tiled"], [70, 33, 65, "tiled"], [1, 8, 3, "tiled"], [70, 33, 65, "direct"], [3, 5, 2, "direct"], [70, 33, 65, "wide"], [130, 17, 259, "wide"]] as const) {
    it(`relu(A B + bias), A B + bias and relu(A B) at ${m}x${k}x${n}, ${flavor}`, async () => {
      gpu.matmulFlavor = flavor;
      const a = dh.randn([m * k], { seed: 1 }), b = dh.randn([k * n], { seed: 2 }), bias = dh.randn([n], { seed: 3 });
      const ab = jsBackend.matmul(a._storage, b._storage, 1, m, k, n, false, false, "float32") as unknown as Float32Array;
      const bv = bias.dataSync();
      const plus = ab.map((v, i) => v + bv[i % n]);
      const cases: Array<[dh.Tensor | null, "none" | "relu", Float32Array]> = [[bias, "relu", plus.map((v) => Math.max(v, 0))], [bias, "none", plus], [null, "relu", ab.map((v) => Math.max(v, 0))]];
      for (const [bs, act, want] of cases) {
        const got = await gpu.read(gpu.matmulEpilogue(a._storage, b._storage, bs ? bs._storage : null, m, k, n, false, false, act), "float32", m * n);
        expect(got).toBeAllclose(want, { atol: 1e-4, rtol: 1e-4 });
      }
    });
  }
});

describe("softmax and the cross-entropy losses", () => {
  it("softmax and log-softmax rows (the fused kernel and the composed ops) match the reference", async () => {
    for (const [rows, len] of [[1, 1], [3, 10], [5, 257], [2, 1000]]) {
      const x = dh.randn([rows, len], { seed: rows * len }).mul(4);
      const xs = await x.data();
      const cpuX = dh.tensor(xs).reshape([rows, len]);
      const refSm = (() => { dh.setBackend("js"); try { return [dh.softmax(cpuX, -1).dataSync(), dh.logSoftmax(cpuX, -1).dataSync()]; } finally { dh.setBackend("webgpu"); } })();
      expect(await gpu.read(gpu.softmax(cpuX._storage, rows, len, false), "float32", rows * len)).toBeAllclose(refSm[0], { atol: 1e-6, rtol: 1e-5 });
      expect(await gpu.read(gpu.softmax(cpuX._storage, rows, len, true), "float32", rows * len)).toBeAllclose(refSm[1], { atol: 1e-5, rtol: 1e-5 });
      expect(await dh.softmax(cpuX, -1).data()).toBeAllclose(refSm[0], { atol: 1e-6, rtol: 1e-5 });
      expect(await dh.logSoftmax(cpuX, -1).data()).toBeAllclose(refSm[1], { atol: 1e-5, rtol: 1e-5 });
    }
  });
  it("sigmoidCrossEntropy and its gradient", async () => {
    const x = dh.randn([7, 13], { seed: 4 }).mul(5), t = dh.rand([7, 13], { seed: 5 });
    const xs = dh.tensor(await x.data()).reshape([7, 13]);
    const f = (z: dh.Tensor) => dh.sigmoidCrossEntropy(z, t, { reduction: "mean" });
    const [v, g] = [await f(xs).data(), await dh.grad(f)(xs).data()];
    dh.setBackend("js");
    const [rv, rg] = [f(xs).dataSync(), dh.grad(f)(xs).dataSync()];
    dh.setBackend("webgpu");
    expect(v).toBeAllclose(rv, { atol: 1e-5, rtol: 1e-5 });
    expect(g).toBeAllclose(rg, { atol: 1e-6, rtol: 1e-5 });
  });
});
