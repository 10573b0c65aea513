/**
 * The gallery runner behind `npm run claims`: runs every claim (or those named), prints a table
 * of verdicts, and writes one self-contained HTML page (verdicts, numbers, inline SVG plots; no
 * script, so it shows with JavaScript off) plus the table as Markdown (the README's).
 *
 *   npx tsx examples/claims/run.ts [--quick] [--only id,id] [--seed 0] [--out reports/claims]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { claims } from "./index.js";
import { fmtNum, label, type Claim, type ClaimResult } from "./claim.js";
import { esc } from "./plot.js";

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const quick = args.includes("--quick");
const only = opt("--only")?.split(",");
const out = opt("--out") ?? "reports/claims";
const seed = Number(opt("--seed") ?? 0);
if (!Number.isInteger(seed) || seed < 0) {
  console.error(`claims: --seed must be a non-negative integer, got ${opt("--seed")}`);
  process.exit(2);
}
const unknown = only?.filter((id) => !claims.some((c) => c.id === id)) ?? [];
if (unknown.length) {
  console.error(`claims: unknown id ${unknown.join(", ")}; the gallery has ${claims.map((c) => c.id).join(", ")}`);
  process.exit(2);
}

interface Row { claim: Claim; result: ClaimResult | null; error: string | null; seconds: number }
const rows: Row[] = [];
for (const claim of claims.filter((c) => !only || only.includes(c.id))) {
  process.stdout.write(`${claim.id} ... `);
  const t0 = performance.now();
  try {
    const result = await claim.run({ quick, seed });
    rows.push({ claim, result, error: null, seconds: (performance.now() - t0) / 1000 });
    console.log(`${label(result)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    rows.push({ claim, result: null, error: String((e as Error)?.stack ?? e), seconds: (performance.now() - t0) / 1000 });
    console.log(`error: ${String(e)}`);
  }
}

// the Markdown table (the README's): claim, verdict, key numbers
const md = ["| claim | verdict | key numbers |", "|---|---|---|",
  ...rows.map((r) => `| [${r.claim.title}](examples/claims/${r.claim.id}.ts) | **${r.result ? label(r.result) : "error"}** | ${(r.result?.summary ?? r.error?.split("\n")[0] ?? "").replace(/\|/g, "\\|")} |`)].join("\n");
console.log(`\n${md}\n`);

const badge = (r: Row) => {
  const l = r.result ? label(r.result) : "error";
  const color = { holds: "#1a7f37", partly: "#9a6700", "does not hold": "#cf222e", error: "#666" }[l];
  return `<span class="badge" style="background:${color}">${esc(l)}</span>`;
};
const section = (r: Row) => `<section id="${esc(r.claim.id)}">
<h2>${esc(r.claim.title)} ${badge(r)}</h2>
<p class="claim">Claim: ${esc(r.claim.statement)}</p>
${r.result ? `<p class="verdict">${esc(r.result.verdict)}</p>
<div class="plots">${r.result.svg}</div>
${r.result.notes ? `<p class="notes">${esc(r.result.notes)}</p>` : ""}
<details><summary>numbers</summary><table>${Object.entries(r.result.numbers).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(fmtNum(v))}</td></tr>`).join("")}</table></details>`
  : `<pre>${esc(r.error ?? "")}</pre>`}
<p class="src">Source: <code>examples/claims/${esc(r.claim.id)}.ts</code>; ${r.seconds.toFixed(1)} s.</p>
</section>`;
const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>downhill: the field's claims, measured</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
.badge{white-space:nowrap;color:#fff;border-radius:4px;padding:1px 8px;font-size:13px;font-weight:600;vertical-align:middle}
section{border-top:1px solid #ccc;margin-top:2em}.claim{font-style:italic}.notes,.src{color:#555;font-size:14px}
.plots svg{margin:4px 8px 4px 0;max-width:100%;height:auto;vertical-align:top}
</style></head><body>
<h1>The field's claims, measured</h1>
<p>Each claim below is one script in <code>examples/claims/</code>, run on ${quick ? "its quick configuration" : "its full configuration"} with seed ${seed} (${new Date().toISOString().slice(0, 10)}, Node ${esc(process.version)}). Regenerate with <code>npm run claims</code>.</p>
<table><tr><th>claim</th><th>verdict</th><th>what was measured</th></tr>
${rows.map((r) => `<tr><td><a href="#${esc(r.claim.id)}">${esc(r.claim.title)}</a></td><td>${badge(r)}</td><td>${esc(r.result?.verdict ?? "error")}</td></tr>`).join("\n")}
</table>
${rows.map(section).join("\n")}
</body></html>
`;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "index.html"), html);
writeFileSync(join(out, "table.md"), md + "\n");
console.log(`wrote ${join(out, "index.html")} and ${join(out, "table.md")}`);
if (rows.some((r) => r.error)) process.exit(1);
