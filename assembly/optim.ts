// Fused optimizer steps over contiguous slabs, called by src/optim/optimizer.ts (its "wasm" path)
// once per chunk of at most 64K elements (CHUNK there) of every `optimizer(...).step(grads)`, each
// chunk's gradients copied into a small buffer just before (so they are read from cache); from
// THREAD_MIN_PARAMS parameters on, a pool worker runs some of the chunks (`WasmEngine.splitStep`,
// the same calls on the same ranges, so bit-identical). The slabs hold the parameter leaves
// concatenated in canonical tree order; a call gets pointers to element `start` of each and the
// chunk's length n. With the global-norm clip, sumSquaresF32/F64 first takes a pass over the chunks.
//
//   | kernel  | pPtr  | gPtr     | 3rd | 4th            | 5th            |
//   |---------|-------|----------|-----|----------------|----------------|
//   | sgd     | param | gradient | b   |                |                |
//   | adam    | param | gradient | m   | v              | v̂max (AMSGrad) |
//   | adagrad | param | gradient | s   |                |                |
//   | rmsprop | param | gradient | ν   | μ (centered)   | b (momentum)   |
//   | lion    | param | gradient | m   |                |                |
//   (a slab the options do not use is passed as 0)
//
// Scalars arrive as f64; each is rounded to the element type once, after any arithmetic on it in
// f64 (1 − b, Adam's −lr·√bc2/bc1 and eps·√bc2), which is also where torch rounds its Python
// floats. g is first scaled by gScale (the global-norm clip folded in; 1 when not clipping).
// F32 kernels run a v128 body of 4 lanes under ASC_FEATURE_SIMD and finish with the scalar
// generic loop, which is the whole kernel in the scalar binary and the whole F64 kernel in every
// binary (no f64x2 body). Rounding: every operation rounds to the element type, so results match
// the JS path (which keeps unstored intermediates in f64) within float rounding, not bit-for-bit,
// and torch's float32 steps within a few ulps (test/optim/torchRounding.test.ts). Adam's
// direction is evaluated as (lr·√bc2/bc1)·m / (√v̂ + eps·√bc2): the same value with one division
// instead of torch's three.

// Specialisation: every kernel body is an @inline function; the option flags that the exported
// entry points resolve to compile-time booleans get a copy each, chosen once per call, so the loop
// carries no per-element branch on them (a measured 2x on SGD-momentum at 1e5 elements): SGD's
// weight decay, momentum and Nesterov; Adam's L2, decoupled decay, AMSGrad and lerp form; AdaGrad's
// weight decay and eps placement; RMSProp's centering, momentum and lerp form; Lion's weight decay.
// Rare cases share one copy with those flags at run time (SGD's first step, Adam with b1 ≤ ½,
// centered RMSProp with alpha ≤ ½), and RMSProp keeps weight decay, eps placement, lr placement and
// first step at run time (loop-invariant branches).

// ---- SGD / momentum / Nesterov ---------------------------------------------------------------
//   g ← gs·g + wd·p;  b ← first ? g : μ·b + keep·g;  d ← nesterov ? g + μ·b : b;  p ← p − lr·d

// @ts-ignore: decorator
@inline function sgdRun<T>(pPtr: usize, gPtr: usize, bPtr: usize, n: i32, lr: f64, wd: f64, mu: f64, keep: f64, gScale: f64, WD: bool, MOM: bool, NEST: bool, FIRST: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD && sizeof<T>() == 4) {
    const nlrV = f32x4.splat(<f32>-lr), wdV = f32x4.splat(<f32>wd), muV = f32x4.splat(<f32>mu), keepV = f32x4.splat(<f32>keep), gsV = f32x4.splat(<f32>gScale);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const pV = v128.load(pPtr + off);
      let gV = f32x4.mul(v128.load(gPtr + off), gsV);
      if (WD) gV = f32x4.add(gV, f32x4.mul(wdV, pV));
      if (MOM) {
        const bV = FIRST ? gV : f32x4.add(f32x4.mul(muV, v128.load(bPtr + off)), f32x4.mul(keepV, gV));
        v128.store(bPtr + off, bV);
        gV = NEST ? f32x4.add(gV, f32x4.mul(muV, bV)) : bV;
      }
      v128.store(pPtr + off, f32x4.add(pV, f32x4.mul(nlrV, gV)));
    }
  }
  const sh = alignof<T>();
  const nlr = <T>-lr, wdT = <T>wd, muT = <T>mu, keepT = <T>keep, gs = <T>gScale;
  for (; i < n; i++) {
    const off = <usize>i << sh;
    const p = load<T>(pPtr + off);
    let g = load<T>(gPtr + off) * gs;
    if (WD) g = g + wdT * p;
    if (MOM) {
      const b = FIRST ? g : muT * load<T>(bPtr + off) + keepT * g;
      store<T>(bPtr + off, b);
      g = NEST ? g + muT * b : b;
    }
    store<T>(pPtr + off, p + nlr * g);
  }
}

