// The gallery's runner (examples/claims/run.ts, behind `npm run claims`) on two fast claims: it
// writes one self-contained page that shows with JavaScript off (no script, inline SVG, no
// external resource) and the README's Markdown table; unknown ids are refused by name. And every
// claim file imports only the package's public entry points, node: built-ins or its siblings.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { claims } from "../../examples/claims/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "claims-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const tsx = (args: string[]) => spawnSync(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), "examples/claims/run.ts", ...args], { cwd: root, encoding: "utf8" });

describe("claims gallery: the runner", () => {
  it("writes one self-contained HTML page and the Markdown table", () => {
    const r = tsx(["--quick", "--only", "learning-rate,newton-order", "--out", out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/learning-rate \.\.\. holds/);
    const html = readFileSync(join(out, "index.html"), "utf8");
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//); // nothing fetched
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain('id="learning-rate"');
    expect(html).toContain('id="newton-order"');
    const md = readFileSync(join(out, "table.md"), "utf8").trim().split("\n");
    expect(md[0]).toBe("| claim | verdict | key numbers |");
    expect(md).toHaveLength(4);
    expect(md[2]).toMatch(/^\| \[Too large a learning rate diverges, too small crawls\]\(examples\/claims\/learning-rate\.ts\) \| \*\*holds\*\* \| /);
  }, 120_000);

  it("refuses an unknown claim id, naming it and the known ones", () => {
    const r = tsx(["--only", "learning-rat", "--out", out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown id learning-rat; the gallery has learning-rate, /);
  }, 60_000);

  it("lists every claim file once, with distinct ids matching the file names", () => {
    const files = readdirSync(join(root, "examples/claims")).filter((f) => f.endsWith(".ts") && !["claim.ts", "index.ts", "run.ts", "plot.ts", "quadratic.ts", "mnistData.ts", "sharpness.ts"].includes(f));
    expect(claims.map((c) => `${c.id}.ts`).sort()).toEqual(files.sort());
    expect(new Set(claims.map((c) => c.id)).size).toBe(claims.length);
  });

  it("claim files import only the package's entry points, node: built-ins and each other", () => {
    const exportsMap = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).exports as Record<string, unknown>;
    const bad: string[] = [];
    for (const f of readdirSync(join(root, "examples/claims")).filter((f) => f.endsWith(".ts"))) {
      const src = readFileSync(join(root, "examples/claims", f), "utf8");
      for (const m of src.matchAll(/(?:^|[\s;])(?:import|export)\s[^"'`;]*?from\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']/g)) {
        const s = m[1] ?? m[2];
        const ok = s.startsWith("node:") || s === "downhill" || (s.startsWith("downhill/") && `./${s.slice(9)}` in exportsMap) || /^\.\/[\w-]+\.js$/.test(s);
        if (!ok) bad.push(`${f}: ${s}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
