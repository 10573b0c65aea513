/**
 * Static pictures for the comparison report, computed at generation time: an inline SVG per chart
 * (one polyline per curve, on the same log scales as the interactive uPlot chart) and per contour
 * plot (banded log10(f - f_min) background, trajectories, start and minimizers). The page shows
 * them when its script does not run; the script replaces them with the interactive charts. Plain
 * string building: no DOM, no file system, no dependency.
 */

export interface SvgSeries {
  label: string;
  color: string;
  /** x and y of each point; null (or, on a log axis, a value <= 0) leaves the point out. */
  x: ReadonlyArray<number | null>;
  y: ReadonlyArray<number | null>;
}

export interface SvgChartOptions {
  title: string;
  xLabel: string;
  logX: boolean;
  logY: boolean;
  width?: number;
  height?: number;
}

/** Escapes text for HTML and SVG. */
export function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** A coordinate with at most one decimal ("12.3", "-4", never "1e+21"). */
const px = (v: number) => String(Math.round(Math.max(-1e6, Math.min(1e6, v)) * 10) / 10);

/** The same short form as the interactive chart's log-axis labels: 1e-6, 1e+0, 1e+3. */
const decade = (k: number) => (10 ** k).toExponential(0);

/** Linear ticks at 1, 2 or 5 times a power of ten, about `count` of them, inside [lo, hi]. */
function linearTicks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const tickLabel = (v: number) => (v === 0 ? "0" : Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? v.toExponential(0) : String(v));

interface Axis { lo: number; hi: number; ticks: number[]; label: (v: number) => string }

/** An axis over the finite values (already log10'd on a log axis): whole decades when log. */
function axis(values: number[], log: boolean): Axis {
  let lo = Math.min(...values), hi = Math.max(...values);
  if (log) {
    lo = Math.floor(lo);
    hi = Math.ceil(hi);
    if (hi === lo) hi = lo + 1;
    const every = Math.max(1, Math.ceil((hi - lo) / 6));
    const ticks: number[] = []; // multiples of `every`, so 1e+0 is labelled when in range
    for (let k = Math.ceil(lo / every) * every; k <= hi; k += every) ticks.push(k);
    return { lo, hi, ticks, label: decade };
  }
  if (hi === lo) { lo -= 0.5; hi += 0.5; }
  return { lo, hi, ticks: linearTicks(lo, hi, 5), label: tickLabel };
}

/** Keeps, per pixel column, the first, lowest, highest and last point: the picture, not the data. */
function perColumn(points: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  while (i < points.length) {
    const col = Math.floor(points[i][0]);
    let j = i, lo = i, hi = i;
    while (j + 1 < points.length && Math.floor(points[j + 1][0]) === col) {
      j++;
      if (points[j][1] < points[lo][1]) lo = j;
      if (points[j][1] > points[hi][1]) hi = j;
    }
    for (const k of [...new Set([i, lo, hi, j])].sort((a, b) => a - b)) out.push(points[k]);
    i = j + 1;
  }
  return out;
}

/** `x1,y1 x2,y2 ...` with consecutive repeats (after rounding) dropped. */
function pointList(points: Array<[number, number]>): string {
  const out: string[] = [];
  for (const [x, y] of points) {
    const s = `${px(x)},${px(y)}`;
    if (s !== out[out.length - 1]) out.push(s);
  }
  return out.join(" ");
}

/**
 * One chart as an inline SVG: a frame, decade (log) or 1-2-5 (linear) ticks, the title, the x
 * label and one `<polyline data-series="label">` per series (a dot as well when it has one point).
 */
export function svgChart(series: SvgSeries[], o: SvgChartOptions): string {
  const W = o.width ?? 600, H = o.height ?? 280;
  const L = 64, R = 14, T = 28, B = 40;
  const tx = (v: number) => (o.logX ? Math.log10(v) : v), ty = (v: number) => (o.logY ? Math.log10(v) : v);
  const usable = (v: number | null, log: boolean): v is number => v != null && Number.isFinite(v) && (!log || v > 0);
  const pts = series.map((s) => {
    const p: Array<[number, number]> = [];
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (usable(x, o.logX) && usable(y, o.logY)) p.push([tx(x), ty(y)]);
    });
    return p;
  });
  const all = pts.flat();
  const head = `<svg xmlns="http://www.w3.org/2000/svg" class="static-chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.title)}">`
    + `<title>${esc(o.title)}</title><rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>`
    + `<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="600" fill="#222">${esc(o.title)}</text>`;
  const frame = `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#999"/>`;
  const xl = `<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" font-size="12" fill="#444">${esc(o.xLabel)}</text>`;
  if (!all.length) {
    return head + frame + xl + `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-size="12" fill="#888">no data</text></svg>`;
  }
  const ax = axis(all.map((p) => p[0]), o.logX), ay = axis(all.map((p) => p[1]), o.logY);
  const X = (v: number) => L + ((v - ax.lo) / (ax.hi - ax.lo)) * (W - L - R);
  const Y = (v: number) => H - B - ((v - ay.lo) / (ay.hi - ay.lo)) * (H - T - B);
  const grid: string[] = [];
  for (const t of ax.ticks) {
    grid.push(`<line x1="${px(X(t))}" y1="${T}" x2="${px(X(t))}" y2="${H - B}" stroke="#eee"/>`);
    grid.push(`<text x="${px(X(t))}" y="${H - B + 14}" text-anchor="middle" font-size="11" fill="#555">${esc(ax.label(t))}</text>`);
  }
  for (const t of ay.ticks) {
    grid.push(`<line x1="${L}" y1="${px(Y(t))}" x2="${W - R}" y2="${px(Y(t))}" stroke="#eee"/>`);
    grid.push(`<text x="${L - 6}" y="${px(Y(t) + 4)}" text-anchor="end" font-size="11" fill="#555">${esc(ay.label(t))}</text>`);
  }
  const lines = series.map((s, k) => {
    const screen = perColumn(pts[k].map(([x, y]) => [X(x), Y(y)]));
    const dot = screen.length === 1 ? `<circle cx="${px(screen[0][0])}" cy="${px(screen[0][1])}" r="2.5" fill="${esc(s.color)}"/>` : "";
    return `<polyline data-series="${esc(s.label)}" fill="none" stroke="${esc(s.color)}" stroke-width="1.5" stroke-linejoin="round" points="${pointList(screen)}"/>` + dot;
  });
  return head + grid.join("") + frame + xl + lines.join("") + "</svg>";
}