// @ts-ignore: decorator
@inline function sgdDispatch<T>(pPtr: usize, gPtr: usize, bPtr: usize, n: i32, lr: f64, wd: f64, mu: f64, keep: f64, nesterov: i32, first: i32, gScale: f64): void {
  if (mu == 0) {
    if (wd != 0) sgdRun<T>(pPtr, gPtr, bPtr, n, lr, wd, mu, keep, gScale, true, false, false, false);
    else sgdRun<T>(pPtr, gPtr, bPtr, n, lr, wd, mu, keep, gScale, false, false, false, false);
  } else if (first != 0) {
    // the first step (the buffer starts as the raw gradient): once per run, one copy with runtime flags
    sgdRun<T>(pPtr, gPtr, bPtr, n, lr, wd, mu, keep, gScale, wd != 0, true, nesterov != 0, true);
  } else if (nesterov) {
    if (wd != 0) sgdRun<T>(pPtr, gPtr, bPtr, n, lr, wd, mu, keep, gScale, true, true, true, false);
    else sgdRun<T>(pPtr, gPtr, bPtr, n, lr, wd, mu, keep, gScale, false, true, true, false);
  } else if (wd != 0) sgdRun<T>(pPtr, gPtr, bPtr, n, lr, wd, mu, keep, gScale, true, true, false, false);
  else sgdRun<T>(pPtr, gPtr, bPtr, n, lr, wd, mu, keep, gScale, false, true, false, false);
}

export function sgdStepF32(pPtr: usize, gPtr: usize, bPtr: usize, n: i32, lr: f64, wd: f64, mu: f64, keep: f64, nesterov: i32, first: i32, gScale: f64): void {
  sgdDispatch<f32>(pPtr, gPtr, bPtr, n, lr, wd, mu, keep, nesterov, first, gScale);
}
export function sgdStepF64(pPtr: usize, gPtr: usize, bPtr: usize, n: i32, lr: f64, wd: f64, mu: f64, keep: f64, nesterov: i32, first: i32, gScale: f64): void {
  sgdDispatch<f64>(pPtr, gPtr, bPtr, n, lr, wd, mu, keep, nesterov, first, gScale);
}

// ---- Moving averages as torch's lerp_ --------------------------------------------------------
//   m ← lerp(m, g, w), w = 1 − b rounded once from f64:  w < ½: m + w·(g − m);  else g + (w − 1)·(g − m)
// torch updates its first moments (Adam's exp_avg, RMSProp's grad_avg) with `lerp_(grad, 1 − b)`,
// whose weights on m and g sum to exactly 1; b·m + (1 − b)·g with both constants rounded to f32
// does not (at b = 0.99 the sum is 1 + 9.3e-9: a 9.3e-7 relative bias of m once it has settled).
// Which form applies is a compile-time flag (LO: w < ½) of the kernel copy: a per-element select
// of the base instead made the f32 Adam step 7-25% slower (bench/probes/kernelAB.mjs, 65536
// elements, four interleaved runs); b ≤ ½ is rare and gets one copy with its other flags at run time.

