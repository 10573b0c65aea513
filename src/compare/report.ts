/**
 * The comparison report: one self-contained HTML file that opens offline. uPlot (a small,
 * maintained canvas charting library) is inlined; the caller passes its script and stylesheet
 * text (bin/downhill.mjs reads them from node_modules/uplot/dist), so this module needs no
 * file system. Per problem: the results table; f - f* and ||grad f|| against iterations and
 * against wall time (log y); for 2-D problems the trajectories over a contour map of log(f - f_min)
 * drawn on a canvas from a grid computed in Node.
 *
 * The page works without its script: the tables are HTML and every chart and contour plot is
 * first an inline SVG drawn here (src/compare/reportSvg.ts), which the script replaces with the
 * interactive chart. Before uPlot loads, the script gives it a locale tag Intl accepts: Chromium
 * under the POSIX locale (LANG=C.UTF-8) reports navigator.language "en-US@posix", on which
 * `new Intl.NumberFormat` throws, and uPlot calls it as it loads. A chart that still fails keeps
 * its static picture.
 */
import type { RaceResult } from "./race.js";
import { esc, svgChart, svgContour, type SvgSeries } from "./reportSvg.js";
import { checkOptions, type OptionKeys } from "../options.js";

export interface ReportOptions {
  uplotJs: string;
  uplotCss: string;
  title?: string;
  /** A line under the title (machine, backend, date...). */
  subtitle?: string;
  /** Longest history kept per run in the page (evenly thinned beyond). Default 1500. */
  maxPoints?: number;
}

const REPORT_KEYS = { uplotJs: true, uplotCss: true, title: true, subtitle: true, maxPoints: true } satisfies OptionKeys<ReportOptions>;

/** Indices 0..n-1 thinned to at most k, always keeping the first and the last. */
function thin(n: number, k: number): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  const out = new Set<number>();
  for (let i = 0; i < k; i++) out.add(Math.round((i / (k - 1)) * (n - 1)));
  return [...out].sort((a, b) => a - b);
}

const r6 = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : null);

function pageData(races: RaceResult[], maxPoints: number) {
  return races.map((r) => ({
    problem: r.problem,
    fRef: r.fRef,
    grid: r.grid,
    entries: r.entries.map((e) => {
      const h = e.result.history;
      const idx = thin(h.length, maxPoints);
      return {
        method: e.method, skipped: e.skipped ?? null, time: e.time,
        nit: e.result.nit, nfev: e.result.nfev, ngev: e.result.ngev, nhvp: e.result.nhvp,
        fun: e.result.fun, gradNorm: e.result.gradNorm, converged: e.result.converged, message: e.result.message,
        outcome: e.outcome, verdict: e.outcome === "stopped" ? "no" : e.verdict,
        it: idx.map((i) => h[i].nit),
        gap: idx.map((i) => r6(h[i].f - r.fRef)),
        g: idx.map((i) => r6(h[i].gradNorm)),
        t: idx.map((i) => r6(h[i].time)),
        xy: r.grid ? idx.map((i) => h[i].x ?? null) : null,
      };
    }),
  }));
}

const COLORS: Record<string, string> = { gd: "#1f77b4", momentum: "#17becf", nesterov: "#ff7f0e", adam: "#2ca02c", lbfgs: "#d62728", bfgs: "#bcbd22", "newton-cg": "#9467bd", "trust-ncg": "#8c564b", newton: "#e377c2", transform: "#7f7f7f" };
const color = (m: string) => COLORS[m] ?? "#444";
const VIRIDIS: Array<[number, number, number]> = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]];
/** Log plots floor values here (a run that reaches f* exactly would leave the log scale). */
const FLOOR = 1e-18;
/** Contour bands. */
const LEVELS = 18;

/** The page's number format (the script's `fmt`): 3 significant digits, exponent form when large or tiny. */
function fmt(v: number | null, d = 3): string {
  return v == null || !Number.isFinite(v) ? String(v) : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(d - 1) : v.toPrecision(d);
}

type PageRace = ReturnType<typeof pageData>[number];
type PageEntry = PageRace["entries"][number];

