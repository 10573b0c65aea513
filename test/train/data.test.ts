import { vals } from "../helpers.js";
import { describe, it, expect } from "vitest";
import { tensor, arange, ArgumentError, ShapeError, NonFiniteError } from "../../src/index.js";
import { batches } from "../../src/train/index.js";

const x = arange(0, 20).reshape([10, 2]);
const y = arange(0, 10);

describe("data.batches", () => {
  it("mini-batches cover every row exactly once per epoch, x and y rows aligned", () => {
    const b = batches(x, y, { batchSize: 4, seed: 1 });
    expect(b.length).toBe(3);
    const rows: number[] = [];
    for (const bt of b.epoch(0)) {
      for (let i = 0; i < bt.indices.length; i++) {
        expect(vals(bt.x)[2 * i]).toBe(2 * vals(bt.y!)[i]);
        rows.push(vals(bt.y!)[i]);
      }
    }
    expect(rows.sort((a, c) => a - c)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("reshuffles every epoch, reproducibly from the seed; shuffle: false keeps order", () => {
    const order = (seed: number, e: number) => Array.from(batches(x, y, { batchSize: 10, seed }).batch(e, 0).indices);
    expect(order(1, 0)).toEqual(order(1, 0));
    expect(order(1, 0)).not.toEqual(order(1, 1));
    expect(order(1, 0)).not.toEqual(order(2, 0));
    expect(Array.from(batches(x, y, { batchSize: 10, shuffle: false }).batch(3, 0).indices)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("full batch (N), stochastic (1), dropLast", () => {
    expect(batches(x, y, { batchSize: 10 }).length).toBe(1);
    expect(batches(x, y, { batchSize: 1 }).length).toBe(10);
    expect(batches(x, y, { batchSize: 4, dropLast: true }).length).toBe(2);
    expect([...batches(x, y, { batchSize: 4, dropLast: true })].map((b) => b.indices.length)).toEqual([4, 4]);
    expect(batches(x, y, { batchSize: 50 }).length).toBe(1);
  });

  it("bad input is refused naming the argument", () => {
    expect(() => batches(x, y, { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => batches(x, y, { batchSize: 11, dropLast: true })).toThrow(ArgumentError);
    expect(() => batches(x, arange(0, 9))).toThrow(/x has 10 rows but y has 9/);
    expect(() => batches(x, arange(0, 9))).toThrow(ShapeError);
    expect(() => batches(tensor([[1, NaN]]), tensor([0]))).toThrow(NonFiniteError);
    expect(() => batches(tensor([[1, NaN]]), tensor([0]))).toThrow(/x has a non-finite value \(NaN\) in row 0/);
  });
});