/** The lerp coefficient for weight w = 1 − b (see above). */
// @ts-ignore: decorator
@inline function lerpCoeff<T>(b: f64): T {
  const w = <T>(1 - b);
  return w < <T>0.5 ? w : w - <T>1;
}
/** True when the lerp starts from m (w < ½, the LO form), false when it starts from g. */
// @ts-ignore: decorator
@inline function lerpLow<T>(b: f64): bool {
  return <T>(1 - b) < <T>0.5;
}
// @ts-ignore: decorator
@inline function lerp<T>(m: T, g: T, coeff: T, LO: bool): T {
  return (LO ? m : g) + coeff * (g - m);
}
// @ts-ignore: decorator
@inline function lerpV(mV: v128, gV: v128, coeffV: v128, LO: bool): v128 {
  return f32x4.add(LO ? mV : gV, f32x4.mul(coeffV, f32x4.sub(gV, mV)));
}

// ---- Adam / AdamW / AMSGrad ------------------------------------------------------------------
//   g ← gs·g (+ wd·p if flags&1, L2);  m ← lerp(m, g, 1−b1);  v ← b2·v + ((1−b2)·g)·g;
//   v̂ ← flags&4 ? max(v̂, v) : v;  p ← p − (lr·√bc2/bc1)·m/(√v̂ + eps·√bc2) (− lr·wd·p if flags&2)

// @ts-ignore: decorator
@inline function adamRun<T>(pPtr: usize, gPtr: usize, mPtr: usize, vPtr: usize, vmPtr: usize, n: i32, b1: f64, b2: f64, epsHat: f64, nStep: f64, wd: f64, nLrWd: f64, gScale: f64, L2: bool, DW: bool, AMS: bool, LO: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD && sizeof<T>() == 4) {
    const wV = f32x4.splat(lerpCoeff<f32>(b1)), b2V = f32x4.splat(<f32>b2), c2V = f32x4.splat(<f32>(1 - b2));
    const epsV = f32x4.splat(<f32>epsHat), stepV = f32x4.splat(<f32>nStep), wdV = f32x4.splat(<f32>wd), lrWdV = f32x4.splat(<f32>nLrWd), gsV = f32x4.splat(<f32>gScale);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const pV = v128.load(pPtr + off);
      let gV = f32x4.mul(v128.load(gPtr + off), gsV);
      if (L2) gV = f32x4.add(gV, f32x4.mul(wdV, pV));
      const mV = lerpV(v128.load(mPtr + off), gV, wV, LO);
      const vV = f32x4.add(f32x4.mul(b2V, v128.load(vPtr + off)), f32x4.mul(f32x4.mul(c2V, gV), gV));
      v128.store(mPtr + off, mV);
      v128.store(vPtr + off, vV);
      let vhV = vV;
      if (AMS) {
        vhV = f32x4.max(v128.load(vmPtr + off), vV);
        v128.store(vmPtr + off, vhV);
      }
      let dV = f32x4.div(f32x4.mul(stepV, mV), f32x4.add(f32x4.sqrt(vhV), epsV));
      if (DW) dV = f32x4.add(dV, f32x4.mul(lrWdV, pV));
      v128.store(pPtr + off, f32x4.add(pV, dV));
    }
  }
  const sh = alignof<T>();
  const w = lerpCoeff<T>(b1), b2T = <T>b2, c2 = <T>(1 - b2), epsT = <T>epsHat, stepT = <T>nStep, wdT = <T>wd, lrWdT = <T>nLrWd, gs = <T>gScale;
  for (; i < n; i++) {
    const off = <usize>i << sh;
    const p = load<T>(pPtr + off);
    let g = load<T>(gPtr + off) * gs;
    if (L2) g = g + wdT * p;
    const m = lerp<T>(load<T>(mPtr + off), g, w, LO);
    const v = b2T * load<T>(vPtr + off) + (c2 * g) * g;
    store<T>(mPtr + off, m);
    store<T>(vPtr + off, v);
    let vh = v;
    if (AMS) {
      vh = max<T>(load<T>(vmPtr + off), v);
      store<T>(vmPtr + off, vh);
    }
    let d = (stepT * m) / (sqrt<T>(vh) + epsT);
    if (DW) d = d + lrWdT * p;
    store<T>(pPtr + off, p + d);
  }
}

