import { describe, it, expect } from "vitest";
import * as dh from "../../src/index.js";

const f64 = (x: number[]) => dh.tensor(x, { dtype: "float64" });

describe("reverse mode", () => {
  it("grad of a cubic: d/dx sum(x^3) = 3x^2", () => {
    expect(dh.grad((x: dh.Tensor) => x.mul(x).mul(x).sum())(f64([1, 2, 3]))).toBeAllclose([3, 12, 27]);
  });

  it("valueAndGrad over a tree keeps the tree's shape", () => {
    const params = { w: f64([1, 2]), b: [f64([3])] };
    const { value, grad } = valueAndGradTree(params);
    expect(value.item()).toBe(1 + 4 + 9);
    expect(grad.w).toBeAllclose([2, 4]);
    expect(grad.b[0]).toBeAllclose([6]);
    expect(value.requiresGrad).toBe(false);
  });

  it("gives zeros for leaves the function ignores", () => {
    const g = dh.grad((p: { a: dh.Tensor; b: dh.Tensor }) => p.a.sum())({ a: f64([1]), b: f64([1, 2]) });
    expect(g.b).toBeAllclose([0, 0]);
  });

  it("accumulates through shared subexpressions (x used many times)", () => {
    // f = sum((x*x) + (x*x)*x) -> 2x + 3x^2
    const g = dh.grad((x: dh.Tensor) => { const s = x.mul(x); return s.add(s.mul(x)).sum(); })(f64([2]));
    expect(g).toBeAllclose([4 + 12]);
  });

  it("passes extra arguments through and does not differentiate them", () => {
    const loss = (w: dh.Tensor, data: dh.Tensor) => w.mul(data).sum();
    expect(dh.grad(loss)(f64([1, 1]), f64([5, 7]))).toBeAllclose([5, 7]);
  });

  it("vjp maps cotangents of a non-scalar output", () => {
    const { value, vjp } = dh.vjp((x: dh.Tensor) => x.mul(x), f64([1, 2, 3]));
    expect(value).toBeAllclose([1, 4, 9]);
    expect(vjp(f64([1, 0, 1]))).toBeAllclose([2, 0, 6]);
    expect(vjp(f64([0, 1, 0]))).toBeAllclose([0, 4, 0]);
  });

  it("jvp is J v, exactly (transpose trick)", () => {
    // f(x) = [sum(x), sum(tanh(x)^2)]
    const f = (x: dh.Tensor) => dh.stack([x.sum(), dh.tanh(x).square().sum()]);
    const { tangent } = dh.jvp(f, f64([0.3, -0.7]), f64([1, 2]));
    // J = [[1, 1], [d0, d1]] with d_i = 2 tanh(x_i) (1 - tanh(x_i)^2)
    const x = [0.3, -0.7];
    const d = x.map((v) => 2 * Math.tanh(v) * (1 - Math.tanh(v) ** 2));
    expect(tangent).toBeAllclose([1 + 2, d[0] * 1 + d[1] * 2], { atol: 1e-14 });
  });

  it("grad of grad: d2/dx2 of x^4 is 12x^2", () => {
    const d1 = dh.grad((x: dh.Tensor) => x.pow(4).sum());
    const d2 = dh.grad((x: dh.Tensor) => d1(x).sum());
    const d3 = dh.grad((x: dh.Tensor) => d2(x).sum());
    expect(d2(f64([1, 2]))).toBeAllclose([12, 48]);
    expect(d3(f64([1, 2]))).toBeAllclose([24, 48]);
  });

  it("hvp and hessian of Rosenbrock match the analytic Hessian", () => {
    const rosen = (x: dh.Tensor) => {
      const a = dh.slice(x, [0], [1]), b = dh.slice(x, [1], [1]);
      return dh.add(dh.square(dh.sub(1, a)), dh.mul(100, dh.square(dh.sub(b, dh.square(a))))).sum();
    };
    const [x, y] = [-1.2, 1];
    const H = [[1200 * x * x - 400 * y + 2, -400 * x], [-400 * x, 200]];
    expect(dh.hessian(rosen, f64([x, y]))).toBeAllclose(H.flat(), { atol: 1e-10 });
    expect(dh.hvp(rosen, f64([x, y]), f64([1, -2]))).toBeAllclose([H[0][0] - 2 * H[0][1], H[1][0] - 2 * H[1][1]], { atol: 1e-10 });
  });

  it("checkGrad finds a wrong gradient and says where", () => {
    // A function whose recorded gradient is deliberately wrong: detach hides one dependence.
    const r = dh.checkGrad((x: dh.Tree) => { const t = x as dh.Tensor; return t.mul(t.detach()).sum(); }, f64([1, 2, 3]));
    expect(r.maxError).toBeGreaterThan(0.1);
    expect(r.where.leaf).toBe("");
    expect(r.analytic).toBeCloseTo(r.numeric / 2, 5);
  });

  it("refuses non-scalar outputs and non-tensor leaves with clear errors", () => {
    expect(() => dh.grad((x: dh.Tensor) => x.mul(2))(f64([1, 2]))).toThrow(/^grad: f must return a scalar \(one value\), got shape \[2\]/);
    expect(() => dh.valueAndGrad((x: dh.Tensor) => x.mul(2))(f64([1, 2]))).toThrow(/^valueAndGrad: f must return a scalar/);
    expect(() => dh.grad((() => 5) as never)(f64([1]))).toThrow(/^grad: f must return a Tensor, got number/);
    expect(() => dh.grad((x: dh.Tensor) => x.sum())({ a: [1, 2] } as unknown as dh.Tensor)).toThrow(/leaf a.0 is number, not a Tensor/);
    expect(() => dh.grad((x: dh.Tensor) => x.sum())(f64([1]))).not.toThrow();
  });

  it("every transformation refuses a non-function where it is passed; checkGrad refuses a bad eps", () => {
    const x = f64([1, 2]);
    const notFns: [string, () => unknown][] = [
      ["grad", () => dh.grad(5 as never)],
      ["valueAndGrad", () => dh.valueAndGrad(null as never)],
      ["vjp", () => dh.vjp({} as never, x)],
      ["jvp", () => dh.jvp([] as never, x, x)],
      ["hvp", () => dh.hvp("f" as never, x, x)],
      ["hessian", () => dh.hessian(1 as never, x)],
      ["checkGrad", () => dh.checkGrad(undefined as never, x)],
    ];
    for (const [op, run] of notFns) expect(run).toThrow(new RegExp(`^${op}: f must be a function, got `));
    for (const eps of [-1, 0, 1, NaN]) {
      expect(() => dh.checkGrad((t: dh.Tree) => (t as dh.Tensor).sum(), x, { eps })).toThrow(/^checkGrad: eps must be a number in \(0, 1\)/);
    }
  });

  it("jvp and hvp check the tangent's structure, shapes and dtypes before f runs, naming the op and the leaf", () => {
    let calls = 0;
    const f = (x: dh.Tree) => { calls++; const t = x as { a: dh.Tensor; b: dh.Tensor }; return t.a.square().sum().add(t.b.sum()); };
    const x = { a: f64([1, 2, 3]), b: f64([4]) };
    const cases: [unknown, new (...args: never[]) => Error, RegExp][] = [
      [{ a: f64([1, 2, 3, 4]), b: f64([1]) }, dh.ShapeError, /v\.a has shape \[4\], x has \[3\]/],
      [{ a: dh.tensor([1, 2, 3]), b: f64([1]) }, dh.DTypeError, /v\.a is float32, x is float64/],
      [{ a: f64([1, 2, 3]) }, dh.ArgumentError, /v has 1 leaves, x has 2/],
      [{ a: f64([1, 2, 3]), c: f64([1]) }, dh.ArgumentError, /v has a leaf at c where x has b/],
      [{ a: f64([1, 2, 3]), b: 1 }, dh.ArgumentError, /v: leaf b is number, not a Tensor/],
    ];
    for (const op of ["jvp", "hvp"] as const) {
      for (const [v, type, message] of cases) {
        const run = () => (op === "jvp" ? dh.jvp(f, x, v as dh.Tree) : dh.hvp(f, x, v as dh.Tree));
        expect(run).toThrow(type);
        expect(run).toThrow(new RegExp(`^${op}: ${message.source}`));
      }
    }
    expect(calls).toBe(0);
    // A single tensor: the leaf is v itself.
    expect(() => dh.hvp((t: dh.Tensor) => t.square().sum(), f64([1, 2, 3]), f64([1, 2, 3, 4]))).toThrow(/^hvp: v has shape \[4\], x has \[3\]$/);
  });
});

function valueAndGradTree(params: { w: dh.Tensor; b: dh.Tensor[] }) {
  return dh.valueAndGrad((p: typeof params) => p.w.square().sum().add(p.b[0].square().sum()))(params);
}

