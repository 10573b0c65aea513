/**
 * float32 emulations of torch.optim's per-tensor steps (`_single_tensor_adam`, `_single_tensor_rmsprop`,
 * `_single_tensor_sgd` in torch 2.13), one tensor op at a time, each rounded to float32 where torch
 * rounds. Hyperparameters are Python floats: torch computes `1 - beta2`, `lr / bias_correction1`,
 * ... in float64 and rounds the result once, to float32, when the scalar meets a float32 tensor.
 *
 * Which ops fuse a multiply-add (observed on torch 2.13.0+cpu, AVX512, element by element against
 * 2e5 random inputs; scripts/torchFixtures.py records the build behind the fixture):
 *   lerp_(end, w)              w < 0.5:  fma(w, end − self, self)
 *   addcmul_(a, b, value=c)    fma(c·a, b, self)
 *   add_(x, alpha=c)           fma(x, c, self)
 *   addcdiv_(a, b, value=c)    self + (c·a) / b   (three roundings, no fma)
 *   mul_, div, sqrt, add_ of a scalar: one rounding each
 * Lion is not in torch.optim; lionF32 is the Lion paper's update written the same way (each op
 * rounded, each scalar rounded once from its float64 value).
 */

const f = Math.fround;
const F32 = new Float32Array(1), I32 = new Int32Array(F32.buffer);

/** The float32 next to r (a nonzero finite float32) in the direction of x. */
function nextToward(r: number, x: number): number {
  F32[0] = r;
  I32[0] += (x > r) === (r > 0) ? 1 : -1; // the bit pattern orders magnitudes
  return F32[0];
}

/**
 * fma(a, b, c) rounded once to float32, for float32 a, b, c. a·b is exact in float64 (48 bits);
 * s = a·b + c rounds, so fround(s) is wrong only when s lands exactly on a midpoint between two
 * float32 values while the exact sum does not: the TwoSum residual e says which side it was on.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b, s = p + c;
  const r = f(s);
  if (r === s || r === 0 || !Number.isFinite(s)) return r;
  const o = nextToward(r, s);
  if ((r + o) / 2 !== s) return r; // not a midpoint: one rounding from s is the rounding of the exact sum
  const bb = s - p, e = (p - (s - bb)) + (c - bb); // exact residual: a·b + c = s + e
  if (e === 0) return r; // a true tie: fround already rounded it to even
  return (e > 0) === (o > r) ? o : r;
}

/** torch's lerp_ for a float32 tensor and a scalar weight w (already float32). */
function lerp32(self: number, end: number, w: number): number {
  return w < 0.5 ? fma32(w, f(end - self), self) : fma32(-f(end - self), f(1 - w), end);
}

export interface TorchAdamOptions { lr: number; betas: [number, number]; eps?: number; weight_decay?: number; amsgrad?: boolean }
export interface TorchRmspropOptions { lr: number; alpha?: number; eps?: number; weight_decay?: number; momentum?: number; centered?: boolean }
export interface TorchSgdOptions { lr: number; momentum?: number; dampening?: number; weight_decay?: number; nesterov?: boolean }
export interface LionOptions { lr: number; betas: [number, number]; weight_decay?: number }

/** State arrays, named as torch names them. */
export type State = Record<string, Float32Array>;
export type Stepper = (p: Float32Array, g: Float32Array, t: number) => void;

/** Adam (decoupled = false) or AdamW (decoupled = true) at torch's defaults eps 1e-8, weight_decay 0 (AdamW 1e-2). */
export function adamF32(n: number, o: TorchAdamOptions, decoupled: boolean): { state: State; step: Stepper } {
  const [b1, b2] = o.betas, eps = o.eps ?? 1e-8, wd = o.weight_decay ?? (decoupled ? 1e-2 : 0);
  const state: State = { exp_avg: new Float32Array(n), exp_avg_sq: new Float32Array(n) };
  if (o.amsgrad) state.max_exp_avg_sq = new Float32Array(n);
  const w1 = f(1 - b1), b2f = f(b2), c2 = f(1 - b2), wdf = f(wd), decay = f(1 - o.lr * wd), epsf = f(eps);
  const step: Stepper = (p, g, t) => {
    const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
    const nStep = f(-(o.lr / bc1)), bc2Sqrt = f(bc2 ** 0.5);
    const m = state.exp_avg, v = state.exp_avg_sq, vm = state.max_exp_avg_sq;
    for (let i = 0; i < n; i++) {
      let gi = g[i];
      if (wd !== 0) {
        if (decoupled) p[i] = f(p[i] * decay); // param.mul_(1 - lr * weight_decay)
        else gi = fma32(p[i], wdf, gi); // grad.add(param, alpha=weight_decay)
      }
      m[i] = lerp32(m[i], gi, w1); // exp_avg.lerp_(grad, 1 - beta1)
      v[i] = fma32(f(c2 * gi), gi, f(v[i] * b2f)); // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
      let vh = v[i];
      if (vm) vh = vm[i] = Math.max(vm[i], v[i]); // torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
      const denom = f(f(f(Math.sqrt(vh)) / bc2Sqrt) + epsf); // (sqrt() / bias_correction2_sqrt).add_(eps)
      p[i] = f(p[i] + f(f(nStep * m[i]) / denom)); // param.addcdiv_(exp_avg, denom, value=-step_size)
    }
  };
  return { state, step };
}

