// A Cloudflare module worker run by workerd (through Miniflare, see edge.test.ts). "./downhill.js"
// is dist/index.js, handed to Miniflare as an ES module next to this one; no nodejs_compat flag,
// so no Node built-in exists here and the static import below succeeding is itself a check that
// importing the bundle needs none.
//
// The three .wasm imports are this package's `downhill/wasm/*.wasm` files, handed to workerd as
// compiled modules (Miniflare's CompiledWasm, what wrangler does with a `.wasm` import). With
// `?wasm=<variant>` the worker passes that module to `ready({ wasmModule })`, the supported way to
// run the WebAssembly core where compiling bytes at run time is forbidden; without it, plain
// `ready()` shows the JS fallback.
import * as dh from "./downhill.js";
import relaxedSimd from "./wasm/relaxed-simd.wasm";
import simd from "./wasm/simd.wasm";
import scalar from "./wasm/scalar.wasm";

const MODULES = { "relaxed-simd": relaxedSimd, simd, scalar };

/** Whether a Node built-in resolves in this isolate (it must not, or the import proves nothing). */
async function nodeBuiltinAvailable() {
  try {
    await import("node:os");
    return true;
  } catch {
    return false;
  }
}

function matmulCase(n, seed) {
  const A = dh.randn([n, n], { seed });
  const B = dh.randn([n, n], { seed: seed + 1 });
  const C = dh.matmul(A, B);
  return { n, dtype: C.dtype, shape: [...C.shape], a: Array.from(A.dataSync()), b: Array.from(B.dataSync()), c: Array.from(C.dataSync()) };
}

/** Two Adam steps through the fused optimizer on the given path, from the same start. */
function adamSteps(fused) {
  const x = dh.tensor([3, -2, 0.5, 1]);
  const opt = dh.optimizer(dh.adam({ lr: 0.1 }), x, { fused });
  for (let i = 0; i < 2; i++) opt.step(dh.grad((v) => v.square().sum())(x));
  return { path: opt.path, x: Array.from(x.dataSync()) };
}

/**
 * A compiled function (jit: the default lowering, fused passes included, generates no code) on a
 * Rosenbrock value and gradient written with slices and with shift-matrix matmuls: whether three
 * compiled calls give the eager bits.
 */
function jitCase() {
  const n = 20;
  const shift = (o) => dh.tensor(Array.from({ length: (n - 1) * n }, (_, k) => (Math.floor(k / n) + o === k % n ? 1 : 0)), { dtype: "float64" }).reshape([n - 1, n]);
  const S0 = shift(0), S1 = shift(1);
  const rosen = (a, b) => b.sub(a.square()).square().mul(100).add(dh.sub(1, a).square()).sum();
  const out = {};
  for (const [name, f] of [["slices", (x) => rosen(x.slice([0], [n - 1]), x.slice([1]))], ["shift", (x) => rosen(dh.matmul(S0, x), dh.matmul(S1, x))]]) {
    const vg = dh.valueAndGrad(f), c = dh.jit(vg);
    let same = true;
    for (const seed of [1, 2, 3]) {
      const x = dh.randn([n], { seed, dtype: "float64" });
      const e = vg(x), j = c(x);
      const bits = (p, q) => { const u = p.dataSync(), v = q.dataSync(); return u.length === v.length && u.every((y, i) => Object.is(y, v[i])); };
      same = same && bits(e.value, j.value) && bits(e.grad, j.grad);
    }
    out[name] = { same, traces: c.stats.traces, compiledCalls: c.stats.compiledCalls };
  }
  return out;
}

export default {
  async fetch(request) {
    const variant = new URL(request.url).searchParams.get("wasm");
    const out = {
      runtime: typeof navigator === "object" ? navigator.userAgent ?? null : null,
      processDefined: typeof process !== "undefined",
      nodeBuiltinAvailable: await nodeBuiltinAvailable(),
      readyError: null,
    };
    try {
      const t0 = Date.now();
      try {
        await (variant ? dh.ready({ wasmModule: MODULES[variant] }) : dh.ready());
      } catch (e) {
        // ready() is documented to fall back to JS, never to throw: report the exact error.
        out.readyError = String((e && e.stack) || e);
      }
      out.readyMs = Date.now() - t0;
      out.info = dh.backendInfo();
      out.grad = Array.from(dh.grad((x) => x.square().sum())(dh.tensor([1, 2, 3])).dataSync());
      out.matmul32 = matmulCase(32, 7);
      out.matmul64 = matmulCase(64, 11);
      if (out.info.backend === "wasm") out.adam = { wasm: adamSteps("wasm"), js: adamSteps("js") };
      out.jit = jitCase();
      out.unary = Array.from(dh.exp(dh.tensor(Array.from({ length: 256 }, (_, i) => i / 64 - 2))).dataSync());
      return Response.json(out);
    } catch (e) {
      out.error = String((e && e.stack) || e);
      return Response.json(out, { status: 500 });
    }
  },
};
