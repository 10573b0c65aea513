/**
 * SAM (Foret et al. 2021) and ASAM (Kwon et al. 2021):
 *   ε = rho g / (||g|| + 1e-12)  (ASAM: ε = rho p² g / (|| |p| g || + 1e-12)),  g_sam = ∇L(p + ε),
 *   then the base transform's update with g_sam.
 */
import { describe, expect, it } from "vitest";
import { ArgumentError, grad, tensor, type Tensor, type Tree } from "../../../src/index.js";
import { adam, chain, optimizer, sam, sgd } from "../../../src/index.js";

// L(p) = ½ pᵀ A p − bᵀ p with A = [[3, 1], [1, 2]], b = [1, -1]: ∇L = A p − b.
const A = [[3, 1], [1, 2]], b = [1, -1];
const loss = (p: Tree) => {
  const x = p as Tensor;
  return x.matmul(tensor(A, { dtype: "float64" })).mul(x).sum().mul(0.5).sub(x.mul(tensor(b, { dtype: "float64" })).sum());
};
const gradAt = (p: number[]) => [A[0][0] * p[0] + A[0][1] * p[1] - b[0], A[1][0] * p[0] + A[1][1] * p[1] - b[1]];

describe("sam", () => {
  it("one step is SGD with the gradient at p + rho g/||g||, computed by hand", () => {
    // p = (1, 2): g = (3 + 2 − 1, 1 + 4 + 1) = (4, 6), ||g|| = √52;
    // ε = 0.1 (4, 6)/√52; g_sam = A (p + ε) − b; p ← p − 0.5 g_sam.
    const p0 = [1, 2];
    const g = gradAt(p0);
    const n = Math.hypot(...g);
    const pe = p0.map((v, i) => v + (0.1 * g[i]) / (n + 1e-12));
    const gs = gradAt(pe);
    const expected = p0.map((v, i) => v - 0.5 * gs[i]);
    const x = tensor(p0, { dtype: "float64" });
    const opt = optimizer(sam(sgd({ lr: 0.5 }), { rho: 0.1 }), x);
    opt.step(grad(loss)(x), { loss });
    expect(x).toBeAllclose(expected, { atol: 1e-14, rtol: 1e-14 });
  });

  it("ASAM scales the perturbation elementwise by |p|: ε = rho p² g / || |p| g ||", () => {
    const p0 = [1, -2];
    const g = gradAt(p0); // (3 − 2 − 1, 1 − 4 + 1) = (0, −2)
    const n = Math.hypot(...g.map((v, i) => Math.abs(p0[i]) * v)); // ||(0, 4)|| = 4
    const pe = p0.map((v, i) => v + (0.2 * v * v * g[i]) / (n + 1e-12)); // (1, −2 − 0.2·4·2/4) = (1, −2.4)
    expect(pe).toBeAllclose([1, -2.4], { atol: 1e-12 });
    const gs = gradAt(pe);
    const x = tensor(p0, { dtype: "float64" });
    const tx = sam(sgd({ lr: 0.25 }), { rho: 0.2, adaptive: true });
    const r = tx.update(grad(loss)(x), tx.init(x), x, { loss });
    expect(r.updates).toBeAllclose(gs.map((v) => -0.25 * v), { atol: 1e-14, rtol: 1e-14 });
  });

  it("two steps with a stateful base (momentum) match the two-step definition; rho = 0 is the base", () => {
    const x = tensor([1, 2], { dtype: "float64" });
    const opt = optimizer(sam(sgd({ lr: 0.1, momentum: 0.9 }), { rho: 0.05 }), x);
    let p = [1, 2], buf = [0, 0];
    for (let t = 0; t < 2; t++) {
      const g = gradAt(p), n = Math.hypot(...g);
      const gs = gradAt(p.map((v, i) => v + (0.05 * g[i]) / (n + 1e-12)));
      buf = t === 0 ? gs : buf.map((m, i) => 0.9 * m + gs[i]);
      p = p.map((v, i) => v - 0.1 * buf[i]);
      opt.step(grad(loss)(x), { loss });
      expect(x).toBeAllclose(p, { atol: 1e-14, rtol: 1e-13 });
    }
    const y = tensor([1, 2], { dtype: "float64" }), z = tensor([1, 2], { dtype: "float64" });
    const a = optimizer(sam(adam({ lr: 0.1 }), { rho: 0 }), y), c = optimizer(adam({ lr: 0.1 }), z, { fused: "pure" });
    for (let t = 0; t < 3; t++) {
      a.step(grad(loss)(y), { loss });
      c.step(grad(loss)(z));
    }
    expect(Array.from(y.dataSync())).toEqual(Array.from(z.dataSync()));
  });

  it("converges to the minimizer A⁻¹ b = (0.6, −0.8) of the quadratic", () => {
    const x = tensor([3, 3], { dtype: "float64" });
    const opt = optimizer(chain(sam(sgd({ lr: 0.2, momentum: 0.5 }), { rho: 0.01 })), x);
    for (let i = 0; i < 300; i++) opt.step(grad(loss)(x), { loss });
    // SAM's fixed point: ∇L(p + ρ ∇L/||∇L||) = 0 is not ∇L(p) = 0 away from the minimum, but near it
    // the perturbation points back to p* and the iterates settle within ~rho of it.
    expect(x).toBeAllclose([0.6, -0.8], { atol: 0.02, rtol: 0 });
  });

  it("refuses a missing loss and bad options, naming them", () => {
    const x = tensor([1, 2], { dtype: "float64" });
    const tx = sam(sgd({ lr: 0.1 }));
    expect(() => tx.update(grad(loss)(x), tx.init(x), x)).toThrow(/sam: update needs extra\.loss/);
    expect(() => sam(sgd(), { rho: -1 })).toThrow(ArgumentError);
    expect(() => sam(sgd(), { radius: 1 } as never)).toThrow(/unknown option "radius"/);
    expect(() => sam(undefined as never)).toThrow(/sam: base must be a GradientTransformation/);
  });
});