// @ts-ignore: decorator
@inline function adamDispatch<T>(pPtr: usize, gPtr: usize, mPtr: usize, vPtr: usize, vmPtr: usize, n: i32, lr: f64, b1: f64, b2: f64, eps: f64, bc1: f64, sqrtBc2: f64, wd: f64, flags: i32, gScale: f64): void {
  const nStep = (-lr * sqrtBc2) / bc1, epsHat = eps * sqrtBc2, nLrWd = -lr * wd;
  const ams = (flags & 4) != 0;
  if (!lerpLow<T>(b1)) {
    adamRun<T>(pPtr, gPtr, mPtr, vPtr, vmPtr, n, b1, b2, epsHat, nStep, wd, nLrWd, gScale, (flags & 1) != 0, (flags & 2) != 0, ams, false);
  } else if (flags & 1) {
    if (ams) adamRun<T>(pPtr, gPtr, mPtr, vPtr, vmPtr, n, b1, b2, epsHat, nStep, wd, nLrWd, gScale, true, false, true, true);
    else adamRun<T>(pPtr, gPtr, mPtr, vPtr, vmPtr, n, b1, b2, epsHat, nStep, wd, nLrWd, gScale, true, false, false, true);
  } else if (flags & 2) {
    if (ams) adamRun<T>(pPtr, gPtr, mPtr, vPtr, vmPtr, n, b1, b2, epsHat, nStep, wd, nLrWd, gScale, false, true, true, true);
    else adamRun<T>(pPtr, gPtr, mPtr, vPtr, vmPtr, n, b1, b2, epsHat, nStep, wd, nLrWd, gScale, false, true, false, true);
  } else if (ams) adamRun<T>(pPtr, gPtr, mPtr, vPtr, vmPtr, n, b1, b2, epsHat, nStep, wd, nLrWd, gScale, false, false, true, true);
  else adamRun<T>(pPtr, gPtr, mPtr, vPtr, vmPtr, n, b1, b2, epsHat, nStep, wd, nLrWd, gScale, false, false, false, true);
}

export function adamStepF32(pPtr: usize, gPtr: usize, mPtr: usize, vPtr: usize, vmPtr: usize, n: i32, lr: f64, b1: f64, b2: f64, eps: f64, bc1: f64, sqrtBc2: f64, wd: f64, flags: i32, gScale: f64): void {
  adamDispatch<f32>(pPtr, gPtr, mPtr, vPtr, vmPtr, n, lr, b1, b2, eps, bc1, sqrtBc2, wd, flags, gScale);
}
export function adamStepF64(pPtr: usize, gPtr: usize, mPtr: usize, vPtr: usize, vmPtr: usize, n: i32, lr: f64, b1: f64, b2: f64, eps: f64, bc1: f64, sqrtBc2: f64, wd: f64, flags: i32, gScale: f64): void {
  adamDispatch<f64>(pPtr, gPtr, mPtr, vPtr, vmPtr, n, lr, b1, b2, eps, bc1, sqrtBc2, wd, flags, gScale);
}

// ---- RMSProp / AdaGrad denominators ----------------------------------------------------------
//   mode 0 (torch):  g / (√(s − c) + eps)    mode 1 (optax, tfjs):  g / √(s − c + eps)
//   mode 2 (tfjs centered):  g / √(s − (c + eps))

// @ts-ignore: decorator
@inline function rmsDir<T>(g: T, s: T, c: T, eps: T, mode: i32): T {
  if (mode == 0) return g / (sqrt<T>(s - c) + eps);
  if (mode == 1) return g / sqrt<T>(s - c + eps);
  return g / sqrt<T>(s - (c + eps));
}

