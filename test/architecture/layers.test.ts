// The layer diagram of docs/ARCHITECTURE.md, checked against the imports: every module of src/
// belongs to one layer, and imports only from its own layer or the ones below it. The table
// below is the diagram's source of truth; the test also checks that the doc names every layer.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const src = join(root, "src");

/** Layers bottom-up; a module's layer is the first whose pattern matches its path under src/. */
const LAYERS: Array<{ name: string; match: RegExp }> = [
  { name: "base (errors, options, platform, dtype and shape rules)", match: /^(errors|platform|options)\.ts$|^tensor\/(dtype|shape)\.ts$|^types\// },
  { name: "src/backend", match: /^backend\// },
  { name: "src/tensor + src/ops + src/autodiff", match: /^(tensor|ops|autodiff)\// },
  { name: "src/jit + src/linalg", match: /^(jit|linalg)\// },
  { name: "src/nn + src/optim", match: /^(nn|optim)\// },
  { name: "src/minimize + src/train + src/compare + src/problems", match: /^(minimize|train|compare|problems)\// },
  { name: "entry points (index.ts, core.ts, node.ts)", match: /^(index|core|node)\.ts$/ },
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const layerOf = (path: string): number => LAYERS.findIndex((l) => l.match.test(path));

describe("the layer diagram matches the imports", () => {
  const all = files(src).map((f) => relative(src, f));

  it("every module of src/ is in a layer", () => {
    expect(all.filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it("no module imports from a layer above its own", () => {
    const upward: string[] = [];
    for (const f of all) {
      const text = readFileSync(join(src, f), "utf8");
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?from\s*["'](\.[^"']+)["']/g)) {
        const target = relative(src, resolve(dirname(join(src, f)), m[1])).replace(/\.js$/, "").replace(/$/, ".ts");
        if (target.startsWith("..")) continue; // build/ assets
        const to = layerOf(target), from = layerOf(f);
        if (to > from) upward.push(`${f} (${LAYERS[from].name}) imports ${target} (${LAYERS[to].name})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it("docs/ARCHITECTURE.md's diagram names every layer", () => {
    const doc = readFileSync(join(root, "docs/ARCHITECTURE.md"), "utf8");
    const diagram = doc.slice(doc.indexOf("```"), doc.indexOf("```", doc.indexOf("```") + 3));
    for (const l of LAYERS.slice(1, -1)) for (const part of l.name.split(" + ")) expect(diagram, part).toContain(part);
  });
});
