// The CommonJS builds (package.json "require" conditions) load with require() in a fresh Node
// process, start the WebAssembly core and compute; `npm test` builds dist/ first.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

const script = (file: string) => `
const dh = require(${JSON.stringify(file)});
dh.ready().then(() => {
  const g = dh.grad((x) => x.square().sum())(dh.tensor([1, 2, 3]));
  const c = dh.matmul(dh.tensor([[1, 2], [3, 4]]), dh.tensor([[5, 6], [7, 8]]));
  console.log(JSON.stringify({ g: g.toArray(), c: c.toArray(), info: dh.backendInfo() }));
});`;

describe("CommonJS bundles", () => {
  for (const file of ["dist/index.cjs", "dist/core.cjs"]) {
    it.skipIf(!existsSync(file) && process.env.CI !== "true")(`${file} works through require()`, () => {
      const r = spawnSync(process.execPath, ["-e", script(`./${file}`)], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
      expect(out.g).toEqual([2, 4, 6]);
      expect(out.c).toEqual([[19, 22], [43, 50]]);
      expect(out.info.backend).toBe("wasm");
      expect(out.info.error).toBeNull();
    });
  }
});
