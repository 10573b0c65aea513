// The built bundle (dist/index.js: one ESM file, wasm bytes inlined as base64) in a real edge
// runtime: Cloudflare's workerd, started through Miniflare (npm dev dependency that ships the
// workerd binary). A module worker (./worker.mjs) imports the bundle as a sibling ES module, with
// no nodejs_compat flag, so no Node built-in exists in the isolate: the import succeeding is the
// proof that importing downhill does no work needing one. In `fetch` it calls ready(), records
// backendInfo(), takes a gradient and two seeded matmuls, and answers JSON that is checked here.
//
// workerd forbids compiling WebAssembly from bytes at runtime (no dynamic code generation), so
// ready() is expected to fall back to the JS backend with `info.error` set; the test accepts
// either a working wasm core or that documented fallback (never a throw) and prints which.
//
// `npm test` builds dist/ first; this file builds nothing. It skips, with the reason printed, only
// when miniflare is missing or workerd cannot start a trivial worker on this machine; under
// CI=true both of those fail instead. Wrong results always fail.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

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

describe.skipIf(runtime.skip !== null)("built bundle in workerd (Cloudflare edge runtime, via Miniflare)", () => {
  let mf: MiniflareInstance;

  beforeAll(async () => {
    if (!existsSync(bundlePath)) throw new Error(`${bundlePath} is missing: run \`npm run build\` first (npm test does)`);
    // Explicit module list (paths relative to modulesRoot): the bundle goes in verbatim as an ES
    // module beside the worker, no bundler in between, and no nodejs_compat flag.
    mf = new runtime.mf!.Miniflare({
      modulesRoot: "/edge",
      modules: [
        { type: "ESModule", path: "/edge/worker.mjs", contents: readFileSync(workerPath, "utf8") },
        { type: "ESModule", path: "/edge/downhill.js", contents: readFileSync(bundlePath, "utf8") },
      ],
      compatibilityDate: COMPATIBILITY_DATE,
    });
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  it("imports dist/index.js without Node built-ins; ready() falls back or runs wasm; grad and matmul are correct", async () => {
    // If the bundle's import threw (e.g. it touched a Node built-in at import), workerd refuses
    // to start the worker and this dispatch rejects with the runtime's error.
    const res = await mf.dispatchFetch("http://edge.local/");
    const text = await res.text();
    let r: EdgeResult;
    try {
      r = JSON.parse(text) as EdgeResult;
    } catch {
      throw new Error(`worker answered ${res.status} with non-JSON: ${text.slice(0, 1000)}`);
    }
    const summary = {
      runtime: r.runtime,
      ...r.info,
      readyMs: r.readyMs,
      err32: r.matmul32 ? scaledError(r.matmul32) / (32 * F32_U) : null,
      err64: r.matmul64 ? scaledError(r.matmul64) / (64 * F32_U) : null,
    };
    console.log(`[edge workerd] ${JSON.stringify(summary)}`);
    if (r.error) throw new Error(`worker threw: ${r.error}`);
    expect(res.status).toBe(200);

    // No Node: no `process`, and node:* does not resolve, so the import needed none.
    expect(r.processDefined).toBe(false);
    expect(r.nodeBuiltinAvailable).toBe(false);

    // ready() must never throw; it either starts wasm or records why it fell back to JS.
    expect(r.readyError, `ready() threw instead of falling back: ${r.readyError}`).toBeNull();
    const info = r.info!;
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

    expect(r.grad).toEqual([2, 4, 6]);
    for (const m of [r.matmul32!, r.matmul64!]) {
      expect(m.dtype).toBe("float32");
      expect(m.shape).toEqual([m.n, m.n]);
      expect(m.a.length).toBe(m.n * m.n);
      expect(m.b.length).toBe(m.n * m.n);
      expect(m.c.length).toBe(m.n * m.n);
      expect(scaledError(m)).toBeLessThan(m.n * F32_U);
    }
  }, 20_000);
});
