// Elementwise kernels, reductions and layout ops on WebGPU (Dawn over SwiftShader) against the JS
// reference: odd sizes (not multiples of 4 or of the 256-wide workgroup), broadcasting in every
// direction, every unary and binary op.
import { beforeAll, describe, expect, it } from "vitest";
import * as dh from "../../src/core.js";
import { UNARY_OPS, BINARY_OPS, type UnaryOp } from "../../src/backend/ops.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { jsBackend } from "../../src/backend/js/backend.js";
import { sizeOf } from "../../src/tensor/shape.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/entry.js";
import { onJs, startGpu } from "./gpu.js";

let backend: WebGpuBackend;
const gpu = (): WebGpuBackend => backend;
beforeAll(async () => {
  backend = await startGpu();
});

function broadcast(a: number[], b: number[]): number[] {
  const r = Math.max(a.length, b.length), out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1, y = b[b.length - r + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Values in each op's domain (so the comparison is of finite numbers), of length n. */
function domainValues(op: string, n: number, seed: number): Float32Array {
  const r = new dh.Rng(seed), a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    a[i] =
      op === "log" || op === "sqrt" || op === "rsqrt" || op === "log2" || op === "log10" ? 0.01 + 5 * u
      : op === "asin" || op === "acos" || op === "atanh" ? 1.8 * u - 0.9
      : op === "acosh" ? 1.01 + 4 * u
      : op === "reciprocal" ? (u < 0.5 ? -1 : 1) * (0.1 + 3 * u)
      : 8 * u - 4;
  }
  return a;
}

describe("unary ops on WebGPU match the JS reference", () => {
  for (const op of Object.keys(UNARY_OPS) as UnaryOp[]) {
    it(op, async () => {
      for (const n of [1, 3, 257, 1031]) {
        const v = domainValues(op, n, n + op.length);
        const x = dh.tensor(v);
        const values = await gpu().read(gpu().unary(op, x._storage, "float32", n), "float32", n);
        const ref = jsBackend.unary(op, x._storage, "float32", n) as unknown as Float32Array;
        const tol = op === "tan" ? 1e-4 : 1e-5;
        expect(values, `${op} n=${n}`).toBeAllclose(ref, { atol: tol, rtol: tol });
      }
    });
  }
  it("special values: relu keeps NaN, turns -0 and -Infinity into 0; sign(NaN) is NaN", async () => {
    const x = dh.tensor([NaN, -0, -Infinity, Infinity, -2, 3]);
    expect(Array.from(await dh.relu(x).data())).toEqual([NaN, 0, 0, Infinity, 0, 3]);
    expect(Array.from(await dh.sign(x).data())).toEqual([NaN, 0, -1, 1, -1, 1]);
  });
});

describe("binary ops with broadcasting", () => {
  const shapes: Array<[number[], number[]]> = [[[7], [7]], [[3, 1, 5], [4, 1]], [[1], [2, 3]], [[5, 1], [1, 6]], [[2, 3, 4], [4]], [[], [3]], [[257], []]];
  for (const op of BINARY_OPS) {
    it(op, async () => {
      for (const [sa, sb] of shapes) {
        const a = dh.randn(sa, { seed: 1 }), b = op === "pow" ? dh.tensor(Float32Array.from(dh.rand(sb, { seed: 2 }).dataSync(), (v) => 3 * v)).reshape(sb) : dh.randn(sb, { seed: 2 });
        const base = op === "pow" ? dh.tensor(Float32Array.from(a.dataSync(), (v) => Math.abs(v) + 0.1)).reshape(sa) : a;
        const shape = broadcast(sa, sb);
        const got = await gpu().read(gpu().binary(op, base._storage, sa, b._storage, sb, shape, "float32"), "float32", sizeOf(shape));
        const ref = jsBackend.binary(op, base._storage, sa, b._storage, sb, shape, "float32") as unknown as Float32Array;
        expect(got, `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`).toBeAllclose(ref, { atol: 1e-5, rtol: 1e-5 });
      }
    });
  }
  it("pow of negative bases and integer exponents as Math.pow", async () => {
    const a = dh.tensor([-2, -2, -3, 0, 0, 2, -8]), b = dh.tensor([3, 2, -1, 2, -1, 0.5, 1 / 3]);
    expect(Array.from(await gpu().read(gpu().binary("pow", a._storage, [7], b._storage, [7], [7], "float32"), "float32", 7))).toBeAllclose(new Float32Array([-8, 4, -1 / 3, 0, Infinity, Math.SQRT2, NaN]), { atol: 0, rtol: 3e-7 });
  });
  it("where", async () => {
    const c = dh.tensor([1, 0, 1, 0, 1]).reshape([5, 1]), a = dh.randn([5, 3], { seed: 3 }), b = dh.randn([3], { seed: 4 });
    expect(await dh.where(c, a, b).data()).toBeAllclose(onJs(() => dh.where(c, a, b).dataSync()), { atol: 0 });
  });
});

describe("reductions and layout", () => {
  const x = dh.randn([3, 5, 7], { seed: 5 });
  for (const axes of [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]]) for (const flavor of ["lane", null] as const) {
    it(`sum, mean, max, prod over ${JSON.stringify(axes)}${flavor ? " (one invocation per output)" : ""}`, async () => {
      gpu().reduceFlavor = flavor;
      gpu().matmulFlavor = "tiled"; // the size rule of hardware adapters: a workgroup per output from 256 values
      for (const f of [(t: Tensor) => t.sum(axes), (t: Tensor) => t.mean(axes), (t: Tensor) => t.max(axes), (t: Tensor) => t.mul(0.5).add(1).prod(axes)]) {
        expect(await f(x).data()).toBeAllclose(onJs(() => f(x).dataSync()), { atol: 1e-5, rtol: 1e-5 });
      }
    });
  }
  it("a long sum (100,003 values) stays within float32 rounding of the float64 sum", async () => {
    gpu().reduceFlavor = null;
    const big = dh.rand([100003], { seed: 6 });
    const ref = onJs(() => big.sum().item());
    const got = (await big.sum().data())[0];
    expect(Math.abs(got - ref) / ref).toBeLessThan(1e-6);
  });
  it("cumsum forwards and in reverse, transpose, slice, concat, broadcastTo", async () => {
    const fs: Array<(t: Tensor) => Tensor> = [
      (t) => dh.cumsum(t, 1), (t) => dh.cumsum(t, 2), (t) => t.transpose([2, 0, 1]),
      (t) => t.slice([1, 0, 2], [2, 4, 3]), (t) => dh.concat([t, t.mul(2)], 1), (t) => dh.broadcastTo(t.sum(1, true), [3, 5, 7]),
    ];
    for (const f of fs) expect(await f(x).data()).toBeAllclose(onJs(() => f(x).dataSync()), { atol: 1e-5, rtol: 1e-5 });
    const rev = await gpu().read(gpu().cumsum(x._storage, x.shape, 1, true, "float32"), "float32", x.size);
    expect(rev).toBeAllclose(jsBackend.cumsum(x._storage, x.shape, 1, true, "float32") as unknown as Float32Array, { atol: 1e-5, rtol: 1e-5 });
  });
  it("gather, its adjoint (gradient) and oneHot", async () => {
    const table = dh.randn([11, 6], { seed: 7 });
    const idx = [3, 0, 3, 10, 7];
    const f = (t: Tensor) => dh.grad((w: Tensor) => dh.gather(w, idx, 0).square().sum())(t);
    expect(await dh.gather(table, idx, 0).data()).toBeAllclose(onJs(() => dh.gather(table, idx, 0).dataSync()), { atol: 0 });
    expect(await f(table).data()).toBeAllclose(onJs(() => f(table).dataSync()), { atol: 1e-5 });
    const oh = dh.oneHot(Array.from({ length: 300 }, (_, i) => (i * 7) % 10), 10);
    expect(await oh.data()).toBeAllclose(onJs(() => dh.oneHot(Array.from({ length: 300 }, (_, i) => (i * 7) % 10), 10).dataSync()), { atol: 0 });
  });
  it("a synchronous read of a GPU value is a BackendError naming the op", async () => {
    const y = x.exp(), s = y.sum();
    expect(() => s.item()).toThrow(/item: the webgpu backend holds this tensor's values on the GPU; read them with `await t.data\(\)`/);
    expect(() => y.dataSync()).toThrow(dh.BackendError);
    await y.data();
    expect(y.dataSync().length).toBe(105); // once read, the values are on the CPU too
  });
});
