/**
 * Naive per-element references of the published algorithms, in float64, written from
 * torch.optim's documented pseudo-code (SGD, Adagrad, RMSprop, Adam, AdamW) and the Lion paper /
 * optax's scale_by_lion. One loop per algorithm; nothing shared with src/optim.
 */

export type GradFn = (x: number[]) => number[];

/** A fixed non-quadratic test function with coupling: f(x) = Σ log(1 + (x_i − a_i)²) + 0.3·Σ sin(x_i) + 0.05·(Σ x_i)². */
export const A = [1.5, -0.5, 2.0, 0.25, -1.25, 0.75];
export function testF(x: number[]): number {
  const s = x.reduce((a, b) => a + b, 0);
  return x.reduce((acc, xi, i) => acc + Math.log(1 + (xi - A[i]) ** 2) + 0.3 * Math.sin(xi), 0) + 0.05 * s * s;
}
export const testGrad: GradFn = (x) => {
  const s = x.reduce((a, b) => a + b, 0);
  return x.map((xi, i) => (2 * (xi - A[i])) / (1 + (xi - A[i]) ** 2) + 0.3 * Math.cos(xi) + 0.1 * s);
};
export const X0 = [0.3, 1.2, -0.7, 2.5, 0.1, -1.9];

export interface RefOptions {
  lr: number; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number;
  b1?: number; b2?: number; eps?: number; amsgrad?: boolean; alpha?: number; centered?: boolean;
  lrDecay?: number; initialAccumulatorValue?: number;
}

