// Fused optimizer steps: one pass over contiguous slabs per step, called once per
// `optimizer(...).step(grads)` by src/optim/optimizer.ts (its "wasm" path), after the gradients
// were copied into their slab. Every slab holds n elements in the same layout: the parameter
// leaves concatenated in canonical tree order.
//
//   | slab  | pPtr   | gPtr     | slot 0 | slot 1 | slot 2 |
//   |-------|--------|----------|--------|--------|--------|
//   | sgd   | param  | gradient | b      |        |        |
//   | adam  | param  | gradient | m      | v      | v̂max   |
//   | adagrad | param | gradient | s     |        |        |
//   | rmsprop | param | gradient | ν     | μ      | b      |
//   | lion  | param  | gradient | m      |        |        |
//
// Scalars arrive as f64 and are rounded to the element type once. g is first scaled by gScale
// (the global-norm clip folded in; 1 when not clipping). F32 kernels run a v128 body of 4 lanes
// and finish with the scalar generic loop, which is also the whole F64 kernel. Rounding: every
// operation rounds to the element type, so results match the JS path (which keeps unstored
// intermediates in f64) within float rounding, not bit-for-bit. Adam's direction is evaluated as
// (lr·√bc2/bc1)·m / (√v̂ + eps·√bc2): the same value with one division instead of three.

// ---- SGD / momentum / Nesterov ---------------------------------------------------------------
//   g ← gs·g + wd·p;  b ← first ? g : μ·b + keep·g;  d ← nesterov ? g + μ·b : b;  p ← p − lr·d

// @ts-ignore: decorator
@inline function sgdScalar<T>(pPtr: usize, gPtr: usize, bPtr: usize, i0: i32, n: i32, lr: T, wd: T, mu: T, keep: T, nesterov: i32, first: i32, gs: T): void {
  const sh = alignof<T>();
  for (let i = i0; i < n; i++) {
    const off = <usize>i << sh;
    const p = load<T>(pPtr + off);
    let g = load<T>(gPtr + off) * gs;
    if (wd != 0) g = g + wd * p;
    if (mu != 0) {
      const b = first ? g : mu * load<T>(bPtr + off) + keep * g;
      store<T>(bPtr + off, b);
      g = nesterov ? g + mu * b : b;
    }
    store<T>(pPtr + off, p + -lr * g);
  }
}

export function sgdStepF32(pPtr: usize, gPtr: usize, bPtr: usize, n: i32, lr: f64, wd: f64, mu: f64, keep: f64, nesterov: i32, first: i32, gScale: f64): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const nlrV = f32x4.splat(<f32>-lr), wdV = f32x4.splat(<f32>wd), muV = f32x4.splat(<f32>mu), keepV = f32x4.splat(<f32>keep), gsV = f32x4.splat(<f32>gScale);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const pV = v128.load(pPtr + off);
      let gV = f32x4.mul(v128.load(gPtr + off), gsV);
      if (wd != 0) gV = f32x4.add(gV, f32x4.mul(wdV, pV));
      if (mu != 0) {
        const bV = first ? gV : f32x4.add(f32x4.mul(muV, v128.load(bPtr + off)), f32x4.mul(keepV, gV));
        v128.store(bPtr + off, bV);
        gV = nesterov ? f32x4.add(gV, f32x4.mul(muV, bV)) : bV;
      }
      v128.store(pPtr + off, f32x4.add(pV, f32x4.mul(nlrV, gV)));
    }
  }
  sgdScalar<f32>(pPtr, gPtr, bPtr, i, n, <f32>lr, <f32>wd, <f32>mu, <f32>keep, nesterov, first, <f32>gScale);
}

export function sgdStepF64(pPtr: usize, gPtr: usize, bPtr: usize, n: i32, lr: f64, wd: f64, mu: f64, keep: f64, nesterov: i32, first: i32, gScale: f64): void {
  sgdScalar<f64>(pPtr, gPtr, bPtr, 0, n, lr, wd, mu, keep, nesterov, first, gScale);
}

// ---- Adam / AdamW / AMSGrad ------------------------------------------------------------------
//   g ← gs·g (+ wd·p if flags&1, L2);  m ← b1·m + (1−b1)·g;  v ← b2·v + (1−b2)·g²;
//   v̂ ← flags&4 ? max(v̂, v) : v;  p ← p − (lr·√bc2/bc1)·m/(√v̂ + eps·√bc2) (− lr·wd·p if flags&2)

