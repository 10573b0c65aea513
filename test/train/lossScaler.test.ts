// lossScaler (dynamic loss scaling, as PyTorch's GradScaler) on the CPU backends: with a
// power-of-two scale a scaled run equals the unscaled one bit for bit (scaling commutes with
// float32 rounding); a scale too large skips steps (parameters and optimizer state untouched),
// halving until the scaled gradients are finite; the scale grows after growthInterval finite
// steps in a row; bad options name themselves; state() and setState() resume it exactly. Its
// purpose, gradients that binary16 storage would flush, is tested on WebGPU (test/webgpu/f16.test.ts).
import { describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";

type Params = { w1: dh.Tensor; b1: dh.Tensor; w2: dh.Tensor };
const x = dh.randn([16, 5], { seed: 1 });
const y = dh.oneHot(Array.from({ length: 16 }, (_, i) => i % 3), 3);
const init = (): Params => ({ w1: dh.randn([5, 7], { seed: 2 }).mul(0.5), b1: dh.zeros([7]), w2: dh.randn([7, 3], { seed: 3 }).mul(0.5) });
const loss = (p: Params, gain = 1) => dh.logSoftmax(dh.matmul(dh.tanh(dh.matmul(x, p.w1).add(p.b1)), p.w2), -1).mul(y).sum().neg().div(16).mul(gain);
const values = (p: Params) => ({ w1: Array.from(p.w1.dataSync()), b1: Array.from(p.b1.dataSync()), w2: Array.from(p.w2.dataSync()) });

describe("lossScaler", () => {
  it("a power-of-two scale (growing during the run) gives the unscaled run's parameters bit for bit", async () => {
    const plain = init(), scaled = init();
    const optA = dh.optimizer(dh.adam({ lr: 0.01 }), plain), optB = dh.optimizer(dh.adam({ lr: 0.01 }), scaled);
    const scaler = dh.lossScaler({ init: 2 ** 10, growthInterval: 4 });
    for (let s = 0; s < 20; s++) {
      optA.step(dh.grad((p: Params) => loss(p))(plain));
      expect(await scaler.step(optB, dh.grad((p: Params) => scaler.scale(loss(p)))(scaled))).toBe(true);
    }
    expect(scaler.value).toBe(2 ** 15); // grew 5 times
    expect(scaler.skipped).toBe(0);
    expect(values(scaled)).toEqual(values(plain));
  });

  it("scaled gradients that overflow float32 skip the step and halve the scale until they are finite", async () => {
    const p = init(), ref = init();
    const opt = dh.optimizer(dh.sgd({ lr: 1e-4 }), p), refOpt = dh.optimizer(dh.sgd({ lr: 1e-4 }), ref);
    const scaler = dh.lossScaler({ init: 2 ** 127 });
    const gain = 2 ** 10; // gradients of the gained loss reach 2^3 and more: times 2^127, past float32's 2^128
    let applied = 0;
    for (let s = 0; s < 12; s++) {
      const before = values(p), scale = scaler.value;
      const ok = await scaler.step(opt, dh.grad((q: Params) => scaler.scale(loss(q, gain)))(p));
      if (ok) {
        applied++;
        refOpt.step(dh.grad((q: Params) => loss(q, gain))(ref));
        expect(scaler.value).toBe(scale);
      } else {
        expect(values(p), `step ${s}: skipped, parameters untouched`).toEqual(before);
        expect(scaler.value).toBe(scale / 2);
      }
    }
    expect(scaler.skipped).toBeGreaterThan(0);
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBe(12 - scaler.skipped);
    expect(values(p)).toEqual(values(ref)); // the applied steps are the unscaled ones, bit for bit
  });

  it("grows after growthInterval finite steps in a row; a skip resets the count", () => {
    const s = dh.lossScaler({ init: 8, growthInterval: 3, growthFactor: 2, backoffFactor: 0.25 });
    s.update(true);
    s.update(true);
    expect(s.value).toBe(8);
    s.update(true);
    expect(s.value).toBe(16);
    s.update(true);
    s.update(false);
    expect(s.value).toBe(4);
    s.update(true);
    s.update(true);
    expect(s.value).toBe(4);
    s.update(true);
    expect(s.value).toBe(8);
    expect(s.state()).toEqual({ scale: 8, goodSteps: 0, skipped: 1 });
  });

  it("state() and setState() resume it exactly; a malformed state is refused", () => {
    const a = dh.lossScaler({ growthInterval: 2 });
    a.update(true);
    a.update(false);
    a.update(true);
    const b = dh.lossScaler({ growthInterval: 2 });
    b.setState(a.state());
    for (const f of [true, true, false, true]) {
      a.update(f);
      b.update(f);
    }
    expect(b.state()).toEqual(a.state());
    expect(() => b.setState({ scale: -1, goodSteps: 0, skipped: 0 })).toThrow(/lossScaler.setState: expected/);
    expect(() => b.setState({ scale: 2, goodSteps: 0.5, skipped: 0 })).toThrow(dh.ArgumentError);
  });

  it("refuses bad options, naming them", () => {
    expect(() => dh.lossScaler({ inti: 2 } as never)).toThrow(/lossScaler.*"inti"/);
    expect(() => dh.lossScaler({ init: 0 })).toThrow(/lossScaler: init must be a positive finite number, got 0/);
    expect(() => dh.lossScaler({ init: Infinity })).toThrow(/init/);
    expect(() => dh.lossScaler({ backoffFactor: 1 })).toThrow(/backoffFactor must be a number in \(0, 1\)/);
    expect(() => dh.lossScaler({ growthFactor: 0.5 })).toThrow(/growthFactor/);
    expect(() => dh.lossScaler({ growthInterval: 1.5 })).toThrow(/growthInterval must be an integer >= 1/);
  });

  it("a non-finite gradient that is not the scale's (NaN in the data) is skipped too, without corrupting the parameters", async () => {
    const p = init();
    const opt = dh.optimizer(dh.adam({ lr: 0.01 }), p);
    const before = values(p);
    const scaler = dh.lossScaler();
    const bad = dh.tensor(Array.from(x.dataSync(), (v, i) => (i === 7 ? NaN : v)), { shape: x.shape });
    const g = dh.grad((q: Params) => scaler.scale(dh.logSoftmax(dh.matmul(dh.tanh(dh.matmul(bad, q.w1).add(q.b1)), q.w2), -1).mul(y).sum().neg()))(p);
    expect(await scaler.step(opt, g)).toBe(false);
    expect(values(p)).toEqual(before);
    expect(scaler.value).toBe(2 ** 15);
  });
});
