/**
 * The optimizers the explorer races and their sliders (no library import: the page's bundle stays
 * small; the worker turns them into `minimizeSteps` options, racerOptions.ts).
 */

export interface Param {
  name: string;
  label: string;
  min: number;
  max: number;
  /** Slider scale: log for learning rates, linear for coefficients in [0, 1). */
  log: boolean;
  integer?: boolean;
}

export interface Racer {
  id: string;
  label: string;
  color: string;
  params: Param[];
  /** Defaults; "sgdLr" stands for the surface's stable gradient step. */
  defaults(sgdLr: number): Record<string, number>;
}

const lr = (min = 1e-5, max = 10): Param => ({ name: "lr", label: "lr", min, max, log: true });
const coef = (name: string, label: string, min = 0, max = 0.999): Param => ({ name, label, min, max, log: false });

export const RACERS: readonly Racer[] = [
  { id: "sgd", label: "SGD", color: "#1f77b4", params: [lr()], defaults: (s) => ({ lr: s }) },
  { id: "momentum", label: "Momentum", color: "#ff7f0e", params: [lr(), coef("momentum", "momentum")], defaults: (s) => ({ lr: s, momentum: 0.9 }) },
  { id: "nesterov", label: "Nesterov", color: "#2ca02c", params: [lr(), coef("momentum", "momentum", 0.01)], defaults: (s) => ({ lr: s, momentum: 0.9 }) },
  { id: "adagrad", label: "AdaGrad", color: "#d62728", params: [lr()], defaults: () => ({ lr: 0.5 }) },
  { id: "rmsprop", label: "RMSProp", color: "#9467bd", params: [lr(), coef("alpha", "alpha")], defaults: () => ({ lr: 0.01, alpha: 0.99 }) },
  { id: "adam", label: "Adam", color: "#8c564b", params: [lr(), coef("b1", "beta1"), coef("b2", "beta2", 0.5, 0.9999)], defaults: () => ({ lr: 0.05, b1: 0.9, b2: 0.999 }) },
  { id: "adamw", label: "AdamW", color: "#e377c2", params: [lr(), { name: "weightDecay", label: "weight decay", min: 1e-4, max: 1, log: true }], defaults: () => ({ lr: 0.05, weightDecay: 0.01 }) },
  { id: "lion", label: "Lion", color: "#7f7f7f", params: [lr(), coef("b1", "beta1"), coef("b2", "beta2")], defaults: () => ({ lr: 0.01, b1: 0.9, b2: 0.99 }) },
  { id: "newton", label: "Newton", color: "#bcbd22", params: [], defaults: () => ({}) },
  { id: "lbfgs", label: "L-BFGS", color: "#17becf", params: [{ name: "m", label: "memory m", min: 1, max: 20, log: false, integer: true }], defaults: () => ({ m: 10 }) },
];

export const racerById = (id: string): Racer => {
  const r = RACERS.find((q) => q.id === id);
  if (!r) throw new Error(`explorer: no optimizer ${JSON.stringify(id)}`);
  return r;
};
