/**
 * The fused float32 steps round like torch.optim: 300-step float32 trajectories of the WebAssembly
 * kernels (every binary, shared and private memory) against
 *  - real torch 2.13 trajectories (test/fixtures/torchTrajectories.json, written by
 *    scripts/torchFixtures.py; no Python needed here),
 *  - the float32 emulation of torch's per-op arithmetic (torchEmulation.ts), which must reproduce
 *    the fixture bit for bit and covers what torch lacks (Lion),
 *  - the pure path (float64 arithmetic, rounded where a value is stored).
 *
 * Tolerance: 4 ulps of each quantity's scale (the largest |value| it takes over the trajectory).
 * The kernel and torch round at different places (one division for Adam's direction against
 * torch's three ops, b·v + (c·g)·g against torch's fused multiply-add, ...): differences of an ulp
 * or so per op, of either sign, which the 300 steps carry along but do not add up (measured: at
 * most 1.6 ulps). A constant off by a rounding is systematic and grows with every step: 1 − f32(b2)
 * instead of f32(1 − b2), the bug this file pins, puts the second moment 184 ulps off at b2 = 0.999
 * and 2,200 at 0.9999; b1·m + (1 − b1)·g with both constants in float32 instead of torch's lerp
 * puts m 15 ulps off at b1 = 0.99 (RMSProp's centered mean: 30 at alpha = 0.9999).
 * The pure path keeps b2 in float64 where torch (and the kernel) round it to float32, a relative
 * difference δ = |f32(b2) − b2| / b2 per step, so against it a moving average of squares (Lion: its
 * one moment) also gets (t − 1)·δ·|v| (v is a sum of terms b2^k·g², k < t).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { tensor, type Tensor } from "../../src/index.js";
import { initWasm, supportedVariants, type WasmKernels } from "../../src/backend/wasm/index.js";
import { wasmBackend } from "../../src/backend/wasm/backend.js";
import { vals } from "../helpers.js";
import { adam, adamw, lion, optimizer, rmsprop, sgd, type GradientTransformation } from "../../src/optim/index.js";
import { adamF32, lionF32, rmspropF32, sgdF32, type State, type Stepper } from "./torchEmulation.js";
import fixtureJson from "../fixtures/torchTrajectories.json";

interface TorchCase { optimizer: "Adam" | "AdamW" | "RMSprop" | "SGD" | "Lion"; options: Record<string, any>; snapshots?: Snapshot[] }
/** Values after `step` steps, by torch's names ("param", "exp_avg", ...). */
interface Snapshot { step: number; v: Record<string, number[]> }
const raw = fixtureJson as unknown as { torch: string; x0: number[]; a: number[]; steps: number; cases: Record<string, Omit<TorchCase, "snapshots"> & { snapshots: Array<Record<string, number | number[]>> }> };
const fixture = {
  ...raw,
  cases: Object.fromEntries(Object.entries(raw.cases).map(([name, c]) => [name, {
    ...c,
    // 9 significant digits in the JSON name each float32 exactly
    snapshots: c.snapshots.map(({ step, ...v }) => ({ step: step as number, v: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, (x as number[]).map(Math.fround)])) })),
  }])) as Record<string, TorchCase>,
};

const X0 = fixture.x0, A = fixture.a, N = X0.length, STEPS = fixture.steps;
const SNAP_STEPS = fixture.cases["adam b2=0.999"].snapshots!.map((s) => s.step);
const TOL_ULPS = 4;
/**
 * AdamW: torch rounds the decayed parameter p·(1 − lr·wd) to float32 before it adds the step, one
 * rounding per step that the kernel's p + (d − lr·wd·p) does not make. Those errors are not
 * systematic (they depend on low bits of p, which every step changes), so they add up as a random
 * walk: about 0.3·√t ulps rms, 5 at t = 300 (measured: 10 at worst, two cases x 11 parameters x 12
 * snapshots).
 */
const TOL_ULPS_ADAMW_TORCH = 16;

/** scripts/torchFixtures.py's gradient, the same float64 operations in the same order, rounded to float32. */
function gradOf(x: ArrayLike<number>): Float32Array {
  let s = 0;
  for (let i = 0; i < N; i++) s = s + x[i];
  const g = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const xi = x[i], q = 1 + xi * xi;
    g[i] = (xi - A[i]) * (1 + 0.5 / q) + (0.25 * xi) / q + 0.05 * s;
  }
  return g;
}

