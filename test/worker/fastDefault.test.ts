// Fast by default: a program that never calls ready() runs its hot kernels on the WebAssembly
// core (the first op that needs it starts it synchronously), and the worker threads attach even
// when the program never yields to the event loop (they flag themselves ready in shared memory;
// their "ready" message alone would arrive only on a macrotask). Each case runs in a fresh Node
// process, since the core starts once per process.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const bundlePath = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/** Runs an ES module body (with `dh` imported) in a fresh process; returns its last JSON line. */
function runModule(body: string): Record<string, unknown> {
  if (!existsSync(bundlePath)) throw new Error(`${bundlePath} is missing: run \`npm run build\` first (npm test does)`);
  const dir = mkdtempSync(join(tmpdir(), "downhill-default-"));
  const file = join(dir, "main.mjs");
  writeFileSync(file, `import * as dh from ${JSON.stringify(pathToFileURL(bundlePath).href)};\nimport { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);\n${body}\n`);
  const r = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

describe("the WebAssembly core without ready()", () => {
  it.runIf(process.platform === "linux")("a script that computes one product never spawns the worker pool; a second product does", () => {
    const out = runModule(`
      const threads = () => Number(/Threads:\\s+(\\d+)/.exec(require("node:fs").readFileSync("/proc/self/status", "utf8"))[1]);
      const settle = () => new Promise((r) => setTimeout(r, 300));
      const a = dh.randn([256, 256], { seed: 1 }), b = dh.randn([256, 256], { seed: 2 });
      dh.matmul(a, b).dataSync();
      await settle();
      const one = threads();
      dh.matmul(a, b).dataSync();
      // then wait (yielding) until the pool reports in, however loaded the machine is
      for (let i = 0; i < 100 && dh.backendInfo().threads < 2; i++) await settle();
      console.log(JSON.stringify({ one, two: threads(), info: dh.backendInfo() }));`);
    expect(out.two as number).toBeGreaterThan(out.one as number);
    expect((out.info as { threads: number }).threads).toBeGreaterThan(1);
  });

  it("the first matmul starts the core synchronously and runs on it", () => {
    const out = runModule(`
      const before = dh.backendInfo();
      const a = dh.randn([256, 256], { seed: 1 }), b = dh.randn([256, 256], { seed: 2 });
      const c = dh.matmul(a, b).dataSync();
      // the same product on the JS reference, for the values
      dh.setBackend("js");
      const ref = dh.matmul(a, b).dataSync();
      dh.setBackend("wasm");
      let maxErr = 0;
      for (let i = 0; i < c.length; i++) maxErr = Math.max(maxErr, Math.abs(c[i] - ref[i]));
      console.log(JSON.stringify({ before, after: dh.backendInfo(), maxErr }));`);
    // backendInfo() tells what ops would run on, so asking it starts the core too
    expect((out.before as { backend: string }).backend).toBe("wasm");
    expect(out.after).toMatchObject({ backend: "wasm", error: null });
    expect(["simd", "relaxed-simd", "scalar"]).toContain((out.after as { variant: string }).variant);
    expect(out.maxErr as number).toBeLessThan(1e-3);
  });

  it.runIf(process.platform === "linux")("small elementwise work does not start it (nothing pays for a core it does not use)", () => {
    // Starting the core spawns its worker thread (at its second kernel): the process's OS thread count (Linux) shows it.
    const out = runModule(`
      const threads = () => Number(/Threads:\\s+(\\d+)/.exec(require("node:fs").readFileSync("/proc/self/status", "utf8"))[1]);
      const settle = () => new Promise((r) => setTimeout(r, 300));
      const x = dh.tensor([1, 2, 3]);
      const y = x.mul(2).add(1).sum().item();
      await settle();
      const small = threads();
      // two products: the first starts the core, the second its worker pool (Kernels.deferThreads)
      for (let i = 0; i < 2; i++) dh.matmul(dh.randn([128, 128], { seed: 1 }), dh.randn([128, 128], { seed: 2 })).dataSync();
      for (let i = 0; i < 100 && dh.backendInfo().threads < 2; i++) await settle();
      console.log(JSON.stringify({ y, small, big: threads() }));`);
    expect(out.y).toBe(15);
    expect(out.big as number).toBeGreaterThan(out.small as number);
  });
});

describe.skipIf(availableParallelism() < 2)("worker threads attach without an event-loop turn", () => {
  // Each loop stops at the first op that saw two threads, or after 20 s of never yielding.
  const spin = (perOp: string) => `
      const a = dh.randn([256, 256], { seed: 1 }), b = dh.randn([256, 256], { seed: 2 });
      const t0 = performance.now();
      let ops = 0;
      while (dh.backendInfo().threads < 2 && performance.now() - t0 < 20000) { ${perOp}; ops++; }
      console.log(JSON.stringify({ threads: dh.backendInfo().threads, ops }));`;

  it("a program that never calls ready() and never yields gets the second thread", () => {
    const out = runModule(spin("dh.matmul(a, b).dataSync()"));
    expect(out.threads).toBe(2);
  });

  it("after plain `await ready()`, a loop of `await matmul(a, b).data()` gets it (it only awaits resolved promises)", () => {
    const out = runModule(`await dh.ready();\n${spin("await dh.matmul(a, b).data()")}`);
    expect(out.threads).toBe(2);
  });
});

describe.skipIf(availableParallelism() < 2)("a large optimizer built before the threads are up", () => {
  it("splits its steps with the pool once it attaches (no ready() call, built at the first op)", () => {
    const out = runModule(`
      const n = 1 << 21;
      const x = dh.zeros([n]), g = dh.ones([n]);
      const opt = dh.optimizer(dh.adam({ lr: 1e-3 }), x); // the first op that needs the core: the pool is not up yet
      const before = dh.backendInfo().threads;
      opt.step(g);
      const first = opt.threads;
      const t0 = performance.now();
      while (opt.threads < 2 && performance.now() - t0 < 20000) opt.step(g);
      console.log(JSON.stringify({ before, first, path: opt.path, later: opt.threads }));`);
    expect(out.path).toBe("wasm");
    expect(out.later).toBe(2);
  });
});
