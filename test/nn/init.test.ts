import { vals } from "../helpers.js";
import { describe, it, expect } from "vitest";
import { Rng } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";

function stats(a: ArrayLike<number>) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m += a[i];
  m /= a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - m) ** 2;
  return { mean: m, var: v / a.length };
}

describe("initializers", () => {
  it("fans follow the papers: [fanIn, fanOut] for dense weights, receptive field times channels beyond", () => {
    expect(nn.init.computeFans([784, 256])).toEqual({ fanIn: 784, fanOut: 256 });
    expect(nn.init.computeFans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    expect(nn.init.computeFans([10])).toEqual({ fanIn: 10, fanOut: 10 });
  });

  it("He normal: variance 2 / fanIn (He et al. 2015, eq. 10)", () => {
    const w = nn.init.heNormal()([400, 300], new Rng(1));
    const s = stats(vals(w));
    // 120,000 draws: the sample variance's relative standard error is sqrt(2/n) ~ 0.4%.
    expect(Math.abs(s.var / (2 / 400) - 1)).toBeLessThan(0.02);
    expect(Math.abs(s.mean)).toBeLessThan(0.003);
  });

  it("He uniform: bound sqrt(6 / fanIn), same variance; fanOut mode uses fanOut", () => {
    const w = nn.init.heUniform()([400, 300], new Rng(2));
    const a = Math.sqrt(6 / 400);
    expect(Math.max(...vals(w))).toBeLessThanOrEqual(a);
    expect(Math.min(...vals(w))).toBeGreaterThanOrEqual(-a);
    expect(Math.abs(stats(vals(w)).var / (2 / 400) - 1)).toBeLessThan(0.02);
    const w2 = nn.init.heNormal({ mode: "fanOut" })([400, 300], new Rng(3));
    expect(Math.abs(stats(vals(w2)).var / (2 / 300) - 1)).toBeLessThan(0.02);
  });

  it("Glorot uniform: bound sqrt(6 / (fanIn + fanOut)), variance 2 / (fanIn + fanOut) (Glorot & Bengio 2010)", () => {
    const w = nn.init.xavierUniform()([400, 300], new Rng(4));
    const a = Math.sqrt(6 / 700);
    expect(Math.max(...vals(w))).toBeLessThanOrEqual(a);
    expect(Math.max(...vals(w))).toBeGreaterThan(0.99 * a);
    expect(Math.abs(stats(vals(w)).var / (2 / 700) - 1)).toBeLessThan(0.02);
    const n = nn.init.glorotNormal({ gain: 2 })([400, 300], new Rng(5));
    expect(Math.abs(stats(vals(n)).var / ((4 * 2) / 700) - 1)).toBeLessThan(0.02);
  });

  it("is deterministic in the seed and zeros are zeros", () => {
    expect(nn.init.heNormal()([5, 5], new Rng(7)).dataSync()).toEqual(nn.init.heNormal()([5, 5], new Rng(7)).dataSync());
    expect(Array.from(nn.init.zeros([3], new Rng(0)).dataSync())).toEqual([0, 0, 0]);
  });

  it("unknown initializer names throw, naming the argument", () => {
    expect(() => nn.linear(2, 3, { init: "lecun" as never })).toThrow(/nn.linear: init: unknown initializer "lecun"/);
  });

  it("live at nn.init.* only: nn.zeros (an initializer beside dh.zeros, a tensor) is gone", async () => {
    const dh = await import("../../src/index.js");
    expect("zeros" in dh.nn).toBe(false);
    expect("heNormal" in dh.nn).toBe(false);
    expect(Object.keys(dh.nn.init).sort()).toEqual(["computeFans", "glorotNormal", "glorotUniform", "heNormal", "heUniform", "kaimingNormal", "kaimingUniform", "resolveInitializer", "xavierNormal", "xavierUniform", "zeros"]);
    expect(dh.nn.init.kaimingNormal).toBe(dh.nn.init.heNormal);
    expect(dh.zeros([2]).shape).toEqual([2]); // the tensor constructor
  });
});
