// The built bundle (dist/index.js: one ESM file, wasm bytes inlined as base64) in a real edge
// runtime: Cloudflare's workerd, started through Miniflare (npm dev dependency that ships the
// workerd binary). A module worker (./worker.mjs) imports the bundle as a sibling ES module, with
// no nodejs_compat flag, so no Node built-in exists in the isolate: the import succeeding is the
// proof that importing downhill does no work needing one. In `fetch` it calls ready(), records
// backendInfo(), takes a gradient, two seeded matmuls, an exp and (on wasm) fused Adam steps, and
// answers JSON that is checked here.
//
// workerd forbids compiling WebAssembly from bytes at runtime (no dynamic code generation), so
// plain ready() is expected to fall back to the JS backend with `info.error` set; that test
// accepts either a working wasm core or that documented fallback (never a throw) and prints
// which. The supported way to the WebAssembly core there is `ready({ wasmModule })` with one of
// the package's dist/wasm/*.wasm files imported as a compiled module: each of the three is run
// and must be the backend in use, with the variant it was built as.
//
// `npm test` builds dist/ first; this file builds nothing. It skips, with the reason printed, only
// when miniflare is missing or workerd cannot start a trivial worker on this machine; under
// CI=true both of those fail instead. Wrong results always fail.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

type MiniflareModule = typeof import("miniflare");
type MiniflareInstance = InstanceType<MiniflareModule["Miniflare"]>;

const root = fileURLToPath(new URL("../..", import.meta.url));
const bundlePath = `${root}dist/index.js`;
const workerPath = fileURLToPath(new URL("./worker.mjs", import.meta.url));
const CI = process.env.CI === "true" || process.env.CI === "1";
/** A date this workerd supports; pinned so the runtime's behaviour does not drift with the clock. */
const COMPATIBILITY_DATE = "2025-01-01";
/** u = 2^-24, the f32 unit roundoff; a length-n dot product is within n u |a|.|b|. */
const F32_U = 2 ** -24;

interface Info { backend: string; variant: string | null; threads: number; error: string | null }
interface MatmulCase { n: number; dtype: string; shape: number[]; a: number[]; b: number[]; c: number[] }
interface EdgeResult {
  runtime: string | null;
  processDefined: boolean;
  nodeBuiltinAvailable: boolean;
  readyError: string | null;
  readyMs?: number;
  info?: Info;
  grad?: number[];
  matmul32?: MatmulCase;
  matmul64?: MatmulCase;
  /** Two fused Adam steps on the wasm and the JS path (only when the wasm core runs). */
  adam?: { wasm: { path: string; x: number[] }; js: { path: string; x: number[] } };
  /** exp(i / 64 - 2) for i < 256, float32. */
  unary?: number[];
  /** Compiled Rosenbrock value and gradient (slices, shift matmuls): equal to eager bit for bit? */
  jit?: Record<"slices" | "shift", { same: boolean; traces: number; compiledCalls: number }>;
  error?: string;
}

/**
 * Loads miniflare and starts workerd on a trivial worker holding no project code, so a failure
 * here is about this machine (binary, sandbox, ports), never about downhill.
 */
async function loadRuntime(): Promise<{ mf: MiniflareModule; skip: null } | { mf: null; skip: string }> {
  let mf: MiniflareModule;
  try {
    mf = await import("miniflare");
  } catch (e) {
    return { mf: null, skip: `miniflare is not installed (${(e as Error).message}); \`npm ci\` installs it` };
  }
  const probe = new mf.Miniflare({ modules: true, script: `export default { fetch() { return new Response("ok"); } };`, compatibilityDate: COMPATIBILITY_DATE });
  try {
    const r = await probe.dispatchFetch("http://probe.local/");
    const body = await r.text();
    if (body !== "ok") return { mf: null, skip: `workerd started but a trivial worker answered ${r.status} ${JSON.stringify(body.slice(0, 200))}` };
  } catch (e) {
    return { mf: null, skip: `workerd cannot start on this machine: ${String((e as Error).stack ?? e).slice(0, 500)}` };
  } finally {
    await probe.dispose().catch(() => undefined);
  }
  return { mf, skip: null };
}

const runtime = await loadRuntime();
if (runtime.skip !== null) {
  if (CI) throw new Error(`edge runtime test cannot run under CI=true: ${runtime.skip}`);
  console.log(`[edge] SKIPPED: ${runtime.skip}`);
}

/** max over entries of |c - ref| / sum_k |a_ik||b_kj|, with ref accumulated in float64. */
function scaledError(m: MatmulCase): number {
  const { n, a, b, c } = m;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let ref = 0, mag = 0;
      for (let k = 0; k < n; k++) {
        ref += a[i * n + k] * b[k * n + j];
        mag += Math.abs(a[i * n + k] * b[k * n + j]);
      }
      const err = Math.abs(c[i * n + j] - ref) / mag;
      if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : Math.max(worst, err);
    }
  }
  return worst;
}

const WASM_VARIANTS = ["relaxed-simd", "simd", "scalar"] as const;

/**
 * Runs worker.mjs once in a fresh workerd isolate (one Miniflare per call: downhill's backend
 * choice is global to an isolate) and returns its JSON answer. The bundle and the three
 * `dist/wasm/*.wasm` files go in verbatim, the binaries as compiled modules (CompiledWasm, what
 * wrangler makes of a `.wasm` import); no bundler in between, no nodejs_compat flag.
 */
