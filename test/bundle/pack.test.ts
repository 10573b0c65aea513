// The package as a user installs it: `npm pack` of the built tree, unpacked into a fresh
// node_modules/downhill, then used from outside the project through the `exports` map only:
// `import "downhill"`, `import "downhill/core"`, `require("downhill")`, the shipped
// `downhill/wasm/*.wasm` files handed to `ready({ wasmModule })`, the types and the CLI. A file
// missing from "files" or a wrong "exports" entry fails here, not in a user's project.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
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
    for (const f of ["dist/index.js", "dist/index.cjs", "dist/core.js", "dist/core.cjs", "dist/index.d.ts", "dist/core.d.ts", "bin/downhill.mjs", "README.md"]) {
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
    expect(out.info).toEqual({ backend: "wasm", variant: "simd", threads: 1, error: null });
    expect(out.core).toBe("function");
    expect(out.cjs).toBe("function");
    expect(out.wasmPath).toMatch(/node_modules[\\/]downhill[\\/]dist[\\/]wasm[\\/]simd\.wasm$/);
  });

  it("the CLI answers --help", () => {
    const r = spawnSync(process.execPath, [join(consumer, "node_modules/downhill/bin/downhill.mjs"), "compare", "--help"], { cwd: consumer, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/compare/);
  });
});
