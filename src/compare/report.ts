/**
 * The comparison report: one self-contained HTML file that opens offline. uPlot (a small,
 * maintained canvas charting library) is inlined; the caller passes its script and stylesheet
 * text (bin/downhill.mjs reads them from node_modules/uplot/dist), so this module needs no
 * file system. Per problem: the results table; f - f* and ||grad f|| against iterations and
 * against wall time (log y); for 2-D problems the trajectories over a contour map of log(f - f_min)
 * drawn on a canvas from a grid computed in Node.
 */
import type { RaceResult } from "./race.js";
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

/** Escapes text for HTML, and `</script` inside inlined scripts. */
function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

export function reportHtml(races: RaceResult[], options: ReportOptions): string {
  checkOptions("reportHtml", options, REPORT_KEYS);
  const title = options.title ?? "downhill: minimizer comparison";
  const json = JSON.stringify(pageData(races, options.maxPoints ?? 1500)).replace(/</g, "\\u003c");
  const script = options.uplotJs.replace(/<\/script/gi, "<\\/script");
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
.contour { margin-top: 12px; } .contour canvas { border: 1px solid #ccc; }
.legend-note { color: #666; font-size: 12px; }
</style></head><body>
<h1>${esc(title)}</h1>
<div class="sub">${esc(options.subtitle ?? "")}</div>
<div id="toc"></div>
<div id="root"></div>
<script>${script}</script>
<script>
const DATA = ${json};
const COLORS = { gd: "#1f77b4", momentum: "#17becf", nesterov: "#ff7f0e", adam: "#2ca02c", lbfgs: "#d62728", "newton-cg": "#9467bd", "trust-ncg": "#8c564b", newton: "#e377c2", transform: "#7f7f7f" };
const color = (m) => COLORS[m] || "#444";
const fmt = (v, d = 3) => v == null || !isFinite(v) ? String(v) : (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(d - 1) : v.toPrecision(d));
const FLOOR = 1e-18;
const pos = (v) => v == null ? null : Math.max(v, FLOOR);
function el(tag, attrs = {}, text) { const e = document.createElement(tag); Object.assign(e, attrs); if (text != null) e.textContent = text; return e; }

function chart(host, title, xLabel, xs, series, logX) {
  // xs: per-series x arrays; uPlot wants aligned data, so merge the x values and leave gaps.
  const all = Array.from(new Set(xs.flat())).sort((a, b) => a - b);
  const at = new Map(all.map((v, i) => [v, i]));
  const cols = series.map((s, k) => { const c = new Array(all.length).fill(null); xs[k].forEach((x, i) => { c[at.get(x)] = s.y[i]; }); return c; });
  const width = Math.min(620, (host.clientWidth || 1200) / 2 - 16);
  const opts = {
    title, width, height: 280,
    scales: { x: { time: false, distr: logX ? 3 : 1 }, y: { distr: 3 } },
    axes: [{ label: xLabel, values: logX ? (u, v) => v.map((x) => x == null ? "" : (x >= 1 ? String(x) : x.toExponential(0))) : undefined }, { label: "", values: (u, v) => v.map((x) => x == null ? "" : x.toExponential(0)) , size: 60 }],
    series: [{ label: xLabel }, ...series.map((s) => ({ label: s.label, stroke: color(s.label), width: 1.5, spanGaps: true, points: { show: false } }))],
    legend: { live: true },
  };
  const box = el("div"); host.appendChild(box);
  new uPlot(opts, [all, ...cols], box);
}

const VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]];
function viridis(t) {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1), i = Math.min(VIRIDIS.length - 2, Math.floor(x)), f = x - i;
  return VIRIDIS[i].map((c, k) => c + f * (VIRIDIS[i + 1][k] - c));
}

