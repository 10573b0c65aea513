/**
 * Static SVG charts for the gallery: plain strings, no DOM, no script, so the page shows them
 * with JavaScript off. Lines (optionally log-scaled axes) and grouped bars; nothing more.
 */

export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Draw markers only (no line). */
  dots?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  width?: number;
  height?: number;
  /** Clamp the y range (after the log, if any): values outside are drawn at the edge. */
  yMin?: number;
  yMax?: number;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

export function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

const r1 = (v: number) => String(Math.round(v * 10) / 10);

function ticks(lo: number, hi: number, log: boolean): Array<[number, string]> {
  if (log) {
    const out: Array<[number, string]> = [];
    const every = Math.max(1, Math.ceil((Math.ceil(hi) - Math.floor(lo)) / 6));
    for (let k = Math.ceil(lo / every) * every; k <= hi + 1e-9; k += every) out.push([k, (10 ** k).toExponential(0)]);
    return out;
  }
  const raw = (hi - lo) / 5 || 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: Array<[number, string]> = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    const n = Number(v.toPrecision(10));
    out.push([n, Math.abs(n) >= 1e5 || (n !== 0 && Math.abs(n) < 1e-3) ? n.toExponential(0) : String(n)]);
  }
  return out;
}

/** The chart's frame; `rows` legend rows go below the x label (so the legend never covers a curve). */
function frame(o: ChartOptions, W: number, H: number, L: number, T: number, R: number, B: number, rows: number): string {
  const total = H + legendHeight(rows);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${total}" width="${W}" height="${total}" role="img" aria-label="${esc(o.title)}">`
    + `<title>${esc(o.title)}</title><rect width="${W}" height="${total}" fill="#fff"/>`
    + `<text x="${W / 2}" y="17" text-anchor="middle" font-size="13" font-weight="600" fill="#222">${esc(o.title)}</text>`
    + `<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle" font-size="11" fill="#444">${esc(o.xLabel)}</text>`
    + `<text transform="translate(12 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle" font-size="11" fill="#444">${esc(o.yLabel)}</text>`;
}

const legendHeight = (rows: number) => (rows > 0 ? rows * 15 + 6 : 0);

/** One row per label, under the chart area starting at y. */
function legend(labels: string[], x: number, y: number): string {
  return labels.map((l, i) => `<rect x="${x}" y="${y + i * 15 + 4}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/>`
    + `<text x="${x + 14}" y="${y + i * 15 + 13}" font-size="11" fill="#222">${esc(l)}</text>`).join("");
}

/** A line chart; non-finite points (and, on a log axis, points <= 0) are left out. */
export function lineChart(series: Series[], o: ChartOptions): string {
  const W = o.width ?? 560, H = o.height ?? 300, L = 62, R = 12, T = 26, B = 36;
  const fx = (v: number) => (o.logX ? Math.log10(v) : v), fy = (v: number) => (o.logY ? Math.log10(v) : v);
  const pts = series.map((s) => {
    const p: Array<[number, number]> = [];
    for (let i = 0; i < s.x.length; i++) {
      const a = fx(s.x[i]), b = fy(s.y[i]);
      if (Number.isFinite(a) && Number.isFinite(b)) p.push([a, b]);
    }
    return p;
  });
  const all = pts.flat();
  let out = frame(o, W, H, L, T, R, B, series.length);
  if (!all.length) return out + `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="12">no data</text></svg>`;
  let xlo = Math.min(...all.map((p) => p[0])), xhi = Math.max(...all.map((p) => p[0]));
  let ylo = Math.max(o.yMin ?? -Infinity, Math.min(...all.map((p) => p[1]))), yhi = Math.min(o.yMax ?? Infinity, Math.max(...all.map((p) => p[1])));
  if (o.logY) { ylo = Math.floor(ylo); yhi = Math.ceil(yhi); }
  if (xhi === xlo) { xlo -= 0.5; xhi += 0.5; }
  if (yhi === ylo) { ylo -= 0.5; yhi += 0.5; }
  const X = (v: number) => L + ((v - xlo) / (xhi - xlo)) * (W - L - R);
  const Y = (v: number) => H - B - ((Math.max(ylo, Math.min(yhi, v)) - ylo) / (yhi - ylo)) * (H - T - B);
  for (const [t, s] of ticks(xlo, xhi, !!o.logX)) out += `<line x1="${r1(X(t))}" y1="${T}" x2="${r1(X(t))}" y2="${H - B}" stroke="#eee"/><text x="${r1(X(t))}" y="${H - B + 13}" text-anchor="middle" font-size="10" fill="#555">${s}</text>`;
  for (const [t, s] of ticks(ylo, yhi, !!o.logY)) out += `<line x1="${L}" y1="${r1(Y(t))}" x2="${W - R}" y2="${r1(Y(t))}" stroke="#eee"/><text x="${L - 4}" y="${r1(Y(t) + 3)}" text-anchor="end" font-size="10" fill="#555">${s}</text>`;
  out += `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#999"/>`;
  series.forEach((s, k) => {
    const c = COLORS[k % COLORS.length];
    // at most ~2 points per pixel column: the picture, not the data
    const stride = Math.max(1, Math.floor(pts[k].length / (2 * (W - L - R))));
    const p = pts[k].filter((_, i) => i % stride === 0 || i === pts[k].length - 1).map(([a, b]) => `${r1(X(a))},${r1(Y(b))}`);
    if (s.dots || p.length === 1) out += p.map((q) => `<circle cx="${q.split(",")[0]}" cy="${q.split(",")[1]}" r="2.5" fill="${c}"/>`).join("");
    else out += `<polyline fill="none" stroke="${c}" stroke-width="1.5" stroke-linejoin="round" points="${p.join(" ")}"><title>${esc(s.label)}</title></polyline>`;
  });
  return out + legend(series.map((s) => s.label), L, H) + "</svg>";
}

