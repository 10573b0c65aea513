// Epilogues folded into products (src/jit/epilogue.ts): the patterns a dense layer makes are
// found and nothing else is, and compiled results stay the eager bits on the WebAssembly backend.
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import * as dh from "../../src/index.js";
import { useBackend } from "../helpers.js";
import { foldEpilogues, slopeOfRelu } from "../../src/jit/epilogue.js";
import { fuse } from "../../src/jit/fuse.js";
import type { Instr, Value } from "../../src/jit/program.js";

afterEach(async () => {
  await useBackend("wasm");
});

const sameBits = (a: dh.Tensor, b: dh.Tensor) => {
  const x = a.dataSync(), y = b.dataSync();
  return a.shape.join() === b.shape.join() && x.every((v, i) => Object.is(v, y[i]));
};

describe("the epilogue pass", () => {
  const v = (size: number): Value => ({ dtype: "float32", size, source: { kind: "instr", index: 0 } });
  // 0 x [4,3], 1 w [3,5], 2 b [5]; 3 = x w; 4 = 3 + b; 5 = relu 4; 6 = positive 4
  const values = [v(12), v(15), v(5), v(20), v(20), v(20), v(20), v(20), v(20)];
  const mm: Instr = { op: "matmul", a: 0, b: 1, batch: 1, m: 4, k: 3, n: 5, transA: false, transB: false, out: [3] };
  const add = (bShape: number[], b = 2): Instr => ({ op: "binary", fn: "add", a: 3, aShape: [4, 5], b, bShape, outShape: [4, 5], out: [4] });
  const relu: Instr = { op: "unary", fn: "relu", x: 4, out: [5] };
  const all = () => true;

  it("folds relu(x w + b) and x w + b; the slope then reads relu's output", () => {
    const instrs = slopeOfRelu([mm, add([5]), relu, { op: "unary", fn: "positive", x: 4, out: [6] }], values.length);
    expect(instrs[3]).toMatchObject({ fn: "positive", x: 5 });
    // (positive kept out of the group, as in a real backward where other kernels stand between)
    const out = foldEpilogues(fuse({ values, outputs: [5, 6] }, instrs, (ins) => ins.op !== "unary" || ins.fn !== "positive"), values, [5, 6]);
    expect(out[0]).toMatchObject({ op: "matmulEpilogue", bias: 2, relu: true, mask: -1, out: [5] });
    expect(foldEpilogues(fuse({ values, outputs: [4] }, [mm, add([1, 5])], all), values, [4])[0]).toMatchObject({ op: "matmulEpilogue", bias: 2, relu: false, out: [4] });
  });
  it("folds the relu-slope mask of the backward, either order of the product", () => {
    for (const [a, b] of [[3, 7], [7, 3]]) {
      const instrs: Instr[] = [mm, { op: "unary", fn: "positive", x: 2, out: [7] }, { op: "binary", fn: "mul", a, aShape: [4, 5], b, bShape: [4, 5], outShape: [4, 5], out: [8] }];
      const vs = values.map((x, i) => (i === 2 ? v(20) : x)); // value 2 is h [4,5] here
      const out = foldEpilogues(fuse({ values: vs, outputs: [8] }, instrs, all), vs, [8]);
      expect(out).toHaveLength(1);
      expect(out[0]).toMatchObject({ op: "matmulEpilogue", bias: -1, relu: false, mask: 2, out: [8] });
    }
  });
  it("leaves a product alone when it is read twice, returned, or the bias is not a row", () => {
    const twice = fuse({ values, outputs: [5, 3] }, [mm, add([5]), relu], all);
    expect(foldEpilogues(twice, values, [5, 3]).map((i) => i.op)).toEqual(["matmul", "fused"]);
    const column = [...values.slice(0, 2), v(4), ...values.slice(3)];
    expect(foldEpilogues(fuse({ values: column, outputs: [5] }, [mm, add([4, 1]), relu], all), column, [5]).map((i) => i.op)).toEqual(["matmul", "fused"]);
    // relu's input read outside the group (no slope rewrite here): the add's result must be written, so no fold
    const both = fuse({ values, outputs: [5, 4] }, [mm, add([5]), relu], all);
    expect(foldEpilogues(both, values, [5, 4]).map((i) => i.op)).toEqual(["matmul", "fused"]);
  });
});