/** Lion is not in torch.optim: these run against the emulation only. */
const EMULATED_CASES: Record<string, TorchCase> = {
  "lion b2=0.99": { optimizer: "Lion", options: { lr: 1e-3, betas: [0.9, 0.99] } },
  "lion b2=0.999 wd": { optimizer: "Lion", options: { lr: 1e-3, betas: [0.9, 0.999], weight_decay: 0.1 } },
  "lion b1=0.99 b2=0.9999": { optimizer: "Lion", options: { lr: 1e-3, betas: [0.99, 0.9999] } },
};

function emulator(c: TorchCase, n: number): { state: State; step: Stepper } {
  const o = c.options as any;
  switch (c.optimizer) {
    case "Adam": return adamF32(n, o, false);
    case "AdamW": return adamF32(n, o, true);
    case "RMSprop": return rmspropF32(n, o);
    case "SGD": return sgdF32(n, o);
    case "Lion": return lionF32(n, o);
  }
}

/** The downhill alias for a torch configuration (torch's defaults where torch's and ours differ: AdamW's weight decay). */
function alias(c: TorchCase): GradientTransformation<any> {
  const o = c.options;
  switch (c.optimizer) {
    case "Adam": return adam({ lr: o.lr, b1: o.betas[0], b2: o.betas[1], weightDecay: o.weight_decay ?? 0, amsgrad: o.amsgrad ?? false });
    case "AdamW": return adamw({ lr: o.lr, b1: o.betas[0], b2: o.betas[1], weightDecay: o.weight_decay ?? 1e-2 });
    case "RMSprop": return rmsprop({ lr: o.lr, alpha: o.alpha, centered: o.centered ?? false, momentum: o.momentum ?? 0 });
    case "SGD": return sgd({ lr: o.lr, momentum: o.momentum, dampening: o.dampening ?? 0, weightDecay: o.weight_decay ?? 0, nesterov: o.nesterov ?? false });
    case "Lion": return lion({ lr: o.lr, b1: o.betas[0], b2: o.betas[1], weightDecay: o.weight_decay ?? 0 });
  }
}

/** Our state field -> torch's name for it. */
function torchName(c: TorchCase, field: string): string {
  if (c.optimizer === "RMSprop") return { nu: "square_avg", mu: "grad_avg", trace: "momentum_buffer" }[field]!;
  if (c.optimizer === "Lion") return "exp_avg";
  return { mu: "exp_avg", nu: "exp_avg_sq", nuMax: "max_exp_avg_sq", trace: "momentum_buffer" }[field]!;
}

function runEmulation(c: TorchCase): Snapshot[] {
  const e = emulator(c, N);
  const p = Float32Array.from(X0);
  const out: Snapshot[] = [];
  for (let t = 1; t <= STEPS; t++) {
    e.step(p, gradOf(p), t);
    if (SNAP_STEPS.includes(t)) out.push({ step: t, v: { param: Array.from(p), ...Object.fromEntries(Object.entries(e.state).map(([k, v]) => [k, Array.from(v)])) } });
  }
  return out;
}

/** Our alias on the wasm path on `kernels` (the 11 parameters: 8 through the v128 body, 3 through the scalar loop), or on the pure path. */
function runOurs(c: TorchCase, kernels: WasmKernels | null): Snapshot[] {
  const x = tensor(X0, { dtype: "float32" });
  const opt = kernels ? optimizer(alias(c), x, { fused: "wasm", backend: wasmBackend(kernels) }) : optimizer(alias(c), x, { fused: "pure" });
  expect(opt.path).toBe(kernels ? "wasm" : "pure");
  const out: Snapshot[] = [];
  for (let t = 1; t <= STEPS; t++) {
    opt.step(tensor(gradOf(vals(x) as Float32Array), { dtype: "float32" }));
    if (!SNAP_STEPS.includes(t)) continue;
    const snap: Snapshot = { step: t, v: { param: Array.from(vals(x)) } };
    for (const part of opt.state as Array<Record<string, unknown>>)
      for (const [k, v] of Object.entries(part)) if (v && typeof v === "object" && "_storage" in v) snap.v[torchName(c, k)] = Array.from(vals(v as Tensor));
    out.push(snap);
  }
  opt.dispose();
  return out;
}

/** The float32 ulp at |x| (normal range). */
function ulp32(x: number): number {
  return 2 ** (Math.max(Math.floor(Math.log2(Math.abs(Math.fround(x)))), -126) - 23);
}

/**
 * The largest |got − want| in ulps of the quantity's scale, less `allow(name, step, want)` per element,
 * over every snapshot and every recorded quantity; `where` names the worst.
 */
