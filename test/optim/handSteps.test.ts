/**
 * The first two steps of each alias written out by hand on f(p) = p², g = 2p, p_0 = 1 (float64),
 * then asserted. Equations as in torch.optim's documentation.
 */
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../src/index.js";
import { adagrad, adam, adamw, applyUpdates, lion, rmsprop, sgd, type GradientTransformation } from "../../src/optim/index.js";

function twoSteps(t: GradientTransformation<any>): [number, number] {
  let p: Tensor = tensor([1], { dtype: "float64" });
  let s = t.init(p);
  const out: number[] = [];
  for (let k = 0; k < 2; k++) {
    const r = t.update(p.mul(2), s, p);
    p = applyUpdates(p, r.updates) as Tensor;
    s = r.state;
    out.push(p.item());
  }
  return [out[0], out[1]];
}

describe("two hand-derived steps", () => {
  it("sgd, momentum 0.9, dampening 0.5, lr 0.1", () => {
    // step 1: g = 2, b_1 = g = 2 (raw, no dampening), p = 1 − 0.1·2 = 0.8
    // step 2: g = 1.6, b_2 = 0.9·2 + (1 − 0.5)·1.6 = 2.6, p = 0.8 − 0.26 = 0.54
    const [p1, p2] = twoSteps(sgd({ lr: 0.1, momentum: 0.9, dampening: 0.5 }));
    expect(p1).toBeCloseTo(0.8, 15);
    expect(p2).toBeCloseTo(0.54, 15);
  });
  it("sgd nesterov, momentum 0.9, lr 0.1", () => {
    // step 1: g = 2, b = 2, d = g + 0.9·b = 3.8, p = 1 − 0.38 = 0.62
    // step 2: g = 1.24, b = 0.9·2 + 1.24 = 3.04, d = 1.24 + 0.9·3.04 = 3.976, p = 0.62 − 0.3976 = 0.2224
    const [p1, p2] = twoSteps(sgd({ lr: 0.1, momentum: 0.9, nesterov: true }));
    expect(p1).toBeCloseTo(0.62, 15);
    expect(p2).toBeCloseTo(0.2224, 15);
  });
  it("adam, lr 0.1", () => {
    // step 1: g = 2, m = 0.1·2 = 0.2, v = 0.001·4 = 0.004, m̂ = 0.2/0.1 = 2, v̂ = 0.004/0.001 = 4,
    //         u = 2/(√4 + 1e-8) = 0.999999995, p = 1 − 0.0999999995 = 0.9000000005
    // step 2: g = 1.800000001, m = 0.18 + 0.1800000001 = 0.3600000001,
    //         v = 0.999·0.004 + 0.001·3.2400000036 = 0.0072360000036, m̂ = m/0.19 = 1.89473684263,
    //         v̂ = v/0.001999 = 3.61980990675, u = 1.89473684263/(1.90257..+1e-8) = 0.995877718082,
    //         p = 0.9000000005 − 0.0995877718082 = 0.8004122286918
    const [p1, p2] = twoSteps(adam({ lr: 0.1 }));
    expect(p1).toBeCloseTo(0.9000000005, 14);
    expect(p2).toBeCloseTo(0.8004122286917927, 14);
  });
  it("adamw, lr 0.1, weight decay 0.5", () => {
    // step 1: adam's u = 0.999999995 (as above); p = 1 − 0.1·(0.999999995 + 0.5·1) = 0.8500000005
    // step 2: g = 1.700000001, m = 0.18 + 0.1700000001 = 0.3500000001, v = 0.003996 + 0.001·2.890000003…
    //         = 0.006886000003, m̂ = 1.842105263, √v̂ = √(3.444722361) = 1.856006, u = 0.99251…;
    //         p = 0.8500000005 − 0.1·(u + 0.5·0.8500000005)
    const [p1, p2] = twoSteps(adamw({ lr: 0.1, weightDecay: 0.5 }));
    expect(p1).toBeCloseTo(0.8500000005, 14);
    const m = 0.3500000001 / 0.19, v = (0.999 * 0.004 + 0.001 * 1.700000001 ** 2) / (1 - 0.999 ** 2);
    const u = m / (Math.sqrt(v) + 1e-8);
    expect(p2).toBeCloseTo(0.8500000005 - 0.1 * (u + 0.5 * 0.8500000005), 14);
  });
  it("rmsprop, lr 0.01 (alpha 0.99, eps 1e-8 outside the root)", () => {
    // step 1: g = 2, ν = 0.01·4 = 0.04, u = 2/(0.2 + 1e-8) = 9.9999995, p = 1 − 0.099999995 = 0.900000005
    // step 2: g = 1.80000001, ν = 0.0396 + 0.01·3.24000004 = 0.07200000036, u = 6.7082037,
    //         p = 0.900000005 − 0.067082037 = 0.83291796797
    const [p1, p2] = twoSteps(rmsprop({ lr: 0.01 }));
    expect(p1).toBeCloseTo(0.9000000049999998, 14);
    expect(p2).toBeCloseTo(0.8329179679700331, 14);
  });
  it("adagrad, lr 0.1 (accumulator 0, eps 1e-10 outside)", () => {
    // step 1: g = 2, s = 4, u = 2/(2 + 1e-10), p = 0.900000000005
    // step 2: g = 1.80000000001, s = 7.240000000036, u = 0.66896473160, p = 0.83310352684504
    const [p1, p2] = twoSteps(adagrad({ lr: 0.1 }));
    expect(p1).toBeCloseTo(0.900000000005, 14);
    expect(p2).toBeCloseTo(0.8331035268450359, 14);
  });
  it("lion, lr 0.1, weight decay 0.5", () => {
    // step 1: g = 2, c = 0.1·2 = 0.2, u = sign(c) = 1, p = 1 − 0.1·(1 + 0.5) = 0.85, m = 0.01·2 = 0.02
    // step 2: g = 1.7, c = 0.018 + 0.17 = 0.188, u = 1, p = 0.85 − 0.1·(1 + 0.425) = 0.7075
    const [p1, p2] = twoSteps(lion({ lr: 0.1, weightDecay: 0.5 }));
    expect(p1).toBeCloseTo(0.85, 15);
    expect(p2).toBeCloseTo(0.7075, 15);
  });
});