/** The four charts of a section: [title, x label, x of a run, y of a run, log x]. */
const CHARTS: Array<[string, string, (e: PageEntry) => Array<number | null>, (e: PageEntry) => Array<number | null>, boolean]> = [
  ["f - f* vs iterations", "iteration", (e) => e.it, (e) => e.gap, false],
  ["||grad f|| vs iterations", "iteration", (e) => e.it, (e) => e.g, false],
  ["f - f* vs wall time (log x)", "ms", (e) => e.t.map((t) => (t == null ? null : Math.max(t, 0.001))), (e) => e.gap, true],
  ["||grad f|| vs wall time (log x)", "ms", (e) => e.t.map((t) => (t == null ? null : Math.max(t, 0.001))), (e) => e.g, true],
];

const floorLog = (v: number | null) => (v == null ? null : Math.max(v, FLOOR));

function tableHtml(race: PageRace): string {
  const head = ["method", "iterations", "f evals", "grad evals", "Hv", "time ms", "final f", "f - f*", "||grad||", "converged", "message"];
  const rows = race.entries.map((e) => {
    const cells: string[] = e.skipped ? [e.method, "", "", "", "", "", "", "", "", "", e.skipped]
      : [e.method, String(e.nit), String(e.nfev), String(e.ngev), String(e.nhvp), e.time.toFixed(1), fmt(e.fun, 6), fmt(e.fun - race.fRef), fmt(e.gradNorm), e.verdict, e.message];
    return "<tr>" + cells.map((c, i) => {
      const attr = i === 0 ? ` style="color:${color(e.method)}"` : i === 9 ? ` class="${e.outcome === "minimum" ? "yes" : e.outcome === "stationary" ? "stationary" : "no"}"` : i === 10 ? ' class="msg"' : "";
      return `<td${attr}>${esc(c)}</td>`;
    }).join("") + "</tr>";
  });
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${rows.join("")}</table>`;
}

function sectionHtml(race: PageRace, k: number): string {
  const p = race.problem;
  const note = (Number.isFinite(p.fStar) ? `f* = ${fmt(p.fStar, 6)}` : `f* unknown: f - f_min uses the lowest f reached, ${fmt(race.fRef, 6)}`) + `; log plots floor values at ${FLOOR}.`;
  const runs = race.entries.filter((e) => !e.skipped && e.it.length);
  const legend = (list: PageEntry[]) => list.map((e) => `<span style="color:${color(e.method)}">&#9632; ${esc(e.method)}</span>`).join(" &nbsp; ");
  const charts = CHARTS.map(([title, xLabel, xs, ys, logX], j) => {
    const series: SvgSeries[] = runs.map((e) => ({ label: e.method, color: color(e.method), x: xs(e), y: ys(e).map(floorLog) }));
    return `<figure class="chart" data-chart="${j}"><div class="static">${svgChart(series, { title, xLabel, logX, logY: true })}<div class="legend-note">${legend(runs)}</div></div></figure>`;
  }).join("\n");
  let contour = "";
  if (race.grid) {
    const g = race.grid, n = g.x.length - 1, m = g.y.length - 1;
    const traced = race.entries.filter((e) => e.xy && e.xy.length);
    const svg = svgContour({
      grid: g, x0: p.x0, minimizers: p.minimizers, ramp: VIRIDIS, levels: LEVELS,
      trajectories: traced.map((e) => ({ label: e.method, color: color(e.method), xy: e.xy! })),
    });
    contour = `<div class="contour"><div class="legend-note">Trajectories over log10(f - f_min + 1e-12) (darker = lower); circle = start, star = known minimizers.</div>`
      + `<div class="plot"><div class="static">${svg}</div></div>`
      + `<div class="legend-note">${legend(traced)} &nbsp; x in [${fmt(g.x[0])}, ${fmt(g.x[n])}], y in [${fmt(g.y[0])}, ${fmt(g.y[m])}]</div></div>`;
  }
  return `<section id="p${k}" data-race="${k}">
<h2>${esc(p.description)} (n = ${p.dim})</h2>
<div class="legend-note">${esc(note)}</div>
${tableHtml(race)}
<div class="charts">
${charts}
</div>
${contour}
</section>`;
}

/**
 * The locale guard, run before uPlot: when navigator.language is a tag Intl rejects (e.g.
 * "en-US@posix"), the page's navigator reports the nearest one it accepts ("en-US"; else the
 * bare language; else "en-US"). Nothing changes when the tag is valid.
 */