function worstUlps(got: Snapshot[], want: Snapshot[], allow: (name: string, step: number, w: number) => number = () => 0): { ulps: number; where: string } {
  let worst = { ulps: 0, where: "" };
  for (const name of Object.keys(want[0].v)) {
    const scale = Math.max(...want.flatMap((s) => s.v[name].map(Math.abs)));
    want.forEach((w, j) => {
      expect(got[j].step).toBe(w.step);
      const g = got[j].v[name], x = w.v[name];
      expect(g, name).toBeDefined();
      for (let i = 0; i < N; i++) {
        const ulps = Math.max(0, Math.abs(g[i] - x[i]) - allow(name, w.step, x[i])) / ulp32(scale);
        if (!(ulps <= worst.ulps)) worst = { ulps, where: `${name}[${i}] after ${w.step} steps: ${g[i]} vs ${x[i]}` };
      }
    });
  }
  return worst;
}

const TORCH_CASES = Object.entries(fixture.cases);
const ALL_CASES = [...TORCH_CASES, ...Object.entries(EMULATED_CASES)];

describe(`the float32 emulation of torch.optim (fixture from torch ${fixture.torch})`, () => {
  it.each(TORCH_CASES)("%s: reproduces torch's trajectory bit for bit", (_name, c) => {
    const got = runEmulation(c);
    expect(got.length).toBe(c.snapshots!.length);
    c.snapshots!.forEach((s, j) => {
      expect(got[j].step).toBe(s.step);
      for (const k of Object.keys(s.v)) expect(got[j].v[k], `${k} after ${s.step} steps`).toEqual(s.v[k]);
    });
  });
  it("(the tolerance can fail: the old kernel's constants are far outside it)", () => {
    // beta2 = f32(0.999) as a float64: torch then rounds 1 − beta2 to f32(1 − f32(0.999)), the old kernel's constant
    const c = fixture.cases["adam b2=0.999"];
    const old: TorchCase = { ...c, options: { ...c.options, betas: [0.9, Math.fround(0.999)] } };
    const off = worstUlps(runEmulation(old), c.snapshots!);
    expect(off.ulps).toBeGreaterThan(25 * TOL_ULPS);
  });
});

const instances: Array<[string, () => WasmKernels]> = [];
const loaded = new Map<string, WasmKernels>();
for (const v of supportedVariants()) {
  instances.push([`${v} shared`, () => loaded.get(`${v} shared`)!]);
  instances.push([`${v} private`, () => loaded.get(`${v} private`)!]);
}
beforeAll(async () => {
  for (const v of supportedVariants()) {
    loaded.set(`${v} shared`, await initWasm({ variant: v, threads: 2 }));
    loaded.set(`${v} private`, await initWasm({ variant: v, threads: 1 }));
  }
});

describe.each(instances)("wasm %s, float32 trajectories", (_v, kernels) => {
  const tol = (c: TorchCase) => (c.optimizer === "AdamW" ? TOL_ULPS_ADAMW_TORCH : TOL_ULPS);
  it.each(TORCH_CASES)(`%s: within ${TOL_ULPS} ulps of torch (AdamW ${TOL_ULPS_ADAMW_TORCH})`, (_name, c) => {
    const off = worstUlps(runOurs(c, kernels()), c.snapshots!);
    expect(off.ulps, off.where).toBeLessThanOrEqual(tol(c));
  });
  it.each(ALL_CASES)(`%s: within ${TOL_ULPS} ulps of the float32 emulation (AdamW ${TOL_ULPS_ADAMW_TORCH})`, (_name, c) => {
    const off = worstUlps(runOurs(c, kernels()), runEmulation(c));
    expect(off.ulps, off.where).toBeLessThanOrEqual(tol(c));
  });
  it.each(ALL_CASES)(`%s: within ${TOL_ULPS} ulps of the pure path, plus (t − 1)·δ(b2) on averages of squares`, (_name, c) => {
    const b2: number | undefined = c.optimizer === "RMSprop" ? c.options.alpha : c.options.betas?.[1];
    const delta = b2 === undefined ? 0 : Math.abs(Math.fround(b2) - b2) / b2;
    const squares = ["exp_avg_sq", "max_exp_avg_sq", "square_avg"];
    // Lion's one moment is an average of gradients with weight b2
    const averaged = c.optimizer === "Lion" ? ["exp_avg"] : squares;
    const off = worstUlps(runOurs(c, kernels()), runOurs(c, null), (name, t, w) => (averaged.includes(name) ? (t - 1) * delta * Math.abs(w) : 0));
    expect(off.ulps, off.where).toBeLessThanOrEqual(TOL_ULPS);
  });
});
