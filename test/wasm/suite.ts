// One suite factory for the WebAssembly kernels, run on every binary that validates
// (scalar, simd, relaxed-simd, and the threaded shared-memory builds): see kernels.test.ts.
// References are naive float64 loops; tolerances are rigorous rounding-error bounds
// (|fl(sum) - sum| <= k u sum|terms|), so a wrong element or a missing term fails.
import { describe, expect, it } from "vitest";
import type { FloatArray, WasmKernels, WasmUnaryOp } from "../../src/backend/wasm/index";

const U32 = 2 ** -24;
const U64 = 2 ** -53;

/** Deterministic uniform(-1, 1) values (mulberry32). */
export function randomArray<T extends FloatArray>(ctor: { new (n: number): T }, n: number, seed: number): T {
  const out = new ctor(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Float64 reference of op(A) @ op(B), plus sum_p |A[i,p] B[p,j]| for the error bound. */
function matmulRef(a: FloatArray, b: FloatArray, m: number, k: number, n: number, transA: boolean, transB: boolean) {
  const c = new Float64Array(m * n), abs = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0, t = 0;
      for (let p = 0; p < k; p++) {
        const x = (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
        s += x;
        t += Math.abs(x);
      }
      c[i * n + j] = s;
      abs[i * n + j] = t;
    }
  return { c, abs };
}

function expectWithinBound(got: ArrayLike<number>, want: ArrayLike<number>, bound: (i: number) => number, what: string) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= bound(i))) throw new Error(`${what}: element ${i}: got ${got[i]}, want ${want[i]} (err ${err} > bound ${bound(i)})`);
  }
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], // unpacked small path (m < 4 or n == 1)
  [3, 5, 7], // small path
  [2, 300, 70], // small path, k > KC
  [57, 40, 1], // small path, n == 1
  [4, 5, 7], // smallest packed shape
  [17, 33, 65],
  [128, 64, 257],
  [37, 300, 211], // crosses the KC = 256 depth block, ragged m and n
  [200, 9, 300], // short k
  [160, 150, 170], // above the threading threshold (m*k*n >= 140^3): split over threads
  [45, 330, 260], // threaded, ragged row bands, crosses KC
];