/** Runs `steps` steps of `alg` from x0 and returns every iterate (x_1..x_steps). */
export function referenceTrajectory(alg: "sgd" | "adam" | "adamw" | "adagrad" | "rmsprop" | "lion" | "nadam" | "radam" | "adamax", o: RefOptions, x0: number[], grad: GradFn, steps: number): number[][] {
  const n = x0.length;
  const p = x0.slice();
  const z = () => new Array<number>(n).fill(0);
  const buf = z(), m = z(), v = z(), vmax = z(), ga = z();
  const sum = new Array<number>(n).fill(o.initialAccumulatorValue ?? 0);
  let muProduct = 1;
  const wd = o.weightDecay ?? (alg === "adamw" ? 1e-2 : 0); // torch AdamW defaults to 1e-2
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    const g0 = grad(p);
    for (let i = 0; i < n; i++) {
      let g = g0[i];
      switch (alg) {
        case "sgd": {
          // torch.optim.SGD: g += wd p; b_1 = g; b_t = μ b + (1−τ) g; nesterov g + μ b; p −= lr g
          const mu = o.momentum ?? 0, tau = o.dampening ?? 0;
          if (wd !== 0) g = g + wd * p[i];
          if (mu !== 0) {
            buf[i] = t === 1 ? g : mu * buf[i] + (1 - tau) * g;
            g = o.nesterov ? g + mu * buf[i] : buf[i];
          }
          p[i] = p[i] - o.lr * g;
          break;
        }
        case "adam":
        case "adamw": {
          // torch.optim.Adam / AdamW
          const b1 = o.b1 ?? 0.9, b2 = o.b2 ?? 0.999, eps = o.eps ?? 1e-8;
          if (alg === "adamw") p[i] = p[i] * (1 - o.lr * wd);
          else if (wd !== 0) g = g + wd * p[i];
          m[i] = b1 * m[i] + (1 - b1) * g;
          v[i] = b2 * v[i] + (1 - b2) * g * g;
          const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
          const stepSize = o.lr / bc1;
          let denom: number;
          if (o.amsgrad) {
            vmax[i] = Math.max(vmax[i], v[i]);
            denom = Math.sqrt(vmax[i]) / Math.sqrt(bc2) + eps;
          } else denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + eps;
          p[i] = p[i] - (stepSize * m[i]) / denom;
          break;
        }
        case "adagrad": {
          // torch.optim.Adagrad: clr = lr / (1 + (t−1) lr_decay); sum += g²; p −= clr g / (√sum + eps)
          const clr = o.lr / (1 + (t - 1) * (o.lrDecay ?? 0));
          if (wd !== 0) g = g + wd * p[i];
          sum[i] += g * g;
          p[i] = p[i] - (clr * g) / (Math.sqrt(sum[i]) + (o.eps ?? 1e-10));
          break;
        }
        case "rmsprop": {
          // torch.optim.RMSprop
          const a = o.alpha ?? 0.99, eps = o.eps ?? 1e-8, mu = o.momentum ?? 0;
          if (wd !== 0) g = g + wd * p[i];
          v[i] = a * v[i] + (1 - a) * g * g;
          let avg: number;
          if (o.centered) {
            ga[i] = a * ga[i] + (1 - a) * g;
            avg = Math.sqrt(v[i] - ga[i] * ga[i]) + eps;
          } else avg = Math.sqrt(v[i]) + eps;
          if (mu > 0) {
            buf[i] = mu * buf[i] + g / avg;
            p[i] = p[i] - o.lr * buf[i];
          } else p[i] = p[i] - (o.lr * g) / avg;
          break;
        }
        case "nadam": {
          // torch.optim.NAdam (momentum_decay ψ = 4e-3)
          const b1 = o.b1 ?? 0.9, b2 = o.b2 ?? 0.999, eps = o.eps ?? 1e-8, psi = 4e-3;
          if (wd !== 0) g = g + wd * p[i];
          const muT = b1 * (1 - 0.5 * 0.96 ** (t * psi)), muT1 = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
          const prod = (i === 0 ? (muProduct *= muT) : muProduct), prod1 = prod * muT1;
          m[i] = b1 * m[i] + (1 - b1) * g;
          v[i] = b2 * v[i] + (1 - b2) * g * g;
          const mhat = (muT1 * m[i]) / (1 - prod1) + ((1 - muT) * g) / (1 - prod);
          const vhat = v[i] / (1 - b2 ** t);
          p[i] = p[i] - (o.lr * mhat) / (Math.sqrt(vhat) + eps);
          break;
        }
        case "radam": {
          // torch.optim.RAdam
          const b1 = o.b1 ?? 0.9, b2 = o.b2 ?? 0.999, eps = o.eps ?? 1e-8;
          if (wd !== 0) g = g + wd * p[i];
          m[i] = b1 * m[i] + (1 - b1) * g;
          v[i] = b2 * v[i] + (1 - b2) * g * g;
          const mhat = m[i] / (1 - b1 ** t);
          const rinf = 2 / (1 - b2) - 1;
          const rt = rinf - (2 * t * b2 ** t) / (1 - b2 ** t);
          if (rt > 5) {
            const l = Math.sqrt(1 - b2 ** t) / (Math.sqrt(v[i]) + eps);
            const r = Math.sqrt(((rt - 4) * (rt - 2) * rinf) / ((rinf - 4) * (rinf - 2) * rt));
            p[i] = p[i] - o.lr * mhat * l * r;
          } else p[i] = p[i] - o.lr * mhat;
          break;
        }
        case "adamax": {
          // torch.optim.Adamax: m = b1 m + (1−b1) g; u = max(b2 u, |g| + eps); p −= lr/(1−b1^t) · m/u
          const b1 = o.b1 ?? 0.9, b2 = o.b2 ?? 0.999, eps = o.eps ?? 1e-8;
          if (wd !== 0) g = g + wd * p[i];
          m[i] = b1 * m[i] + (1 - b1) * g;
          v[i] = Math.max(b2 * v[i], Math.abs(g) + eps);
          p[i] = p[i] - (o.lr / (1 - b1 ** t)) * (m[i] / v[i]);
          break;
        }
        case "lion": {
          // Lion (Chen et al. 2023, Algorithm 2): c = b1 m + (1−b1) g; p −= lr (sign(c) + λ p); m = b2 m + (1−b2) g
          const b1 = o.b1 ?? 0.9, b2 = o.b2 ?? 0.99;
          const c = b1 * m[i] + (1 - b1) * g;
          p[i] = p[i] - o.lr * (Math.sign(c) + wd * p[i]);
          m[i] = b2 * m[i] + (1 - b2) * g;
          break;
        }
      }
    }
    out.push(p.slice());
  }
  return out;
}
