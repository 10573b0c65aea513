/** Edge cases of the stateful optimizer: scalar and empty leaves, f64 on wasm, an empty tree. */
import { vals } from "../helpers.js";
import { beforeAll, describe, expect, it } from "vitest";
import { ready, scalar, tensor, zeros } from "../../src/index.js";
import { adam, applyUpdates, optimizer, sgd } from "../../src/optim/index.js";

beforeAll(async () => {
  await ready();
});

describe.each(["wasm", "js", "pure"] as const)("%s path", (path) => {
  it("handles rank-0 and zero-size leaves", () => {
    const p = { s: scalar(2), e: zeros([0, 3]), v: tensor([1, -1]) };
    const opt = optimizer(adam({ lr: 0.1 }), p, { fused: path });
    opt.step({ s: scalar(1), e: zeros([0, 3]), v: tensor([1, 1]) });
    const t = adam({ lr: 0.1 });
    const q = { s: scalar(2), e: zeros([0, 3]), v: tensor([1, -1]) };
    const r = t.update({ s: scalar(1), e: zeros([0, 3]), v: tensor([1, 1]) }, t.init(q), q);
    const want = applyUpdates(q, r.updates) as typeof q;
    expect(p.s).toBeAllclose(want.s, { atol: 1e-7 });
    expect(p.v).toBeAllclose(want.v, { atol: 1e-7 });
    expect(p.e.size).toBe(0);
    opt.dispose();
  });
  it("float64 parameters", () => {
    const x = tensor([1, 2, 3, 4, 5], { dtype: "float64" });
    const opt = optimizer(sgd({ lr: 0.5, momentum: 0.5 }), x, { fused: path });
    opt.step(tensor([1, 1, 1, 1, 1], { dtype: "float64" }));
    opt.step(tensor([1, 1, 1, 1, 1], { dtype: "float64" }));
    // b1 = 1, p = x − 0.5; b2 = 0.5 + 1 = 1.5, p = x − 0.5 − 0.75
    expect(Array.from(vals(x))).toEqual([1, 2, 3, 4, 5].map((v) => v - 1.25));
    opt.dispose();
  });
});

it("an empty parameter tree runs on the pure path", () => {
  const opt = optimizer(adam({ lr: 0.1 }), {});
  expect(opt.path).toBe("pure");
  opt.step({});
  expect(opt.count).toBe(1);
});

it("mixed dtypes fall back to the pure path", () => {
  const p = { a: tensor([1]), b: tensor([1], { dtype: "float64" }) };
  const opt = optimizer(adam({ lr: 0.1 }), p);
  expect(opt.path).toBe("pure");
  opt.step({ a: tensor([1]), b: tensor([1], { dtype: "float64" }) });
  expect(p.a.item()).toBeCloseTo(0.9, 6);
});
