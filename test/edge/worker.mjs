// A Cloudflare module worker run by workerd (through Miniflare, see edge.test.ts). "./downhill.js"
// is dist/index.js, handed to Miniflare as an ES module next to this one; no nodejs_compat flag,
// so no Node built-in exists here and the static import below succeeding is itself a check that
// importing the bundle needs none.
import * as dh from "./downhill.js";

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

export default {
  async fetch() {
    const out = {
      runtime: typeof navigator === "object" ? navigator.userAgent ?? null : null,
      processDefined: typeof process !== "undefined",
      nodeBuiltinAvailable: await nodeBuiltinAvailable(),
      readyError: null,
    };
    try {
      const t0 = Date.now();
      try {
        await dh.ready();
      } catch (e) {
        // ready() is documented to fall back to JS, never to throw: report the exact error.
        out.readyError = String((e && e.stack) || e);
      }
      out.readyMs = Date.now() - t0;
      out.info = dh.backendInfo();
      out.grad = Array.from(dh.grad((x) => x.square().sum())(dh.tensor([1, 2, 3])).dataSync());
      out.matmul32 = matmulCase(32, 7);
      out.matmul64 = matmulCase(64, 11);
      return Response.json(out);
    } catch (e) {
      out.error = String((e && e.stack) || e);
      return Response.json(out, { status: 500 });
    }
  },
};