// @ts-ignore: decorator
@inline function rmsDirV(gV: v128, sV: v128, cV: v128, epsV: v128, mode: i32): v128 {
  if (mode == 0) return f32x4.div(gV, f32x4.add(f32x4.sqrt(f32x4.sub(sV, cV)), epsV));
  if (mode == 1) return f32x4.div(gV, f32x4.sqrt(f32x4.add(f32x4.sub(sV, cV), epsV)));
  return f32x4.div(gV, f32x4.sqrt(f32x4.sub(sV, f32x4.add(cV, epsV))));
}

// AdaGrad:  g ← gs·g + wd·p;  s ← s + g²;  p ← p − lr·dir(g, s)   (specialised on wd and mode)
// @ts-ignore: decorator
@inline function adagradRun<T>(pPtr: usize, gPtr: usize, sPtr: usize, n: i32, lr: f64, wd: f64, eps: f64, gScale: f64, WD: bool, MODE: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD && sizeof<T>() == 4) {
    const nlrV = f32x4.splat(<f32>-lr), wdV = f32x4.splat(<f32>wd), epsV = f32x4.splat(<f32>eps), gsV = f32x4.splat(<f32>gScale), zV = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const pV = v128.load(pPtr + off);
      let gV = f32x4.mul(v128.load(gPtr + off), gsV);
      if (WD) gV = f32x4.add(gV, f32x4.mul(wdV, pV));
      const sV = f32x4.add(v128.load(sPtr + off), f32x4.mul(gV, gV));
      v128.store(sPtr + off, sV);
      v128.store(pPtr + off, f32x4.add(pV, f32x4.mul(nlrV, rmsDirV(gV, sV, zV, epsV, MODE))));
    }
  }
  const sh = alignof<T>();
  const nlr = <T>-lr, wdT = <T>wd, epsT = <T>eps, gs = <T>gScale;
  for (; i < n; i++) {
    const off = <usize>i << sh;
    const p = load<T>(pPtr + off);
    let g = load<T>(gPtr + off) * gs;
    if (WD) g = g + wdT * p;
    const s = load<T>(sPtr + off) + g * g;
    store<T>(sPtr + off, s);
    store<T>(pPtr + off, p + nlr * rmsDir<T>(g, s, 0, epsT, MODE));
  }
}

// @ts-ignore: decorator
@inline function adagradDispatch<T>(pPtr: usize, gPtr: usize, sPtr: usize, n: i32, lr: f64, wd: f64, eps: f64, mode: i32, gScale: f64): void {
  if (wd != 0) {
    if (mode == 0) adagradRun<T>(pPtr, gPtr, sPtr, n, lr, wd, eps, gScale, true, 0);
    else adagradRun<T>(pPtr, gPtr, sPtr, n, lr, wd, eps, gScale, true, 1);
  } else if (mode == 0) adagradRun<T>(pPtr, gPtr, sPtr, n, lr, wd, eps, gScale, false, 0);
  else adagradRun<T>(pPtr, gPtr, sPtr, n, lr, wd, eps, gScale, false, 1);
}

export function adagradStepF32(pPtr: usize, gPtr: usize, sPtr: usize, n: i32, lr: f64, wd: f64, eps: f64, mode: i32, gScale: f64): void {
  adagradDispatch<f32>(pPtr, gPtr, sPtr, n, lr, wd, eps, mode, gScale);
}
export function adagradStepF64(pPtr: usize, gPtr: usize, sPtr: usize, n: i32, lr: f64, wd: f64, eps: f64, mode: i32, gScale: f64): void {
  adagradDispatch<f64>(pPtr, gPtr, sPtr, n, lr, wd, eps, mode, gScale);
}

