// The compiled lowering's rewrites keep the eager bits: elementwise fusion (src/jit/fuse.ts,
// fusedCpu.ts), constant folding and x*1 (simplify.ts), matmuls by mostly-zero constants
// (sparseConstant.ts), precomputed copies (copyPlan.ts); and planned buffers reused across and
// within calls never reach a matmul through a stale resident copy.
import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import * as dh from "../../src/index.js";
import { BACKENDS, useBackend } from "../helpers.js";
import { fuse } from "../../src/jit/fuse.js";
import { setFusedCodegen } from "../../src/jit/fusedCodegen.js";
import type { Instr, Value } from "../../src/jit/program.js";

afterEach(async () => {
  setFusedCodegen(null);
  await useBackend("wasm");
});

/** Both lowerings of a fused instruction: the interpreter (runs everywhere) and generated loops (where new Function is allowed). */
const LOWERINGS = [["interpreter", false], ["generated loops", true]] as const;
const cases = BACKENDS.flatMap((b) => LOWERINGS.map(([name, codegen]) => [b, name, codegen] as const));

function sameBits(a: dh.Tensor, b: dh.Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const x = a.dataSync(), y = b.dataSync();
  return x.every((v, i) => Object.is(v, y[i]));
}
/** Largest |a - b| relative to max(1, |b|). */
function relDiff(a: dh.Tensor, b: dh.Tensor): number {
  const x = a.dataSync(), y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(y[i])));
  return m;
}

const N = 40;
const shift = (offset: number) => dh.tensor(Array.from({ length: (N - 1) * N }, (_, k) => (Math.floor(k / N) + offset === k % N ? 1 : 0)), { dtype: "float64" }).reshape([N - 1, N]);
const S0 = shift(0), S1 = shift(1);
const rosenShift = (x: dh.Tensor) => {
  const a = dh.matmul(S0, x), b = dh.matmul(S1, x);
  return b.sub(a.square()).square().mul(100).add(dh.sub(1, a).square()).sum();
};

describe("the fusion pass", () => {
  const v = (size: number): Value => ({ dtype: "float64", size, source: { kind: "instr", index: 0 } });
  it("fuses a chain into one instruction that writes out only what is read outside it", () => {
    // 0: input; 1 = neg 0; 2 = 1*1; 3 = sum(2) (not elementwise); 4 = 2 + 1
    const values = [v(8), v(8), v(8), v(1), v(8)];
    const instrs: Instr[] = [
      { op: "unary", fn: "neg", x: 0, out: [1] },
      { op: "binary", fn: "mul", a: 1, aShape: [8], b: 1, bShape: [8], outShape: [8], out: [2] },
      { op: "reduce", fn: "sum", x: 2, shape: [8], axes: [0], out: [3] },
      { op: "binary", fn: "add", a: 2, aShape: [8], b: 1, bShape: [8], outShape: [8], out: [4] },
    ];
    const out = fuse({ values, outputs: [3, 4] }, instrs, () => true);
    expect(out.map((i) => i.op)).toEqual(["fused", "reduce", "binary"]);
    const f = out[0] as Extract<(typeof out)[number], { op: "fused" }>;
    expect(f.body.length).toBe(2);
    expect(f.out).toEqual([1, 2]); // 1 and 2 are read after the group; the add could not join (the reduce read the group)
  });
  it("keeps what the backend does not fuse apart, and a group after a reader of it starts anew", () => {
    const values = [v(8), v(8), v(8), v(8)];
    const instrs: Instr[] = [
      { op: "unary", fn: "exp", x: 0, out: [1] },
      { op: "unary", fn: "neg", x: 1, out: [2] },
      { op: "unary", fn: "square", x: 2, out: [3] },
    ];
    const out = fuse({ values, outputs: [3] }, instrs, (i) => !(i.op === "unary" && i.fn === "exp"));
    expect(out.map((i) => i.op)).toEqual(["unary", "fused"]);
    expect((out[1] as { out: number[] }).out).toEqual([3]);
  });
});