/** Grouped bars: one group per category, one bar per series (values >= 0). */
export function barChart(categories: string[], series: Array<{ label: string; values: number[] }>, o: Omit<ChartOptions, "logX" | "xLabel"> & { xLabel?: string }): string {
  const W = o.width ?? 560, H = o.height ?? 300, L = 62, R = 12, T = 26, B = 48;
  const fy = (v: number) => (o.logY ? Math.log10(v) : v);
  const vals = series.flatMap((s) => s.values.map(fy)).filter(Number.isFinite);
  let ylo = o.logY ? Math.floor(Math.min(...vals)) : 0, yhi = o.logY ? Math.ceil(Math.max(...vals)) : Math.max(...vals, 0) * 1.08;
  if (o.yMax !== undefined) yhi = o.yMax;
  if (o.yMin !== undefined) ylo = o.yMin;
  if (yhi <= ylo) yhi = ylo + 1;
  const Y = (v: number) => H - B - ((Math.max(ylo, Math.min(yhi, v)) - ylo) / (yhi - ylo)) * (H - T - B);
  const rows = series.length > 1 ? series.length : 0; // a single series needs no legend
  let out = frame({ ...o, xLabel: o.xLabel ?? "" }, W, H, L, T, R, B, rows);
  for (const [t, s] of ticks(ylo, yhi, !!o.logY)) out += `<line x1="${L}" y1="${r1(Y(t))}" x2="${W - R}" y2="${r1(Y(t))}" stroke="#eee"/><text x="${L - 4}" y="${r1(Y(t) + 3)}" text-anchor="end" font-size="10" fill="#555">${s}</text>`;
  const gw = (W - L - R) / categories.length, bw = (gw * 0.8) / series.length;
  categories.forEach((cat, g) => {
    out += `<text x="${r1(L + gw * (g + 0.5))}" y="${H - B + 14}" text-anchor="middle" font-size="10" fill="#333">${esc(cat)}</text>`;
    series.forEach((s, k) => {
      const v = fy(s.values[g]);
      if (!Number.isFinite(v)) return;
      const x = L + gw * g + gw * 0.1 + k * bw, y = Y(v);
      out += `<rect x="${r1(x)}" y="${r1(y)}" width="${r1(bw - 1)}" height="${r1(H - B - y)}" fill="${COLORS[k % COLORS.length]}"><title>${esc(`${s.label}, ${cat}: ${s.values[g]}`)}</title></rect>`;
    });
  });
  out += `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#999"/>`;
  return out + (rows ? legend(series.map((s) => s.label), L, H) : "") + "</svg>";
}
