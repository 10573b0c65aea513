import { describe, it, expect } from "vitest";
import { tensor, Rng, sgd, fit, type Tensor } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { Progress, earlyStopping, type ProgressSink } from "../../src/train/index.js";

const sink = (isTTY: boolean, ci = false) => {
  const out: string[] = [];
  const s: ProgressSink = { write: (t) => void out.push(t), isTTY, ci };
  return { s, out };
};

describe("progress display", () => {
  it("auto: a live bar on a TTY, plain lines otherwise, silence when CI is set", () => {
    expect(new Progress(10, "steps", "auto", sink(true).s).mode).toBe("bar");
    expect(new Progress(10, "steps", "auto", sink(false).s).mode).toBe("lines");
    expect(new Progress(10, "steps", "auto", sink(true, true).s).mode).toBe("none");
  });

  it("the bar redraws in place with loss, rate and ETA; lines mode prints one line per epoch", async () => {
    const x = tensor([[0], [1], [2], [3]]), y = tensor([0, 0, 1, 1]);
    const run = async (isTTY: boolean) => {
      const { s, out } = sink(isTTY);
      await fit(nn.linear(1, 2, { rng: new Rng(1) }), { x, y }, { optimizer: sgd({ lr: 0.1 }), epochs: 3, batchSize: 2, progress: "auto", progressSink: s });
      return out.join("");
    };
    const bar = await run(true);
    expect(bar).toMatch(/\r\[=+ *\] \d+\/6 steps · epoch \d · loss \d\.\d{4} · [\d.]+ steps\/s · ETA [\d.]+s/);
    // epochs are printed 0-based, as history.epochs[i].epoch and restoredEpoch count them
    expect(bar).toMatch(/epoch 2 · loss \d\.\d{4} · accuracy/);
    expect(bar).not.toMatch(/epoch 3 ·/);
    const lines = await run(false);
    expect(lines).not.toContain("\r");
    expect(lines.split("\n").filter((l) => l.startsWith("epoch ")).length).toBe(3);
    const { s, out } = sink(false, true);
    await fit(nn.linear(1, 2), { x, y }, { optimizer: sgd({ lr: 0.1 }), epochs: 2, progressSink: s });
    expect(out).toEqual([]);
  });
});

describe("earlyStopping", () => {
  it("counts epochs without an improvement larger than minDelta; mode follows the monitor", () => {
    const es = earlyStopping({ monitor: "valLoss", patience: 1, minDelta: 0.1 });
    expect(es.update(0, 1.0)).toEqual({ improved: true, stop: false });
    expect(es.update(1, 0.95)).toEqual({ improved: false, stop: false }); // within minDelta
    expect(es.update(2, 0.5)).toEqual({ improved: true, stop: false });
    expect(es.update(3, 0.6)).toEqual({ improved: false, stop: false });
    expect(es.update(4, 0.6)).toEqual({ improved: false, stop: true });
    expect(earlyStopping({ monitor: "valAccuracy" }).mode).toBe("max");
    expect(() => earlyStopping({ patience: -1 })).toThrow(/patience must be a non-negative integer/);
  });
});

describe("batchNorm inside fit", () => {
  it("running statistics are model state: updated by training, used in evaluation, untouched by gradients", async () => {
    const rng = new Rng(2);
    const xs = Array.from({ length: 64 }, () => [3 + 2 * rng.normal(), -1 + 0.5 * rng.normal()]);
    const x = tensor(xs), y = tensor(xs.map((r) => (r[0] > 3 ? 1 : 0)));
    const model = nn.sequential([nn.batchNorm(2), nn.linear(2, 2, { rng })]);
    await fit(model, { x, y }, { optimizer: sgd({ lr: 0.1 }), epochs: 20, batchSize: 16, progress: "none" });
    const st = model.state as [{ mean: Tensor; var: Tensor }, unknown];
    expect(st[0].mean).toBeAllclose([3, -1], { atol: 0.5 });
    expect(st[0].var).toBeAllclose([4, 0.25], { rtol: 0.5 });
    expect(nn.accuracy(model.apply(model.params, x), y)).toBeGreaterThan(0.9);
  });
});
