/**
 * The fused kernel is a private lowering of an alias, never a second meaning: `optimizer()` runs
 * it only for the exact, unmodified object an alias (or `chain(alias)`, `chain(clipByGlobalNorm(c),
 * alias)`) returned. Anything the user spread, wrapped, reassigned or chained with their own
 * transform runs as written: the stateful optimizer's parameters equal, bit for bit, those of the
 * same transform's `update` + `applyUpdates` by hand.
 */
import { wasmBackend } from "../../src/backend/wasm/backend.js";
import { vals } from "../helpers.js";
import { beforeAll, describe, expect, it } from "vitest";
import { tensor, treeMap, type Tensor, type Tree } from "../../src/index.js";
import { initWasm, type WasmKernels } from "../../src/backend/wasm/index.js";
import { ArgumentError } from "../../src/errors.js";
import { adam, adamw, applyUpdates, chain, clipByGlobalNorm, optimizer, scale, sgd, type GradientTransformation, type OptState, type UpdateResult } from "../../src/optim/index.js";

let kernels: WasmKernels;
beforeAll(async () => {
  kernels = await initWasm({ threads: 1 });
});

const X = [1, 2, 3];
const G = [1, 1, 1];

/** update(g) that ignores the gradient and moves every parameter by −1. */
const minusOne = (g: Tree, state: any): UpdateResult<any> => ({ updates: treeMap((t: Tensor) => t.mul(0).sub(1), g), state });

/** `steps` steps of `t` by hand (update + applyUpdates): what the transform says. */
function byHand(t: GradientTransformation<any>, steps: number): number[] {
  let x: Tensor = tensor(X);
  let s = t.init(x);
  for (let i = 0; i < steps; i++) {
    const r = t.update(tensor(G), s, x);
    x = applyUpdates(x, r.updates) as Tensor;
    s = r.state;
  }
  return Array.from(vals(x));
}

/** The same through the stateful optimizer on its default path; returns [values, path]. */
function stateful(t: GradientTransformation<any>, steps: number): [number[], string] {
  const x = tensor(X);
  const opt = optimizer(t, x, { backend: kernels && wasmBackend(kernels) });
  for (let i = 0; i < steps; i++) opt.step(tensor(G));
  const r: [number[], string] = [Array.from(vals(x)), opt.path];
  opt.dispose();
  return r;
}

/** A transform the user changed: runs pure, as written, and asking for a fused path is an error. */
function expectRunsAsWritten(make: () => GradientTransformation<any>, expected?: number[]) {
  const want = byHand(make(), 3);
  if (expected) expect(want).toBeAllclose(expected, { atol: 1e-6, rtol: 0 });
  const [got, path] = stateful(make(), 3);
  expect(path).toBe("pure");
  expect(got).toEqual(want);
  for (const fused of ["js", "wasm"] as const) {
    expect(() => optimizer(make(), tensor(X), { fused, backend: kernels && wasmBackend(kernels) })).toThrow(ArgumentError);
  }
}

