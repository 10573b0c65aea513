// jit: a compiled function gives the eager bits (it runs the same kernels), retraces per
// signature, keeps a bounded cache, refuses data-dependent control flow by naming the op (or
// falls back to eager when asked), bakes captured tensors in as constants, and is transparent to
// autodiff applied from outside.
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import * as dh from "../../src/index.js";
import { BACKENDS, useBackend } from "../helpers.js";

afterEach(async () => useBackend("wasm"));

/** Same values bit for bit (NaN and -0 included). */
function sameBits(a: dh.Tensor, b: dh.Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const x = a.dataSync(), y = b.dataSync();
  return x.every((v, i) => Object.is(v, y[i]));
}

const rosen = (x: dh.Tensor) => {
  const a = x.slice([0], [x.shape[0] - 1]), b = x.slice([1]);
  return b.sub(a.square()).square().mul(100).add(dh.sub(1, a).square()).sum();
};

function mlp(dtype: dh.DType) {
  const x = dh.randn([16, 20], { seed: 1, dtype }), labels = dh.oneHot([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0], 5, { dtype });
  const params = { w1: dh.randn([20, 32], { seed: 2, dtype }).mul(0.2), b1: dh.zeros([32], { dtype }), w2: dh.randn([32, 5], { seed: 3, dtype }).mul(0.2) };
  const loss = (p: typeof params) => dh.relu(dh.add(dh.matmul(x, p.w1), p.b1)).matmul(p.w2).logSoftmax().mul(labels).sum(-1).mean().neg();
  return { params, loss };
}

describe.each(BACKENDS)("%s backend: compiled = eager, bit for bit", (backend) => {
  it("Rosenbrock value and gradient (float64 and float32), traced once, replayed", async () => {
    await useBackend(backend);
    for (const dtype of ["float64", "float32"] as const) {
      const vg = dh.valueAndGrad(rosen);
      const c = dh.jit(vg);
      for (const seed of [1, 2, 3]) {
        const x = dh.randn([50], { seed, dtype });
        const e = vg(x), j = c(x);
        expect(sameBits(e.value, j.value)).toBe(true);
        expect(sameBits(e.grad, j.grad)).toBe(true);
      }
      expect(c.stats).toMatchObject({ traces: 1, compiledCalls: 3, eagerCalls: 0 });
    }
  });

  it("an MLP's loss and gradients (matmul, relu, logSoftmax, broadcast bias)", async () => {
    await useBackend(backend);
    const { params, loss } = mlp("float32");
    const vg = dh.valueAndGrad(loss), c = dh.jit(vg);
    const e = vg(params), j = c(params);
    expect(sameBits(e.value, j.value)).toBe(true);
    for (const k of ["w1", "b1", "w2"] as const) expect(sameBits(e.grad[k], j.grad[k]), k).toBe(true);
  });

  it("hvp and jvp under jit", async () => {
    await useBackend(backend);
    const x = dh.randn([30], { seed: 4, dtype: "float64" }), v = dh.randn([30], { seed: 5, dtype: "float64" });
    const h = (a: dh.Tensor, b: dh.Tensor) => dh.hvp(rosen, a, b);
    expect(sameBits(h(x, v), dh.jit(h)(x, v))).toBe(true);
    const f = (a: dh.Tensor) => dh.tanh(a).mul(a.square());
    const jv = (a: dh.Tensor, b: dh.Tensor) => dh.jvp(f, a, b);
    const e = jv(x, v), j = dh.jit(jv)(x, v);
    expect(sameBits(e.value, j.value) && sameBits(e.tangent, j.tangent)).toBe(true);
  });

  it("random graphs (fast-check): compiled forward and gradient equal eager", async () => {
    await useBackend(backend);
    const UN = [dh.tanh, dh.sigmoid, dh.square, dh.exp, dh.neg, dh.relu, dh.softplus, (t: dh.Tensor) => t.sum(-1, true), (t: dh.Tensor) => t.transpose(), (t: dh.Tensor) => dh.logSoftmax(t)];
    const BIN = [dh.add, dh.sub, dh.mul, dh.maximum, (a: dh.Tensor, b: dh.Tensor) => dh.div(a, dh.add(2, dh.tanh(b)))];
    fc.assert(
      fc.property(fc.array(fc.record({ u: fc.boolean(), op: fc.nat(9), i: fc.nat(9), j: fc.nat(9) }), { minLength: 1, maxLength: 12 }), fc.nat(1000), (steps, seed) => {
        const f = (x: dh.Tensor) => {
          const vals: dh.Tensor[] = [x];
          for (const s of steps) {
            const a = vals[s.i % vals.length], b = vals[s.j % vals.length];
            const shapeOk = (t: dh.Tensor) => t.shape.length === 2 && t.shape[0] === 4 && t.shape[1] === 4;
            if (s.u) vals.push(UN[s.op % UN.length](a));
            else if (shapeOk(a) && shapeOk(b)) vals.push(BIN[s.op % BIN.length](a, b));
          }
          return vals[vals.length - 1].sum();
        };
        const x = dh.randn([4, 4], { seed, dtype: "float64" });
        const vg = dh.valueAndGrad(f);
        const e = vg(x), j = dh.jit(vg)(x);
        return sameBits(e.value, j.value) && sameBits(e.grad, j.grad);
      }),
      { numRuns: 60 },
    );
  });
});