// @ts-ignore: decorator
@inline function adamScalar<T>(pPtr: usize, gPtr: usize, mPtr: usize, vPtr: usize, vmPtr: usize, i0: i32, n: i32, b1: T, b2: T, epsHat: T, nStep: T, wd: T, nLrWd: T, flags: i32, gs: T): void {
  const sh = alignof<T>();
  const c1: T = <T>1 - b1, c2: T = <T>1 - b2;
  for (let i = i0; i < n; i++) {
    const off = <usize>i << sh;
    const p = load<T>(pPtr + off);
    let g = load<T>(gPtr + off) * gs;
    if (flags & 1) g = g + wd * p;
    const m = b1 * load<T>(mPtr + off) + c1 * g;
    const v = b2 * load<T>(vPtr + off) + c2 * (g * g);
    store<T>(mPtr + off, m);
    store<T>(vPtr + off, v);
    let vh = v;
    if (flags & 4) {
      vh = max<T>(load<T>(vmPtr + off), v);
      store<T>(vmPtr + off, vh);
    }
    let d = (nStep * m) / (sqrt<T>(vh) + epsHat);
    if (flags & 2) d = d + nLrWd * p;
    store<T>(pPtr + off, p + d);
  }
}

export function adamStepF32(pPtr: usize, gPtr: usize, mPtr: usize, vPtr: usize, vmPtr: usize, n: i32, lr: f64, b1: f64, b2: f64, eps: f64, bc1: f64, sqrtBc2: f64, wd: f64, flags: i32, gScale: f64): void {
  const nStep = (-lr * sqrtBc2) / bc1, epsHat = eps * sqrtBc2, nLrWd = -lr * wd;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const b1V = f32x4.splat(<f32>b1), c1V = f32x4.splat(<f32>1 - <f32>b1), b2V = f32x4.splat(<f32>b2), c2V = f32x4.splat(<f32>1 - <f32>b2);
    const epsV = f32x4.splat(<f32>epsHat), stepV = f32x4.splat(<f32>nStep), wdV = f32x4.splat(<f32>wd), lrWdV = f32x4.splat(<f32>nLrWd), gsV = f32x4.splat(<f32>gScale);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const pV = v128.load(pPtr + off);
      let gV = f32x4.mul(v128.load(gPtr + off), gsV);
      if (flags & 1) gV = f32x4.add(gV, f32x4.mul(wdV, pV));
      const mV = f32x4.add(f32x4.mul(b1V, v128.load(mPtr + off)), f32x4.mul(c1V, gV));
      const vV = f32x4.add(f32x4.mul(b2V, v128.load(vPtr + off)), f32x4.mul(c2V, f32x4.mul(gV, gV)));
      v128.store(mPtr + off, mV);
      v128.store(vPtr + off, vV);
      let vhV = vV;
      if (flags & 4) {
        vhV = f32x4.max(v128.load(vmPtr + off), vV);
        v128.store(vmPtr + off, vhV);
      }
      let dV = f32x4.div(f32x4.mul(stepV, mV), f32x4.add(f32x4.sqrt(vhV), epsV));
      if (flags & 2) dV = f32x4.add(dV, f32x4.mul(lrWdV, pV));
      v128.store(pPtr + off, f32x4.add(pV, dV));
    }
  }
  adamScalar<f32>(pPtr, gPtr, mPtr, vPtr, vmPtr, i, n, <f32>b1, <f32>b2, <f32>epsHat, <f32>nStep, <f32>wd, <f32>nLrWd, flags, <f32>gScale);
}

export function adamStepF64(pPtr: usize, gPtr: usize, mPtr: usize, vPtr: usize, vmPtr: usize, n: i32, lr: f64, b1: f64, b2: f64, eps: f64, bc1: f64, sqrtBc2: f64, wd: f64, flags: i32, gScale: f64): void {
  adamScalar<f64>(pPtr, gPtr, mPtr, vPtr, vmPtr, 0, n, b1, b2, eps * sqrtBc2, (-lr * sqrtBc2) / bc1, wd, -lr * wd, flags, gScale);
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

// AdaGrad:  g ← gs·g + wd·p;  s ← s + g²;  p ← p − lr·dir(g, s)
// @ts-ignore: decorator
@inline function adagradScalar<T>(pPtr: usize, gPtr: usize, sPtr: usize, i0: i32, n: i32, lr: T, wd: T, eps: T, mode: i32, gs: T): void {
  const sh = alignof<T>();
  for (let i = i0; i < n; i++) {
    const off = <usize>i << sh;
    const p = load<T>(pPtr + off);
    let g = load<T>(gPtr + off) * gs;
    if (wd != 0) g = g + wd * p;
    const s = load<T>(sPtr + off) + g * g;
    store<T>(sPtr + off, s);
    store<T>(pPtr + off, p + -lr * rmsDir<T>(g, s, 0, eps, mode));
  }
}

export function adagradStepF32(pPtr: usize, gPtr: usize, sPtr: usize, n: i32, lr: f64, wd: f64, eps: f64, mode: i32, gScale: f64): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const nlrV = f32x4.splat(<f32>-lr), wdV = f32x4.splat(<f32>wd), epsV = f32x4.splat(<f32>eps), gsV = f32x4.splat(<f32>gScale), zV = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const pV = v128.load(pPtr + off);
      let gV = f32x4.mul(v128.load(gPtr + off), gsV);
      if (wd != 0) gV = f32x4.add(gV, f32x4.mul(wdV, pV));
      const sV = f32x4.add(v128.load(sPtr + off), f32x4.mul(gV, gV));
      v128.store(sPtr + off, sV);
      v128.store(pPtr + off, f32x4.add(pV, f32x4.mul(nlrV, rmsDirV(gV, sV, zV, epsV, mode))));
    }
  }
  adagradScalar<f32>(pPtr, gPtr, sPtr, i, n, <f32>lr, <f32>wd, <f32>eps, mode, <f32>gScale);
}

