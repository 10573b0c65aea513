// plotHistory: a fit history as a static SVG, one polyline per series with one point per epoch
// (or step), on linear or log y.
import { describe, it, expect } from "vitest";
import { tensor, Rng, ArgumentError } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { fit, plotHistory, History } from "../../src/train/index.js";
import { adam } from "../../src/optim/index.js";

const rng = new Rng(2);
const data = { x: tensor(Array.from({ length: 64 * 4 }, () => rng.normal()), { shape: [64, 4] }), y: tensor(Array.from({ length: 64 }, (_, i) => i % 2)) };
const run = (epochs: number, extra = {}) => fit(nn.sequential([nn.linear(4, 8, { seed: 1 }), nn.relu(), nn.linear(8, 2, { seed: 2 })]), data, { progress: "none", optimizer: adam({ lr: 0.01 }), epochs, batchSize: 16, ...extra });

/** The polylines of an SVG: series label -> its points. */
function polylines(svg: string): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  for (const m of svg.matchAll(/<polyline data-series="([^"]*)"[^>]* points="([^"]*)"/g)) {
    out.set(m[1], m[2].split(" ").filter(Boolean).map((p) => p.split(",").map(Number) as [number, number]));
  }
  return out;
}

describe("plotHistory", () => {
  it("per epoch: loss and valLoss by default, one point per epoch, falling loss drawn falling", async () => {
    const r = await run(7, { validationData: data });
    const svg = plotHistory(r.history);
    expect(svg.startsWith("<svg") && svg.endsWith("</svg>")).toBe(true);
    const lines = polylines(svg);
    expect([...lines.keys()]).toEqual(["loss", "valLoss"]);
    for (const pts of lines.values()) expect(pts.length).toBe(7);
    // x increases; SVG y grows downwards, so a falling loss has a rising y coordinate at the end
    const loss = lines.get("loss")!;
    expect(loss.every((p, i) => i === 0 || p[0] > loss[i - 1][0])).toBe(true);
    expect(r.history.column("loss")[6]).toBeLessThan(r.history.column("loss")[0]);
    expect(loss[6][1]).toBeGreaterThan(loss[0][1]);
    expect(svg).toContain(">valLoss</text>"); // the legend
  });

  it("chosen keys, log y (decade ticks), and per step", async () => {
    const r = await run(3);
    const svg = plotHistory(r.history, { keys: ["loss", "accuracy", "gradNorm"], logY: true, title: "a & b" });
    const lines = polylines(svg);
    expect([...lines.keys()]).toEqual(["loss", "accuracy", "gradNorm"]);
    for (const pts of lines.values()) expect(pts.length).toBe(3);
    expect(svg).toMatch(/>1e[+-]\d<\/text>/);
    expect(svg).toContain("<title>a &amp; b</title>");
    const steps = polylines(plotHistory(r.history, { per: "step", keys: ["loss", "lr"] }));
    expect(steps.get("loss")!.length).toBe(12); // 3 epochs of 4 batches
    expect(steps.has("lr")).toBe(true);
  });

  it("refuses keys that were not recorded, naming the ones that were", async () => {
    const r = await run(1);
    expect(() => plotHistory(r.history, { keys: ["valLoss"] })).toThrow(/"valLoss" is not in the history's epochs \(keys: loss, accuracy, lr, gradNorm\)/);
    expect(() => plotHistory(r.history, { per: "batch" as never })).toThrow(/per must be "epoch" or "step"/);
    expect(() => plotHistory({} as never)).toThrow(ArgumentError);
    expect(() => plotHistory(new History())).toThrow(/nothing was recorded/);
    expect(() => plotHistory(r.history, { logy: true } as never)).toThrow(/unknown option "logy"/);
  });
});