export function describeWasmKernels(name: string, getKernels: () => Promise<WasmKernels>) {
  describe(`wasm kernels: ${name}`, () => {
    for (const [Ctor, dtype, u] of [
      [Float32Array, "f32", U32],
      [Float64Array, "f64", U64],
    ] as const) {
      for (const [m, k, n] of SHAPES) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            it(`matmul ${dtype} ${m}x${k}x${n} transA=${transA} transB=${transB}`, async () => {
              const w = await getKernels();
              const a = randomArray(Ctor as new (n: number) => FloatArray, m * k, 1 + m + k);
              const b = randomArray(Ctor as new (n: number) => FloatArray, k * n, 2 + k * n);
              const c = new (Ctor as new (n: number) => FloatArray)(m * n).fill(NaN);
              w.matmul(a, b, c, m, k, n, transA, transB);
              const ref = matmulRef(a, b, m, k, n, transA, transB);
              // gamma_k = k u / (1 - k u) bounds the error of any summation order, with or without FMA.
              const gamma = (k * u) / (1 - k * u);
              expectWithinBound(c, ref.c, (i) => gamma * ref.abs[i] + (dtype === "f32" ? 1e-30 : 0), `matmul ${dtype}`);
            });
          }
        }
      }
    }

    it("matmul with k = 0 writes zeros; m or n = 0 is a no-op", async () => {
      const w = await getKernels();
      const c = new Float32Array(6).fill(7);
      w.matmul(new Float32Array(0), new Float32Array(0), c, 2, 0, 3, false, false);
      expect(Array.from(c)).toEqual([0, 0, 0, 0, 0, 0]);
      w.matmul(new Float64Array(0), new Float64Array(5), new Float64Array(0), 0, 1, 5, false, false);
    });

    it("matmul rejects mixed dtypes", async () => {
      const w = await getKernels();
      expect(() => w.matmul(new Float32Array(1), new Float64Array(1), new Float32Array(1), 1, 1, 1, false, false)).toThrow(TypeError);
    });

    // Large operands used again are kept in linear memory (wasm/resident.ts); matrix-vector
    // products over a resident matrix are split over threads by output range (assembly/gemv.ts).
    for (const [Ctor, dtype, u] of [
      [Float32Array, "f32", U32],
      [Float64Array, "f64", U64],
    ] as const) {
      for (const [m, k, n, transA] of [[4099, 67, 1, false], [67, 4099, 1, true], [1031, 130, 9, false], [1031, 130, 9, true]] as const) {
        it(`resident operand ${dtype} ${m}x${k}x${n} transA=${transA}: reused copy, then a written operand re-read`, async () => {
          const w = await getKernels();
          const mk = (len: number, seed: number) => randomArray(Ctor as new (n: number) => FloatArray, len, seed);
          const a = mk(m * k, 11 + m), b = mk(k * n, 12 + n);
          const check = () => {
            const c = new (Ctor as new (n: number) => FloatArray)(m * n).fill(NaN);
            w.matmul(a, b, c, m, k, n, transA, false);
            const ref = matmulRef(a, b, m, k, n, transA, false);
            const gamma = (k * u) / (1 - k * u);
            expectWithinBound(c, ref.c, (i) => gamma * ref.abs[i] + (dtype === "f32" ? 1e-30 : 0), `resident matmul ${dtype}`);
          };
          const before = w.resident.bytes;
          check(); // first sighting: copied to scratch
          check(); // second: admitted
          expect(w.resident.bytes - before).toBeGreaterThanOrEqual(a.byteLength);
          check(); // third: read from the resident copy
          // An in-place write must be announced; after it the new values are used, and without the
          // announcement the stale copy would be (which shows the cache is really read).
          a[5] += 1;
          const stale = new (Ctor as new (n: number) => FloatArray)(m * n);
          w.matmul(a, b, stale, m, k, n, transA, false);
          const fresh = matmulRef(a, b, m, k, n, transA, false).c;
          const changed = Array.from(fresh.keys()).find((i) => Math.abs(fresh[i] - stale[i]) > 1e-3);
          expect(changed, "the resident copy was not used").toBeDefined();
          w.dataWritten(a);
          check();
          w.dataWritten(a);
          w.dataWritten(b);
        });
      }
    }

    for (const [Ctor, dtype, u] of [
      [Float32Array, "f32", U32],
      [Float64Array, "f64", U64],
    ] as const) {
      it(`dot, nrm2, axpy, scal ${dtype}`, async () => {
        const w = await getKernels();
        for (const n of [0, 1, 3, 8, 17, 1000]) {
          const x = randomArray(Ctor as new (n: number) => FloatArray, n, 10 + n);
          const y = randomArray(Ctor as new (n: number) => FloatArray, n, 20 + n);
          let dot = 0, absDot = 0, ssq = 0;
          for (let i = 0; i < n; i++) {
            dot += x[i] * y[i];
            absDot += Math.abs(x[i] * y[i]);
            ssq += x[i] * x[i];
          }
          expectWithinBound([w.dot(x, y)], [dot], () => n * u * absDot * 1.01, `dot n=${n}`);
          expectWithinBound([w.nrm2(x)], [Math.sqrt(ssq)], () => (n + 4) * u * Math.sqrt(ssq), `nrm2 n=${n}`);

          const alpha = 0.75;
          const yAxpy = y.slice();
          w.axpy(alpha, x, yAxpy);
          // One rounding (fused) or two (mul then add): within 2u (|alpha x| + |y|).
          expectWithinBound(yAxpy, Array.from(y, (yi, i) => alpha * x[i] + yi), (i) => 2 * u * (Math.abs(alpha * x[i]) + Math.abs(y[i])), `axpy n=${n}`);

          const xs = x.slice();
          w.scal(-2.5, xs);
          expect(Array.from(xs)).toEqual(Array.from(x, (xi) => (dtype === "f32" ? Math.fround(-2.5 * xi) : -2.5 * xi)));
        }
      });

      it(`nrm2 ${dtype} neither overflows nor underflows`, async () => {
        const w = await getKernels();
        const big = dtype === "f32" ? 1e30 : 1e300;
        const tiny = dtype === "f32" ? 1e-30 : 1e-300;
        for (const s of [big, tiny]) {
          const x = new (Ctor as new (n: number) => FloatArray)(3);
          x.set([3 * s, -4 * s, 0]);
          const want = 5 * (dtype === "f32" ? Math.fround(s) : s);
          expectWithinBound([w.nrm2(x)], [want], () => 8 * u * want, `nrm2 scale ${s}`);
        }
        expect(w.nrm2(new (Ctor as new (n: number) => FloatArray)(5))).toBe(0);
      });
    }

    // exp, sigmoid, tanh (assembly/elementwise.ts) against the correctly rounded float32 value of
    // the float64 function, over the whole finite range, subnormal results and special values.
    const sigmoid = (t: number) => (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));
    for (const [op, ref, lo, hi] of [
      ["exp", Math.exp, -110, 95],
      ["exp", Math.exp, -1e-3, 1e-3],
      ["sigmoid", sigmoid, -120, 120],
      ["tanh", Math.tanh, -20, 20],
      ["tanh", Math.tanh, -0.7, 0.7],
    ] as const) {
      it(`unary ${op} float32 on [${lo}, ${hi}] within 2 ulp, specials exact`, async () => {
        const w = await getKernels();
        const n = 20_003; // odd: exercises the scalar tail after the v128 body
        const x = new Float32Array(n);
        for (let i = 0; i < n; i++) x[i] = lo + ((hi - lo) * i) / (n - 1);
        x.set([NaN, Infinity, -Infinity, 0, -0], 0);
        const out = new Float32Array(n);
        w.unary(op, x, out);
        const bits = new Int32Array(2), f = new Float32Array(bits.buffer);
        let worst = 0;
        for (let i = 5; i < n; i++) {
          const want = Math.fround(ref(x[i]));
          f[0] = out[i]; f[1] = want;
          const ulps = out[i] === want ? 0 : Math.abs(bits[0] - bits[1]);
          if (ulps > worst) worst = ulps;
        }
        expect(worst, `${op}: worst error in ulps`).toBeLessThanOrEqual(2);
        const specials = Array.from(out.subarray(0, 5));
        expect(specials[0]).toBeNaN();
        // toBe is Object.is: tanh(-0) must be -0 (it once came out +0 from x + x z Q(z), Q(0) < 0)
        [Infinity, -Infinity, 0, -0].forEach((v, k) => expect(specials[k + 1], `${op}(${Object.is(v, -0) ? "-0" : v})`).toBe(Math.fround(ref(v))));
      });
    }

    // Generalised `unary` (float32 and float64, assembly/elementwise.ts). float32: softplus and log
    // against the correctly rounded float32 value of the float64 function, like the tests above.
    // float64: against the float64 formulas of src/backend/js.ts (Math.exp, Math.log, Math.tanh,
    // Math.log1p, each within 1 ulp in V8); measured worst 1 ulp (exp, log) and 2 ulp (sigmoid,
    // softplus, tanh) on every binary. "geo" ranges are exponents: x = 2^t over all binades,
    // subnormals included. n is odd so the scalar tail after the v128 body runs too.
    const softplus = (t: number) => (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t)));
    const sigmoidSlope = (t: number) => { const e = Math.exp(-Math.abs(t)); return e / ((1 + e) * (1 + e)); };
    const TIGHT_OPS = new Set<WasmUnaryOp>(["sin", "cos", "log1p", "expm1"]);
    const UNARY_CASES: [WasmUnaryOp, (t: number) => number, "f32" | "f64", number, number, ("geo" | "lin")?][] = [
      ["softplus", softplus, "f32", -110, 110],
      ["softplus", softplus, "f32", -2, 2],
      ["log", Math.log, "f32", 0, 100],
      ["log", Math.log, "f32", -149, 127.9, "geo"],
      ["exp", Math.exp, "f64", -746, 710],
      ["exp", Math.exp, "f64", -1e-3, 1e-3],
      ["sigmoid", sigmoid, "f64", -750, 750],
      ["sigmoid", sigmoid, "f64", -6, 6],
      ["tanh", Math.tanh, "f64", -25, 25],
      ["tanh", Math.tanh, "f64", -0.7, 0.7],
      ["tanh", Math.tanh, "f64", -1e-6, 1e-6],
      ["softplus", softplus, "f64", -750, 750],
      ["softplus", softplus, "f64", -40, 40],
      ["log", Math.log, "f64", 0, 4],
      ["log", Math.log, "f64", -1074, 1023.9, "geo"],
      ["sigmoidSlope", sigmoidSlope, "f32", -104, 104],
      ["sigmoidSlope", sigmoidSlope, "f32", -3, 3],
      ["sigmoidSlope", sigmoidSlope, "f64", -745, 745],
      ["sigmoidSlope", sigmoidSlope, "f64", -3, 3],
      // assembly/trig.ts and assembly/log1pExpm1.ts (the scalar binary calls the host's Math for these)
      ["sin", Math.sin, "f32", -10, 10],
      ["sin", Math.sin, "f32", -7e5, 7e5], // past 2^19: those lanes go to the host
      ["sin", Math.sin, "f32", -149, 127.9, "geo"],
      ["cos", Math.cos, "f32", -10, 10],
      ["cos", Math.cos, "f32", -7e5, 7e5],
      ["cos", Math.cos, "f32", -149, 127.9, "geo"],
      ["sin", Math.sin, "f64", -10, 10],
      ["sin", Math.sin, "f64", -6e5, 6e5],
      ["sin", Math.sin, "f64", -1074, 1023.9, "geo"],
      ["cos", Math.cos, "f64", -10, 10],
      ["cos", Math.cos, "f64", -6e5, 6e5],
      ["cos", Math.cos, "f64", -1074, 1023.9, "geo"],
      ["log1p", Math.log1p, "f32", -1, 1],
      ["log1p", Math.log1p, "f32", -0.01, 0.01],
      ["log1p", Math.log1p, "f32", -149, 127.9, "geo"],
      ["log1p", Math.log1p, "f64", -1, 1],
      ["log1p", Math.log1p, "f64", -1e-3, 1e-3],
      ["log1p", Math.log1p, "f64", -1074, 1023.9, "geo"],
      ["expm1", Math.expm1, "f32", -20, 89],
      ["expm1", Math.expm1, "f32", -1, 1],
      ["expm1", Math.expm1, "f32", -149, 6.47, "geo"],
      ["expm1", Math.expm1, "f64", -50, 710],
      ["expm1", Math.expm1, "f64", -1, 1],
      ["expm1", Math.expm1, "f64", -1074, 9.47, "geo"],
    ];
    for (const [op, ref, dtype, lo, hi, spacing] of UNARY_CASES) {
      // sigmoidSlope = e / (1 + e)^2 rounds four times after a 1-ulp exp: 3 ulp measured and allowed.
      // sin, cos, log1p, expm1: 1 ulp measured on every binary (f64 against Math.*, which is itself
      // within 1 ulp of the true value; f32 against the correctly rounded value).
      const maxUlps = op === "sigmoidSlope" ? 3 : TIGHT_OPS.has(op) ? 1 : 2;
      it(`unary ${op} ${dtype} on ${spacing === "geo" ? `2^[${lo}, ${hi}]` : `[${lo}, ${hi}]`} within ${maxUlps} ulp, specials exact`, async () => {
        const w = await getKernels();
        const n = 20_003;
        const f64 = dtype === "f64";
        const x = f64 ? new Float64Array(n) : new Float32Array(n);
        for (let i = 0; i < n; i++) {
          const t = lo + ((hi - lo) * i) / (n - 1);
          x[i] = spacing === "geo" ? 2 ** t : t;
        }
        const specials = [NaN, Infinity, -Infinity, 0, -0]; // exact, -0 and NaN included (toBe is Object.is)
        x.set([...specials, -1, f64 ? 5e-324 : 1e-45], 0); // and two ordinary values near the ends
        const out = f64 ? new Float64Array(n) : new Float32Array(n);
        w.unary(op, x, out);
        // ulp distance = distance of the bit patterns in sign-magnitude order
        const b64 = new BigInt64Array(2), f64v = new Float64Array(b64.buffer);
        const b32 = new Int32Array(2), f32v = new Float32Array(b32.buffer);
        const ulpsBetween = (a: number, b: number): number => {
          if (f64) {
            f64v[0] = a; f64v[1] = b;
            const o = (v: bigint) => (v < 0n ? -(v & 0x7fffffffffffffffn) : v);
            const d = o(b64[0]) - o(b64[1]);
            return Number(d < 0n ? -d : d);
          }
          f32v[0] = a; f32v[1] = b;
          const o = (v: number) => (v < 0 ? -(v & 0x7fffffff) : v);
          return Math.abs(o(b32[0]) - o(b32[1]));
        };
        let worst = 0;
        for (let i = specials.length; i < n; i++) {
          const want = f64 ? ref(x[i]) : Math.fround(ref(x[i]));
          if (out[i] === want || (out[i] !== out[i] && want !== want)) continue;
          worst = Math.max(worst, ulpsBetween(out[i], want));
        }
        if (process.env.DOWNHILL_ULPS) console.log(`[ulps] ${name} ${op} ${dtype} ${lo}..${hi} ${spacing ?? ""}: ${worst}`);
        expect(worst, `${op} ${dtype}: worst error in ulps`).toBeLessThanOrEqual(maxUlps);
        for (let i = 0; i < specials.length; i++) {
          expect(out[i], `${op}(${specials[i]})`).toBe(f64 ? ref(specials[i]) : Math.fround(ref(specials[i])));
        }
        // in place (out === x) gives the same values
        const y = x.slice();
        w.unary(op, y, y);
        expect(Array.from(y)).toEqual(Array.from(out));
      });
    }

    // Cody-Waite's weak spot: x next to a multiple of pi/2, where sin or cos is tiny and the
    // reduction's cancellation shows (assembly/trig.ts carries pi/2 to 152 bits). k pi/2 and its
    // neighbours one ulp away, k up to 333,000 (|x| to 5.2e5, the v128 path's whole range).
    for (const dtype of ["f32", "f64"] as const) {
      it(`sin and cos ${dtype} next to multiples of pi/2 within 1 ulp`, async () => {
        const w = await getKernels();
        const f64 = dtype === "f64";
        const ks = Array.from({ length: 4000 }, (_, i) => (i < 2000 ? i + 1 : 333_000 - (i - 2000) * 166));
        const xs: number[] = [];
        for (const k of ks) {
          const v = f64 ? k * (Math.PI / 2) : Math.fround(k * (Math.PI / 2));
          xs.push(v, v * (1 + (f64 ? 2 ** -52 : 2 ** -23)), v * (1 - (f64 ? 2 ** -52 : 2 ** -23)));
        }
        const x = f64 ? Float64Array.from(xs) : Float32Array.from(xs);
        const b64 = new BigInt64Array(2), f64v = new Float64Array(b64.buffer);
        const b32 = new Int32Array(2), f32v = new Float32Array(b32.buffer);
        const ulps = (a: number, c: number) => {
          if (f64) { f64v[0] = a; f64v[1] = c; const o = (v: bigint) => (v < 0n ? -(v & 0x7fffffffffffffffn) : v); const d = o(b64[0]) - o(b64[1]); return Number(d < 0n ? -d : d); }
          f32v[0] = a; f32v[1] = c; const o = (v: number) => (v < 0 ? -(v & 0x7fffffff) : v); return Math.abs(o(b32[0]) - o(b32[1]));
        };
        for (const [op, ref] of [["sin", Math.sin], ["cos", Math.cos]] as const) {
          const out = f64 ? new Float64Array(x.length) : new Float32Array(x.length);
          w.unary(op, x, out);
          let worst = 0;
          for (let i = 0; i < x.length; i++) worst = Math.max(worst, ulps(out[i], f64 ? ref(x[i]) : Math.fround(ref(x[i]))));
          expect(worst, `${op} ${dtype} next to k pi/2`).toBeLessThanOrEqual(1);
        }
      });
    }

    it("unary rejects mixed dtypes", async () => {
      const w = await getKernels();
      expect(() => w.unary("exp", new Float32Array(4), new Float64Array(4))).toThrow(TypeError);
    });

    for (const [Ctor, dtype, tol] of [[Float32Array, "f32", 4 * U32], [Float64Array, "f64", 8 * U64]] as const) {
      it(`crossEntropyLogits and crossEntropyResidual ${dtype}: softplus(x) - x t and sigmoid(x) - t, without cancellation`, async () => {
        const w = await getKernels();
        const n = 2001; // odd: the scalar tail runs too
        const x = randomArray(Ctor as new (n: number) => FloatArray, n, 31).map((v) => v * 60);
        const t = randomArray(Ctor as new (n: number) => FloatArray, n, 32).map((v, i) => (i % 3 === 0 ? (v > 0 ? 1 : 0) : Math.abs(v)));
        const mk = () => new (Ctor as new (n: number) => FloatArray)(n);
        const ce = mk(), ce2 = mk(), res = mk();
        w.crossEntropyLogits(x, t, ce);
        w.crossEntropyResidual(x, t, ce2, res);
        expect(Array.from(ce2)).toEqual(Array.from(ce)); // the fused pass: the loss with the same bits
        for (let i = 0; i < n; i++) {
          const xi = x[i], ti = t[i];
          // float64 references; the loss is relative to itself (it is tiny when confident and right).
          const wantCe = Math.max(xi, 0) - xi * ti + Math.log1p(Math.exp(-Math.abs(xi)));
          const s = xi >= 0 ? 1 / (1 + Math.exp(-xi)) : Math.exp(xi) / (1 + Math.exp(xi));
          // Hard targets: max(x, 0) - x t is exact, so the error is that of log1p (relative).
          // Soft targets: x t is rounded once more, an absolute error up to u |x|.
          const u = dtype === "f32" ? U32 : U64;
          const bound = tol * Math.abs(wantCe) + (ti === 0 || ti === 1 ? 0 : 2 * u * Math.abs(xi));
          if (!(Math.abs(ce[i] - wantCe) <= bound)) throw new Error(`crossEntropyLogits(${xi}, ${ti}) = ${ce[i]}, want ${wantCe}`);
          if (!(Math.abs(res[i] - (s - ti)) <= tol * Math.max(s, ti)))
            throw new Error(`sigmoidResidual(${xi}, ${ti}) = ${res[i]}, want ${s - ti}`);
        }
        const otherT = dtype === "f32" ? new Float64Array(n) : new Float32Array(n);
        expect(() => w.crossEntropyResidual(x, otherT, ce, res)).toThrow(TypeError);
        expect(() => w.crossEntropyLogits(x, otherT, ce)).toThrow(TypeError);
      });
    }

    it("cholesky and choleskySolve on random SPD matrices", async () => {
      const w = await getKernels();
      for (const n of [1, 2, 5, 30]) {
        const mat = randomArray(Float64Array, n * n, 100 + n);
        const a = new Float64Array(n * n); // A = M M^T + n I
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            let s = i === j ? n : 0;
            for (let p = 0; p < n; p++) s += mat[i * n + p] * mat[j * n + p];
            a[i * n + j] = s;
          }
        const l = w.cholesky(a, n);
        expect(l).not.toBeNull();
        let normA = 0;
        for (const v of a) normA = Math.max(normA, Math.abs(v));
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            if (j > i) expect(l![i * n + j]).toBe(0);
            let s = 0;
            for (let p = 0; p < n; p++) s += l![i * n + p] * l![j * n + p];
            expect(Math.abs(s - a[i * n + j])).toBeLessThanOrEqual(4 * n * U64 * normA);
          }
        const b = randomArray(Float64Array, n, 200 + n);
        const x = w.choleskySolve(l!, n, b);
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += a[i * n + j] * x[j];
          expect(Math.abs(s - b[i])).toBeLessThanOrEqual(1e-12 * n * normA);
        }
      }
    });

    it("cholesky returns null when the matrix is not positive definite", async () => {
      const w = await getKernels();
      expect(w.cholesky(new Float64Array([1, 2, 2, 1]), 2)).toBeNull(); // eigenvalues 3, -1
      expect(w.cholesky(new Float64Array([-1]), 1)).toBeNull();
      expect(w.cholesky(new Float64Array([1, 1, 1, 1]), 2)).toBeNull(); // singular
      expect(w.cholesky(new Float64Array([4, 2, 2, 3]), 2)).not.toBeNull();
    });

    it("symEig reconstructs A = V diag(w) V^T with orthonormal V and ascending w", async () => {
      const w = await getKernels();
      for (const n of [1, 2, 3, 8, 25]) {
        const r = randomArray(Float64Array, n * n, 300 + n);
        const a = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = r[i * n + j] + r[j * n + i];
        const { values, vectors: v } = w.symEig(a, n)!;
        expect(values.length).toBe(n);
        for (let i = 1; i < n; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
        let normA = 0;
        for (const x of a) normA += x * x;
        normA = Math.sqrt(normA);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            let rec = 0, gram = 0;
            for (let p = 0; p < n; p++) {
              rec += v[i * n + p] * values[p] * v[j * n + p];
              gram += v[p * n + i] * v[p * n + j];
            }
            expect(Math.abs(rec - a[i * n + j])).toBeLessThanOrEqual(1e-13 * n * normA);
            expect(Math.abs(gram - (i === j ? 1 : 0))).toBeLessThanOrEqual(1e-13 * n);
          }
      }
      // Known spectrum: [[2,1],[1,2]] -> 1, 3.
      const { values } = w.symEig(new Float64Array([2, 1, 1, 2]), 2)!;
      expect(values[0]).toBeCloseTo(1, 14);
      expect(values[1]).toBeCloseTo(3, 14);
    });

    it("arena alloc/free and memory views survive growth", async () => {
      const w = await getKernels();
      const p1 = w.alloc(100);
      const p2 = w.alloc(8 << 20); // forces memory.grow
      expect(p1 % 16).toBe(0);
      expect(p2).toBeGreaterThan(p1);
      expect(w.memory().byteLength).toBeGreaterThanOrEqual(p2 + (8 << 20));
      new Float32Array(w.memory(), p2, 4).set([1, 2, 3, 4]);
      expect(Array.from(new Float32Array(w.memory(), p2, 4))).toEqual([1, 2, 3, 4]);
      w.free(p2);
      w.free(p1);
      expect(w.alloc(100)).toBe(p1);
      w.free(p1);
      expect(typeof w.exports.matmulF32).toBe("function");
    });
  });
}
