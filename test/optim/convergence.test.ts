/** Every alias converges on a parabola and on Rosenbrock (OPTIMIZERS_UNDER_TEST x problems). */
import { describe, expect, it } from "vitest";
import { grad, tensor, type Tensor } from "../../src/index.js";
import { adagrad, adam, adamax, adamw, chain, clipByGlobalNorm, lion, nadam, optimizer, radam, rmsprop, sgd, warmupCosine, type GradientTransformation } from "../../src/optim/index.js";

const parabola = (x: Tensor) => x.sub(tensor([1, -2, 3], { dtype: "float64" })).square().sum();
const rosenbrock = (x: Tensor) => {
  const a = x.slice([0], [1]), b = x.slice([1], [1]);
  return a.neg().add(1).square().add(b.sub(a.square()).square().mul(100)).sum();
};

const OPTIMIZERS: Array<[string, GradientTransformation<any>, GradientTransformation<any>, number]> = [
  // name, for the parabola, for Rosenbrock, Rosenbrock steps
  ["sgd", sgd({ lr: 0.1 }), sgd({ lr: 1e-3 }), 20000],
  ["sgd momentum", sgd({ lr: 0.05, momentum: 0.9 }), sgd({ lr: 5e-4, momentum: 0.9 }), 5000],
  ["sgd nesterov", sgd({ lr: 0.05, momentum: 0.9, nesterov: true }), sgd({ lr: 5e-4, momentum: 0.9, nesterov: true }), 5000],
  ["adam", adam({ lr: 0.1 }), adam({ lr: warmupCosine({ peak: 0.02, warmupSteps: 100, decaySteps: 10000, end: 1e-5 }) }), 10000],
  ["adam amsgrad", adam({ lr: 0.1, amsgrad: true }), adam({ lr: 0.01, amsgrad: true }), 10000],
  ["adamw", adamw({ lr: 0.1, weightDecay: 1e-4 }), adamw({ lr: 0.01, weightDecay: 0 }), 5000],
  ["adagrad", adagrad({ lr: 0.5 }), adagrad({ lr: 0.5 }), 5000],
  ["rmsprop", rmsprop({ lr: warmupCosine({ peak: 0.05, warmupSteps: 10, decaySteps: 2000, end: 1e-5 }) }), rmsprop({ lr: warmupCosine({ peak: 2e-3, warmupSteps: 10, decaySteps: 5000, end: 1e-6 }) }), 5000],
  ["rmsprop centered momentum", rmsprop({ lr: 0.01, centered: true, momentum: 0.5 }), rmsprop({ lr: warmupCosine({ peak: 1e-3, warmupSteps: 10, decaySteps: 5000, end: 1e-6 }), centered: true, momentum: 0.5 }), 5000],
  ["lion", lion({ lr: warmupCosine({ peak: 0.05, warmupSteps: 10, decaySteps: 2000, end: 1e-6 }) }), lion({ lr: warmupCosine({ peak: 3e-3, warmupSteps: 10, decaySteps: 5000, end: 1e-6 }) }), 5000],
  ["nadam", nadam({ lr: 0.1 }), nadam({ lr: warmupCosine({ peak: 0.02, warmupSteps: 100, decaySteps: 10000, end: 1e-5 }) }), 10000],
  ["radam", radam({ lr: 0.1 }), radam({ lr: warmupCosine({ peak: 0.02, warmupSteps: 100, decaySteps: 10000, end: 1e-5 }) }), 10000],
  ["adamax", adamax({ lr: 0.1 }), adamax({ lr: warmupCosine({ peak: 0.02, warmupSteps: 100, decaySteps: 10000, end: 1e-5 }) }), 10000],
  // Adam at a constant lr 0.01 ends up circling the minimum at f ~ 1e-4..4e-3 depending on rounding (its
  // normalised steps keep their size), so the clip case decays lr like the others.
  ["clip + adam", chain(clipByGlobalNorm(1), adam({ lr: 0.1 })), chain(clipByGlobalNorm(1), adam({ lr: warmupCosine({ peak: 0.01, warmupSteps: 10, decaySteps: 5000, end: 1e-6 }) })), 5000],
];

describe.each(OPTIMIZERS)("%s", (_name, forParabola, forRosen, rosenSteps) => {
  it("converges on a parabola", () => {
    const x = tensor([0, 0, 0], { dtype: "float64" });
    const opt = optimizer(forParabola, x);
    const g = grad(parabola);
    for (let i = 0; i < 2000; i++) opt.step(g(x));
    expect(x).toBeAllclose([1, -2, 3], { atol: 1e-3, rtol: 0 });
  });
  it("converges on Rosenbrock from (-1.2, 1)", () => {
    const x = tensor([-1.2, 1], { dtype: "float64" });
    const opt = optimizer(forRosen, x);
    const g = grad(rosenbrock);
    for (let i = 0; i < rosenSteps; i++) opt.step(g(x));
    expect(rosenbrock(x).item()).toBeLessThan(1e-3);
  });
});
