/**
 * The dense Jacobian J = ∂r/∂p (m residuals x n parameters, row-major float64) of a residual
 * function at p, for natural gradient's Gauss-Newton matrix. Two ways, chosen by shape:
 *  - rows: one reverse pass (VJP) per residual, m passes over r's graph;
 *  - columns: one forward-mode product (JVP) per parameter, n passes. The library's JVP is
 *    reverse over reverse (curvature.ts): one differentiable pass builds g(u) = Jᵀu, linear in a
 *    dummy cotangent u, and column j is the gradient of g_j with respect to u.
 * "auto" takes columns when m > n (a PINN with 900 collocation points and 129 parameters: 7x
 * fewer passes; bench/probes/pinnNaturalGradient.mjs measures both).
 */
import { backward } from "../../autodiff/backward.js";
import { makeLeaf, makeLeaves } from "../../autodiff/grad.js";
import { readSync } from "../../backend/select.js";
import { zeros } from "../../tensor/create.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { Tree } from "../../tensor/tree.js";
import { tensorFrom } from "./kronecker.js";

export type JacobianMode = "auto" | "rows" | "columns";

export interface ResidualJacobian {
  /** r(p), float64. */
  r: Float64Array;
  /** J, m x n row-major; columns in the order of the flattened parameter tree. */
  J: Float64Array;
  m: number;
  n: number;
}

export function residualJacobian(residuals: (p: Tree) => Tensor, p: Tree, mode: JacobianMode, where: string): ResidualJacobian {
  const leaves = makeLeaves(p, where);
  const out = residuals(leaves.tree);
  const r = Float64Array.from(readSync(out, where));
  const m = r.length;
  const sizes = leaves.list.map((t) => t.size);
  const n = sizes.reduce((a, b) => a + b, 0);
  const J = new Float64Array(m * n);
  if (mode === "rows" || (mode === "auto" && m <= n)) {
    const unit = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      unit.fill(0);
      unit[i] = 1;
      const gs = backward(out, tensorFrom(unit, out.shape, out.dtype), leaves.list, false);
      let o = i * n;
      gs.forEach((g, k) => {
        if (g) { const v = readSync(g, where); for (let j = 0; j < v.length; j++) J[o + j] = v[j]; }
        o += sizes[k];
      });
    }
  } else {
    const u = makeLeaf(zeros(out.shape, { dtype: out.dtype }));
    const gs = backward(out, u, leaves.list, true); // Jᵀu, recorded as a function of u
    let col = 0;
    gs.forEach((g, k) => {
      if (!g) { col += sizes[k]; return; } // r does not depend on this leaf: zero columns
      const unit = new Float64Array(sizes[k]);
      for (let j = 0; j < sizes[k]; j++, col++) {
        unit.fill(0);
        unit[j] = 1;
        const [c] = backward(g, tensorFrom(unit, g.shape, g.dtype), [u], false);
        if (!c) continue;
        const v = readSync(c, where);
        for (let i = 0; i < m; i++) J[i * n + col] = v[i];
      }
    });
  }
  return { r, J, m, n };
}