// RMSProp:  g ← gs·g + wd·p;  ν ← α·ν + ((1−α)·g)·g;  centered (flags&1): μ ← lerp(μ, g, 1−α), c = μ²;
//   u = dir(g, ν, c);  momentum: lr inside (flags&2): b ← μb + (−lr·u), p ← p + b;
//   else b ← μb + u, p ← p − lr·b (first step, flags&4: b = the new term);  no momentum: p ← p − lr·u
//   (specialised on centered, momentum and the lerp form; wd, mode, lr placement and first step are runtime)
// @ts-ignore: decorator
@inline function rmspropRun<T>(pPtr: usize, gPtr: usize, nuPtr: usize, muPtr: usize, bPtr: usize, n: i32, lr: f64, wd: f64, alpha: f64, eps: f64, mode: i32, mom: f64, flags: i32, gScale: f64, CENTERED: bool, MOM: bool, LO: bool): void {
  let i = 0;
  const lrIn = (flags & 2) != 0, first = (flags & 4) != 0;
  if (ASC_FEATURE_SIMD && sizeof<T>() == 4) {
    const nlrV = f32x4.splat(<f32>-lr), wdV = f32x4.splat(<f32>wd), aV = f32x4.splat(<f32>alpha), caV = f32x4.splat(<f32>(1 - alpha));
    const wV = f32x4.splat(lerpCoeff<f32>(alpha));
    const epsV = f32x4.splat(<f32>eps), momV = f32x4.splat(<f32>mom), gsV = f32x4.splat(<f32>gScale);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const pV = v128.load(pPtr + off);
      let gV = f32x4.mul(v128.load(gPtr + off), gsV);
      if (wd != 0) gV = f32x4.add(gV, f32x4.mul(wdV, pV));
      const nuV = f32x4.add(f32x4.mul(aV, v128.load(nuPtr + off)), f32x4.mul(f32x4.mul(caV, gV), gV));
      v128.store(nuPtr + off, nuV);
      let cV = f32x4.splat(0);
      if (CENTERED) {
        const muV = lerpV(v128.load(muPtr + off), gV, wV, LO);
        v128.store(muPtr + off, muV);
        cV = f32x4.mul(muV, muV);
      }
      const uV = rmsDirV(gV, nuV, cV, epsV, mode);
      let dV: v128;
      if (MOM) {
        if (lrIn) {
          const xV = f32x4.mul(nlrV, uV);
          dV = first ? xV : f32x4.add(f32x4.mul(momV, v128.load(bPtr + off)), xV);
          v128.store(bPtr + off, dV);
        } else {
          const bV = first ? uV : f32x4.add(f32x4.mul(momV, v128.load(bPtr + off)), uV);
          v128.store(bPtr + off, bV);
          dV = f32x4.mul(nlrV, bV);
        }
      } else dV = f32x4.mul(nlrV, uV);
      v128.store(pPtr + off, f32x4.add(pV, dV));
    }
  }
  const sh = alignof<T>();
  const nlr = <T>-lr, wdT = <T>wd, a = <T>alpha, ca = <T>(1 - alpha), w = lerpCoeff<T>(alpha), epsT = <T>eps, momT = <T>mom, gs = <T>gScale;
  for (; i < n; i++) {
    const off = <usize>i << sh;
    const p = load<T>(pPtr + off);
    let g = load<T>(gPtr + off) * gs;
    if (wd != 0) g = g + wdT * p;
    const nu = a * load<T>(nuPtr + off) + (ca * g) * g;
    store<T>(nuPtr + off, nu);
    let c: T = 0;
    if (CENTERED) {
      const mu = lerp<T>(load<T>(muPtr + off), g, w, LO);
      store<T>(muPtr + off, mu);
      c = mu * mu;
    }
    const u = rmsDir<T>(g, nu, c, epsT, mode);
    let d: T;
    if (MOM) {
      if (lrIn) {
        const x = nlr * u;
        d = first ? x : momT * load<T>(bPtr + off) + x;
        store<T>(bPtr + off, d);
      } else {
        const b = first ? u : momT * load<T>(bPtr + off) + u;
        store<T>(bPtr + off, b);
        d = nlr * b;
      }
    } else d = nlr * u;
    store<T>(pPtr + off, p + d);
  }
}