const LOCALE_GUARD = `(function () {
  var valid = function (tag) { try { return typeof tag === "string" && tag !== "" && Intl.getCanonicalLocales(tag).length === 1; } catch (e) { return false; } };
  var raw = navigator.language;
  if (raw === undefined || valid(raw)) return;
  var tag = String(raw).split(/[@.]/)[0].replace(/_/g, "-");
  var safe = valid(tag) ? tag : valid(tag.split("-")[0]) ? tag.split("-")[0] : "en-US";
  var fixed = [safe];
  try {
    Object.defineProperty(navigator, "language", { configurable: true, get: function () { return safe; } });
    Object.defineProperty(navigator, "languages", { configurable: true, get: function () { return fixed; } });
  } catch (e) { /* the static pictures stay where a chart cannot be drawn */ }
})();`;

export function reportHtml(races: RaceResult[], options: ReportOptions): string {
  checkOptions("reportHtml", options, REPORT_KEYS);
  const title = options.title ?? "downhill: minimizer comparison";
  const data = pageData(races, options.maxPoints ?? 1500);
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  const script = options.uplotJs.replace(/<\/script/gi, "<\\/script");
  const toc = data.map((r, k) => `<a href="#p${k}">${esc(r.problem.name)}</a>`).join(" ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${options.uplotCss}</style>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1280px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-top: 1px solid #ddd; padding-top: 16px; }
.sub { color: #666; margin-bottom: 12px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, th:last-child, td.msg { text-align: left; } td.msg { white-space: normal; color: #555; max-width: 360px; }
.yes { color: #1a7f37; font-weight: 600; } .no { color: #b42318; font-weight: 600; } .stationary { color: #9a6700; font-weight: 600; white-space: normal; }
.charts { display: grid; grid-template-columns: repeat(2, 1fr); gap: 8px 16px; margin-top: 12px; }
figure.chart { margin: 0; min-width: 0; }
.static svg { display: block; max-width: 100%; height: auto; }
.contour { margin-top: 12px; } .contour canvas, .contour svg { border: 1px solid #ccc; }
.legend-note { color: #666; font-size: 12px; }
</style></head><body>
<h1>${esc(title)}</h1>
<div class="sub">${esc(options.subtitle ?? "")}</div>
<div id="toc">Problems: ${toc}</div>
<div id="root">
${data.map(sectionHtml).join("\n")}
</div>
<script>${LOCALE_GUARD}</script>
<script>${script}</script>
<script>
const DATA = ${json};
const COLORS = ${JSON.stringify(COLORS)};
const color = (m) => COLORS[m] || "#444";
const FLOOR = ${FLOOR};
const CHARTS = ${JSON.stringify(CHARTS.map(([title, xLabel, , , logX]) => [title, xLabel, logX]))};
const pos = (v) => v == null ? null : Math.max(v, FLOOR);
function el(tag, attrs = {}, text) { const e = document.createElement(tag); Object.assign(e, attrs); if (text != null) e.textContent = text; return e; }
// Swaps a static picture for the interactive one; when drawing throws, the static picture stays.
function upgrade(host, what, draw) {
  try {
    const box = el("div", { className: "live" });
    draw(box);
    host.replaceChildren(box);
  } catch (e) {
    console.error("downhill report: " + what + " kept its static picture: " + (e && e.message || e));
  }
}

function chart(fig, title, xLabel, xs, series, logX) {
  // xs: per-series x arrays; uPlot wants aligned data, so merge the x values and leave gaps.
  const all = Array.from(new Set(xs.flat())).sort((a, b) => a - b);
  const at = new Map(all.map((v, i) => [v, i]));
  const cols = series.map((s, k) => { const c = new Array(all.length).fill(null); xs[k].forEach((x, i) => { c[at.get(x)] = s.y[i]; }); return c; });
  const width = Math.min(620, (fig.parentElement.clientWidth || 1200) / 2 - 16);
  const opts = {
    title, width, height: 280,
    scales: { x: { time: false, distr: logX ? 3 : 1 }, y: { distr: 3 } },
    axes: [{ label: xLabel, values: logX ? (u, v) => v.map((x) => x == null ? "" : (x >= 1 ? String(x) : x.toExponential(0))) : undefined }, { label: "", values: (u, v) => v.map((x) => x == null ? "" : x.toExponential(0)) , size: 60 }],
    series: [{ label: xLabel }, ...series.map((s) => ({ label: s.label, stroke: color(s.label), width: 1.5, spanGaps: true, points: { show: false } }))],
    legend: { live: true },
  };
  upgrade(fig, "chart \\"" + title + "\\"", (box) => { new uPlot(opts, [all, ...cols], box); });
}

const VIRIDIS = ${JSON.stringify(VIRIDIS)};
function viridis(t) {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(x)), f = x - i;
  return VIRIDIS[i].map((c, k) => c + f * (VIRIDIS[i + 1][k] - c));
}

function contour(host, race) {
  const { grid, entries, problem } = race;
  const W = 520, H = 520;
  const cv = el("canvas", { width: W, height: H });
  const ctx = cv.getContext("2d");
  const nx = grid.x.length, ny = grid.y.length;
  let fmin = Infinity; grid.f.forEach((row) => row.forEach((v) => { if (isFinite(v)) fmin = Math.min(fmin, v); }));
  const L = grid.f.map((row) => row.map((v) => Math.log10(Math.max(v - fmin, 0) + 1e-12)));
  let lo = Infinity, hi = -Infinity; L.forEach((row) => row.forEach((v) => { if (isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }));
  lo = Math.max(lo, hi - 10);
  const levels = ${LEVELS};
  const img = ctx.createImageData(W, H);
  const X = (x) => (x - grid.x[0]) / (grid.x[nx - 1] - grid.x[0]) * (W - 1);
  const Y = (y) => (H - 1) - (y - grid.y[0]) / (grid.y[ny - 1] - grid.y[0]) * (H - 1);
  const band = (v) => Math.floor(Math.min(levels - 1, Math.max(0, (v - lo) / (hi - lo) * levels)));
  const sample = (px, py) => {
    const gi = Math.min(nx - 1, Math.round(px / (W - 1) * (nx - 1))), gj = Math.min(ny - 1, Math.round(((H - 1) - py) / (H - 1) * (ny - 1)));
    return L[gj][gi];
  };
  for (let py = 0; py < H; py++) for (let px = 0; px < W; px++) {
    const v = sample(px, py), b = band(v);
    const edge = px + 1 < W && py + 1 < H && (band(sample(px + 1, py)) !== b || band(sample(px, py + 1)) !== b);
    const t = b / (levels - 1);
    const o = 4 * (py * W + px);
    const [r, g, bl] = viridis(t);
    const k = edge ? 0.75 : 1;
    img.data[o] = r * k; img.data[o + 1] = g * k; img.data[o + 2] = bl * k; img.data[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  for (const e of entries) {
    if (!e.xy || !e.xy.length) continue;
    ctx.strokeStyle = color(e.method); ctx.lineWidth = 2; ctx.beginPath();
    e.xy.forEach((p, i) => { if (!p) return; const px = X(p[0]), py = Y(p[1]); i ? ctx.lineTo(px, py) : ctx.moveTo(px, py); });
    ctx.stroke();
    ctx.fillStyle = color(e.method);
    e.xy.forEach((p) => { if (p) { ctx.beginPath(); ctx.arc(X(p[0]), Y(p[1]), 2, 0, 7); ctx.fill(); } });
  }
  ctx.fillStyle = ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5; ctx.beginPath(); ctx.arc(X(problem.x0[0]), Y(problem.x0[1]), 6, 0, 7); ctx.stroke();
  ctx.font = "18px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
  for (const m of problem.minimizers) ctx.fillText("\\u2605", X(m[0]), Y(m[1]));
  upgrade(host, "contour plot", (box) => { box.appendChild(cv); });
}

DATA.forEach((race, k) => {
  const sec = document.getElementById("p" + k);
  const figs = sec.querySelectorAll("figure.chart");
  const runs = race.entries.filter((e) => !e.skipped && e.it.length);
  const ms = (e) => e.t.map((t) => Math.max(t, 0.001));
  const xs = [(e) => e.it, (e) => e.it, ms, ms], ys = [(e) => e.gap, (e) => e.g, (e) => e.gap, (e) => e.g];
  CHARTS.forEach(([title, xLabel, logX], j) => chart(figs[j], title, xLabel, runs.map(xs[j]), runs.map((e) => ({ label: e.method, y: ys[j](e).map(pos) })), logX));
  if (race.grid) {
    const plot = sec.querySelector(".contour .plot");
    try { contour(plot, race); } catch (e) { console.error("downhill report: contour plot kept its static picture: " + (e && e.message || e)); }
  }
});
</script>
</body></html>
`;
}
