/**
 * Every case of the option table (fusedCases.ts: every option of every fusable alias, each
 * convention, the kernel-changing combinations, lr schedules, the clip prefix) through the pure
 * path (`update` + `applyUpdates` by hand) and the two fused paths of `optimizer()`:
 * - fused "js" must be bit-for-bit the pure path, parameters after every step and the final state,
 *   in float32 and float64;
 * - fused "wasm", on every binary variant and on shared and ordinary memory, within the bound of
 *   `wasmBound` (below: what the kernels round differently, and why that bounds the difference);
 * - a combination with no fused kernel runs the pure path, and asking for a fused one is an error.
 */
import { wasmBackend } from "../../src/backend/wasm/backend.js";
import { vals } from "../helpers.js";
import { beforeAll, describe, expect, it } from "vitest";
import { randn, tensor, type Tensor } from "../../src/index.js";
import { initWasm, supportedVariants, type WasmKernels } from "../../src/backend/wasm/index.js";
import { ArgumentError } from "../../src/errors.js";
import { applyUpdates, optimizer } from "../../src/optim/index.js";
import { testGrad, X0 } from "./reference.js";
import { ALL_CASES, possible, tableValues, valueIn, type AliasName, type FusedCase } from "./fusedCases.js";

const STEPS = 30;
type DT = "float32" | "float64";
type P = { a: Tensor; b: Tensor };

/** A 2-leaf tree with 6 + 7 elements (odd sizes exercise the scalar tail after the v128 body). */
const makeParams = (dtype: DT): P => ({ a: tensor(X0, { dtype }), b: randn([7], { seed: 3, dtype }) });
/** Gradients at p (so rounding differences feed back, as in training), times the case's scale. */
function gradsOf(p: P, dtype: DT, scale: number): P {
  const ga = testGrad(Array.from(vals(p.a))).map((g) => g * scale);
  const gb = Array.from(vals(p.b), (x, i) => (Math.sin(3 * x + i) + 0.5 * x) * scale);
  return { a: tensor(ga, { dtype }), b: tensor(gb, { dtype }) };
}
const values = (p: P): number[] => [...vals(p.a), ...vals(p.b)];

/** Every number of a state tree, in a fixed order (tensor values, counters). */
function flatState(s: unknown): number[] {
  if (s && typeof s === "object" && "_storage" in (s as object)) return Array.from((s as Tensor).dataSync());
  if (Array.isArray(s)) return s.flatMap(flatState);
  if (s && typeof s === "object") return Object.keys(s).sort().flatMap((k) => flatState((s as Record<string, unknown>)[k]));
  return typeof s === "number" ? [s] : [];
}

interface Run { steps: number[][]; state: number[] }

function runPure(c: FusedCase, dtype: DT): Run {
  const t = c.make();
  let p = makeParams(dtype);
  let s = t.init(p);
  const steps: number[][] = [];
  for (let i = 0; i < STEPS; i++) {
    const r = t.update(gradsOf(p, dtype, c.gradScale), s, p);
    p = applyUpdates(p, r.updates) as P;
    s = r.state;
    steps.push(values(p));
  }
  return { steps, state: flatState(s) };
}

function runStateful(c: FusedCase, dtype: DT, fused: "js" | "wasm" | "pure", kernels?: WasmKernels): Run {
  const p = makeParams(dtype);
  const a = p.a, b = p.b;
  const opt = optimizer(c.make(), p, { fused, backend: kernels && wasmBackend(kernels) });
  expect(opt.path).toBe(fused);
  const steps: number[][] = [];
  for (let i = 0; i < STEPS; i++) {
    opt.step(gradsOf(p, dtype, c.gradScale));
    steps.push(values(p));
  }
  expect(p.a).toBe(a); // the same tensor objects hold the new values
  expect(p.b).toBe(b);
  const state = flatState(opt.state);
  opt.dispose();
  return { steps, state };
}

/** Bit-for-bit (Object.is: -0 and NaN count), with the first differing index in the message. */
function expectSameBits(got: number[], want: number[], what: string) {
  expect(got.length, what).toBe(want.length);
  const i = got.findIndex((v, k) => !Object.is(v, want[k]));
  expect(i, `${what}: first difference at ${i}: ${got[i]} vs ${want[i]}`).toBe(-1);
}

const EPS32 = 2 ** -23;

/** The betas a case's kernel rounds to float32 and subtracts from 1 (see wasmBound). */
function betasOf(c: FusedCase): number[] {
  const o = c.options as Record<string, number | undefined>;
  const conv = o.convention ?? "torch";
  switch (c.alias) {
    case "adam": case "adamw": return [o.b1 ?? 0.9, o.b2 ?? 0.999];
    case "rmsprop": return [o.alpha ?? (conv === "torch" ? 0.99 : 0.9)];
    case "lion": return [o.b1 ?? 0.9, o.b2 ?? 0.99];
    default: return [];
  }
}

