// minimize compiles f, its gradient and H v by default: every method gives the same iterates,
// counts and result bits as with { jit: false }, on both backends, and says it ran compiled.
import { afterEach, describe, expect, it } from "vitest";
import { minimize, problems, METHOD_NAMES, tensor } from "../../src/index.js";
import { BACKENDS, useBackend } from "../helpers.js";

afterEach(async () => useBackend("wasm"));

const CASES = [
  ["rosenbrock 10-D", problems.rosenbrock(10)],
  ["logistic 200x10", problems.logistic({ n: 200, d: 10 })],
  ["wood", problems.wood()],
] as const;

describe.each(BACKENDS)("%s backend", (backend) => {
  it.each(CASES)("%s: every method, compiled = eager (x, f, counts, history)", async (_name, p) => {
    await useBackend(backend);
    for (const method of METHOD_NAMES) {
      const opts = { method, maxIter: method === "gd" || method === "adam" || method === "momentum" || method === "nesterov" ? 200 : 1000 };
      const e = minimize(p.f, tensor(p.x0, { dtype: "float64" }), { ...opts, jit: false });
      const c = minimize(p.f, tensor(p.x0, { dtype: "float64" }), opts);
      expect(c.jit, method).toEqual({ compiled: true, reason: null });
      expect(e.jit, method).toEqual({ compiled: false, reason: null });
      expect([c.nit, c.nfev, c.ngev, c.nhvp, c.nhev, c.message], method).toEqual([e.nit, e.nfev, e.ngev, e.nhvp, e.nhev, e.message]);
      expect(Object.is(c.fun, e.fun) && Object.is(c.gradNorm, e.gradNorm), method).toBe(true);
      expect(Array.from(c.x.dataSync()), method).toEqual(Array.from(e.x.dataSync()));
      expect(c.history.map((h) => [h.f, h.gradNorm, h.step]), method).toEqual(e.history.map((h) => [h.f, h.gradNorm, h.step]));
    }
  });
});

it("jit must be a boolean", () => {
  expect(() => minimize(problems.booth().f, [0, 0], { jit: "yes" as never })).toThrow(/jit must be a boolean/);
});