/** RMSprop at torch's defaults alpha 0.99, eps 1e-8. */
export function rmspropF32(n: number, o: TorchRmspropOptions): { state: State; step: Stepper } {
  const alpha = o.alpha ?? 0.99, eps = o.eps ?? 1e-8, wd = o.weight_decay ?? 0, mom = o.momentum ?? 0;
  const state: State = { square_avg: new Float32Array(n) };
  if (o.centered) state.grad_avg = new Float32Array(n);
  if (mom > 0) state.momentum_buffer = new Float32Array(n);
  const af = f(alpha), ca = f(1 - alpha), wdf = f(wd), epsf = f(eps), momf = f(mom), nlr = f(-o.lr);
  const step: Stepper = (p, g) => {
    const sq = state.square_avg, ga = state.grad_avg, buf = state.momentum_buffer;
    for (let i = 0; i < n; i++) {
      let gi = g[i];
      if (wd !== 0) gi = fma32(p[i], wdf, gi);
      sq[i] = fma32(f(ca * gi), gi, f(sq[i] * af)); // square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
      let avg: number;
      if (ga) {
        ga[i] = lerp32(ga[i], gi, ca); // grad_avg.lerp_(grad, 1 - alpha)
        avg = f(Math.sqrt(fma32(-ga[i], ga[i], sq[i]))); // square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
      } else avg = f(Math.sqrt(sq[i]));
      avg = f(avg + epsf);
      if (buf) {
        buf[i] = f(f(buf[i] * momf) + f(gi / avg)); // buf.mul_(momentum).addcdiv_(grad, avg)
        p[i] = fma32(buf[i], nlr, p[i]); // param.add_(buf, alpha=-lr)
      } else p[i] = f(p[i] + f(f(nlr * gi) / avg)); // param.addcdiv_(grad, avg, value=-lr)
    }
  };
  return { state, step };
}

/** SGD; the momentum buffer starts as a copy of the first gradient. */
export function sgdF32(n: number, o: TorchSgdOptions): { state: State; step: Stepper } {
  const mom = o.momentum ?? 0, wd = o.weight_decay ?? 0;
  const state: State = mom > 0 ? { momentum_buffer: new Float32Array(n) } : {};
  const wdf = f(wd), momf = f(mom), keep = f(1 - (o.dampening ?? 0)), nlr = f(-o.lr);
  const step: Stepper = (p, g, t) => {
    const buf = state.momentum_buffer;
    for (let i = 0; i < n; i++) {
      let gi = g[i];
      if (wd !== 0) gi = fma32(p[i], wdf, gi);
      if (buf) {
        buf[i] = t === 1 ? gi : fma32(gi, keep, f(buf[i] * momf)); // buf.mul_(momentum).add_(grad, alpha=1 - dampening)
        gi = o.nesterov ? fma32(buf[i], momf, gi) : buf[i]; // grad.add(buf, alpha=momentum)
      }
      p[i] = fma32(gi, nlr, p[i]); // param.add_(grad, alpha=-lr)
    }
  };
  return { state, step };
}

/** Lion (Chen et al. 2023): c = b1·m + (1−b1)·g;  p ← p − lr·(sign(c) + wd·p);  m ← b2·m + (1−b2)·g. */
export function lionF32(n: number, o: LionOptions): { state: State; step: Stepper } {
  const [b1, b2] = o.betas, wd = o.weight_decay ?? 0;
  const state: State = { exp_avg: new Float32Array(n) };
  const b1f = f(b1), c1 = f(1 - b1), b2f = f(b2), c2 = f(1 - b2), wdf = f(wd), nlr = f(-o.lr);
  const step: Stepper = (p, g) => {
    const m = state.exp_avg;
    for (let i = 0; i < n; i++) {
      const c = f(f(b1f * m[i]) + f(c1 * g[i]));
      let u = Math.sign(c);
      if (wd !== 0) u = f(u + f(wdf * p[i]));
      p[i] = f(p[i] + f(nlr * u));
      m[i] = f(f(b2f * m[i]) + f(c2 * g[i]));
    }
  };
  return { state, step };
}
