// The examples are what a user would write: they import only the package's public entry points
// ("downhill", "downhill/node", ...: names in package.json "exports"), which in this repository
// resolve to the built dist/ through the package's own name. They run as the README says,
// `npx tsx examples/<name>.ts` after `npm run build` (npm test builds first).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const examples = readdirSync(join(root, "examples")).filter((f) => /\.[cm]?[jt]s$/.test(f));
const exportsMap = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).exports as Record<string, unknown>;

/** Every module specifier of a source file: static imports and re-exports, dynamic import() and require(). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:^|[\s;])(?:import|export)\s[^"'`;]*?from\s*["']([^"']+)["']|(?:^|[\s;])import\s*["']([^"']+)["']|\b(?:import|require)\s*\(\s*(["'`])([^"'`]+)\3/g)) {
    out.push(m[1] ?? m[2] ?? m[4]);
  }
  return out;
}

function tsx(file: string, args: string[]) {
  return spawnSync(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), file, ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "1" } });
}

describe("examples/", () => {
  beforeAll(() => {
    if (!existsSync(join(root, "dist/node.js"))) throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
  });

  it("import only the package's public entry points (or node: built-ins)", () => {
    expect(examples.length).toBeGreaterThan(1);
    const bad: string[] = [];
    for (const f of examples) {
      const specs = specifiers(readFileSync(join(root, "examples", f), "utf8"));
      expect(specs.length, f).toBeGreaterThan(0);
      for (const s of specs) {
        const ok = s.startsWith("node:") || s === "downhill" || (s.startsWith("downhill/") && `./${s.slice("downhill/".length)}` in exportsMap);
        if (!ok) bad.push(`${f}: ${s}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("iris runs with npx tsx against the built package", () => {
    const r = tsx("examples/iris.ts", []);
    expect(r.status, r.stderr).toBe(0);
    const acc = Number(r.stdout.match(/held-out accuracy ([\d.]+)%/)?.[1]);
    expect(acc).toBeGreaterThan(85);
  }, 120_000);

  it("mnist (1 epoch) loads the digits through downhill/node and learns", () => {
    const r = tsx("examples/mnist.ts", ["1"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^MNIST: 7996 training \/ 2004 held-out digits/);
    const acc = Number(r.stdout.match(/held-out accuracy after 1 epochs: ([\d.]+)%/)?.[1]);
    expect(acc).toBeGreaterThan(80);
  }, 180_000);
});
