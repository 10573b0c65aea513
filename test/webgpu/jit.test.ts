// Compiled programs on WebGPU (src/jit/webgpuLowering.ts): fused elementwise groups as generated
// WGSL passes, the rest as the eager kernels, buffers owned by the program. Compiled equals eager
// on this backend within float rounding (an MLP's value and gradient, an elementwise chain with
// broadcasts, random elementwise graphs), a call is one command buffer, the program's buffers are
// reused across calls, and what cannot lower runs eagerly with the reason in `stats`.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import * as dh from "../../src/index.js";
import type { WebGpuBackend } from "../../src/backend/webgpu/entry.js";
import type { GpuStorage } from "../../src/backend/webgpu/storage.js";
import { startGpu } from "./gpu.js";
import { buildGraph, graphNode } from "./elementwiseGraphs.js";

let gpu: WebGpuBackend;
beforeAll(async () => {
  gpu = await startGpu();
});

/** The values of every tensor of a result tree, in key order. */
async function valuesOf(x: unknown): Promise<Float32Array[]> {
  if (x instanceof dh.Tensor) return [(await x.data()) as Float32Array];
  if (Array.isArray(x)) return (await Promise.all(x.map(valuesOf))).flat();
  if (x && typeof x === "object") return (await Promise.all(Object.keys(x).sort().map((k) => valuesOf((x as Record<string, unknown>)[k])))).flat();
  return [];
}

/** compiled(args) against f(args) eagerly on WebGPU, within float32 rounding. */
async function expectCompiledEqualsEager(f: (...a: never[]) => unknown, args: unknown[], tol = { atol: 1e-5, rtol: 1e-5 }): Promise<dh.JitStats> {
  const c = dh.jit(f as (...a: unknown[]) => unknown);
  const eager = await valuesOf((f as (...a: unknown[]) => unknown)(...args));
  for (let call = 0; call < 2; call++) {
    const got = await valuesOf(c(...args));
    expect(got.length).toBe(eager.length);
    for (let i = 0; i < got.length; i++) expect(got[i], `output ${i}, call ${call}`).toBeAllclose(eager[i], tol);
  }
  const st = c.stats;
  expect(st.fallbackReason).toBeNull();
  expect(st.compiledCalls).toBe(2);
  return st;
}

function fullGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** What `f` makes: its result, the bind groups created meanwhile (the buffers each binds) and the dispatches encoded. */
function madeDuring<T>(f: () => T): { result: T; groups: GPUBuffer[][]; dispatches: number } {
  const dev = gpu.ctx.device as unknown as { createBindGroup(d: GPUBindGroupDescriptor): GPUBindGroup };
  const ctx = gpu.ctx as unknown as { dispatchBound: (...a: unknown[]) => void };
  const create = dev.createBindGroup, dispatch = ctx.dispatchBound;
  const groups: GPUBuffer[][] = [];
  let dispatches = 0;
  dev.createBindGroup = function (this: unknown, d: GPUBindGroupDescriptor) {
    groups.push(Array.from(d.entries, (e) => (e.resource as GPUBufferBinding).buffer));
    return create.call(this, d);
  };
  ctx.dispatchBound = function (this: unknown, ...a: unknown[]) { dispatches++; return dispatch.apply(this, a); };
  try {
    return { result: f(), groups, dispatches };
  } finally {
    delete (dev as { createBindGroup?: unknown }).createBindGroup;
    delete (ctx as { dispatchBound?: unknown }).dispatchBound;
  }
}

type Params = { w1: dh.Tensor; b1: dh.Tensor; w2: dh.Tensor; b2: dh.Tensor };
const X = dh.randn([24, 13], { seed: 1 });
const Y = dh.oneHot(Array.from({ length: 24 }, (_, i) => (i * 5) % 7), 7);
const init = (): Params => ({ w1: dh.randn([13, 33], { seed: 2 }).mul(0.3), b1: dh.randn([33], { seed: 3 }).mul(0.1), w2: dh.randn([33, 7], { seed: 4 }).mul(0.3), b2: dh.zeros([7]) });
function mlpLoss(p: Params, x: dh.Tensor, y: dh.Tensor): dh.Tensor {
  const h = dh.tanh(dh.matmul(x, p.w1).add(p.b1));
  const logits = dh.matmul(h, p.w2).add(p.b2);
  return dh.logSoftmax(logits, -1).mul(y).sum().neg().div(x.shape[0]);
}

