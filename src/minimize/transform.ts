/**
 * First-order transforms (optax-shaped `{init, update}`) as minimize methods: each iteration
 *   {updates, state} = update(grad f(x_k), state, x_k);   x_{k+1} = x_k + updates.
 * No line search: the transform's learning rate is the step.
 */
import { Tensor } from "../tensor/tensor.js";
import type { Tree } from "../tensor/tree.js";
import type { Run } from "./run.js";

/** The optimizers' interface (structurally the same as src/optim's GradientTransformation). */
export interface GradientTransformationLike {
  init(params: Tree): unknown;
  update(grads: Tree, state: unknown, params?: Tree): { updates: Tree; state: unknown };
}

export function isTransformation(m: unknown): m is GradientTransformationLike {
  return m !== null && typeof m === "object" && typeof (m as GradientTransformationLike).init === "function" && typeof (m as GradientTransformationLike).update === "function";
}

/**
 * Adam (Kingma & Ba), PyTorch's defaults, for `method: "adam"` with one tensor:
 *   m_t = b1 m_{t-1} + (1 - b1) g_t,  v_t = b2 v_{t-1} + (1 - b2) g_t^2,
 *   update = -lr (m_t / (1 - b1^t)) / (sqrt(v_t / (1 - b2^t)) + eps).
 * Used as the "adam" method; any transform from the optimizers module can be passed instead.
 */
export function adamFlat({ lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8 }: { lr?: number; b1?: number; b2?: number; eps?: number } = {}): GradientTransformationLike {
  interface S { count: number; mu: Float64Array; nu: Float64Array }
  return {
    init: (p) => ({ count: 0, mu: new Float64Array((p as Tensor).size), nu: new Float64Array((p as Tensor).size) }),
    update: (grads, state) => {
      const g = (grads as Tensor)._data, s = state as S;
      const count = s.count + 1;
      const mu = new Float64Array(g.length), nu = new Float64Array(g.length);
      const out = g instanceof Float64Array ? new Float64Array(g.length) : new Float32Array(g.length);
      const c1 = 1 - b1 ** count, c2 = 1 - b2 ** count;
      for (let i = 0; i < g.length; i++) {
        mu[i] = b1 * s.mu[i] + (1 - b1) * g[i];
        nu[i] = b2 * s.nu[i] + (1 - b2) * g[i] * g[i];
        out[i] = (-lr * (mu[i] / c1)) / (Math.sqrt(nu[i] / c2) + eps);
      }
      return { updates: new Tensor(out, (grads as Tensor).shape), state: { count, mu, nu } };
    },
  };
}

export function transformMethod(run: Run, tx: GradientTransformationLike): void {
  const obj = run.obj;
  let state = tx.init(obj.wrap(run.x));
  while (!run.done) {
    const params = obj.wrap(run.x);
    const r = tx.update(obj.wrap(run.g), state, params);
    state = r.state;
    const u = r.updates;
    if (!(u instanceof Tensor) || u.size !== run.x.length) {
      run.fail("the transform's updates are not one tensor of x's shape");
      break;
    }
    const x = new Float64Array(run.x.length);
    for (let i = 0; i < x.length; i++) x[i] = run.x[i] + u._data[i];
    const ev = obj.funGrad(x);
    run.accept(x, ev.f, ev.g);
  }
}
