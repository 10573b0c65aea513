// Every relative import in src/ names its file with the extension it has at run time (`.js` for
// a .ts module, the asset's own for build/ assets). The emitted .d.ts files keep the specifiers
// as written, and under moduleResolution node16/nodenext an extensionless one is error TS2834 in
// the user's project (test/bundle/pack.test.ts type-checks the shipped declarations).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const src = fileURLToPath(new URL("../../src", import.meta.url));
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
});

it("relative imports in src/ end in .js (or an asset's extension)", () => {
  const bad: string[] = [];
  for (const f of files(src)) {
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["'](\.\.?\/[^"']*)["']/g)) {
      if (!/\.(js|json|wasm|delta|abi|wgsl)$/.test(m[1])) bad.push(`${relative(src, f)}: ${m[1]}`);
    }
  }
  expect(bad).toEqual([]);
});