describe("compiled programs on WebGPU", () => {
  it("an elementwise chain with broadcasts and a where is one generated pass, equal to eager", async () => {
    const a = dh.randn([5, 6], { seed: 7 }), b = dh.randn([6], { seed: 8 }), c = dh.randn([5, 1], { seed: 9 });
    const f = (a: dh.Tensor, b: dh.Tensor, c: dh.Tensor) => {
      const u = a.mul(b).add(c).exp().sub(1);
      return dh.where(dh.greater(u, 0.5), dh.sqrt(u.abs()), u.mul(c).tanh()).sigmoid().mul(2);
    };
    await expectCompiledEqualsEager(f, [a, b, c]);
    const c2 = dh.jit(f);
    c2(a, b, c);
    expect(c2.stats.lastProgram!.instrs).toBe(1); // one fused instruction
  });

  it("an MLP's value and gradient (matmuls, reductions, softmax's max, broadcasts) equal eager", async () => {
    const vg = (p: Params, x: dh.Tensor, y: dh.Tensor) => dh.valueAndGrad((q: Params) => mlpLoss(q, x, y))(p);
    const st = await expectCompiledEqualsEager(vg, [init(), X, Y], { atol: 2e-6, rtol: 1e-5 });
    expect(st.lastProgram!.instrs).toBeGreaterThan(10);
  });

  it("data movement: slices, concatenation, transposes, gathers and cumsum equal eager", async () => {
    const a = dh.randn([4, 6], { seed: 11 });
    const f = (a: dh.Tensor) => {
      const s = dh.slice(a, [1, 2], [2, 3]);
      const t = dh.transpose(a).mul(2);
      const g = dh.gather(a, dh.tensor([3, 0, 3]), 0);
      return { cat: dh.concat([s, s.neg()], 0), t, g: g.cumsum(1), m: a.max(0), p: a.abs().add(1).prod(1) };
    };
    await expectCompiledEqualsEager(f, [a]);
  });

  it("random elementwise graphs equal eager (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(graphNode, { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 4 }), fc.nat({ max: 1000 }), async (nodes, outs, seed) => {
        const f = (x: dh.Tensor, r: dh.Tensor, s: dh.Tensor) => buildGraph(nodes, [x, r, s], outs);
        const x = dh.randn([3, 5], { seed }), r = dh.randn([5], { seed: seed + 1 }), s = dh.randn([3, 1], { seed: seed + 2 });
        await expectCompiledEqualsEager(f, [x, r, s]);
      }),
      { numRuns: 12, seed: 20261202 },
    );
  });

  it("a call is one command buffer, and the program's buffers are reused across calls", async () => {
    const p = init();
    const vg = dh.jit((p: Params) => dh.valueAndGrad((q: Params) => mlpLoss(q, X, Y))(p));
    await valuesOf(vg(p)); // compiled, pipelines built, constants uploaded
    await valuesOf(vg(p));
    const before = gpu.stats();
    const out = vg(p);
    await new Promise((r) => setTimeout(r, 0));
    const after = gpu.stats();
    expect(after.submits - before.submits).toBe(1);
    expect(after.pipelines).toBe(before.pipelines); // no pipeline built per call
    expect(await valuesOf(out)).toHaveLength(5);
    expect(gpu.ctx.errors).toEqual([]);
  });

  it("bind groups: none on a call over the same input tensors; over new ones, only for the dispatches that bind them", async () => {
    const bufferOf = (t: dh.Tensor) => (t._storage as unknown as GpuStorage).buffer!;
    const onDevice = (p: Params): Params => ({ w1: p.w1.mul(1), b1: p.b1.add(0), w2: p.w2.mul(1), b2: p.b2.add(0) });
    const p = onDevice(init());
    const q = onDevice({ w1: dh.randn([13, 33], { seed: 5 }).mul(0.3), b1: dh.randn([33], { seed: 6 }).mul(0.1), w2: dh.randn([33, 7], { seed: 7 }).mul(0.3), b2: dh.randn([7], { seed: 8 }).mul(0.1) });
    for (const t of [...Object.values(p), ...Object.values(q)]) expect(gpu.holds(t._storage)).toBe(true);
    const f = (p: Params) => dh.valueAndGrad((r: Params) => mlpLoss(r, X, Y))(p);
    const vg = dh.jit(f);
    const first = madeDuring(() => vg(p)); // traced and lowered: the groups over program-owned buffers are made here
    expect(first.groups.length).toBeGreaterThan(0);
    const again = madeDuring(() => vg(p));
    expect(again.groups).toHaveLength(0);
    const other = madeDuring(() => vg(q));
    const qBuffers = new Set(Object.values(q).map(bufferOf));
    expect(other.groups.length).toBeGreaterThan(0);
    expect(other.groups.length).toBeLessThan(other.dispatches);
    for (const g of other.groups) expect(g.some((b) => qBuffers.has(b))).toBe(true); // each binds one of the new inputs
    expect(madeDuring(() => vg(q)).groups).toHaveLength(0);
    // the groups follow the inputs: each call's values are its own inputs'
    const [byP, byQ] = [await valuesOf(again.result), await valuesOf(other.result)];
    const [wantP, wantQ] = [await valuesOf(f(p)), await valuesOf(f(q))];
    for (let i = 0; i < wantP.length; i++) {
      expect(byP[i]).toBeAllclose(wantP[i], { atol: 2e-6, rtol: 1e-5 });
      expect(byQ[i]).toBeAllclose(wantQ[i], { atol: 2e-6, rtol: 1e-5 });
    }
    expect(gpu.ctx.errors).toEqual([]);
  });

  it("fusion leaves fewer dispatches than eager runs for the same step", async () => {
    const p = init();
    const f = (p: Params) => dh.valueAndGrad((q: Params) => mlpLoss(q, X, Y))(p);
    const vg = dh.jit(f);
    await valuesOf(vg(p));
    // every dispatch, eager (ctx.dispatch makes a group, then calls it) or compiled, ends in dispatchBound
    const ctx = gpu.ctx as unknown as { dispatchBound: (...a: unknown[]) => void };
    const dispatch = ctx.dispatchBound;
    let count = 0;
    ctx.dispatchBound = function (this: unknown, ...a: unknown[]) { count++; return dispatch.apply(this, a); };
    try {
      await valuesOf(vg(p));
      const compiled = count;
      count = 0;
      await valuesOf(f(p));
      const eager = count;
      console.log(`[webgpu jit] MLP value and gradient: ${compiled} dispatches compiled, ${eager} eager`);
      expect(compiled).toBeGreaterThan(0);
      expect(compiled).toBeLessThan(eager);
    } finally {
      ctx.dispatchBound = dispatch;
    }
  });

  it("a fused group reading more buffers than a shader may bind is split into passes that fit", async () => {
    const limit = gpu.ctx.limits.maxStorageBuffersPerShaderStage;
    const xs = Array.from({ length: limit + 3 }, (_, i) => dh.randn([7], { seed: 30 + i }));
    const f = (xs: dh.Tensor[]) => xs.reduce((acc, x) => acc.mul(0.5).add(x.tanh()));
    const st = await expectCompiledEqualsEager(f, [xs]);
    expect(st.lastProgram!.instrs).toBeGreaterThan(1); // one group, more than one pass
    expect(st.lastProgram!.instrs).toBeLessThan(xs.length);
    expect(gpu.ctx.errors).toEqual([]);
  });

  it("a collected compiled function returns its buffers to the pool", async () => {
    const gc = fullGc();
    const settle = async () => {
      for (let round = 0; round < 8; round++) {
        gc();
        await new Promise((r) => setTimeout(r, 20));
        gpu.ctx.flush();
      }
    };
    await settle();
    const before = gpu.stats().liveBuffers;
    await (async () => {
      const vg = dh.jit((p: Params) => dh.valueAndGrad((q: Params) => mlpLoss(q, X, Y))(p));
      const p = init();
      for (let i = 0; i < 3; i++) await valuesOf(vg(p));
      expect(gpu.stats().liveBuffers).toBeGreaterThan(before + vg.stats.lastProgram!.buffers);
    })();
    await settle();
    expect(gpu.stats().liveBuffers).toBeLessThanOrEqual(before);
  });

  it("a compiled training loop (compiled gradients, fused Adam) follows the eager one", async () => {
    const p = init(), q = init();
    const g = dh.jit((p: Params) => dh.grad((r: Params) => mlpLoss(r, X, Y))(p));
    const optC = dh.optimizer(dh.adam({ lr: 0.01 }), p), optE = dh.optimizer(dh.adam({ lr: 0.01 }), q);
    for (let s = 0; s < 4; s++) {
      optC.step(g(p));
      optE.step(dh.grad((r: Params) => mlpLoss(r, X, Y))(q));
    }
    expect(g.stats.compiledCalls).toBe(4);
    const a = await valuesOf(p), b = await valuesOf(q);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeAllclose(b[i], { atol: 1e-5, rtol: 1e-4 });
  });
});