describe("the column-sum fold (a bias's gradient taken by the product)", () => {
  const v = (size: number, dtype: "float32" | "float64" = "float32"): Value => ({ dtype, size, source: { kind: "instr", index: 0 } });
  // 0 g [4,3], 1 w [3,5]; 2 = g w [4,5]; 3 = its column sums [5]; 4 = another reader's value
  const values = [v(12), v(15), v(20), v(5), v(20), v(5, "float64")];
  const mm: Instr = { op: "matmul", a: 0, b: 1, batch: 1, m: 4, k: 3, n: 5, transA: false, transB: false, out: [2] };
  const sum = (shape: number[], axes: number[], fn: "sum" | "mean" = "sum", out = 3): Instr => ({ op: "reduce", fn, x: 2, shape, axes, out: [out] });
  const other: Instr = { op: "unary", fn: "exp", x: 2, out: [4] };
  const none = () => false;

  it("folds sum over the rows of a product that other instructions read too, as a second output", () => {
    for (const shape of [[4, 5], [2, 2, 5]]) {
      const axes = shape.length === 2 ? [0] : [0, 1];
      const out = foldEpilogues(fuse({ values, outputs: [3, 4] }, [mm, other, sum(shape, axes)], none), values, [3, 4]);
      expect(out.map((i) => i.op)).toEqual(["matmulEpilogue", "unary"]);
      expect(out[0]).toMatchObject({ bias: -1, relu: false, mask: -1, colSum: 3, out: [2, 3] });
    }
  });
  it("leaves other reductions alone: over the columns, a mean, a partial sum, another dtype", () => {
    const cases: Instr[] = [sum([4, 5], [1]), sum([4, 5], [0], "mean"), sum([2, 2, 5], [1]), sum([4, 5], [0], "sum", 5)];
    for (const r of cases) {
      const out = foldEpilogues(fuse({ values, outputs: [r.out[0], 4] }, [mm, other, r], none), values, [r.out[0], 4]);
      expect(out.map((i) => i.op), JSON.stringify(r)).toEqual(["matmul", "unary", "reduce"]);
    }
  });
});

describe("compiled dense layers on the WebAssembly backend: the eager bits", () => {
  for (const dtype of ["float32", "float64"] as const) {
    it(`${dtype}: MLP 64-32-10 loss and gradient, and the three epilogues fire on wasm`, async () => {
      const X = dh.rand([24, 64], { seed: 1, dtype });
      const Y = dh.oneHot(Array.from({ length: 24 }, (_, i) => i % 10), 10, { dtype });
      const p = { w1: dh.randn([64, 32], { seed: 2, dtype }), b1: dh.randn([32], { seed: 3, dtype }), w2: dh.randn([32, 10], { seed: 4, dtype }), b2: dh.zeros([10], { dtype }) };
      const loss = (q: typeof p) => {
        const h = dh.relu(dh.add(dh.matmul(X, q.w1), q.b1));
        return dh.neg(dh.mean(dh.sum(dh.mul(dh.logSoftmax(dh.add(dh.matmul(h, q.w2), q.b2)), Y), -1)));
      };
      const epilogues: number[] = [];
      for (const backend of ["js", "wasm"] as const) {
        await useBackend(backend);
        const vg = dh.valueAndGrad(loss), c = dh.jit(vg);
        for (let call = 0; call < 3; call++) {
          const e = vg(p), j = c(p);
          expect(sameBits(j.value, e.value)).toBe(true);
          for (const k of ["w1", "b1", "w2", "b2"] as const) expect(sameBits(j.grad[k], e.grad[k]), `${backend} ${k}`).toBe(true);
        }
        epilogues.push(c.stats.lastProgram!.epilogues);
      }
      expect(epilogues).toEqual([0, 3]); // on wasm: the two bias adds (one with relu) and the relu mask inside products
    });
  }

  it("random dense layers (fast-check): shapes, transposes, bias forms, relu or not, special values", async () => {
    await useBackend("wasm");
    const specials = [0, -0, NaN, Infinity, -Infinity, 1e30];
    let folded = 0;
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 40 }), k: fc.integer({ min: 1, max: 40 }), n: fc.integer({ min: 1, max: 40 }),
          transA: fc.boolean(), transB: fc.boolean(), bias: fc.constantFrom("row", "row2", "column", "none"), relu: fc.boolean(),
          dtype: fc.constantFrom("float32" as const, "float64" as const), seed: fc.nat(1000), poison: fc.array(fc.tuple(fc.nat(), fc.nat(5)), { maxLength: 3 }),
        }),
        ({ m, k, n, transA, transB, bias, relu, dtype, seed, poison }) => {
          const x = dh.randn(transA ? [k, m] : [m, k], { seed, dtype });
          const w = dh.randn(transB ? [n, k] : [k, n], { seed: seed + 1, dtype });
          const xv = x.dataSync();
          for (const [at, s] of poison) xv[at % xv.length] = specials[s];
          const b = bias === "row" ? dh.randn([n], { seed: seed + 2, dtype }) : bias === "row2" ? dh.randn([1, n], { seed: seed + 2, dtype }) : dh.randn([m, 1], { seed: seed + 2, dtype });
          const r = dh.randn([n, 3], { seed: seed + 3, dtype }); // a next layer: the product reads h, as in an MLP
          const f = (p: { w: dh.Tensor; b: dh.Tensor }) => {
            let z = dh.matmul(x, p.w, { transposeA: transA, transposeB: transB });
            if (bias !== "none") z = dh.add(z, p.b);
            if (relu) z = dh.relu(z);
            return dh.sum(dh.matmul(z, r));
          };
          const vg = dh.valueAndGrad(f), c = dh.jit(vg), e = vg({ w, b }), j = c({ w, b });
          folded += c.stats.lastProgram!.epilogues;
          return sameBits(j.value, e.value) && sameBits(j.grad.w, e.grad.w) && sameBits(j.grad.b, e.grad.b);
        },
      ),
      { numRuns: 120 },
    );
    expect(folded).toBeGreaterThan(30); // the patterns did fire (a row bias or relu in about half the cases)
  });
});
