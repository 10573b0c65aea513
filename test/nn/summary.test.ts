// model.summary() / nn.summarize (Keras's table: layers, output shapes, trainable and
// non-trainable counts) and model.predict / nn.predict (evaluation mode, batches, no tape).
import { describe, it, expect } from "vitest";
import { tensor, randn, Rng, valueAndGrad, ArgumentError, ShapeError, type Tensor } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { concat } from "../../src/ops/shape.js";
import { vals } from "../helpers.js";

const mlp = () => {
  const rng = new Rng(1);
  return nn.sequential([nn.linear(4, 8, { rng }), nn.batchNorm(8), nn.relu(), nn.dropout(0.5), nn.linear(8, 3, { rng })]);
};

/** A layer written against the interface only (as a user or a new layer file would): y = [x, 2x]. */
function doubler(): nn.Layer<Record<string, never>> & { seen: nn.Context[] } {
  const seen: nn.Context[] = [];
  const layer = {
    kind: "doubler", params: {}, state: {}, seen,
    forward(_p: unknown, state: nn.State, x: Tensor, ctx: nn.Context) { seen.push(ctx); return { y: concat([x, x.mul(2)], -1), state }; },
    apply(_p: unknown, x: Tensor) { return layer.forward({}, {}, x, { training: false, rng: null, path: "" }).y; },
  };
  return layer as never;
}

