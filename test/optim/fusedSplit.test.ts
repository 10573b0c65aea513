/**
 * The wasm path split with a pool worker (large optimizers on a threaded instance): the fused
 * kernels are elementwise and the split keeps the unsplit path's chunk boundaries, so results are
 * bit-identical to the single-threaded wasm path. The split is forced on small sizes with the
 * internal `threadMin` option (default: THREAD_MIN_PARAMS).
 */
import { wasmBackend } from "../../src/backend/wasm/backend.js";
import { vals } from "../helpers.js";
import { beforeAll, describe, expect, it } from "vitest";
import { randn, tensor, type Tensor } from "../../src/index.js";
import { initWasm, supportedVariants, type WasmKernels } from "../../src/backend/wasm/index.js";
import { adam, optimizer, sgd } from "../../src/optim/index.js";
import { FUSED_CASES } from "./fusedCases.js";

const CASES = FUSED_CASES;

type P = { a: Tensor; b: Tensor; c: Tensor; d: Tensor };
/** ~8 chunks of 64K elements: more than the ring, so both threads take chunks; leaves straddle chunks; odd sizes. */
const mk = (dtype: "float32" | "float64"): P => ({
  a: randn([300_001], { seed: 1, dtype }),
  b: randn([5], { seed: 2, dtype }),
  c: tensor(new (dtype === "float32" ? Float32Array : Float64Array)(0), { dtype }),
  d: randn([400, 500], { seed: 3, dtype }),
});
const grads = (p: P, k: number): P => ({ a: p.a.mul(0.5).add(0.1 * k), b: p.b.tanh(), c: p.c, d: p.d.mul(p.d).sub(0.5) });
const same = (x: Tensor, y: Tensor) => x.size === y.size && Array.from(vals(x)).every((v, i) => Object.is(v, vals(y)[i]));

/** Why a split test is skipped where the pool does not start (no worker_threads or SharedArrayBuffer). */
const NO_WORKERS = "initWasm({ threads: 2 }) started no pool worker here, so there is no second thread to split a step with";

const instances: Array<[string, () => WasmKernels]> = [];
const loaded = new Map<string, WasmKernels>();
// Only the SIMD binaries have shared-memory (threads) builds: initWasm({ variant: "scalar",
// threads: 2 }) runs on one thread, so a scalar suite here could only ever be skipped.
const threaded = supportedVariants().filter((v) => v !== "scalar");
for (const v of threaded) instances.push([v, () => loaded.get(v)!]);

beforeAll(async () => {
  for (const v of threaded) loaded.set(v, await initWasm({ variant: v, threads: 2 }));
});

it("there is a threaded binary to split on", () => {
  expect(threaded.length).toBeGreaterThan(0);
});

describe.each(instances)("wasm %s: step split with a pool worker", (_name, kernels) => {
  it.for(CASES)("%s: bit-identical to the single-threaded wasm path (f32 and f64)", ([, make], ctx) => {
    const w = kernels();
    ctx.skip(w.threads < 2, NO_WORKERS);
    for (const dtype of ["float32", "float64"] as const) {
      const p1 = mk(dtype), p2 = mk(dtype);
      const one = optimizer(make(), p1, { fused: "wasm", backend: wasmBackend(w), threadMin: Infinity });
      const two = optimizer(make(), p2, { fused: "wasm", backend: wasmBackend(w), threadMin: 0 });
      for (let k = 0; k < 4; k++) {
        one.step(grads(p1, k));
        two.step(grads(p2, k));
      }
      expect([one.threads, two.threads]).toEqual([1, 2]); // what the last step ran on
      for (const key of ["a", "b", "c", "d"] as const) expect(same(p1[key], p2[key]), `${dtype} ${key}`).toBe(true);
      const s1 = JSON.stringify(one.state, (_k, v) => (v?._storage ? Array.from(vals(v)) : v));
      const s2 = JSON.stringify(two.state, (_k, v) => (v?._storage ? Array.from(vals(v)) : v));
      expect(s2).toBe(s1);
      one.dispose();
      two.dispose();
    }
  });

  it("setState, dispose and a second optimizer over the same parameters", (ctx) => {
    const w = kernels();
    ctx.skip(w.threads < 2, NO_WORKERS);
    const p1 = mk("float32"), p2 = mk("float32");
    const ref = optimizer(adam({ lr: 0.01, amsgrad: true }), p1, { fused: "wasm", backend: wasmBackend(w), threadMin: Infinity });
    const a = optimizer(adam({ lr: 0.01, amsgrad: true }), p2, { fused: "wasm", backend: wasmBackend(w), threadMin: 0 });
    ref.step(grads(p1, 0));
    a.step(grads(p2, 0));
    const saved = a.state;
    a.step(grads(p2, 1));
    // a second split optimizer over the same parameters, resumed from the checkpoint
    const b = optimizer(adam({ lr: 0.01, amsgrad: true }), p2, { fused: "wasm", backend: wasmBackend(w), threadMin: 0 });
    b.setState(saved);
    expect(b.count).toBe(1);
    a.dispose(); // p2 gets its own arrays back, b points them at its slab again on its next step
    expect(vals(p2.a).buffer instanceof SharedArrayBuffer).toBe(false);
    ref.step(grads(p1, 1));
    // p2 keeps a's values after step 2 (b only took them over); a third split optimizer from scratch agrees
    const q = mk("float32");
    const c = optimizer(adam({ lr: 0.01, amsgrad: true }), q, { fused: "wasm", backend: wasmBackend(w), threadMin: 0 });
    c.step(grads(q, 0));
    c.step(grads(q, 1));
    for (const key of ["a", "b", "d"] as const) {
      expect(same(p1[key], q[key])).toBe(true);
      expect(same(p1[key], p2[key])).toBe(true);
    }
    b.dispose();
    c.dispose();
    ref.dispose();
    for (const t of [p2.a, q.a]) expect(vals(t).buffer instanceof SharedArrayBuffer).toBe(false);
  });

  it("writes to a parameter's storage between steps land in the slab", (ctx) => {
    const w = kernels();
    ctx.skip(w.threads < 2, NO_WORKERS);
    const p = mk("float32");
    const opt = optimizer(sgd({ lr: 1 }), p, { fused: "wasm", backend: wasmBackend(w), threadMin: 0 });
    vals(p.a).fill(1);
    opt.step({ a: tensor(new Float32Array(300_001).fill(0.5)), b: p.b.mul(0), c: p.c, d: p.d.mul(0) });
    expect(vals(p.a).every((x) => x === 0.5)).toBe(true);
    opt.dispose();
    expect(vals(p.a).every((x) => x === 0.5)).toBe(true);
  });
});
