/** The top eigenvalue of a loss's Hessian by power iteration on Hessian-vector products (`dh.hvp`); never forms H. */
import * as dh from "downhill";

const dotTree = (a: dh.Tree, b: dh.Tree): number => {
  const la = dh.treeLeaves(a), lb = dh.treeLeaves(b);
  let s = 0;
  for (let i = 0; i < la.length; i++) s += dh.mul(la[i], lb[i]).sum().item();
  return s;
};

/**
 * λ_max of ∇²f(params) (the largest in magnitude; at a minimum, the largest): v ← Hv/||Hv||,
 * λ = v·Hv, `iterations` times from a seeded random start.
 */
export function topEigenvalue(f: (p: dh.Tree) => dh.Tensor, params: dh.Tree, o: { iterations: number; seed: number }): number {
  const rng = new dh.Rng(o.seed);
  let v = dh.treeMap((t) => dh.randn([...t.shape], { rng, dtype: t.dtype }), params);
  let lambda = NaN;
  for (let k = 0; k < o.iterations; k++) {
    const n = Math.sqrt(dotTree(v, v));
    v = dh.treeMap((t) => dh.div(t, n), v);
    const hv = dh.hvp(f, params, v);
    lambda = dotTree(v, hv);
    v = hv;
  }
  return lambda;
}