describe("a transform the user changed runs as written", () => {
  it("a spread copy with its own update: {...adam(), update: mine}", () => {
    // adam's first step would give [0.9, 1.9, 2.9]; mine says −1 per step
    expect(byHand(adam({ lr: 0.1 }), 1)).toBeAllclose([0.9, 1.9, 2.9], { atol: 1e-6 });
    const x = tensor(X);
    const opt = optimizer({ ...adam({ lr: 0.1 }), update: minusOne }, x, { backend: kernels && wasmBackend(kernels) });
    opt.step(tensor(G));
    expect(Array.from(vals(x))).toEqual([0, 1, 2]);
    expectRunsAsWritten(() => ({ ...adam({ lr: 0.1 }), update: minusOne }), [-2, -1, 0]);
  });

  it("a wrapper that calls adam's update and then scales its updates", () => {
    const wrap = (): GradientTransformation<any> => {
      const a = adam({ lr: 0.1 });
      const half = scale(0.5);
      return {
        ...a,
        update(g, s, p) {
          const r = a.update(g, s, p);
          return { updates: half.update(r.updates, {}).updates, state: r.state };
        },
      };
    };
    expectRunsAsWritten(wrap);
    // the wrapper's steps are half of adam's
    const moved = byHand(wrap(), 1).map((v, i) => v - X[i]);
    expect(moved).toBeAllclose([-0.05, -0.05, -0.05], { atol: 1e-6 });
  });

  it("an alias's object whose update (or init) was reassigned", () => {
    expectRunsAsWritten(() => {
      const t = adam({ lr: 0.1 });
      t.update = minusOne;
      return t;
    }, [-2, -1, 0]);
    expectRunsAsWritten(() => {
      const t = sgd({ lr: 0.1, momentum: 0.9 });
      const init = t.init;
      t.init = (p) => init(p); // the same state, but no longer the alias's own function
      return t;
    });
  });

  it("chain(adam(), mine) and chain(mine, adam())", () => {
    const mine = (): GradientTransformation<Record<string, never>> => ({ init: () => ({}), update: minusOne });
    expectRunsAsWritten(() => chain(adam({ lr: 0.1 }), mine()), [-2, -1, 0]);
    expectRunsAsWritten(() => chain(mine(), adam({ lr: 0.1 })));
    expectRunsAsWritten(() => chain(scale(0.5), sgd({ lr: 0.1 })), [1 - 0.15, 2 - 0.15, 3 - 0.15]);
  });

  it("chain with a clip that is not clipByGlobalNorm's own object", () => {
    // a spread of the clip with another update must not be folded in as a clip
    expectRunsAsWritten(() => chain({ ...clipByGlobalNorm(1), update: minusOne }, sgd({ lr: 0.1 })), [1.3, 2.3, 3.3]);
    expectRunsAsWritten(() => {
      const c = clipByGlobalNorm(1);
      c.update = minusOne;
      return chain(c, adamw({ lr: 0.1 }));
    });
  });

  it("a chain whose object, or one of whose parts, changed after chaining", () => {
    expectRunsAsWritten(() => {
      const c = chain(clipByGlobalNorm(1), adam({ lr: 0.1 }));
      c.update = minusOne;
      return c;
    }, [-2, -1, 0]);
    expectRunsAsWritten(() => {
      const a = adam({ lr: 0.1 });
      const c = chain(clipByGlobalNorm(1), a);
      a.update = minusOne;
      return c;
    });
    expectRunsAsWritten(() => {
      const a = sgd({ lr: 0.1 });
      const c = chain(a);
      a.update = minusOne;
      return c;
    }, [-2, -1, 0]);
  });

  it("two clips, or a clip after the alias, are not folded in", () => {
    expectRunsAsWritten(() => chain(clipByGlobalNorm(1), chain(clipByGlobalNorm(0.5), adam({ lr: 0.1 }))));
    expectRunsAsWritten(() => chain(adam({ lr: 0.1 }), clipByGlobalNorm(0.01)));
  });
});

describe("the unmodified objects keep their fused kernel", () => {
  it.each<[string, () => GradientTransformation<any>]>([
    ["adam", () => adam({ lr: 0.1 })],
    ["chain(adam)", () => chain(adam({ lr: 0.1 }))],
    ["chain(clipByGlobalNorm, adamw)", () => chain(clipByGlobalNorm(1), adamw({ lr: 0.1 }))],
    ["chain(chain(clipByGlobalNorm, sgd))", () => chain(chain(clipByGlobalNorm(1), sgd({ lr: 0.1, momentum: 0.5 })))],
  ])("%s: wasm by default, js on request, both equal to the pure path", (_name, make) => {
    const want = byHand(make(), 3);
    const [got, path] = stateful(make(), 3);
    expect(path).toBe("wasm");
    // within float32 rounding of the kernel (fusedEquality.test.ts has the bound and its reason)
    expect(got).toBeAllclose(want, { atol: 1e-4, rtol: 1e-4 });
    const x = tensor(X);
    const opt = optimizer(make(), x, { fused: "js" });
    for (let i = 0; i < 3; i++) opt.step(tensor(G));
    expect(Array.from(vals(x))).toEqual(want);
  });

  it("the descriptor is not part of the public object or its type", () => {
    const t = adam({ lr: 0.1 });
    expect(Object.keys(t).sort()).toEqual(["init", "update"]);
    expect(Object.keys(clipByGlobalNorm(1)).sort()).toEqual(["init", "update"]);
    expect(Object.keys(chain(clipByGlobalNorm(1), t)).sort()).toEqual(["init", "update"]);
    // @ts-expect-error `fused` is not a field of GradientTransformation
    expect(t.fused).toBeUndefined();
    // @ts-expect-error nor is `clipNorm`
    expect(clipByGlobalNorm(1).clipNorm).toBeUndefined();
    const state: OptState[] = t.init(tensor(X));
    expect(state.length).toBe(2);
  });
});
