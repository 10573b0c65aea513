/**
 * Property-based checks of autodiff on random expression graphs over the op set:
 * gradient vs central differences, hvp vs central differences of the gradient, hvp vs hessian @ v,
 * and jvp against vjp (<J v, u> = <v, Jᵀ u>) and central differences on vector-valued graphs.
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import * as dh from "../../src/index.js";

type Unary = (x: dh.Tensor) => dh.Tensor;
type Binary = (a: dh.Tensor, b: dh.Tensor) => dh.Tensor;

// Smooth ops only (finite differences are meaningless at kinks); inputs kept bounded by tanh where
// an op could blow up.
const UNARY: Array<[string, Unary]> = [
  ["tanh", dh.tanh], ["sigmoid", dh.sigmoid], ["square", dh.square], ["exp∘tanh", (x) => dh.exp(dh.tanh(x))],
  ["softplus", dh.softplus], ["gelu", (x) => dh.gelu(x)], ["erf", dh.erf], ["neg", dh.neg],
  ["log(1+x²)", (x) => dh.log(dh.add(1, dh.square(x)))], ["sqrt(1+x²)", (x) => dh.sqrt(dh.add(1, dh.square(x)))],
  ["softmax", (x) => dh.softmax(x)], ["logSoftmax", (x) => dh.logSoftmax(x)], ["transpose∘T", (x) => dh.transpose(dh.transpose(x))],
  ["cumulative via matmul", (x) => dh.matmul(x, dh.tensor([[1, 1, 1], [0, 1, 1], [0, 0, 1]], { dtype: "float64" }))],
  ["reverse via gather", (x) => dh.gather(x, [2, 1, 0], 1)],
  ["sum-broadcast", (x) => dh.add(x, dh.sum(x, 1, true))],
  ["mean-broadcast", (x) => dh.mul(x, dh.mean(x, 0, true))],
  ["pow 3", (x) => dh.pow(x, 3)],
];
const BINARY: Array<[string, Binary]> = [
  ["add", dh.add], ["sub", dh.sub], ["mul", dh.mul], ["div", (a, b) => dh.div(a, dh.add(1.5, dh.tanh(b)))],
  ["matmul aᵀb", (a, b) => dh.matmulT(a, b, false, true).slice([0, 0], [2, 2]).reshape([2, 2]).matmul(dh.ones([2, 3], { dtype: "float64" }))],
  ["concat-slice", (a, b) => dh.slice(dh.concat([a, b], 1), [0, 1], [2, 3])],
];

interface Step { kind: "u" | "b"; op: number; i: number; j: number }

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom("u" as const, "b" as const),
  op: fc.nat(100),
  i: fc.nat(100),
  j: fc.nat(100),
});

/**
 * The same program, vector-valued: x [2,3] -> [2,3], the weighted intermediates summed
 * elementwise instead of to a scalar, so its Jacobian is a full 6x6 matrix.
 */
function vectorProgram(steps: Step[]): (x: dh.Tensor) => dh.Tensor {
  return (x) => {
    const vals: dh.Tensor[] = [x];
    for (const s of steps) {
      const a = vals[s.i % vals.length];
      if (s.kind === "u") vals.push(UNARY[s.op % UNARY.length][1](a));
      else vals.push(BINARY[s.op % BINARY.length][1](a, vals[s.j % vals.length]));
    }
    return vals.slice(1).reduce((acc, v, k) => dh.add(acc, dh.mul(dh.tanh(v), 0.3 + 0.1 * k)), dh.mul(x, 0.01));
  };
}

/** Builds a scalar function of x [2,3] from a program: each step combines earlier values. */
function program(steps: Step[]): (x: dh.Tensor) => dh.Tensor {
  return (x) => {
    const vals: dh.Tensor[] = [x];
    for (const s of steps) {
      const a = vals[s.i % vals.length];
      if (s.kind === "u") vals.push(UNARY[s.op % UNARY.length][1](a));
      else vals.push(BINARY[s.op % BINARY.length][1](a, vals[s.j % vals.length]));
    }
    // weight every intermediate so no branch is dead
    return vals.slice(1).reduce((acc, v, k) => dh.add(acc, dh.mul(dh.tanh(v), 0.3 + 0.1 * k).sum()), dh.sum(dh.mul(x, 0.01)));
  };
}

const xArb = fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: 6, maxLength: 6 }).map((v) => dh.tensor(v, { dtype: "float64", shape: [2, 3] }));
const vArb = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }).map((v) => dh.tensor(v, { dtype: "float64", shape: [2, 3] }));

describe("autodiff on random expression graphs", () => {
  it("gradient matches central differences", () => {
    fc.assert(fc.property(fc.array(stepArb, { minLength: 1, maxLength: 6 }), xArb, (steps, x) => {
      const r = dh.checkGrad(program(steps) as (x: dh.Tree) => dh.Tensor, x);
      expect(r.maxError).toBeLessThan(1e-6);
    }), { numRuns: 60, seed: 20261123 });
  });

  it("hvp matches central differences of the gradient and hessian @ v", () => {
    fc.assert(fc.property(fc.array(stepArb, { minLength: 1, maxLength: 5 }), xArb, vArb, (steps, x, v) => {
      const f = program(steps);
      const hv = dh.hvp(f, x, v);
      const g = dh.grad(f);
      const h = 1e-5;
      const fd = dh.div(dh.sub(g(dh.add(x, dh.mul(v, h))), g(dh.sub(x, dh.mul(v, h)))), 2 * h);
      expect(hv).toBeAllclose(fd, { atol: 1e-6, rtol: 1e-5 });
      const H = dh.hessian(f, x).reshape([6, 6]);
      expect(hv.reshape([6])).toBeAllclose(dh.matmul(H, v.reshape([6])), { atol: 1e-12, rtol: 1e-10 });
      // The Hessian of a twice-differentiable function is symmetric.
      expect(H).toBeAllclose(dh.transpose(H), { atol: 1e-10, rtol: 1e-9 });
    }), { numRuns: 40, seed: 7 });
  });

  it("jvp matches vjp through the inner product identity <J v, u> = <v, Jᵀ u>", () => {
    // f = the random vector program followed by y -> tanh(y yᵀ): [2,3] -> [2,2], a non-square Jacobian
    fc.assert(fc.property(fc.array(stepArb, { minLength: 1, maxLength: 5 }), xArb, vArb, (steps, x, v) => {
      const g = vectorProgram(steps);
      const f = (y: dh.Tensor) => {
        const z = g(y);
        return dh.tanh(dh.matmul(z, dh.transpose(z)));
      };
      const { tangent, value } = dh.jvp(f, x, v);
      expect(value).toBeAllclose(f(x), { atol: 0, rtol: 0 });
      const u = dh.randn(value.shape as number[], { seed: 3, dtype: "float64" });
      const vt = dh.vjp(f, x).vjp(u);
      const jv = dh.sum(dh.mul(tangent, u)).item(), jtu = dh.sum(dh.mul(v, vt)).item();
      expect(Math.abs(jv - jtu)).toBeLessThan(1e-10 * Math.max(1, Math.abs(jv)));
      // and J v itself against central differences of f along v
      const h = 1e-5;
      const fd = dh.div(dh.sub(f(dh.add(x, dh.mul(v, h))), f(dh.sub(x, dh.mul(v, h)))), 2 * h);
      expect(tangent).toBeAllclose(fd, { atol: 1e-6, rtol: 1e-5 });
    }), { numRuns: 30, seed: 11 });
  });
});