// @ts-ignore: decorator
@inline function rmspropDispatch<T>(pPtr: usize, gPtr: usize, nuPtr: usize, muPtr: usize, bPtr: usize, n: i32, lr: f64, wd: f64, alpha: f64, eps: f64, mode: i32, mom: f64, flags: i32, gScale: f64): void {
  if ((flags & 1) && !lerpLow<T>(alpha)) {
    rmspropRun<T>(pPtr, gPtr, nuPtr, muPtr, bPtr, n, lr, wd, alpha, eps, mode, mom, flags, gScale, true, mom != 0, false);
  } else if (flags & 1) {
    if (mom != 0) rmspropRun<T>(pPtr, gPtr, nuPtr, muPtr, bPtr, n, lr, wd, alpha, eps, mode, mom, flags, gScale, true, true, true);
    else rmspropRun<T>(pPtr, gPtr, nuPtr, muPtr, bPtr, n, lr, wd, alpha, eps, mode, mom, flags, gScale, true, false, true);
  } else if (mom != 0) rmspropRun<T>(pPtr, gPtr, nuPtr, muPtr, bPtr, n, lr, wd, alpha, eps, mode, mom, flags, gScale, false, true, true);
  else rmspropRun<T>(pPtr, gPtr, nuPtr, muPtr, bPtr, n, lr, wd, alpha, eps, mode, mom, flags, gScale, false, false, true);
}

export function rmspropStepF32(pPtr: usize, gPtr: usize, nuPtr: usize, muPtr: usize, bPtr: usize, n: i32, lr: f64, wd: f64, alpha: f64, eps: f64, mode: i32, mom: f64, flags: i32, gScale: f64): void {
  rmspropDispatch<f32>(pPtr, gPtr, nuPtr, muPtr, bPtr, n, lr, wd, alpha, eps, mode, mom, flags, gScale);
}
export function rmspropStepF64(pPtr: usize, gPtr: usize, nuPtr: usize, muPtr: usize, bPtr: usize, n: i32, lr: f64, wd: f64, alpha: f64, eps: f64, mode: i32, mom: f64, flags: i32, gScale: f64): void {
  rmspropDispatch<f64>(pPtr, gPtr, nuPtr, muPtr, bPtr, n, lr, wd, alpha, eps, mode, mom, flags, gScale);
}

// ---- Lion ------------------------------------------------------------------------------------
//   g ← gs·g;  u = sign(b1·m + (1−b1)·g);  m ← b2·m + (1−b2)·g;  p ← p − lr·(u + wd·p)

// @ts-ignore: decorator
@inline function lionRun<T>(pPtr: usize, gPtr: usize, mPtr: usize, n: i32, lr: f64, wd: f64, b1: f64, b2: f64, gScale: f64, WD: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD && sizeof<T>() == 4) {
    const nlrV = f32x4.splat(<f32>-lr), wdV = f32x4.splat(<f32>wd), b1V = f32x4.splat(<f32>b1), c1V = f32x4.splat(<f32>(1 - b1));
    const b2V = f32x4.splat(<f32>b2), c2V = f32x4.splat(<f32>(1 - b2)), gsV = f32x4.splat(<f32>gScale), oneV = f32x4.splat(1), zV = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const pV = v128.load(pPtr + off);
      const gV = f32x4.mul(v128.load(gPtr + off), gsV);
      const mV = v128.load(mPtr + off);
      const cV = f32x4.add(f32x4.mul(b1V, mV), f32x4.mul(c1V, gV));
      // sign: (c > 0 ? 1 : 0) − (c < 0 ? 1 : 0), from the comparison masks
      let uV = f32x4.sub(v128.and(f32x4.gt(cV, zV), oneV), v128.and(f32x4.lt(cV, zV), oneV));
      v128.store(mPtr + off, f32x4.add(f32x4.mul(b2V, mV), f32x4.mul(c2V, gV)));
      if (WD) uV = f32x4.add(uV, f32x4.mul(wdV, pV));
      v128.store(pPtr + off, f32x4.add(pV, f32x4.mul(nlrV, uV)));
    }
  }
  const sh = alignof<T>();
  const nlr = <T>-lr, wdT = <T>wd, b1T = <T>b1, b2T = <T>b2, c1 = <T>(1 - b1), c2 = <T>(1 - b2), gs = <T>gScale;
  for (; i < n; i++) {
    const off = <usize>i << sh;
    const p = load<T>(pPtr + off);
    const g = load<T>(gPtr + off) * gs;
    const m = load<T>(mPtr + off);
    const c = b1T * m + c1 * g;
    let u: T = c > 0 ? 1 : c < 0 ? -1 : c;
    store<T>(mPtr + off, b2T * m + c2 * g);
    if (WD) u = u + wdT * p;
    store<T>(pPtr + off, p + nlr * u);
  }
}

