// The README's "Ten lines" example, run as a user would paste it: the first ```ts block under that
// heading, types stripped by esbuild, `from "downhill"` pointed at the built bundle, in a fresh
// Node process. It must run and print what its comments promise (a gradient, an H v product and
// a converged Newton-CG result at the minimizer (1, 1)), so the README cannot drift from the API.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { transformSync } from "esbuild";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("README", () => {
  it("the ten-line example runs against the built bundle and prints a converged minimization", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Ten lines"));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block, "no ```ts block under ## Ten lines").toBeTruthy();
    expect(block!.split("\n").filter((l) => l.trim()).length).toBeLessThanOrEqual(10);
    const js = transformSync(block!, { loader: "ts", format: "esm" }).code.replace(/from "downhill"/g, `from ${JSON.stringify(pathToFileURL(join(root, "dist/index.js")).href)}`);
    const file = join(mkdtempSync(join(tmpdir(), "downhill-readme-")), "ten.mjs");
    writeFileSync(file, js);
    const r = spawnSync(process.execPath, [file], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    // grad and H v of Rosenbrock at (-1.2, 1), v = e1: [-215.6, -88] and [1330, 480]
    const gradHv = lines[0].match(/-?\d+(\.\d+)?/g)!.map(Number);
    expect(gradHv[0]).toBeCloseTo(-215.6, 6);
    expect(gradHv[1]).toBeCloseTo(-88, 6);
    expect(gradHv[2]).toBeCloseTo(1330, 6);
    expect(gradHv[3]).toBeCloseTo(480, 6);
    // x close to (1, 1), then nit, converged true
    const [x1, x2] = lines[1].match(/-?\d+(\.\d+)?(e-?\d+)?/g)!.slice(0, 2).map(Number);
    expect(Math.abs(x1 - 1)).toBeLessThan(1e-6);
    expect(Math.abs(x2 - 1)).toBeLessThan(1e-6);
    expect(lines[1]).toMatch(/ true /);
  });

  it("the Models example runs against the built bundle and prints the summary table the README shows", () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Models"));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    const shown = /```text\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block && shown, "no ```ts and ```text blocks under ## Models").toBeTruthy();
    const js = transformSync(block!, { loader: "ts", format: "esm" }).code.replace(/from "downhill"/g, `from ${JSON.stringify(pathToFileURL(join(root, "dist/index.js")).href)}`);
    const file = join(mkdtempSync(join(tmpdir(), "downhill-readme-")), "models.mjs");
    writeFileSync(file, js);
    const r = spawnSync(process.execPath, [file], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(shown);
  });
});
