/**
 * The training race's report: one self-contained HTML page with no script, so it reads the same
 * with JavaScript off. Per problem: the verdict, the table (chosen lr and the sweep, final loss,
 * the metric over seeds, steps and seconds to the target, step cost relative to AdamW, sharpness
 * for SAM and its base), and static SVG charts (src/compare/reportSvg.ts) of the training loss
 * against steps and against wall time and of the metric against steps, seed 0 at the chosen lr.
 */
import { checkOptions, type OptionKeys } from "../../options.js";
import { esc, svgChart, type SvgSeries } from "../reportSvg.js";
import type { TrainingEntry, TrainingRaceResult } from "./raceTraining.js";

export interface TrainingReportOptions {
  title?: string;
  /** A line under the title (machine, backend, date, command). */
  subtitle?: string;
}

const KEYS = { title: true, subtitle: true } satisfies OptionKeys<TrainingReportOptions>;

export const TRAINING_COLORS: Record<string, string> = {
  "sgd-momentum": "#1f77b4", adam: "#2ca02c", adamw: "#17becf", lion: "#bcbd22", kfac: "#d62728", shampoo: "#9467bd",
  soap: "#8c564b", "sophia-g": "#e377c2", "sophia-h": "#f7b6d2", "sam-sgd": "#ff7f0e", "sam-adamw": "#98df8a", "natural-gradient": "#000000",
};
const color = (m: string) => TRAINING_COLORS[m] ?? "#444";

/** Three significant digits; exponent form when large or tiny. */
export function fmt3(v: number | null | undefined): string {
  if (v == null || Number.isNaN(v)) return "-";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toPrecision(3);
}

/** The table's rows as text cells (also the CLI's table). */
export function trainingTableRows(r: TrainingRaceResult): { header: string[]; rows: string[][] } {
  const m = r.problem.metric;
  const header = ["method", "lr (sweep)", "final loss", `${m.name} (median [min, max])`, "steps to target", "s to target", "ms/step", "x AdamW", "sharpness"];
  const rows = r.entries.map((e) => {
    if (e.skipped) return [e.method, "-", "-", "-", "-", "-", "-", "-", `skipped: ${e.skipped}`];
    const s = e.summary, seeds = e.runs.length;
    const reach = s.stepsToTarget === null ? `- (${s.reached}/${seeds})` : `${s.stepsToTarget} (${s.reached}/${seeds})`;
    const sweep = e.sweep.length > 1 ? ` (${e.sweep.map((w) => fmt3(w.lr) + (Number.isFinite(w.finalLoss) ? "" : "!")).join(", ")})` : "";
    return [
      e.method, fmt3(e.lr) + sweep, fmt3(s.finalLoss),
      seeds > 1 ? `${fmt3(s.metric.median)} [${fmt3(s.metric.min)}, ${fmt3(s.metric.max)}]` : fmt3(s.metric.median),
      reach, s.msToTarget === null ? "-" : (s.msToTarget / 1000).toPrecision(2), s.stepMs.toPrecision(3), fmt3(s.costVsAdamw),
      s.sharpness === undefined ? "" : fmt3(s.sharpness),
    ];
  });
  return { header, rows };
}

const FLOOR = 1e-16;

function charts(r: TrainingRaceResult): string {
  const runs = r.entries.filter((e): e is TrainingEntry & { runs: [TrainingEntry["runs"][0]] } => !e.skipped && e.runs.length > 0);
  const series = (x: (e: TrainingEntry) => Array<number | null>, y: (e: TrainingEntry) => Array<number | null>): SvgSeries[] =>
    runs.map((e) => ({ label: e.method, color: color(e.method), x: x(e), y: y(e) }));
  const lossY = (e: TrainingEntry) => e.runs[0].loss.map((v) => (Number.isFinite(v) ? Math.max(v, FLOOR) : null));
  const m = r.problem.metric;
  const out = [
    svgChart(series((e) => e.runs[0].loss.map((_, k) => k), lossY), { title: "training loss vs steps", xLabel: "step", logX: false, logY: true }),
    svgChart(series((e) => e.runs[0].time.map((t) => Math.max(t, 0.01)), lossY), { title: "training loss vs wall time (log x)", xLabel: "ms (optimizer steps only)", logX: true, logY: true }),
    svgChart(series((e) => e.runs[0].metric.map((p) => p.step), (e) => e.runs[0].metric.map((p) => (m.log ? Math.max(p.value, FLOOR) : p.value))),
      { title: `${m.name} vs steps (target ${m.target})`, xLabel: "step", logX: false, logY: m.log }),
  ];
  const legend = runs.map((e) => `<span style="color:${color(e.method)}">&#9632; ${esc(e.method)}</span>`).join(" &nbsp; ");
  return `<div class="charts">${out.map((svg) => `<figure class="chart">${svg}</figure>`).join("")}</div><div class="legend-note">${legend} &nbsp; (seed 0 at the chosen lr)</div>`;
}