export function adagradStepF64(pPtr: usize, gPtr: usize, sPtr: usize, n: i32, lr: f64, wd: f64, eps: f64, mode: i32, gScale: f64): void {
  adagradScalar<f64>(pPtr, gPtr, sPtr, 0, n, lr, wd, eps, mode, gScale);
}

// RMSProp:  g ← gs·g + wd·p;  ν ← α·ν + (1−α)·g²;  centered (flags&1): μ ← α·μ + (1−α)·g, c = μ²;
//   u = dir(g, ν, c);  momentum: lr inside (flags&2): b ← μb + (−lr·u), p ← p + b;
//   else b ← μb + u, p ← p − lr·b (first step, flags&4: b = the new term);  no momentum: p ← p − lr·u
// @ts-ignore: decorator
@inline function rmspropScalar<T>(pPtr: usize, gPtr: usize, nuPtr: usize, muPtr: usize, bPtr: usize, i0: i32, n: i32, lr: T, wd: T, a: T, eps: T, mode: i32, mom: T, flags: i32, gs: T): void {
  const sh = alignof<T>();
  const ca: T = <T>1 - a;
  for (let i = i0; i < n; i++) {
    const off = <usize>i << sh;
    const p = load<T>(pPtr + off);
    let g = load<T>(gPtr + off) * gs;
    if (wd != 0) g = g + wd * p;
    const nu = a * load<T>(nuPtr + off) + ca * (g * g);
    store<T>(nuPtr + off, nu);
    let c: T = 0;
    if (flags & 1) {
      const mu = a * load<T>(muPtr + off) + ca * g;
      store<T>(muPtr + off, mu);
      c = mu * mu;
    }
    const u = rmsDir<T>(g, nu, c, eps, mode);
    let d: T;
    if (mom != 0) {
      if (flags & 2) {
        const x = -lr * u;
        d = flags & 4 ? x : mom * load<T>(bPtr + off) + x;
        store<T>(bPtr + off, d);
      } else {
        const b = flags & 4 ? u : mom * load<T>(bPtr + off) + u;
        store<T>(bPtr + off, b);
        d = -lr * b;
      }
    } else d = -lr * u;
    store<T>(pPtr + off, p + d);
  }
}

export function rmspropStepF32(pPtr: usize, gPtr: usize, nuPtr: usize, muPtr: usize, bPtr: usize, n: i32, lr: f64, wd: f64, alpha: f64, eps: f64, mode: i32, mom: f64, flags: i32, gScale: f64): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const nlrV = f32x4.splat(<f32>-lr), wdV = f32x4.splat(<f32>wd), aV = f32x4.splat(<f32>alpha), caV = f32x4.splat(<f32>1 - <f32>alpha);
    const epsV = f32x4.splat(<f32>eps), momV = f32x4.splat(<f32>mom), gsV = f32x4.splat(<f32>gScale);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const pV = v128.load(pPtr + off);
      let gV = f32x4.mul(v128.load(gPtr + off), gsV);
      if (wd != 0) gV = f32x4.add(gV, f32x4.mul(wdV, pV));
      const nuV = f32x4.add(f32x4.mul(aV, v128.load(nuPtr + off)), f32x4.mul(caV, f32x4.mul(gV, gV)));
      v128.store(nuPtr + off, nuV);
      let cV = f32x4.splat(0);
      if (flags & 1) {
        const muV = f32x4.add(f32x4.mul(aV, v128.load(muPtr + off)), f32x4.mul(caV, gV));
        v128.store(muPtr + off, muV);
        cV = f32x4.mul(muV, muV);
      }
      const uV = rmsDirV(gV, nuV, cV, epsV, mode);
      let dV: v128;
      if (mom != 0) {
        if (flags & 2) {
          const xV = f32x4.mul(nlrV, uV);
          dV = flags & 4 ? xV : f32x4.add(f32x4.mul(momV, v128.load(bPtr + off)), xV);
          v128.store(bPtr + off, dV);
        } else {
          const bV = flags & 4 ? uV : f32x4.add(f32x4.mul(momV, v128.load(bPtr + off)), uV);
          v128.store(bPtr + off, bV);
          dV = f32x4.mul(nlrV, bV);
        }
      } else dV = f32x4.mul(nlrV, uV);
      v128.store(pPtr + off, f32x4.add(pV, dV));
    }
  }
  rmspropScalar<f32>(pPtr, gPtr, nuPtr, muPtr, bPtr, i, n, <f32>lr, <f32>wd, <f32>alpha, <f32>eps, mode, <f32>mom, flags, <f32>gScale);
}

