/**
 * First-order transforms (optax-shaped `{init, update}`) as minimize methods: each iteration
 *   {updates, state} = update(grad f(x_k), state, x_k);   x_{k+1} = x_k + updates.
 * No line search: the transform's learning rate is the step. `method: "adam"` is src/optim's
 * `adam({lr})` (PyTorch's algorithm and defaults; lr defaults to 1e-3).
 */
import { readSync } from "../backend/select.js";
import { Tensor } from "../tensor/tensor.js";
import type { Tree } from "../tensor/tree.js";
import type { MethodSteps, Run } from "./run.js";

/** The optimizers' interface (structurally the same as src/optim's GradientTransformation). */
export interface GradientTransformationLike {
  init(params: Tree): unknown;
  update(grads: Tree, state: unknown, params?: Tree): { updates: Tree; state: unknown };
}

export function isTransformation(m: unknown): m is GradientTransformationLike {
  return m !== null && typeof m === "object" && typeof (m as GradientTransformationLike).init === "function" && typeof (m as GradientTransformationLike).update === "function";
}

export function* transformMethod(run: Run, tx: GradientTransformationLike): MethodSteps {
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
    const x = new Float64Array(run.x.length), du = readSync(u, "minimize");
    for (let i = 0; i < x.length; i++) x[i] = run.x[i] + du[i];
    const ev = obj.funGrad(x);
    run.accept(x, ev.f, ev.g);
    yield;
  }
}