export function lionStepF32(pPtr: usize, gPtr: usize, mPtr: usize, n: i32, lr: f64, wd: f64, b1: f64, b2: f64, gScale: f64): void {
  if (wd != 0) lionRun<f32>(pPtr, gPtr, mPtr, n, lr, wd, b1, b2, gScale, true);
  else lionRun<f32>(pPtr, gPtr, mPtr, n, lr, wd, b1, b2, gScale, false);
}
export function lionStepF64(pPtr: usize, gPtr: usize, mPtr: usize, n: i32, lr: f64, wd: f64, b1: f64, b2: f64, gScale: f64): void {
  if (wd != 0) lionRun<f64>(pPtr, gPtr, mPtr, n, lr, wd, b1, b2, gScale, true);
  else lionRun<f64>(pPtr, gPtr, mPtr, n, lr, wd, b1, b2, gScale, false);
}

// ---- Global norm (for the folded clip) -------------------------------------------------------
/** Σ g_i² accumulated in f64 (two f64x2 accumulators per 4 f32 lanes). */
export function sumSquaresF32(gPtr: usize, n: i32): f64 {
  let i = 0;
  let s: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let aV = f64x2.splat(0), bV = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const gV = v128.load(gPtr + (<usize>i << 2));
      const loV = f64x2.promote_low_f32x4(gV);
      const hiV = f64x2.promote_low_f32x4(v128.swizzle(gV, i8x16(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)));
      aV = f64x2.add(aV, f64x2.mul(loV, loV));
      bV = f64x2.add(bV, f64x2.mul(hiV, hiV));
    }
    const tV = f64x2.add(aV, bV);
    s = f64x2.extract_lane(tV, 0) + f64x2.extract_lane(tV, 1);
  }
  for (; i < n; i++) {
    const g = <f64>load<f32>(gPtr + (<usize>i << 2));
    s += g * g;
  }
  return s;
}

export function sumSquaresF64(gPtr: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const g = load<f64>(gPtr + (<usize>i << 3));
    s += g * g;
  }
  return s;
}

// ---- Bandwidth probes (bench only) -----------------------------------------------------------
// The memory traffic of a fused step with no arithmetic: the bound a memory-bound kernel can reach.
/** 4 streams read, 3 written (Adam: p, g, m, v in; p, m, v out: 28 bytes per f32 element). */
export function streamProbe4r3wF32(aPtr: usize, bPtr: usize, cPtr: usize, dPtr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const aV = v128.load(aPtr + off), bV = v128.load(bPtr + off), cV = v128.load(cPtr + off), dV = v128.load(dPtr + off);
      v128.store(aPtr + off, v128.or(bV, dV));
      v128.store(cPtr + off, aV);
      v128.store(dPtr + off, cV);
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const a = load<u32>(aPtr + off), b = load<u32>(bPtr + off), c = load<u32>(cPtr + off), d = load<u32>(dPtr + off);
    store<u32>(aPtr + off, b | d);
    store<u32>(cPtr + off, a);
    store<u32>(dPtr + off, c);
  }
}

/** 3 streams read, 2 written (SGD-momentum and Lion: p, g, b in; p, b out: 20 bytes per f32 element). */
export function streamProbe3r2wF32(aPtr: usize, bPtr: usize, cPtr: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const aV = v128.load(aPtr + off), bV = v128.load(bPtr + off), cV = v128.load(cPtr + off);
      v128.store(aPtr + off, v128.or(bV, cV));
      v128.store(cPtr + off, aV);
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    const a = load<u32>(aPtr + off), b = load<u32>(bPtr + off), c = load<u32>(cPtr + off);
    store<u32>(aPtr + off, b | c);
    store<u32>(cPtr + off, a);
  }
}
