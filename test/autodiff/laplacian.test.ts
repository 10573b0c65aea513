// laplacian (reverse over reverse, differentiable in what f closes over) against finite
// differences and closed forms; topHessianEigenvalue (power iteration on hvp) against a quadratic
// whose spectrum is known.
import { expect, test } from "vitest";
import { checkGrad, grad, laplacian, linalg, nn, Rng, tensor, topHessianEigenvalue, type Tensor, type Tree } from "../../src/index.js";

const pts = tensor([[0.1, 0.7], [0.5, 0.5], [0.9, 0.2], [0.3, 0.35]], { dtype: "float64" });

test("laplacian of a polynomial: x²y + y³ has Δ = 2y + 6y", () => {
  const f = (x: Tensor) => { const a = x.slice([0, 0], [4, 1]), b = x.slice([0, 1], [4, 1]); return a.square().mul(b).add(b.mul(b).mul(b)).reshape([4]); };
  const lap = Array.from(laplacian(f, pts).dataSync());
  const y = [0.7, 0.5, 0.2, 0.35];
  lap.forEach((v, i) => expect(v).toBeCloseTo(8 * y[i], 12));
});

test("laplacian of a tanh network matches central second differences and the closed form", () => {
  const model = nn.sequential([nn.linear(2, 8, { dtype: "float64", seed: 3 }), nn.tanh(), nn.linear(8, 1, { dtype: "float64", seed: 4 })]);
  const p = model.params;
  const u = (x: Tensor) => model.apply(p, x);
  const lap = Array.from(laplacian(u, pts).dataSync());
  const X = Array.from(pts.dataSync());
  const at = (x: number, y: number) => u(tensor([[x, y]], { dtype: "float64" })).item();
  const h = 1e-4;
  for (let i = 0; i < 4; i++) {
    const [x, y] = [X[2 * i], X[2 * i + 1]];
    const fd = (at(x + h, y) + at(x - h, y) + at(x, y + h) + at(x, y - h) - 4 * at(x, y)) / (h * h);
    expect(Math.abs(lap[i] - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
  }
  // closed form: Δu = Σ_j w2_j tanh''(z_j) ‖W1[:, j]‖², tanh''(z) = -2 t (1 - t²)
  const W1 = Array.from(p[0].w.dataSync()), b1 = Array.from(p[0].b!.dataSync()), w2 = Array.from(p[2].w.dataSync());
  for (let i = 0; i < 4; i++) {
    let s = 0;
    for (let j = 0; j < 8; j++) {
      const t = Math.tanh(X[2 * i] * W1[j] + X[2 * i + 1] * W1[8 + j] + b1[j]);
      s += w2[j] * -2 * t * (1 - t * t) * (W1[j] ** 2 + W1[8 + j] ** 2);
    }
    expect(lap[i]).toBeCloseTo(s, 12);
  }
});

test("laplacian is differentiable in the parameters f closes over (gradient against finite differences)", () => {
  const model = nn.sequential([nn.linear(2, 5, { dtype: "float64", seed: 1 }), nn.tanh(), nn.linear(5, 1, { dtype: "float64", seed: 2 })]);
  const loss = (p: Tree) => laplacian((x) => model.apply(p as never, x), pts).square().sum();
  expect(checkGrad(loss, model.params).maxError).toBeLessThan(1e-6);
  // and the gradient is not identically zero (the graph really reaches the parameters)
  const g = grad(loss)(model.params) as any;
  expect(Math.max(...Array.from(g[0].w.dataSync() as Float64Array).map(Math.abs))).toBeGreaterThan(1e-3);
});

test("laplacian rejects points that are not [N, d] and outputs that are not one per point", () => {
  expect(() => laplacian((x) => x.sum(), tensor([1, 2]))).toThrow(/laplacian: x must be a Tensor of points, shape \[N, d\]/);
  expect(() => laplacian((x) => x.sum(), pts)).toThrow(/laplacian: f must map points \[4, 2\] to values \[4\]/);
});

test("topHessianEigenvalue: the largest eigenvalue of a quadratic with a known spectrum", () => {
  const n = 12, rng = new Rng(5);
  const a = new Float64Array(n * n).map(() => rng.normal());
  const { q } = linalg.qr(a, n, n);
  const lambda = Array.from({ length: n }, (_, i) => (i === 0 ? 7 : 5 * (1 - i / n)));
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let k = 0; k < n; k++) s += q[i * n + k] * lambda[k] * q[j * n + k]; A[i * n + j] = s; }
  const At = tensor(Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * n, (i + 1) * n))), { dtype: "float64" });
  const f = (x: Tensor) => x.reshape([1, n]).matmul(At).matmul(x.reshape([n, 1])).sum().mul(0.5);
  const r = topHessianEigenvalue(f, tensor(new Array(n).fill(0.3), { dtype: "float64" }), { maxIter: 300, tol: 1e-12 });
  expect(r.value).toBeCloseTo(7, 6);
  expect(r.iterations).toBeLessThan(300);
  expect(() => topHessianEigenvalue(f, tensor([1, 2]), { maxIter: 0 })).toThrow(/maxIter must be a positive integer/);
  expect(() => topHessianEigenvalue(f, tensor([1, 2]), { iters: 3 } as never)).toThrow(/iters/);
});
