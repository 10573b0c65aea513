/**
 * Each racer as `minimizeSteps` options: the first-order ones are src/optim's optax-style
 * transforms (minimize runs a transform as x_{k+1} = x_k + update), Newton and L-BFGS are
 * minimize's own methods.
 */
import { adagrad, adam, adamw, lion, rmsprop, sgd, type MinimizeOptions } from "../src/index.js";

export function racerOptions(id: string, p: Record<string, number>): MinimizeOptions {
  switch (id) {
    case "sgd": return { method: sgd({ lr: p.lr }) };
    case "momentum": return { method: sgd({ lr: p.lr, momentum: p.momentum }) };
    case "nesterov": return { method: sgd({ lr: p.lr, momentum: p.momentum, nesterov: true }) };
    case "adagrad": return { method: adagrad({ lr: p.lr }) };
    case "rmsprop": return { method: rmsprop({ lr: p.lr, alpha: p.alpha }) };
    case "adam": return { method: adam({ lr: p.lr, b1: p.b1, b2: p.b2 }) };
    case "adamw": return { method: adamw({ lr: p.lr, weightDecay: p.weightDecay }) };
    case "lion": return { method: lion({ lr: p.lr, b1: p.b1, b2: p.b2 }) };
    case "newton": return { method: "newton" };
    case "lbfgs": return { method: "lbfgs", m: p.m };
  }
  throw new Error(`explorer: no optimizer ${JSON.stringify(id)}`);
}
