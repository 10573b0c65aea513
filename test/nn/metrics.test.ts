// Metrics beyond accuracy: top-k accuracy, MSE/MAE, the confusion matrix, and their names in
// fit's and evaluate's `metrics` (the way "accuracy" is resolved).
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { tensor, Rng, ArgumentError, ShapeError } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { fit, evaluate } from "../../src/train/index.js";
import { adam } from "../../src/optim/index.js";

describe("topKAccuracy", () => {
  it("counts a row right when its label is among the k largest logits; ties at the boundary count inside", () => {
    const z = tensor([[0.1, 0.5, 0.4], [3, 1, 2], [1, 1, 1], [0, 2, 1]]);
    const labels = tensor([2, 1, 2, 0]);
    expect(nn.topKAccuracy(1)(z, labels)).toBe(1 / 4); // only row 2 (all tied: fewer than 1 strictly above)
    expect(nn.topKAccuracy(2)(z, labels)).toBe(2 / 4); // rows 0 and 2
    expect(nn.topKAccuracy(3)(z, labels)).toBe(1);
    expect(nn.topKAccuracy(1)(z, [1, 0, 2, 1])).toBe(nn.accuracy(z, [1, 0, 0, 1])); // no ties in rows 0, 1, 3
    expect(nn.topKAccuracy(5).name).toBe("top5Accuracy");
    // one-hot targets: their argmax
    expect(nn.topKAccuracy(2)(z, tensor([[0, 0, 1], [0, 1, 0], [0, 0, 1], [1, 0, 0]]))).toBe(2 / 4);
  });

  it("top-1 equals accuracy on untied logits, top-C is 1 (fast-check)", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 2, max: 6 }), fc.integer(), (n, c, seed) => {
      const rng = new Rng(seed >>> 0);
      const z = tensor(Array.from({ length: n * c }, () => rng.normal()), { shape: [n, c] });
      const y = Array.from({ length: n }, () => Math.floor(rng.uniform() * c));
      expect(nn.topKAccuracy(1)(z, y)).toBe(nn.accuracy(z, y));
      expect(nn.topKAccuracy(c)(z, y)).toBe(1);
      // monotone in k
      for (let k = 1; k < c; k++) expect(nn.topKAccuracy(k + 1)(z, y)).toBeGreaterThanOrEqual(nn.topKAccuracy(k)(z, y));
    }), { numRuns: 60 });
  });

  it("argument errors name the metric and the label", () => {
    expect(() => nn.topKAccuracy(0)).toThrow(/k must be a positive integer/);
    expect(() => nn.topKAccuracy(2)(tensor([1, 2]), [0, 1])).toThrow(ShapeError);
    expect(() => nn.topKAccuracy(2)(tensor([[1, 2]]), [2])).toThrow(/top2Accuracy: labels\[0\] = 2 is not a class index in \[0, 2\)/);
  });
});

describe("meanSquaredError, meanAbsoluteError", () => {
  it("are the means of the squared and absolute differences", () => {
    const p = tensor([[1, 2], [3, 4]]), t = tensor([[1, 0], [5, 4.5]]);
    expect(nn.meanSquaredError(p, t)).toBeCloseTo((0 + 4 + 4 + 0.25) / 4, 12);
    expect(nn.meanAbsoluteError(p, t)).toBeCloseTo((0 + 2 + 2 + 0.5) / 4, 12);
    expect(nn.meanSquaredError(p, t)).toBeCloseTo(nn.mse(p, t).item(), 6);
    expect(() => nn.meanAbsoluteError(p, tensor([1, 2]))).toThrow(/\[2, 2\] and target \[2\]/);
  });
});

