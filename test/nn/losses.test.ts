import { describe, it, expect } from "vitest";
import { tensor, grad, checkGrad, softmax, ArgumentError, ShapeError } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";

describe("losses", () => {
  it("mse = mean((p - t)^2), hand-computed", () => {
    expect(nn.mse(tensor([1, 2, 3]), tensor([1, 0, 0])).item()).toBeCloseTo((0 + 4 + 9) / 3, 6);
    expect(() => nn.mse(tensor([1, 2, 3]), tensor([[1, 0, 0]]))).toThrow(ShapeError);
  });

  it("crossEntropy = -log softmax(z)_y, hand-computed", () => {
    // z = [1, 2, 3], y = 2: -log(e^3 / (e + e^2 + e^3)) = log(1 + e^-1 + e^-2) = 0.40760596
    const z = tensor([[1, 2, 3], [0, 0, 0]], { dtype: "float64" });
    const l = nn.crossEntropy(z, [2, 0], { reduction: "none" });
    expect(l).toBeAllclose([Math.log(1 + Math.exp(-1) + Math.exp(-2)), Math.log(3)], { atol: 1e-12 });
  });

  it("crossEntropy is stable for huge logits (log-sum-exp shift)", () => {
    const l = nn.crossEntropy(tensor([[1e4, 0, -1e4], [1e4, 1e4, 0]]), [0, 2], { reduction: "none" });
    expect(l).toBeAllclose([0, 1e4 + Math.log(2)], { atol: 1e-3, rtol: 1e-6 });
  });

  it("label smoothing: t = (1 - s) onehot + s / C", () => {
    const z = tensor([[1, 2, 3]], { dtype: "float64" });
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    const logp = [1 - lse, 2 - lse, 3 - lse];
    const s = 0.1, t = [s / 3, s / 3, 1 - s + s / 3];
    const expected = -t.reduce((a, ti, i) => a + ti * logp[i], 0);
    expect(nn.crossEntropy(z, [2], { labelSmoothing: s }).item()).toBeCloseTo(expected, 12);
    // soft targets given as probabilities give the same number
    expect(nn.crossEntropy(z, tensor([t], { dtype: "float64" })).item()).toBeCloseTo(expected, 12);
  });

  it("d crossEntropy / dz = (softmax(z) - onehot) / N, and matches finite differences", () => {
    const z = tensor([[0.5, -1, 2], [3, 0.1, -0.3]], { dtype: "float64" });
    const g = grad((x: typeof z) => nn.crossEntropy(x, [1, 0]))(z);
    const p = softmax(z).dataSync();
    const expected = Array.from(p, (v, i) => (v - ((i === 1) || (i === 3) ? 1 : 0)) / 2);
    expect(g).toBeAllclose(expected, { atol: 1e-12 });
    expect(checkGrad((x) => nn.crossEntropy(x as typeof z, [1, 0], { labelSmoothing: 0.2 }), z).maxError).toBeLessThan(1e-7);
  });

  it("binaryCrossEntropy = -y log s(z) - (1 - y) log(1 - s(z)), stable for large |z|", () => {
    const z = [-2, 0.3, 4], y = [0, 1, 1];
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const naive = z.map((v, i) => -(y[i] * Math.log(sig(v)) + (1 - y[i]) * Math.log(1 - sig(v))));
    expect(nn.binaryCrossEntropy(tensor(z, { dtype: "float64" }), tensor(y, { dtype: "float64" }), { reduction: "none" })).toBeAllclose(naive, { atol: 1e-12 });
    expect(nn.binaryCrossEntropy(tensor([1000, -1000]), tensor([0, 1]), { reduction: "none" })).toBeAllclose([1000, 1000], { rtol: 1e-6 });
    expect(nn.binaryCrossEntropy(tensor([1000, -1000]), tensor([1, 0])).item()).toBe(0);
    expect(checkGrad((x) => nn.binaryCrossEntropy(x as never, tensor(y, { dtype: "float64" })), tensor(z)).maxError).toBeLessThan(1e-7);
  });

  it("bad labels and unknown losses are DownhillErrors naming the argument", () => {
    expect(() => nn.crossEntropy(tensor([[1, 2, 3]]), [3])).toThrow(/labels\[0\] = 3 is not a class index in \[0, 3\)/);
    expect(() => nn.crossEntropy(tensor([[1, 2, 3]]), [0.5])).toThrow(ArgumentError);
    expect(() => nn.crossEntropy(tensor([[1, 2, 3]]), [0, 1])).toThrow(ShapeError);
    expect(() => nn.binaryCrossEntropy(tensor([1]), tensor([2]))).toThrow(/targets\[0\] = 2 is outside \[0, 1\]/);
    expect(() => nn.resolveLoss("fit: loss", "hinge" as never)).toThrow(/fit: loss: unknown loss "hinge"/);
  });

  it("accuracy: argmax against indices or one-hot rows; threshold 0 for one logit", () => {
    const z = tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]);
    expect(nn.accuracy(z, [1, 0, 0])).toBeCloseTo(2 / 3);
    expect(nn.accuracy(z, tensor([[0, 1], [1, 0], [0, 1]]))).toBe(1);
    expect(nn.accuracy(tensor([[-1], [2]]), [0, 0])).toBe(0.5);
  });
});