async function runWorker(query: string): Promise<{ status: number; r: EdgeResult }> {
  for (const f of [bundlePath, ...WASM_VARIANTS.map((v) => `${root}dist/wasm/${v}.wasm`)]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first (npm test does)`);
  }
  const mf: MiniflareInstance = new runtime.mf!.Miniflare({
    modulesRoot: "/edge",
    modules: [
      { type: "ESModule", path: "/edge/worker.mjs", contents: readFileSync(workerPath, "utf8") },
      { type: "ESModule", path: "/edge/downhill.js", contents: readFileSync(bundlePath, "utf8") },
      ...WASM_VARIANTS.map((v) => ({ type: "CompiledWasm" as const, path: `/edge/wasm/${v}.wasm`, contents: readFileSync(`${root}dist/wasm/${v}.wasm`) })),
    ],
    compatibilityDate: COMPATIBILITY_DATE,
  });
  try {
    // If the bundle's import threw (e.g. it touched a Node built-in at import), workerd refuses
    // to start the worker and this dispatch rejects with the runtime's error.
    const res = await mf.dispatchFetch(`http://edge.local/${query}`);
    const text = await res.text();
    try {
      return { status: res.status, r: JSON.parse(text) as EdgeResult };
    } catch {
      throw new Error(`worker answered ${res.status} with non-JSON: ${text.slice(0, 1000)}`);
    }
  } finally {
    await mf.dispose();
  }
}

/** Checks shared by every run: no Node in the isolate, ready() did not throw, values correct. */
function checkRun(status: number, r: EdgeResult): Info {
  if (r.error) throw new Error(`worker threw: ${r.error}`);
  expect(status).toBe(200);
  // No Node: no `process`, and node:* does not resolve, so the import needed none.
  expect(r.processDefined).toBe(false);
  expect(r.nodeBuiltinAvailable).toBe(false);
  expect(r.readyError, `ready() threw: ${r.readyError}`).toBeNull();

  expect(r.grad).toEqual([2, 4, 6]);
  for (const m of [r.matmul32!, r.matmul64!]) {
    expect(m.dtype).toBe("float32");
    expect(m.shape).toEqual([m.n, m.n]);
    expect(m.a.length).toBe(m.n * m.n);
    expect(m.b.length).toBe(m.n * m.n);
    expect(m.c.length).toBe(m.n * m.n);
    expect(scaledError(m)).toBeLessThan(m.n * F32_U);
  }
  // exp of 256 float32 values (the wasm kernel from 64 values on): within 2 ulp of float64 Math.exp.
  r.unary!.forEach((v, i) => {
    const want = Math.exp(i / 64 - 2);
    expect(Math.abs(v - want)).toBeLessThanOrEqual(2 * 2 ** -23 * want);
  });
  // Compiled functions run here (no generated code): the eager bits, traced once, replayed.
  for (const k of ["slices", "shift"] as const) expect(r.jit![k], k).toEqual({ same: true, traces: 1, compiledCalls: 3 });
  return r.info!;
}

describe.skipIf(runtime.skip !== null)("built bundle in workerd (Cloudflare edge runtime, via Miniflare)", () => {
  it("imports dist/index.js without Node built-ins; plain ready() falls back to JS (or runs wasm); grad and matmul are correct", async () => {
    const { status, r } = await runWorker("");
    console.log(`[edge workerd] ready(): ${JSON.stringify({ runtime: r.runtime, ...r.info, readyMs: r.readyMs, err32: r.matmul32 ? scaledError(r.matmul32) / (32 * F32_U) : null })}`);
    const info = checkRun(status, r);
    // ready() must never throw; it either starts wasm or records why it fell back to JS.
    if (info.backend === "wasm") {
      expect(info.error).toBeNull();
      expect(["relaxed-simd", "simd", "scalar"]).toContain(info.variant);
    } else {
      expect(info.backend).toBe("js");
      expect(info.variant).toBeNull();
      expect(info.threads).toBe(1);
      expect(typeof info.error).toBe("string");
      expect(info.error!.length).toBeGreaterThan(0);
      console.log(`[edge workerd] fell back to the JS backend: ${info.error}`);
    }
  }, 20_000);

  it.each(WASM_VARIANTS)("ready({ wasmModule }) with dist/wasm/%s.wasm runs that WebAssembly core: matmul, exp and the fused optimizer", async (variant) => {
    const { status, r } = await runWorker(`?wasm=${variant}`);
    console.log(`[edge workerd] ready({ wasmModule: ${variant}.wasm }): ${JSON.stringify({ ...r.info, readyMs: r.readyMs })}`);
    const info = checkRun(status, r);
    expect(info).toEqual({ backend: "wasm", variant, threads: 1, adapter: null, error: null });
    // The fused optimizer ran its wasm kernel (a private instance made from the same module)
    // and agrees with the JS reference path (float32 within 2e-6 relative, as test/optim/fusedWasm;
    // both moved every coordinate by about 2 lr = 0.2).
    expect(r.adam!.wasm.path).toBe("wasm");
    expect(r.adam!.js.path).toBe("js");
    const start = [3, -2, 0.5, 1];
    r.adam!.wasm.x.forEach((v, i) => {
      const want = r.adam!.js.x[i];
      expect(Math.abs(v - want)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(want)));
      expect(Math.abs(want - start[i])).toBeGreaterThan(0.19);
    });
  }, 20_000);
});
