import { describe, it, expect, beforeAll } from "vitest";
import * as dh from "../../src/index.js";
import { BACKENDS, useBackend, inputs, checkOpGrad, vals } from "../helpers.js";

const t = (x: unknown, dtype: dh.DType = "float64") => dh.tensor(x as number[], { dtype });

describe.each(BACKENDS)("elementwise ops on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("computes hand-checked values", () => {
    const a = t([[1, 2], [3, 4]]), b = t([10, 20]);
    expect(dh.add(a, b)).toBeAllclose([11, 22, 13, 24]);
    expect(dh.sub(a, 1)).toBeAllclose([0, 1, 2, 3]);
    expect(dh.mul(2, a)).toBeAllclose([2, 4, 6, 8]);
    expect(dh.div(a, b)).toBeAllclose([0.1, 0.1, 0.3, 0.2]);
    expect(dh.pow(a, 2)).toBeAllclose([1, 4, 9, 16]);
    expect(dh.maximum(a, 2.5)).toBeAllclose([2.5, 2.5, 3, 4]);
    expect(dh.minimum(a, 2.5)).toBeAllclose([1, 2, 2.5, 2.5]);
    expect(dh.neg(a)).toBeAllclose([-1, -2, -3, -4]);
    expect(dh.exp(t([0, 1]))).toBeAllclose([1, Math.E]);
    expect(dh.log(t([1, Math.E]))).toBeAllclose([0, 1]);
    expect(dh.sqrt(t([4, 9]))).toBeAllclose([2, 3]);
    expect(dh.abs(t([-2, 3]))).toBeAllclose([2, 3]);
    expect(dh.tanh(t([0, 1]))).toBeAllclose([0, Math.tanh(1)]);
    expect(dh.sigmoid(t([0, -800, 800]))).toBeAllclose([0.5, 0, 1]);
    expect(dh.erf(t([0, 0.5, 1, 3, -2]))).toBeAllclose([0, 0.5204998778130465, 0.8427007929497149, 0.9999779095030014, -0.9953222650189527], { atol: 1e-14, rtol: 1e-13 });
    expect(dh.softplus(t([0, 800, -800, -30, 1e-10]))).toBeAllclose([Math.LN2, 800, 0, 9.357622968839737e-14, 0.6931471806099453], { atol: 0, rtol: 1e-14 });
    expect(dh.where(t([1, 0, 1]), t([1, 2, 3]), 0)).toBeAllclose([1, 0, 3]);
    expect(dh.greater(t([1, 2, 3]), 2)).toBeAllclose([0, 0, 1]);
    expect(dh.clip(t([-5, 0.5, 5]), -1, 1)).toBeAllclose([-1, 0.5, 1]);
  });

  it("broadcasts like NumPy", () => {
    const a = dh.arange(6, undefined, 1, { dtype: "float64" }).reshape([2, 3, 1]);
    const b = dh.arange(4, undefined, 1, { dtype: "float64" }).reshape([1, 4]);
    const c = dh.add(a, b);
    expect(c.shape).toEqual([2, 3, 4]);
    const expected = [0, 1].map((i) => [0, 1, 2].map((j) => [0, 1, 2, 3].map((k) => i * 3 + j + k)));
    expect(c.toArray()).toEqual(expected);
  });

  const binaryCases: Array<[string, (a: dh.Tensor, b: dh.Tensor) => dh.Tensor, number[], number[], boolean?]> = [
    ["add", dh.add, [3, 4], [4]],
    ["sub", dh.sub, [2, 1, 3], [4, 1]],
    ["mul", dh.mul, [3, 1], [1, 5]],
    ["div", dh.div, [3, 4], [3, 1], true],
    ["pow", dh.pow, [2, 3], [3], true],
    ["maximum", dh.maximum, [4, 3], [3]],
    ["minimum", dh.minimum, [4, 3], [4, 1]],
  ];
  it.each(binaryCases)("%s: gradient vs central differences, reduced to broadcast shapes", (_n, op, sa, sb, positive) => {
    const [a, b] = inputs([sa, sb], 7, { positive });
    const [ga, gb] = dh.grad((xs: dh.Tensor[]) => op(xs[0], xs[1]).sum())([a, b]);
    expect(ga.shape).toEqual(sa);
    expect(gb.shape).toEqual(sb);
    checkOpGrad(op, [a, b]);
  });

  const unaryCases: Array<[string, (a: dh.Tensor) => dh.Tensor, boolean?]> = [
    ["neg", dh.neg], ["exp", dh.exp], ["log", dh.log, true], ["sqrt", dh.sqrt, true], ["abs", dh.abs],
    ["tanh", dh.tanh], ["sigmoid", dh.sigmoid], ["erf", dh.erf], ["square", dh.square],
    ["relu", dh.relu], ["leakyRelu", (x) => dh.leakyRelu(x, 0.1)], ["elu", dh.elu], ["gelu", dh.gelu],
    ["gelu(tanh)", (x) => dh.gelu(x, "tanh")], ["softplus", dh.softplus],
    ["softmax", (x) => dh.softmax(x)], ["logSoftmax", (x) => dh.logSoftmax(x, 0)],
    ["where", (x) => dh.where(dh.greater(x, 0.1), dh.mul(x, x), dh.exp(x))],
  ];
  it.each(unaryCases)("%s: gradient vs central differences", (_n, op, positive) => {
    checkOpGrad(op, inputs([[3, 5]], 3, { positive }));
  });

  it("square: the bits of x * x, gradient exactly 2 x g, Hessian 2 I", () => {
    const x = t([-1.5, 0.1, 3, 1e-3]);
    expect(Array.from(dh.square(x).dataSync())).toEqual(Array.from(dh.mul(x, x).dataSync()));
    const w = t([1, 2, 3, 4]);
    const g = dh.grad((v: dh.Tensor) => dh.square(v).mul(w).sum())(x);
    const gMul = dh.grad((v: dh.Tensor) => dh.mul(v, v).mul(w).sum())(x); // w x + w x: doubling is exact
    expect(Array.from(vals(g))).toEqual(Array.from(vals(gMul)));
    expect(g).toBeAllclose(t([-3, 0.4, 18, 0.008]), { rtol: 1e-6 });
    expect(Array.from(dh.hvp((v: dh.Tensor) => dh.square(v).sum(), x, t([1, -2, 0.5, 0])).dataSync())).toEqual([2, -4, 1, 0]);
  });

  it("relu: max(x, 0) with NaN kept, slope 1 above 0 and 0 at and below 0 (PyTorch's convention)", () => {
    const x = t([-2, -0, 0, 3, NaN]);
    const y = Array.from(dh.relu(x).dataSync());
    expect(y.slice(0, 4).map((v) => v + 0)).toEqual([0, 0, 0, 3]);
    expect(y[4]).toBeNaN();
    expect(Array.from(dh.grad((v: dh.Tensor) => dh.relu(v).sum())(t([-2, 0, 3])).dataSync())).toEqual([0, 0, 1]);
    // The branch-free loop (src/backend/js.ts) on the values where v * (v > 0) alone goes wrong:
    // -Infinity (times 0 is NaN), NaN, -0 (+0 out, as IEEE maximum), and float32 extremes.
    for (const dtype of ["float32", "float64"] as const) {
      const special = dh.tensor([-Infinity, Infinity, NaN, -0, 0, -1e-30, 1e-30, -3.4e38, 3.4e38], { dtype });
      const r = Array.from(dh.relu(special).dataSync());
      expect(r.map((v) => (Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : v))).toEqual([0, Infinity, "NaN", 0, 0, 0, vals(special)[6], 0, vals(special)[8]]);
      const slope = dh.grad((v: dh.Tensor) => dh.relu(v).sum())(dh.tensor([-Infinity, Infinity, -0, 2], { dtype }));
      expect(Array.from(vals(slope))).toEqual([0, 1, 0, 1]);
    }
    // second order: zero almost everywhere, through the slope mask
    expect(Array.from(dh.hvp((v: dh.Tensor) => dh.relu(v).square().sum(), t([-2, 1, 3]), t([1, 1, 1])).dataSync())).toEqual([0, 2, 2]);
  });

  it("gives finite gradients of elu and softplus for large inputs (no inf * 0)", () => {
    const x = t([1000, -1000, 0.5]);
    expect(Array.from(dh.grad((v: dh.Tensor) => dh.elu(v).sum())(x).dataSync()).every(Number.isFinite)).toBe(true);
    expect(Array.from(dh.grad((v: dh.Tensor) => dh.softplus(v).sum())(x).dataSync()).every(Number.isFinite)).toBe(true);
    expect(dh.logSoftmax(t([1000, 0]))).toBeAllclose([0, -1000]);
  });

  it("large float32 exp, sigmoid and tanh (WebAssembly kernels on the wasm backend) match the float64 JS values", () => {
    const x = dh.mul(dh.rand([3, 1000], { seed: 4, low: -30, high: 30 }), 1);
    const x64 = dh.cast(x, "float64");
    for (const op of [dh.exp, dh.sigmoid, dh.tanh]) {
      const y = op(x);
      expect(y.dtype).toBe("float32");
      expect(y).toBeAllclose(op(x64), { atol: 1e-30, rtol: 3 * 2 ** -24 });
    }
    // and their gradients still flow (the VJPs reuse the outputs)
    const g = dh.grad((t: dh.Tensor) => dh.tanh(t).sum())(x);
    expect(g).toBeAllclose(dh.sub(1, dh.square(dh.tanh(x64))), { atol: 1e-6, rtol: 1e-5 });
  });

  it("keeps float32 as float32 and lifts numbers to the tensor's dtype", () => {
    const a = dh.tensor([1, 2]);
    expect(a.dtype).toBe("float32");
    expect(dh.add(a, 0.1).dtype).toBe("float32");
    expect(dh.add(a, 0.1).dataSync()[0]).toBe(Math.fround(1 + Math.fround(0.1)));
  });

  it("rejects mixed dtypes and incompatible shapes with named errors", () => {
    expect(() => dh.add(dh.tensor([1]), t([1]))).toThrow(dh.DTypeError);
    expect(() => dh.add(t([1, 2, 3]), t([1, 2]))).toThrow(/add: shapes \[3\] and \[2\] cannot be broadcast/);
    expect(() => dh.mul([1, 2] as unknown as dh.Tensor, 2)).toThrow(/mul: a must be a Tensor or a number, got an array/);
    expect(() => dh.clip(t([1]), 2, 1)).toThrow(dh.ArgumentError);
    expect(() => dh.clip(t([1]), 0, "1" as unknown as number)).toThrow(/^clip: lo and hi must be numbers, got number and string$/);
  });
});