function section(r: TrainingRaceResult, k: number): string {
  const { header, rows } = trainingTableRows(r);
  const table = `<table><tr>${header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>`
    + rows.map((row, i) => {
      const first = `<td style="color:${color(r.entries[i].method)}">${esc(row[0])}</td>`;
      // a skipped method: its reason across the row
      if (r.entries[i].skipped) return `<tr>${first}<td class="msg" colspan="${row.length - 1}">${esc(row[row.length - 1])}</td></tr>`;
      return `<tr>${first}${row.slice(1).map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`;
    }).join("")
    + "</table>";
  const p = r.problem;
  return `<section id="t${k}" data-problem="${esc(p.name)}">
<h2>${esc(p.description)} (${p.paramCount} parameters, ${p.steps} steps)</h2>
<p class="verdict">${esc(r.verdict)}</p>
${table}
<div class="legend-note">Target: ${esc(p.metric.name)} ${p.metric.better === "higher" ? "&ge;" : "&le;"} ${p.metric.target}, checked every few steps. "lr (sweep)": the chosen learning rate (lowest final training loss on seed 0) and the rates tried (! = diverged). Steps and seconds to target: median over seeds (k/n: seeds that reached it); seconds count optimizer steps only. "ms/step": mean step time after the first (preconditioner refreshes included); "x AdamW": its ratio to AdamW's in this run. Sharpness: the largest Hessian eigenvalue of the training loss at the end of seed 0 (power iteration on hvp), for SAM and its base.</div>
${charts(r)}
</section>`;
}

export function reportTrainingHtml(results: readonly TrainingRaceResult[], options: TrainingReportOptions = {}): string {
  checkOptions("reportTrainingHtml", options, KEYS);
  const title = options.title ?? "downhill: training race";
  const toc = results.map((r, k) => `<a href="#t${k}">${esc(r.problem.name)}</a>`).join(" ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-top: 1px solid #ddd; padding-top: 16px; }
.sub { color: #666; margin-bottom: 12px; } .verdict { font-weight: 600; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; } td.msg { text-align: left; white-space: normal; color: #555; max-width: 420px; }
.charts { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px 16px; margin-top: 12px; }
figure.chart { margin: 0; min-width: 0; } figure.chart svg { display: block; max-width: 100%; height: auto; }
.legend-note { color: #666; font-size: 12px; margin-top: 6px; }
</style></head><body>
<h1>${esc(title)}</h1>
<div class="sub">${esc(options.subtitle ?? "")}</div>
<div id="toc">Problems: ${toc}</div>
${results.map(section).join("\n")}
</body></html>
`;
}

/**
 * The race in one Markdown table: a row per method, a column per problem, each cell the metric
 * at the end (median over seeds), steps and seconds to the target (median; "-" when most seeds
 * missed) and the step cost relative to AdamW; the verdicts below it.
 */
export function trainingSummaryMarkdown(results: readonly TrainingRaceResult[]): string {
  const methods = [...new Set(results.flatMap((r) => r.entries.map((e) => e.method)))];
  const head = `| method | ${results.map((r) => `${r.problem.name}: ${r.problem.metric.name} (target ${r.problem.metric.target}); steps, s to target; x AdamW per step`).join(" | ")} |`;
  const sep = `|---|${results.map(() => "---").join("|")}|`;
  const rows = methods.map((m) => `| ${m} | ${results.map((r) => {
    const e = r.entries.find((x) => x.method === m);
    if (!e) return "";
    if (e.skipped) return "n/a";
    const s = e.summary;
    const reach = s.stepsToTarget === null ? "-" : `${s.stepsToTarget}, ${(s.msToTarget! / 1000).toPrecision(2)} s`;
    const sharp = s.sharpness === undefined ? "" : `; λmax ${fmt3(s.sharpness)}`;
    return `${fmt3(s.metric.median)}; ${reach}; ${fmt3(s.costVsAdamw)}x${sharp}`;
  }).join(" | ")} |`);
  return [head, sep, ...rows, "", ...results.map((r) => `- ${r.problem.name}: ${r.verdict}`)].join("\n");
}