describe("summary", () => {
  it("the table: one row per layer with its output shape, trainable and non-trainable counts", () => {
    expect(mlp().summary()).toBe([
      "input [batch, 4]",
      "layer  kind       output shape  params  non-trainable",
      "-----  ---------  ------------  ------  -------------",
      "0      linear     [batch, 8]        40              0",
      "1      batchNorm  [batch, 8]        16             16",
      "2      relu       [batch, 8]         0              0",
      "3      dropout    [batch, 8]         0              0",
      "4      linear     [batch, 3]        27              0",
      "-----  ---------  ------------  ------  -------------",
      "total params: 99 (trainable 83, non-trainable 16)",
    ].join("\n"));
  });

  it("structured rows; totals agree with paramCount; nested sequentials get dotted paths", () => {
    const model = nn.sequential([nn.flatten(), nn.sequential([nn.linear(12, 5), nn.tanh()]), nn.linear(5, 2)]);
    const s = nn.summarize(model, { inputShape: [3, 4] });
    expect(s.inputShape).toEqual([-1, 3, 4]);
    expect(s.rows.map((r) => [r.path, r.kind, r.outputShape, r.trainable])).toEqual([
      ["0", "flatten", [-1, 12], 0], ["1.0", "linear", [-1, 5], 65], ["1.1", "tanh", [-1, 5], 0], ["2", "linear", [-1, 2], 12],
    ]);
    expect(s.trainable).toBe(nn.paramCount(model.params));
    expect(nn.summary(model, { inputShape: [3, 4] })).toBe(s.table);
    // a single layer is one row
    expect(nn.summarize(nn.linear(3, 2)).rows).toEqual([{ path: "", kind: "linear", outputShape: [-1, 2], trainable: 8, nonTrainable: 0 }]);
  });

  it("works for any layer that follows the interface, run in evaluation mode without a generator", () => {
    const d = doubler();
    const model = nn.sequential([nn.linear(3, 4), d, nn.dropout(0.9), nn.linear(8, 1)]);
    expect(() => nn.summary(nn.sequential([d, nn.linear(6, 1)]))).toThrow(/cannot tell the input shape from the first layer \(doubler\); pass \{ inputShape/);
    const s = nn.summarize(model);
    expect(s.rows.map((r) => r.outputShape)).toEqual([[-1, 4], [-1, 8], [-1, 8], [-1, 1]]);
    expect(d.seen.map((c) => [c.training, c.rng, c.path])).toEqual([[false, null, "1"]]);
    expect(nn.summarize(nn.sequential([d, nn.linear(6, 1)]), { inputShape: [3] }).rows[0].outputShape).toEqual([-1, 6]);
  });

  it("changes nothing: batch-norm statistics stay, params are the same tensors, no graph is recorded", () => {
    const model = mlp();
    const before = model.state, params = model.params;
    const snap = JSON.stringify((model.state as Array<Record<string, Tensor>>).map((s) => Object.values(s).map((t) => Array.from(vals(t)))));
    let table = "";
    // inside a gradient of the params: the summary's probe records nothing on their tape
    const { value } = valueAndGrad((p: typeof model.params) => { table = model.summary(); return (p[0] as { w: Tensor }).w.sum(); })(model.params);
    expect(table).toContain("total params: 99");
    expect(value.item()).toBeCloseTo(Array.from(vals((model.params[0] as { w: Tensor }).w)).reduce((a, b) => a + b, 0), 5);
    expect(model.state).toBe(before);
    expect(model.params).toBe(params);
    expect(JSON.stringify((model.state as Array<Record<string, Tensor>>).map((s) => Object.values(s).map((t) => Array.from(vals(t)))))).toBe(snap);
  });

  it("argument errors", () => {
    expect(() => nn.summary({} as never)).toThrow(/summary: model must be a layer/);
    expect(() => mlp().summary({ inputShape: [2.5] })).toThrow(/inputShape must be an array of non-negative integers/);
    expect(() => mlp().summary({ input: [4] } as never)).toThrow(/summary: unknown option "input"/);
    expect(() => mlp().summary({ inputShape: [5] })).toThrow(ShapeError); // the layer's own message, naming it
  });
});

describe("predict", () => {
  it("evaluation mode: dropout off, batch norm on its running statistics, as apply({ training: false })", () => {
    const model = mlp();
    const x = randn([10, 4], { seed: 2 });
    const y = model.predict(x);
    expect(y.shape).toEqual([10, 3]);
    expect(Array.from(vals(y))).toEqual(Array.from(vals(model.apply(model.params, x))));
    expect(Array.from(vals(model.predict(x)))).toEqual(Array.from(vals(y))); // deterministic (no dropout draw)
    // running statistics, not the batch's: a shifted batch shifts the output
    const bn = nn.sequential([nn.batchNorm(2)]);
    bn.state = [{ mean: tensor([1, -1]), var: tensor([4, 1]) }];
    expect(bn.predict(tensor([[3, 0]]))).toBeAllclose([[2 / Math.sqrt(4 + 1e-5), 1 / Math.sqrt(1 + 1e-5)]], { rtol: 1e-6, atol: 0 });
  });

  it("in batches: the same outputs as one pass, for any batchSize", () => {
    const model = mlp();
    const x = randn([37, 4], { seed: 3 });
    const whole = model.predict(x);
    for (const bs of [1, 5, 36, 37, 100]) expect(nn.predict(model, x, { batchSize: bs })).toBeAllclose(whole, { atol: 1e-6, rtol: 1e-6 });
  });

  it("records no tape: inside a gradient the outputs carry no graph, and the model's state is unchanged", () => {
    const model = mlp();
    const x = randn([6, 4], { seed: 4 });
    const st = model.state;
    let out: Tensor | null = null;
    valueAndGrad((p: typeof model.params) => { out = nn.predict(model, x, { params: p }); return (p[0] as { w: Tensor }).w.sum(); })(model.params);
    expect(out!.requiresGrad).toBe(false);
    expect(model.state).toBe(st);
  });

  it("argument errors", () => {
    const model = mlp();
    expect(() => model.predict([[1, 2, 3, 4]] as never)).toThrow(/predict: x must be a Tensor of rows/);
    expect(() => model.predict(tensor(1))).toThrow(/batch dimension/);
    expect(() => model.predict(randn([2, 4]), { batchSize: 0 })).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => model.predict(randn([2, 4]), { batch: 2 } as never)).toThrow(/predict: unknown option "batch"/);
    expect(() => nn.predict({} as never, randn([2, 4]))).toThrow(ArgumentError);
  });
});
