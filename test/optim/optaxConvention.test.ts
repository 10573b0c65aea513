/**
 * `convention: "optax"` against naive references of optax's published transforms (scale_by_rms /
 * scale_by_stddev with eps inside the root, scale_by_rss with a 0.1 accumulator, trace after
 * scale_by_learning_rate, scale_by_amsgrad's maximum of the bias-corrected moment, adamw's 1e-4 and
 * lion's 1e-3 default decays), 50 steps in float64.
 */
import { vals } from "../helpers.js";
import { describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../src/index.js";
import { adagrad, adam, adamw, applyUpdates, lion, rmsprop, type GradientTransformation } from "../../src/optim/index.js";
import { testGrad, X0 } from "./reference.js";

type Ref = (x: number[], g: number[], t: number) => void;

/** Builds a per-element optax-style stepper with its own state. */
function optaxRef(kind: string, o: Record<string, number | boolean>): Ref {
  const n = X0.length;
  const z = () => new Array<number>(n).fill(0);
  const nu = z(), mu = z(), tr = z(), numax = z();
  const sum = new Array<number>(n).fill(0.1);
  return (x, g, t) => {
    for (let i = 0; i < n; i++) {
      const lr = o.lr as number;
      switch (kind) {
        case "rmsprop": {
          const d = (o.decay as number) ?? 0.9, eps = 1e-8, m = (o.momentum as number) ?? 0;
          nu[i] = d * nu[i] + (1 - d) * g[i] * g[i];
          let u: number;
          if (o.centered) {
            mu[i] = d * mu[i] + (1 - d) * g[i];
            u = g[i] / Math.sqrt(nu[i] - mu[i] * mu[i] + eps);
          } else u = g[i] / Math.sqrt(nu[i] + eps);
          let upd = -lr * u;
          if (m) upd = tr[i] = upd + m * tr[i]; // trace after scale_by_learning_rate
          x[i] += upd;
          break;
        }
        case "adagrad": {
          sum[i] += g[i] * g[i];
          x[i] += -lr * (g[i] / Math.sqrt(sum[i] + 1e-7));
          break;
        }
        case "amsgrad": {
          const b1 = 0.9, b2 = 0.999;
          mu[i] = b1 * mu[i] + (1 - b1) * g[i];
          nu[i] = b2 * nu[i] + (1 - b2) * g[i] * g[i];
          numax[i] = Math.max(numax[i], nu[i] / (1 - b2 ** t));
          x[i] += -lr * ((mu[i] / (1 - b1 ** t)) / (Math.sqrt(numax[i]) + 1e-8));
          break;
        }
        case "adamw": {
          const b1 = 0.9, b2 = 0.999;
          mu[i] = b1 * mu[i] + (1 - b1) * g[i];
          nu[i] = b2 * nu[i] + (1 - b2) * g[i] * g[i];
          const u = mu[i] / (1 - b1 ** t) / (Math.sqrt(nu[i] / (1 - b2 ** t)) + 1e-8);
          x[i] += -lr * (u + 1e-4 * x[i]);
          break;
        }
        case "lion": {
          const c = 0.9 * mu[i] + 0.1 * g[i];
          mu[i] = 0.99 * mu[i] + 0.01 * g[i];
          x[i] += -lr * (Math.sign(c) + 1e-3 * x[i]);
          break;
        }
      }
    }
  };
}

const CASES: Array<[string, () => GradientTransformation<any>, string, Record<string, number | boolean>]> = [
  ["rmsprop", () => rmsprop({ lr: 0.01, convention: "optax" }), "rmsprop", { lr: 0.01 }],
  ["rmsprop centered", () => rmsprop({ lr: 0.01, centered: true, convention: "optax" }), "rmsprop", { lr: 0.01, centered: true }],
  ["rmsprop momentum, lr schedule", () => rmsprop({ lr: (s) => 0.01 / (1 + s), momentum: 0.9, convention: "optax" }), "rmsprop-sched", { lr: 0.01, momentum: 0.9 }],
  ["adagrad", () => adagrad({ lr: 0.1, convention: "optax" }), "adagrad", { lr: 0.1 }],
  ["adam amsgrad", () => adam({ lr: 0.05, amsgrad: true, convention: "optax" }), "amsgrad", { lr: 0.05 }],
  ["adamw (default decay 1e-4)", () => adamw({ lr: 0.05, convention: "optax" }), "adamw", { lr: 0.05 }],
  ["lion (default decay 1e-3)", () => lion({ lr: 0.01, convention: "optax" }), "lion", { lr: 0.01 }],
];

describe.each(CASES)("optax %s", (_name, make, kind, o) => {
  it("follows optax's transforms for 50 steps", () => {
    const sched = kind === "rmsprop-sched";
    const ref = optaxRef(sched ? "rmsprop" : kind, o);
    const xr = X0.slice();
    let x: Tensor = tensor(X0, { dtype: "float64" });
    const t = make();
    let s = t.init(x);
    for (let k = 1; k <= 50; k++) {
      if (sched) o.lr = 0.01 / k;
      ref(xr, testGrad(xr), k);
      const r = t.update(tensor(testGrad(Array.from(vals(x))), { dtype: "float64" }), s, x);
      x = applyUpdates(x, r.updates) as Tensor;
      s = r.state;
      expect(x).toBeAllclose(xr, { atol: 1e-12, rtol: 1e-10 });
    }
  });
});

it("torch and optax AMSGrad really differ (the test above would catch the wrong maximum)", () => {
  const a = adam({ lr: 0.05, amsgrad: true }), b = adam({ lr: 0.05, amsgrad: true, convention: "optax" });
  let x: Tensor = tensor(X0, { dtype: "float64" }), y: Tensor = tensor(X0, { dtype: "float64" });
  let sa = a.init(x), sb = b.init(y);
  for (let k = 0; k < 20; k++) {
    const ra = a.update(tensor(testGrad(Array.from(vals(x))), { dtype: "float64" }), sa, x);
    const rb = b.update(tensor(testGrad(Array.from(vals(y))), { dtype: "float64" }), sb, y);
    x = applyUpdates(x, ra.updates) as Tensor;
    y = applyUpdates(y, rb.updates) as Tensor;
    sa = ra.state;
    sb = rb.state;
  }
  expect(Math.max(...Array.from(vals(x), (v, i) => Math.abs(v - vals(y)[i])))).toBeGreaterThan(1e-6);
});
