/**
 * The WebAssembly fused path's own behaviour: state snapshots and restores, parameter storage
 * (views into the optimizer's private memory, or the shared arena), leaves that straddle the 64K
 * chunks, no allocation per step, several optimizers over the same parameters. Its agreement with
 * the pure path for every option of every alias, on every binary variant and on shared and
 * ordinary memory, is in fusedEquality.test.ts.
 */
import { wasmBackend } from "../../src/backend/wasm/backend.js";
import { vals, setVals } from "../helpers.js";
import { beforeAll, describe, expect, it } from "vitest";
import { tensor, randn, type Tensor } from "../../src/index.js";
import { initWasm, supportedVariants, type WasmKernels } from "../../src/backend/wasm/index.js";
import { adam, adamw, applyUpdates, chain, clipByGlobalNorm, optimizer, rmsprop, sgd, type GradientTransformation } from "../../src/optim/index.js";

const instances: Array<[string, () => WasmKernels]> = [];
const loaded = new Map<string, WasmKernels>();
for (const v of supportedVariants()) {
  instances.push([`${v} shared`, () => loaded.get(`${v} shared`)!]);
  instances.push([`${v} unshared`, () => loaded.get(`${v} unshared`)!]);
}

beforeAll(async () => {
  for (const v of supportedVariants()) {
    loaded.set(`${v} shared`, await initWasm({ variant: v, threads: 2 }));
    loaded.set(`${v} unshared`, await initWasm({ variant: v, threads: 1 }));
  }
});

describe.each(instances)("wasm %s: state and storage", (_name, kernels) => {
  it("a state snapshot restores the run exactly, also into the JS path", () => {
    const run = (n: number, x: Tensor, fused: "wasm" | "js") => {
      const opt = optimizer(adam({ lr: 0.05, amsgrad: true }), x, { fused, backend: wasmBackend(kernels()) });
      for (let i = 0; i < n; i++) opt.step(x.mul(2).add(1));
      return opt;
    };
    const xa = randn([9], { seed: 5 });
    const full = run(10, xa, "wasm");
    const xb = randn([9], { seed: 5 });
    const half = run(5, xb, "wasm");
    const saved = half.state;
    expect(JSON.stringify(Object.keys((saved as any)[0]))).toBe(JSON.stringify(["count", "mu", "nu", "nuMax"]));
    expect((saved as any)[0].count).toBe(5);
    const xc = tensor(Array.from(vals(xb)));
    const resumed = optimizer(adam({ lr: 0.05, amsgrad: true }), xc, { fused: "wasm", backend: wasmBackend(kernels()) });
    resumed.setState(saved);
    for (let i = 0; i < 5; i++) resumed.step(xc.mul(2).add(1));
    expect(vals(xc)).toEqual(vals(xa));
    [full, half, resumed].forEach((o) => o.dispose());
  });
  it("sees parameter values written between steps, even into a replaced array", () => {
    const x = tensor([1, 2, 3, 4, 5]);
    const opt = optimizer(sgd({ lr: 0.5 }), x, { fused: "wasm", backend: wasmBackend(kernels()) });
    opt.step(tensor([1, 1, 1, 1, 1]));
    expect(Array.from(vals(x))).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
    vals(x).set([10, 10, 10, 10, 10]);
    opt.step(tensor([2, 2, 2, 2, 2]));
    expect(Array.from(vals(x))).toEqual([9, 9, 9, 9, 9]);
    setVals(x, new Float32Array([0, 0, 0, 0, 0])); // e.g. a checkpoint loaded into a fresh array
    opt.step(tensor([2, 2, 2, 2, 2]));
    expect(Array.from(vals(x))).toEqual([-1, -1, -1, -1, -1]);
    opt.dispose();
    expect(Array.from(vals(x))).toEqual([-1, -1, -1, -1, -1]);
    expect(() => opt.step(tensor([1, 1, 1, 1, 1]))).toThrow(/disposed/);
  });
});

describe.each(instances)("wasm %s: private memory", (_name, kernels) => {
  it("parameters are views into the optimizer's own memory, valid while the kernels' memory grows", () => {
    const w = kernels();
    const x = tensor([1, 2, 3, 4]);
    const own = vals(x);
    const opt = optimizer(sgd({ lr: 0.5 }), x, { fused: "wasm", backend: wasmBackend(w) });
    opt.step(tensor([1, 1, 1, 1]));
    expect(vals(x).buffer).not.toBe(w.memory());
    expect(vals(x).buffer instanceof SharedArrayBuffer).toBe(false);
    const view = vals(x);
    const big = w.alloc(64 << 20); // grows the kernels' memory (an ordinary one detaches its buffer)
    w.free(big);
    expect(vals(x)).toBe(view);
    opt.step(tensor([1, 1, 1, 1]));
    expect(Array.from(vals(x))).toEqual([0, 1, 2, 3]);
    opt.dispose();
    expect(vals(x)).toBe(own);
    expect(Array.from(vals(x))).toEqual([0, 1, 2, 3]);
  });
});