describe("confusionMatrix", () => {
  it("rows are true classes, columns predicted; from logits, binary logits or class indices", () => {
    const logits = tensor([[2, 1, 0], [0, 3, 1], [0, 1, 3], [5, 0, 0], [0, 0, 1]]);
    const labels = [0, 1, 1, 2, 2];
    expect(nn.confusionMatrix(logits, labels, 3)).toEqual([[1, 0, 0], [0, 1, 1], [1, 0, 1]]);
    expect(nn.confusionMatrix(tensor([0, 1, 2, 0, 2]), tensor(labels), 3)).toEqual([[1, 0, 0], [0, 1, 1], [1, 0, 1]]);
    expect(nn.confusionMatrix(tensor([[-1], [2], [0.5], [-3]]), [0, 1, 0, 1], 2)).toEqual([[1, 1], [1, 1]]);
    // its diagonal over the row count is the accuracy
    const m = nn.confusionMatrix(logits, labels, 3);
    expect(m.reduce((s, r, i) => s + r[i], 0) / 5).toBe(nn.accuracy(logits, labels));
  });

  it("refuses predictions or labels outside the classes", () => {
    expect(() => nn.confusionMatrix(tensor([0, 3]), [0, 1], 3)).toThrow(/predictions\[1\] = 3 is not a class index in \[0, 3\)/);
    expect(() => nn.confusionMatrix(tensor([0, 0.5]), [0, 1], 3)).toThrow(ArgumentError);
    expect(() => nn.confusionMatrix(tensor([[1, 2]]), [0], 3)).toThrow(/2 classes, but numClasses is 3/);
    expect(() => nn.confusionMatrix(tensor([0, 1]), [0, 4], 3)).toThrow(/labels\[1\] = 4/);
  });
});

describe("metrics by name in fit and evaluate", () => {
  const data = () => {
    const rng = new Rng(3);
    const x = tensor(Array.from({ length: 64 * 4 }, () => rng.normal()), { shape: [64, 4] });
    const y = tensor(Array.from({ length: 64 }, (_, i) => i % 3));
    return { x, y };
  };
  const model = () => nn.sequential([nn.linear(4, 8, { seed: 1 }), nn.relu(), nn.linear(8, 3, { seed: 2 })]);

  it('"top2Accuracy", "accuracy" and a topKAccuracy(k) function are history columns (val ones too)', async () => {
    const d = data();
    const m = model();
    const r = await fit(m, d, { optimizer: adam({ lr: 0.01 }), epochs: 2, batchSize: 16, progress: "none", metrics: ["accuracy", "top2Accuracy", nn.topKAccuracy(3)], validationData: d });
    const v = r.history.epochs[1].values;
    expect(Object.keys(v)).toEqual(expect.arrayContaining(["accuracy", "top2Accuracy", "top3Accuracy", "valTop2Accuracy", "valTop3Accuracy"]));
    expect(v.top3Accuracy).toBe(1);
    expect(v.top2Accuracy).toBeGreaterThanOrEqual(v.accuracy);
    const ev = evaluate(m, d, { metrics: ["top2Accuracy"] });
    expect(ev.top2Accuracy).toBeCloseTo(v.valTop2Accuracy, 12);
    expect(ev.top2Accuracy).toBe(nn.topKAccuracy(2)(m.apply(m.params, d.x), d.y));
  });

  it('"mse" and "mae" with a regression loss', async () => {
    const rng = new Rng(4);
    const x = tensor(Array.from({ length: 32 * 2 }, () => rng.normal()), { shape: [32, 2] });
    const y = x.matmul(tensor([[1], [-2]]));
    const m = nn.sequential([nn.linear(2, 1, { seed: 1 })]);
    const r = await fit(m, { x, y }, { optimizer: adam({ lr: 0.05 }), loss: "mse", epochs: 1, batchSize: 32, progress: "none", metrics: ["mse", "mae"] });
    const v = r.history.epochs[0].values;
    expect(v.mse).toBeCloseTo(v.loss, 5); // one full batch: the metric is the loss before the step
    const ev = evaluate(m, { x, y }, { loss: "mse", metrics: ["mae", "mse"] });
    expect(ev.mse).toBeCloseTo(ev.loss, 5);
    expect(ev.mae).toBeCloseTo(nn.meanAbsoluteError(m.apply(m.params, x), y), 10);
  });

  it("unknown names list the valid ones", async () => {
    expect(() => nn.resolveMetric("fit: metrics", "top0Accuracy" as never)).toThrow(/unknown metric "top0Accuracy"; expected one of accuracy, mse, mae, top\{k\}Accuracy/);
    expect(() => evaluate(model(), data(), { metrics: ["f1" as never] })).toThrow(/evaluate: metrics: unknown metric "f1"/);
  });
});