function contour(host, race) {
  const { grid, entries, problem } = race;
  const W = 520, H = 520;
  const wrap = el("div", { className: "contour" });
  wrap.appendChild(el("div", { className: "legend-note" }, "Trajectories over log10(f - f_min + 1e-12) (darker = lower); circle = start, star = known minimizers."));
  const cv = el("canvas", { width: W, height: H }); wrap.appendChild(cv); host.appendChild(wrap);
  const ctx = cv.getContext("2d");
  const nx = grid.x.length, ny = grid.y.length;
  let fmin = Infinity; grid.f.forEach((row) => row.forEach((v) => { if (isFinite(v)) fmin = Math.min(fmin, v); }));
  const L = grid.f.map((row) => row.map((v) => Math.log10(Math.max(v - fmin, 0) + 1e-12)));
  let lo = Infinity, hi = -Infinity; L.forEach((row) => row.forEach((v) => { if (isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }));
  lo = Math.max(lo, hi - 10);
  const levels = 18;
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
  ctx.fillStyle = "#000"; ctx.beginPath(); ctx.arc(X(problem.x0[0]), Y(problem.x0[1]), 6, 0, 7); ctx.stroke();
  ctx.font = "18px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
  for (const m of problem.minimizers) ctx.fillText("\\u2605", X(m[0]), Y(m[1]));
  const legend = el("div", { className: "legend-note" });
  legend.innerHTML = entries.filter((e) => e.xy && e.xy.length).map((e) => '<span style="color:' + color(e.method) + '">&#9632; ' + e.method + "</span>").join(" &nbsp; ")
    + " &nbsp; x in [" + fmt(grid.x[0]) + ", " + fmt(grid.x[nx - 1]) + "], y in [" + fmt(grid.y[0]) + ", " + fmt(grid.y[ny - 1]) + "]";
  wrap.appendChild(legend);
}

const root = document.getElementById("root"), toc = document.getElementById("toc");
toc.textContent = "Problems: ";
DATA.forEach((race, k) => {
  const a = el("a", { href: "#p" + k }, race.problem.name); toc.appendChild(a); toc.appendChild(document.createTextNode(" "));
  const sec = el("section", { id: "p" + k });
  sec.appendChild(el("h2", {}, race.problem.description + " (n = " + race.problem.dim + ")"));
  sec.appendChild(el("div", { className: "legend-note" }, (isFinite(race.problem.fStar) ? "f* = " + fmt(race.problem.fStar, 6) : "f* unknown: f - f_min uses the lowest f reached, " + fmt(race.fRef, 6)) + "; log plots floor values at " + FLOOR + "."));
  const tbl = el("table");
  tbl.innerHTML = "<tr><th>method</th><th>iterations</th><th>f evals</th><th>grad evals</th><th>Hv</th><th>time ms</th><th>final f</th><th>f - f*</th><th>||grad||</th><th>converged</th><th>message</th></tr>";
  for (const e of race.entries) {
    const tr = el("tr");
    const cells = e.skipped ? [e.method, "", "", "", "", "", "", "", "", "", e.skipped]
      : [e.method, e.nit, e.nfev, e.ngev, e.nhvp, e.time.toFixed(1), fmt(e.fun, 6), fmt(e.fun - race.fRef), fmt(e.gradNorm), e.verdict, e.message];
    cells.forEach((c, i) => { const td = el("td", {}, String(c)); if (i === 9) td.className = e.outcome === "minimum" ? "yes" : e.outcome === "stationary" ? "stationary" : "no"; if (i === 10) td.className = "msg"; if (i === 0) td.style.color = color(e.method); tr.appendChild(td); });
    tbl.appendChild(tr);
  }
  sec.appendChild(tbl);
  const charts = el("div", { className: "charts" }); sec.appendChild(charts);
  root.appendChild(sec);
  const runs = race.entries.filter((e) => !e.skipped && e.it.length);
  chart(charts, "f - f* vs iterations", "iteration", runs.map((e) => e.it), runs.map((e) => ({ label: e.method, y: e.gap.map(pos) })), false);
  chart(charts, "||grad f|| vs iterations", "iteration", runs.map((e) => e.it), runs.map((e) => ({ label: e.method, y: e.g.map(pos) })), false);
  const ms = (e) => e.t.map((t) => Math.max(t, 0.001));
  chart(charts, "f - f* vs wall time (log x)", "ms", runs.map(ms), runs.map((e) => ({ label: e.method, y: e.gap.map(pos) })), true);
  chart(charts, "||grad f|| vs wall time (log x)", "ms", runs.map(ms), runs.map((e) => ({ label: e.method, y: e.g.map(pos) })), true);
  if (race.grid) contour(sec, race);
});
</script>
</body></html>
`;
}