export interface SvgContourInput {
  grid: { x: number[]; y: number[]; f: number[][] };
  x0: number[];
  minimizers: number[][];
  trajectories: Array<{ label: string; color: string; xy: ReadonlyArray<ReadonlyArray<number> | null> }>;
  /** Colour ramp, low to high, as [r, g, b] stops. */
  ramp: ReadonlyArray<readonly [number, number, number]>;
  levels: number;
  size?: number;
  /** Background cells per side at most (the grid is sampled down to it). Default 60. */
  cells?: number;
}

/** Colour at t in [0, 1] along the ramp, as #rrggbb. */
export function rampColor(ramp: SvgContourInput["ramp"], t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (ramp.length - 1), i = Math.min(ramp.length - 2, Math.floor(x)), f = x - i;
  return "#" + ramp[i].map((c, k) => Math.round(c + f * (ramp[i + 1][k] - c)).toString(16).padStart(2, "0")).join("");
}

/**
 * The contour plot as an inline SVG: the grid's log10(f - f_min + 1e-12) in `levels` bands (runs
 * of equal band merged into one rect per row), then one `<polyline data-series>` per trajectory,
 * a circle at the start and a star at each known minimizer.
 */
export function svgContour(c: SvgContourInput): string {
  const S = c.size ?? 520;
  const { x: gx, y: gy, f } = c.grid;
  const nx = gx.length, ny = gy.length;
  let fmin = Infinity;
  for (const row of f) for (const v of row) if (Number.isFinite(v)) fmin = Math.min(fmin, v);
  const Lg = f.map((row) => row.map((v) => (Number.isFinite(v) ? Math.log10(Math.max(v - fmin, 0) + 1e-12) : NaN)));
  let lo = Infinity, hi = -Infinity;
  for (const row of Lg) for (const v of row) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  lo = Math.max(lo, hi - 10);
  const band = (v: number) => (!Number.isFinite(v) ? -1 : !(hi > lo) ? 0 : Math.floor(Math.min(c.levels - 1, Math.max(0, ((v - lo) / (hi - lo)) * c.levels))));
  const cells = Math.min(c.cells ?? 60, nx, ny);
  const cw = S / cells;
  const rects: string[] = [];
  for (let r = 0; r < cells; r++) {
    const gj = Math.round(((cells - 1 - r) / Math.max(1, cells - 1)) * (ny - 1)); // row 0 is the top (largest y)
    const bandAt = (col: number) => band(Lg[gj][Math.round((col / Math.max(1, cells - 1)) * (nx - 1))]);
    let start = 0;
    for (let col = 1; col <= cells; col++) {
      if (col < cells && bandAt(col) === bandAt(start)) continue;
      const b = bandAt(start);
      const fill = b < 0 ? "#ddd" : rampColor(c.ramp, b / Math.max(1, c.levels - 1));
      // a hair wider and taller than the cell, so no seams show between rects
      rects.push(`<rect x="${px(start * cw)}" y="${px(r * cw)}" width="${px((col - start) * cw + 0.6)}" height="${px(cw + 0.6)}" fill="${fill}"/>`);
      start = col;
    }
  }
  const X = (v: number) => ((v - gx[0]) / (gx[nx - 1] - gx[0])) * (S - 1);
  const Y = (v: number) => S - 1 - ((v - gy[0]) / (gy[ny - 1] - gy[0])) * (S - 1);
  const paths = c.trajectories.map((t) => {
    const pts = t.xy.filter((p): p is ReadonlyArray<number> => p != null && Number.isFinite(p[0]) && Number.isFinite(p[1])).map((p) => [X(p[0]), Y(p[1])] as [number, number]);
    const dots = pts.length <= 60 ? pts.map(([x, y]) => `<circle cx="${px(x)}" cy="${px(y)}" r="2" fill="${esc(t.color)}"/>`).join("") : "";
    return `<polyline data-series="${esc(t.label)}" fill="none" stroke="${esc(t.color)}" stroke-width="2" stroke-linejoin="round" points="${pointList(pts)}"/>` + dots;
  });
  const start = `<circle cx="${px(X(c.x0[0]))}" cy="${px(Y(c.x0[1]))}" r="6" fill="none" stroke="#000" stroke-width="1.5"/>`;
  const stars = c.minimizers.map((m) => `<text x="${px(X(m[0]))}" y="${px(Y(m[1]) + 6)}" text-anchor="middle" font-size="18" fill="#000">\u2605</text>`).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" class="static-contour" viewBox="0 0 ${S} ${S}" width="${S}" height="${S}" role="img" aria-label="trajectories over the contour map">`
    + `<title>trajectories over log10(f - f_min + 1e-12)</title>${rects.join("")}${paths.join("")}${start}${stars}`
    + `<rect x="0.5" y="0.5" width="${S - 1}" height="${S - 1}" fill="none" stroke="#ccc"/></svg>`;
}