describe("signatures and the cache", () => {
  it("retraces per shape, dtype and static value; the cache keeps the most recent cacheSize", () => {
    const f = dh.jit((x: dh.Tensor, k: number) => x.mul(k).sum(), { cacheSize: 2 });
    expect(f(dh.ones([3]), 2).item()).toBe(6);
    expect(f(dh.ones([3]), 2).item()).toBe(6);
    expect(f.stats.traces).toBe(1);
    expect(f(dh.ones([4]), 2).item()).toBe(8); // new shape
    expect(f(dh.ones([4]), 3).item()).toBe(12); // new static value
    expect(f.stats.traces).toBe(3);
    expect(f.stats.cached).toBe(2); // [3],2 was dropped
    expect(f(dh.ones([3]), 2).item()).toBe(6);
    expect(f.stats.traces).toBe(4);
    expect(f(dh.ones([3], { dtype: "float64" }), 2).dtype).toBe("float64");
    expect(f.stats.traces).toBe(5);
  });

  it("takes and returns trees (arrays, objects, static values in the result)", () => {
    const f = dh.jit((p: { a: dh.Tensor; b: [dh.Tensor, dh.Tensor] }) => ({ s: p.a.add(p.b[0]), list: [p.b[1].neg(), "tag"], same: p.a }));
    const a = dh.tensor([1, 2]), r = f({ a, b: [dh.tensor([10, 20]), dh.tensor([3, 4])] });
    expect(Array.from(r.s.dataSync())).toEqual([11, 22]);
    expect(Array.from((r.list[0] as dh.Tensor).dataSync())).toEqual([-3, -4]);
    expect(r.list[1]).toBe("tag");
    expect(Array.from(r.same.dataSync())).toEqual([1, 2]);
  });

  it("tensors captured from the closure are constants with their values at trace time", () => {
    const w = dh.tensor([1, 2, 3]);
    const f = dh.jit((x: dh.Tensor) => x.mul(w).sum());
    expect(f(dh.ones([3])).item()).toBe(6);
    expect(f(dh.full([3], 2)).item()).toBe(12);
  });
});

describe("what cannot be traced", () => {
  it("reading a traced value is a TraceError naming the op; fallback eager runs it and keeps the reason", () => {
    const branchy = (x: dh.Tensor) => (x.sum().item() > 0 ? x.mul(2) : x.neg());
    expect(() => dh.jit(branchy)(dh.ones([2]))).toThrow(dh.TraceError);
    expect(() => dh.jit(branchy)(dh.ones([2]))).toThrow(/item\(\) reads a value computed from the traced inputs/);
    expect(() => dh.jit((x: dh.Tensor) => x.dataSync()[0])(dh.ones([2]))).toThrow(/dataSync\(\)/);
    const f = dh.jit(branchy, { fallback: "eager" });
    expect(Array.from(f(dh.ones([2])).dataSync())).toEqual([2, 2]);
    expect(Array.from(f(dh.full([2], -1)).dataSync())).toEqual([1, 1]); // eager: the branch really runs
    expect(f.stats.eagerCalls).toBe(2);
    expect(f.stats.fallbackReason).toMatch(/item\(\)/);
  });

  it("bad arguments and options are refused by name", () => {
    expect(() => dh.jit(5 as never)).toThrow(/jit: f must be a function/);
    expect(() => dh.jit((x: dh.Tensor) => x, { cache: 3 } as never)).toThrow(/unknown option "cache"/);
    expect(() => dh.jit((x: dh.Tensor) => x)(new Map() as never)).toThrow(/args\[0\] is a Map/);
  });

  it("differentiating through a compiled function runs it eagerly, so the gradient is right", () => {
    const sq = dh.jit((x: dh.Tensor) => x.square().sum());
    expect(Array.from(dh.grad(sq)(dh.tensor([1, 2, 3])).dataSync())).toEqual([2, 4, 6]);
    expect(sq.stats.eagerCalls).toBe(1);
  });
});

describe("two-stage programs (H v at a point: src/jit/staged.ts)", async () => {
  const { stagedJit } = await import("../../src/jit/staged.js");
  it("stage one runs once per x; each v runs only stage two, with stage one's values kept per x", () => {
    const f = (x: dh.Tensor, v: dh.Tensor) => ({ first: { value: rosen(x), g: dh.grad(rosen)(x) }, second: dh.hvp(rosen, x, v) });
    const staged = stagedJit(f, "test");
    const x1 = dh.randn([20], { seed: 1, dtype: "float64" }), x2 = dh.randn([20], { seed: 2, dtype: "float64" }), v = dh.randn([20], { seed: 3, dtype: "float64" });
    const at1 = staged(x1, v), at2 = staged(x2, v);
    // at1's second stage still uses x1's values after x2 ran
    expect(sameBits(at1.second(v), dh.hvp(rosen, x1, v))).toBe(true);
    expect(sameBits(at2.second(v), dh.hvp(rosen, x2, v))).toBe(true);
    expect(sameBits(at1.first.value, rosen(x1))).toBe(true);
    expect(sameBits(at1.first.g, dh.grad(rosen)(x1))).toBe(true);
  });
  it("a first-stage output that depends on v is refused", () => {
    const bad = stagedJit((x: dh.Tensor, v: dh.Tensor) => ({ first: { s: x.add(v) }, second: x }), "bad");
    expect(() => bad(dh.ones([3]), dh.ones([3]))).toThrow(/first-stage output "s" depends on the second-stage input/);
  });
});