describe.each(cases)("%s backend, %s: rewrites keep the eager results", (backend, _name, codegen) => {
  it("Rosenbrock with shift-matrix matmuls: the sparse constant products give the eager bits", async () => {
    await useBackend(backend);
    setFusedCodegen(codegen);
    const vg = dh.valueAndGrad(rosenShift), c = dh.jit(vg);
    for (const seed of [1, 2]) {
      const x = dh.randn([N], { seed, dtype: "float64" });
      const e = vg(x), j = c(x);
      expect(sameBits(e.value, j.value)).toBe(true);
      expect(sameBits(e.grad, j.grad)).toBe(true);
    }
  });

  it("a mostly-zero constant times a vector holding Inf or NaN still propagates like the dense kernel", async () => {
    await useBackend(backend);
    setFusedCodegen(codegen);
    // S0^T g reads g with every zero of S0 (the transposed layout): 0 * Inf = NaN in every output
    const f = (g: dh.Tensor) => dh.matmul(S0, g.reshape([N - 1, 1]), { transposeA: true });
    const c = dh.jit(f);
    const g = dh.randn([N - 1], { seed: 3, dtype: "float64" });
    expect(sameBits(f(g), c(g))).toBe(true);
    const bad = dh.tensor(Array.from({ length: N - 1 }, (_, i) => (i === 5 ? Infinity : i === 7 ? NaN : i)), { dtype: "float64" });
    expect(sameBits(f(bad), c(bad))).toBe(true);
  });

  it("float32 chains (rounded per operation), broadcasts, where, folded constants", async () => {
    await useBackend(backend);
    setFusedCodegen(codegen);
    const bias = dh.randn([1, 16], { seed: 9 });
    const f = (x: dh.Tensor, y: dh.Tensor) => {
      const z = x.mul(1.7).add(bias).relu().mul(y).sub(dh.ones([16]).mul(3)); // ones * 3 folds
      return dh.where(dh.greater(z, 0), z.square(), z.neg().mul(dh.ones([4, 16]))).div(dh.add(2, y.abs()));
    };
    const c = dh.jit(f);
    for (const seed of [1, 2, 3]) {
      const x = dh.randn([4, 16], { seed }), y = dh.randn([4, 1], { seed: seed + 10 });
      expect(sameBits(f(x, y), c(x, y))).toBe(true);
    }
  });

  it("special values (+-0, +-Inf, NaN) through every unary and binary op, fused behind a neg", async () => {
    await useBackend(backend);
    setFusedCodegen(codegen);
    const special = [0, -0, 1, -1, 0.5, -2.5, Infinity, -Infinity, NaN, 3, 1e-310, -7];
    for (const dtype of ["float64", "float32"] as const) {
      const x = dh.tensor(special, { dtype }), y = dh.tensor([...special].reverse(), { dtype });
      const UNARY = ["neg", "square", "exp", "log", "sqrt", "abs", "sign", "tanh", "sigmoid", "softplus", "erf", "relu", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "log1p", "expm1", "log2", "log10", "reciprocal", "rsqrt", "floor", "ceil", "round", "trunc"] as const;
      for (const op of UNARY) {
        const f = (a: dh.Tensor) => (dh as unknown as Record<string, (t: dh.Tensor) => dh.Tensor>)[op](a.neg()).neg();
        expect(sameBits(f(x), dh.jit(f)(x)), `${dtype} ${op}`).toBe(true);
      }
      const BINARY = { add: dh.add, sub: dh.sub, mul: dh.mul, div: dh.div, pow: dh.pow, maximum: dh.maximum, minimum: dh.minimum, greater: dh.greater, greaterEqual: dh.greaterEqual, less: dh.less, lessEqual: dh.lessEqual, equal: dh.equal, atan2: dh.atan2, hypot: dh.hypot };
      for (const [op, fn] of Object.entries(BINARY)) {
        const f = (a: dh.Tensor, b: dh.Tensor) => (fn as (p: dh.Tensor, q: dh.Tensor) => dh.Tensor)(a.neg(), b.neg()).neg();
        expect(sameBits(f(x, y), dh.jit(f)(x, y)), `${dtype} ${op}`).toBe(true);
        expect(sameBits(f(x, x), dh.jit(f)(x, x)), `${dtype} ${op} (x, x)`).toBe(true);
      }
    }
  });

  it("long arrays run in several chunks, with values written out mid-chain", async () => {
    await useBackend(backend);
    setFusedCodegen(codegen);
    const f = (x: dh.Tensor) => {
      const a = x.mul(x).add(1);
      return { b: a.sqrt().sub(x), s: a.sum(), c: a.neg().mul(0.5) };
    };
    const c = dh.jit(f);
    const x = dh.randn([5000], { seed: 4, dtype: "float32" });
    const e = f(x), j = c(x);
    for (const k of ["b", "s", "c"] as const) expect(sameBits(e[k], j[k]), k).toBe(true);
  });
});

