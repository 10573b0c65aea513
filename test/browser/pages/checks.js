// The checks run identically on the page and inside a module Web Worker (and mirrored by
// test/worker/ in a Node worker thread): start the WebAssembly core, take a gradient, multiply
// matrices, and compare with plain JS loops. Returns a plain, postMessage-able record.

/** C = A @ B in float64 loops: the reference. */
function refMatmul(a, b, n) {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < n; p++) {
      const aip = a[i * n + p];
      for (let j = 0; j < n; j++) c[i * n + j] += aip * b[p * n + j];
    }
  return c;
}

/**
 * max_ij |C_ij - R_ij| / (|A||B|)_ij: the error in units of the classical bound for a float dot
 * product of length n, |fl(a.b) - a.b| <= gamma_n |a|.|b| with gamma_n ~ n u (u = 2^-24 in f32),
 * which holds for any summation order, blocking or FMA. The caller asserts it is below n u.
 */
function scaledErr(c, r, a, b, n) {
  const absA = Float64Array.from(a, Math.abs), absB = Float64Array.from(b, Math.abs);
  const bound = refMatmul(absA, absB, n);
  let worst = 0;
  for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(c[i] - r[i]) / bound[i]);
  return worst;
}

function matmulCheck(dh, n, seed) {
  const a = dh.randn([n, n], { seed });
  const b = dh.randn([n, n], { seed: seed + 1 });
  const c = dh.matmul(a, b);
  const ad = a.dataSync(), bd = b.dataSync();
  return { n, dtype: c.dtype, shape: [...c.shape], scaledErr: scaledErr(c.dataSync(), refMatmul(ad, bd, n), ad, bd, n) };
}

export async function runChecks(dh) {
  const t0 = performance.now();
  await dh.ready();
  const readyMs = performance.now() - t0;
  // The default ready() starts worker threads in the background: report what was there at once,
  // then wait for them so the 256^3 product below is split over threads where that is possible.
  const threadsAtReady = dh.backendInfo().threads;
  await dh.ready({ waitForThreads: true });
  const info = dh.backendInfo();
  return {
    info,
    readyMs,
    threadsAtReady,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer !== "undefined",
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency ?? null,
    ...computeChecks(dh),
  };
}

/** The gradient and the two products, on whatever core `dh` runs now (also module.html's checks). */
export function computeChecks(dh) {
  return {
    grad: Array.from(dh.grad((x) => x.square().sum())(dh.tensor([1, 2, 3])).dataSync()),
    // 64^3 runs on the calling thread; 256^3 is above the pool's threshold, so it is split over
    // the worker threads when backendInfo().threads > 1.
    matmul64: matmulCheck(dh, 64, 1),
    matmul256: matmulCheck(dh, 256, 7),
  };
}
