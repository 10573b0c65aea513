// The background thread pool never keeps a Node process alive. `ready()` (threads "auto") starts
// the workers in the background; a script that ends before they report in must exit at once, not
// wait ~100 ms for them (Node re-refs a worker when a "message" listener is added: src/platform.ts
// unrefs it again). The check is which state the process exits in: the pool attaches only when
// the event loop delivers the workers' "ready" messages, so `threads` is still 1 at exit exactly
// when the process did not wait. A control run that stays alive for a while must see the pool.
// The other side: a script whose only pending work is awaiting the pool (`ready({ threads: 2 })`,
// or `waitForThreads` after a background start, as `fit` does) must be kept alive until it is up,
// not exit under its top-level await with code 13.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { availableParallelism } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const bundlePath = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

function run(stayAliveMs: number): { threadsAtExit: number; msAfterReady: number } {
  if (!existsSync(bundlePath)) throw new Error(`${bundlePath} is missing: run \`npm run build\` first (npm test does)`);
  const script = `(async () => {
    const dh = await import(${JSON.stringify(pathToFileURL(bundlePath).href)});
    await dh.ready();
    const t = performance.now();
    process.on("exit", () => console.log(JSON.stringify({ threadsAtExit: dh.backendInfo().threads, msAfterReady: performance.now() - t })));
    // two products: the pool is spawned at the second kernel call (Kernels.deferThreads)
    for (let i = 0; i < 2; i++) dh.matmul(dh.randn([64, 64], { seed: 1 }), dh.randn([64, 64], { seed: 2 })).dataSync();
    if (${stayAliveMs} > 0) setTimeout(() => {}, ${stayAliveMs});
  })().catch((e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

describe.skipIf(availableParallelism() < 2)("the background worker pool and process exit", () => {
  it("a script that ends before the pool is up exits without waiting for it", () => {
    const quick = run(0);
    const alive = run(1500);
    console.log(`[exit] ended at once: ${JSON.stringify(quick)}; stayed 1.5 s: ${JSON.stringify(alive)}`);
    expect(alive.threadsAtExit).toBeGreaterThan(1); // the pool does start while the process lives
    expect(quick.threadsAtExit).toBe(1);
  });

  it.each([
    ["ready({ threads: 2 })", "await dh.ready({ threads: 2 });"],
    ["ready() then ready({ waitForThreads: true })", "await dh.ready(); await dh.ready({ waitForThreads: true });"],
  ])("an ES module whose top-level await waits for the pool (%s) is kept alive until it is up", (_, awaitPool) => {
    const dir = mkdtempSync(join(tmpdir(), "downhill-exit-"));
    const file = join(dir, "wait.mjs");
    writeFileSync(file, `import * as dh from ${JSON.stringify(pathToFileURL(bundlePath).href)};\n${awaitPool}\nconsole.log(JSON.stringify({ threads: dh.backendInfo().threads }));\n`);
    const r = spawnSync(process.execPath, [file], { encoding: "utf8" });
    expect(r.status, `exit code ${r.status} (13: Node gave up on an unsettled top-level await); stderr: ${r.stderr}`).toBe(0);
    expect(JSON.parse(r.stdout.trim()).threads).toBe(2);
  });
});