describe("what does not lower to WGSL runs eagerly, with the reason", () => {
  it("topk", async () => {
    const f = dh.jit((x: dh.Tensor) => dh.topk(x, 2).values.mul(2));
    const x = dh.randn([3, 5], { seed: 3 });
    const got = await f(x).data();
    expect(f.stats.eagerCalls).toBe(1);
    expect(f.stats.fallbackReason).toMatch(/does not lower to WGSL: topk has no WGSL kernel/);
    expect(got).toBeAllclose(await dh.topk(x, 2).values.mul(2).data());
  });
  it("float64 values", async () => {
    const f = dh.jit((x: dh.Tensor) => x.mul(3).exp());
    const x = dh.tensor([0.5, 1, 2], { dtype: "float64" });
    expect(Array.from(await f(x).data())).toEqual(Array.from(await x.mul(3).exp().data()));
    expect(f.stats.fallbackReason).toMatch(/float64/);
  });
});

describe("a lost device", () => {
  it("keeps compiled outputs' values (replayed on the host) and runs later calls there", async () => {
    const vg = dh.jit((p: Params) => dh.valueAndGrad((q: Params) => mlpLoss(q, X, Y))(p));
    const p = init();
    const want = await valuesOf(vg(p));
    const pending = vg(p); // computed on the GPU, never read
    gpu.ctx.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(dh.backendInfo().backend).not.toBe("webgpu");
    const got = await valuesOf(pending);
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeAllclose(want[i], { atol: 1e-5, rtol: 1e-4 });
    const after = await valuesOf(vg(p));
    for (let i = 0; i < after.length; i++) expect(after[i]).toBeAllclose(want[i], { atol: 1e-5, rtol: 1e-4 });
  });
});