/**
 * How far the wasm path may be from the pure one, as numpy.allclose's atol = rtol, per dtype.
 * The wasm kernels round every intermediate to the element type (the pure path, and the JS
 * kernel, evaluate each formula in float64 and round only what they store), fold lr into Adam's
 * step factor, and evaluate the EMAs of Adam's first moment and RMSProp's centered mean as torch
 * does, as a lerp m + w (g - m) with w = 1 - β rounded once from float64 (assembly/optim.ts), where
 * the pure path computes β·m + (1 − β)·g. Per step that changes each stored value by a few ulp;
 * on this smooth problem with small steps the differences add up at most linearly, so after STEPS
 * steps: STEPS · 4 ulp relative in float32 (2^-21 a step), plus δ = |fl(β) − β| / (1 − β) for the
 * kernels that still scale the old moment by the float32-rounded β (ν ← fl(β)·ν + ...). In
 * float64: STEPS · 2 ulp (2^-51), except centered RMSProp, whose denominator √(ν − μ²) amplifies
 * the lerp-versus-EMA difference in μ by 2μ²/(ν − μ²): up to 6.3x the plain bound measured on
 * these cases (grads · 1e-3, eps 1e-6), so 16x there.
 * Measured on these cases: up to a third of the float32 bound (in momentum buffers, which sum
 * ~1/(1 − μ) steps' differences; parameters up to 0.02 of it).
 */
function wasmBound(c: FusedCase, dtype: DT): number {
  if (dtype === "float64") return STEPS * 2 ** -51 * (c.alias === "rmsprop" && c.options.centered === true ? 16 : 1);
  const delta = Math.max(0, ...betasOf(c).map((b) => Math.abs(Math.fround(b) - b) / (1 - b)));
  return STEPS * (4 * EPS32 + delta);
}

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

describe.each(["sgd", "adam", "adamw", "adagrad", "rmsprop", "lion"] as AliasName[])("%s: fused paths against the pure path", (alias) => {
  const cases = ALL_CASES.filter((c) => c.alias === alias);

  it("every value of every option in the table meets every value of every kernel-branch option", () => {
    const { product, other } = tableValues(alias);
    const all = { ...product, ...other };
    for (const [k1, v1s] of Object.entries(product)) {
      for (const [k2, v2s] of Object.entries(all)) {
        if (k1 === k2) continue;
        for (const v1 of v1s) for (const v2 of v2s) {
          if (!possible(alias, { [k1]: v1, [k2]: v2 })) continue; // e.g. nesterov without momentum: the alias rejects it
          const met = cases.some((c) => valueIn(c, k1) === v1 && valueIn(c, k2) === v2);
          expect(met, `${alias}: ${k1} = ${String(v1)} with ${k2} = ${String(v2)}`).toBe(true);
        }
      }
    }
  });

  it.each(cases.filter((c) => c.fusable).map((c) => [c.name, c] as const))("%s", (_name, c) => {
    for (const dtype of ["float32", "float64"] as const) {
      const pure = runPure(c, dtype);
      const js = runStateful(c, dtype, "js");
      pure.steps.forEach((want, k) => expectSameBits(js.steps[k], want, `${dtype} js step ${k + 1}`));
      expectSameBits(js.state, pure.state, `${dtype} js state`);
      const tol = wasmBound(c, dtype);
      for (const [name, kernels] of instances) {
        const w = runStateful(c, dtype, "wasm", kernels());
        expect(w.steps[STEPS - 1], `${dtype} wasm ${name} parameters`).toBeAllclose(pure.steps[STEPS - 1], { atol: tol, rtol: tol });
        expect(w.state, `${dtype} wasm ${name} state`).toBeAllclose(pure.state, { atol: tol, rtol: tol });
      }
    }
  });

});

// adam/adamw's AMSGrad under convention "optax" (the maximum of the bias-corrected moment) has no
// kernel: 2 aliases x lr kinds x weightDecay values x clip = the cases below.
const PURE_ONLY = ALL_CASES.filter((c) => !c.fusable);
describe("option combinations with no fused kernel", () => {
  it("are the optax AMSGrad cases, and there are some", () => {
    expect(PURE_ONLY.length).toBe(20);
    for (const c of PURE_ONLY) expect([c.alias, c.options.convention, c.options.amsgrad]).toEqual([expect.stringMatching(/^adamw?$/), "optax", true]);
  });
  it.each(PURE_ONLY.map((c) => [c.name, c] as const))("%s: runs pure, as the pure path, and refuses a fused path", (_name, c) => {
    const kernels = instances[0][1]();
    const opt = optimizer(c.make(), makeParams("float32"), { backend: kernels && wasmBackend(kernels) });
    expect(opt.path).toBe("pure");
    for (const fused of ["js", "wasm"] as const) expect(() => optimizer(c.make(), makeParams("float32"), { fused, backend: kernels && wasmBackend(kernels) }), fused).toThrow(ArgumentError);
    for (const dtype of ["float32", "float64"] as const) {
      const pure = runPure(c, dtype);
      const st = runStateful(c, dtype, "pure");
      pure.steps.forEach((want, k) => expectSameBits(st.steps[k], want, `${dtype} step ${k + 1}`));
    }
  });
});