export function rmspropStepF64(pPtr: usize, gPtr: usize, nuPtr: usize, muPtr: usize, bPtr: usize, n: i32, lr: f64, wd: f64, alpha: f64, eps: f64, mode: i32, mom: f64, flags: i32, gScale: f64): void {
  rmspropScalar<f64>(pPtr, gPtr, nuPtr, muPtr, bPtr, 0, n, lr, wd, alpha, eps, mode, mom, flags, gScale);
}

// ---- Lion ------------------------------------------------------------------------------------
//   g ← gs·g;  u = sign(b1·m + (1−b1)·g);  m ← b2·m + (1−b2)·g;  p ← p − lr·(u + wd·p)

// @ts-ignore: decorator
@inline function lionScalar<T>(pPtr: usize, gPtr: usize, mPtr: usize, i0: i32, n: i32, lr: T, wd: T, b1: T, b2: T, gs: T): void {
  const sh = alignof<T>();
  const c1: T = <T>1 - b1, c2: T = <T>1 - b2;
  for (let i = i0; i < n; i++) {
    const off = <usize>i << sh;
    const p = load<T>(pPtr + off);
    const g = load<T>(gPtr + off) * gs;
    const m = load<T>(mPtr + off);
    const c = b1 * m + c1 * g;
    let u: T = c > 0 ? 1 : c < 0 ? -1 : c;
    store<T>(mPtr + off, b2 * m + c2 * g);
    if (wd != 0) u = u + wd * p;
    store<T>(pPtr + off, p + -lr * u);
  }
}

export function lionStepF32(pPtr: usize, gPtr: usize, mPtr: usize, n: i32, lr: f64, wd: f64, b1: f64, b2: f64, gScale: f64): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const nlrV = f32x4.splat(<f32>-lr), wdV = f32x4.splat(<f32>wd), b1V = f32x4.splat(<f32>b1), c1V = f32x4.splat(<f32>1 - <f32>b1);
    const b2V = f32x4.splat(<f32>b2), c2V = f32x4.splat(<f32>1 - <f32>b2), gsV = f32x4.splat(<f32>gScale), oneV = f32x4.splat(1), zV = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const pV = v128.load(pPtr + off);
      const gV = f32x4.mul(v128.load(gPtr + off), gsV);
      const mV = v128.load(mPtr + off);
      const cV = f32x4.add(f32x4.mul(b1V, mV), f32x4.mul(c1V, gV));
      // sign: (c > 0 ? 1 : 0) − (c < 0 ? 1 : 0), from the comparison masks
      let uV = f32x4.sub(v128.and(f32x4.gt(cV, zV), oneV), v128.and(f32x4.lt(cV, zV), oneV));
      v128.store(mPtr + off, f32x4.add(f32x4.mul(b2V, mV), f32x4.mul(c2V, gV)));
      if (wd != 0) uV = f32x4.add(uV, f32x4.mul(wdV, pV));
      v128.store(pPtr + off, f32x4.add(pV, f32x4.mul(nlrV, uV)));
    }
  }
  lionScalar<f32>(pPtr, gPtr, mPtr, i, n, <f32>lr, <f32>wd, <f32>b1, <f32>b2, <f32>gScale);
}

export function lionStepF64(pPtr: usize, gPtr: usize, mPtr: usize, n: i32, lr: f64, wd: f64, b1: f64, b2: f64, gScale: f64): void {
  lionScalar<f64>(pPtr, gPtr, mPtr, 0, n, lr, wd, b1, b2, gScale);
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