describe.each(instances)("wasm %s: chunked streaming", (_name, kernels) => {
  it.each<[string, () => GradientTransformation<any>]>([
    ["clip + adamw", () => chain(clipByGlobalNorm(1), adamw({ lr: 0.01, weightDecay: 0.1 }))],
    ["sgd nesterov", () => sgd({ lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
    ["rmsprop centered momentum", () => rmsprop({ lr: 0.01, centered: true, momentum: 0.5 })],
  ])("leaves that straddle the 64K-element chunks agree with the pure path (%s)", (_c, make) => {
    const mk = () => ({ a: randn([70000], { seed: 1 }), b: randn([5], { seed: 2 }), c: randn([200, 350], { seed: 3 }) });
    const grads = (p: ReturnType<typeof mk>) => ({ a: p.a.mul(0.5).add(0.1), b: p.b.tanh(), c: p.c.mul(p.c).sub(0.5) });
    let q = mk();
    const t = make();
    let s = t.init(q);
    const p = mk();
    const opt = optimizer(make(), p, { fused: "wasm", backend: wasmBackend(kernels()) });
    for (let k = 0; k < 3; k++) {
      const r = t.update(grads(q), s, q);
      q = applyUpdates(q, r.updates) as typeof q;
      s = r.state;
      opt.step(grads(p));
    }
    for (const k of ["a", "b", "c"] as const) expect(p[k]).toBeAllclose(q[k], { atol: 2e-6, rtol: 2e-5 });
    opt.dispose();
  });
});

/** Counts typed-array allocations of at least `min` elements while `fn` runs (views of existing buffers are not counted). */
function countAllocations(min: number, fn: () => void): number {
  const G = globalThis as unknown as Record<string, unknown>;
  const orig = { Float32Array, Float64Array };
  let count = 0;
  for (const name of ["Float32Array", "Float64Array"] as const) {
    const Base = orig[name] as unknown as new (...a: unknown[]) => object;
    G[name] = class extends Base {
      constructor(...a: unknown[]) {
        super(...a);
        if (typeof a[0] === "number" ? a[0] >= min : Array.isArray(a[0]) || ArrayBuffer.isView(a[0]) ? (a[0] as ArrayLike<number>).length >= min : false) count++;
      }
    };
  }
  try {
    fn();
  } finally {
    G.Float32Array = orig.Float32Array;
    G.Float64Array = orig.Float64Array;
  }
  return count;
}

describe("no allocation proportional to the parameter count per step", () => {
  it.each(["wasm", "js"] as const)("%s: 10 Adam steps on 2e5 parameters allocate no large array", async (path) => {
    const kernels = await initWasm({ threads: 2 });
    const x = randn([200_000], { seed: 1 }), g = randn([200_000], { seed: 2 });
    const opt = optimizer(chain(clipByGlobalNorm(1), adam({ lr: 1e-3 })), x, { fused: path, backend: path === "wasm" ? wasmBackend(kernels) : undefined });
    opt.step(g);
    expect(countAllocations(1000, () => {
      for (let i = 0; i < 10; i++) opt.step(g);
    })).toBe(0);
    opt.dispose();
  });
  it("wasm split with a pool worker: 10 Adam steps on 2e5 parameters allocate no large array", async () => {
    const kernels = await initWasm({ threads: 2 });
    const x = randn([200_000], { seed: 1 }), g = randn([200_000], { seed: 2 });
    const opt = optimizer(chain(clipByGlobalNorm(1), adam({ lr: 1e-3 })), x, { fused: "wasm", backend: wasmBackend(kernels), threadMin: 0 });
    opt.step(g);
    expect(opt.threads).toBe(kernels.threads > 1 ? 2 : 1); // what the last step ran on
    expect(countAllocations(1000, () => {
      for (let i = 0; i < 10; i++) opt.step(g);
    })).toBe(0);
    opt.dispose();
  });
  it("(the check can fail: the pure path allocates)", () => {
    const x = randn([200_000], { seed: 1 }), g = randn([200_000], { seed: 2 });
    const opt = optimizer(adam({ lr: 1e-3 }), x, { fused: "pure" });
    expect(countAllocations(1000, () => opt.step(g))).toBeGreaterThan(3);
  });
});

describe("two optimizers over the same parameters (e.g. training resumed twice)", () => {
  it("disposing either, in any order, never leaves a parameter pointing into freed memory", async () => {
    const kernels = await initWasm({ threads: 2 });
    const x = tensor([1, 2, 3, 4]);
    const a = optimizer(sgd({ lr: 0.5 }), x, { fused: "wasm", backend: wasmBackend(kernels) });
    a.step(tensor([1, 1, 1, 1]));
    const b = optimizer(sgd({ lr: 0.5 }), x, { fused: "wasm", backend: wasmBackend(kernels) });
    b.step(tensor([1, 1, 1, 1]));
    expect(Array.from(vals(x))).toEqual([0, 1, 2, 3]);
    a.dispose();
    b.dispose();
    expect(Array.from(vals(x))).toEqual([0, 1, 2, 3]);
    // new allocations reuse the freed slabs; x must keep its own values
    const y = tensor([9, 9, 9, 9]);
    const c = optimizer(sgd({ lr: 1 }), y, { fused: "wasm", backend: wasmBackend(kernels) });
    c.step(tensor([1, 1, 1, 1]));
    expect(Array.from(vals(x))).toEqual([0, 1, 2, 3]);
    expect(vals(x).buffer instanceof SharedArrayBuffer).toBe(false);
    c.dispose();
  });
});