describe("planned buffers and the resident-operand cache", () => {
  it("an intermediate large enough to become resident is re-read after every write (across and within calls)", async () => {
    await useBackend("wasm");
    // h is 256 x 512 float32 = 512 KiB: above the resident threshold. It is read by two matmuls per
    // call (forward and backward), and its buffer is rewritten on every call.
    const X = dh.randn([256, 64], { seed: 1 });
    const loss = (p: { w1: dh.Tensor; w2: dh.Tensor }) => dh.relu(dh.matmul(X, p.w1)).matmul(p.w2).square().sum();
    const vg = dh.valueAndGrad(loss), c = dh.jit(vg);
    for (let i = 0; i < 4; i++) {
      const p = { w1: dh.randn([64, 512], { seed: 10 + i }).mul(0.1), w2: dh.randn([512, 8], { seed: 20 + i }).mul(0.1) };
      const e = vg(p), j = c(p);
      expect(relDiff(j.value, e.value), `call ${i}`).toBeLessThan(1e-5);
      expect(relDiff(j.grad.w1, e.grad.w1), `call ${i}`).toBeLessThan(1e-4);
      expect(relDiff(j.grad.w2, e.grad.w2), `call ${i}`).toBeLessThan(1e-4);
    }
  });
});

describe.each(cases)("%s backend, %s: random graphs (fast-check), compiled = eager", (backend, _name, codegen) => {
  // Elementwise (unary, binary with scalars and broadcasts, where), matmul and reduction nodes
  // over a pool of values of shapes [6, 6], [6, 1], [1, 6] and [].
  const UN: Array<(t: dh.Tensor) => dh.Tensor> = [dh.neg, dh.square, dh.abs, dh.relu, dh.tanh, dh.exp, (t) => dh.sqrt(dh.abs(t)), dh.sigmoid, (t) => dh.log(dh.add(1, dh.abs(t))), dh.sin, dh.floor, dh.reciprocal];
  const BIN: Array<(a: dh.Tensor, b: dh.Tensor) => dh.Tensor> = [dh.add, dh.sub, dh.mul, dh.maximum, dh.minimum, (a, b) => dh.div(a, dh.add(1.5, dh.abs(b))), (a, b) => dh.where(dh.greater(a, b), a, b.mul(0.5))];
  const RED: Array<(t: dh.Tensor) => dh.Tensor> = [(t) => t.sum(-1, true), (t) => t.sum(0, true), (t) => t.mean(), (t) => t.max(-1, true)];
  const step = fc.record({ kind: fc.integer({ min: 0, max: 9 }), op: fc.nat(20), i: fc.nat(30), j: fc.nat(30), c: fc.double({ min: -3, max: 3, noNaN: true }) });
  for (const dtype of ["float64", "float32"] as const) {
    it(`${dtype}: forward and gradient`, async () => {
      await useBackend(backend);
    setFusedCodegen(codegen);
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 14 }), fc.nat(1000), (steps, seed) => {
          const f = ([x, y]: dh.Tensor[]) => {
            const vals: dh.Tensor[] = [x, y];
            for (const s of steps) {
              const a = vals[s.i % vals.length], b = vals[s.j % vals.length];
              if (s.kind <= 3) vals.push(UN[s.op % UN.length](a));
              else if (s.kind <= 6) vals.push(BIN[s.op % BIN.length](a, b));
              else if (s.kind === 7) vals.push(dh.mul(a, s.c));
              else if (s.kind === 8 && a.rank === 2 && b.rank === 2 && a.shape[1] === b.shape[0]) vals.push(dh.matmul(a, b));
              else if (a.rank === 2) vals.push(RED[s.op % RED.length](a));
            }
            return vals.slice(2).reduce((acc, t) => acc.add(t.sum()), x.sum());
          };
          const x = dh.randn([6, 6], { seed, dtype }), y = dh.randn([6, 1], { seed: seed + 1, dtype });
          const vg = dh.valueAndGrad(f);
          const e = vg([x, y]), j = dh.jit(vg)([x, y]);
          if (backend === "js") return sameBits(e.value, j.value) && e.grad.every((g, k) => sameBits(g, j.grad[k]));
          // the WebAssembly core: within float rounding (fused runs may take a JS loop where eager took a v128 kernel)
          const tol = dtype === "float32" ? 1e-3 : 1e-9;
          const ok = (p: dh.Tensor, q: dh.Tensor) => relDiff(p, q) <= tol || (p.dataSync().some((v) => !Number.isFinite(v)) && sameBits(p, q));
          return ok(j.value, e.value) && e.grad.every((g, k) => ok(j.grad[k], g));
        }),
        { numRuns: 50 },
      );
    });
  }
});
