/**
 * The explorer page: controls, the contour plot with trajectories, loss and step-size curves on
 * log axes, and a readout of each step. All optimization runs in the worker (worker.ts, inlined
 * as a Blob so the page works from file://); this file only draws. The page state is
 * `window.explorer.state` (what the browser test reads), changed through `window.explorer`'s
 * methods or the controls.
 */
import type { FromWorker, RacerProgress, ToWorker } from "./protocol.js";
import { RACERS, racerById, type Param } from "./racers.js";
import { CUSTOM_VIEW, SURFACES, type Surface } from "./surfaces.js";

declare const __EXPLORER_WORKER__: string;

type View = [number, number, number, number];

interface RunData { x: number[][]; f: number[]; gradNorm: number[]; step: number[]; status: RacerProgress["status"]; message: string; nfev: number; ngev: number }

export interface ExplorerState {
  surfaceId: string;
  formula: string;
  dim: 1 | 2;
  view: View;
  fStar: number | null;
  start: number[];
  maxIter: number;
  tol: number;
  enabled: Record<string, boolean>;
  params: Record<string, Record<string, number>>;
  runs: Record<string, RunData>;
  running: boolean;
  runId: number;
  /** Milliseconds the worker spent on the last run (wall clock, all racers interleaved). */
  runMs: number;
  /** Milliseconds the last redraw took (contour, charts, readout). */
  drawMs: number;
  backend: string;
  error: string | null;
  /** The readout's iteration (follows the newest while a run is going). */
  iteration: number;
  follow: boolean;
}

const $ = <T extends HTMLElement>(sel: string): T => document.querySelector(sel) as T;
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "style") e.setAttribute("style", String(v));
    else if (k.startsWith("data-")) e.setAttribute(k, String(v));
    else (e as unknown as Record<string, unknown>)[k] = v;
  }
  e.append(...kids);
  return e;
};

const fmt = (v: number | undefined): string => (v === undefined ? "" : !Number.isFinite(v) ? String(v) : v === 0 ? "0" : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(3) : v.toPrecision(5));

// --- state -------------------------------------------------------------------------------------

const first = SURFACES.find((s) => s.id === "rosenbrock")!;
const state: ExplorerState = {
  surfaceId: first.id,
  formula: first.formula,
  dim: 2,
  view: [...first.view] as View,
  fStar: first.fStar ?? null,
  start: [...first.start],
  maxIter: 500,
  tol: 1e-6,
  enabled: Object.fromEntries(RACERS.map((r) => [r.id, true])),
  params: Object.fromEntries(RACERS.map((r) => [r.id, r.defaults(first.sgdLr)])),
  runs: {},
  running: false,
  runId: 0,
  runMs: 0,
  drawMs: 0,
  backend: "(starting)",
  error: null,
  iteration: 0,
  follow: true,
};

let grid: { values: Float64Array; nx: number; ny: number; reqId: number } | null = null;
let gridReq = 0;
let idleWaiters: Array<() => void> = [];

// --- the worker ----------------------------------------------------------------------------------

const worker = new Worker(URL.createObjectURL(new Blob([__EXPLORER_WORKER__], { type: "text/javascript" })));
const send = (m: ToWorker): void => worker.postMessage(m);

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === "ready") { state.backend = m.backend; $("#backend").textContent = m.backend; return; }
  if (m.type === "error") {
    if ((m.runId !== undefined && m.runId !== state.runId) || (m.reqId !== undefined && m.reqId !== gridReq)) return;
    state.error = m.message;
    if (m.runId !== undefined) finish();
    showStatus();
    return;
  }
  if (m.type === "grid") {
    if (m.reqId !== gridReq) return;
    grid = { values: m.values, nx: m.nx, ny: m.ny, reqId: m.reqId };
    state.dim = m.dim;
    syncControls();
    contourImage = null;
    redraw();
    return;
  }
  if (m.runId !== state.runId) return;
  for (const p of m.racers) {
    const r = (state.runs[p.id] ??= { x: [], f: [], gradNorm: [], step: [], status: "running", message: "", nfev: 0, ngev: 0 });
    for (let i = 0; i < p.x.length; i++) {
      r.x.push(p.x[i]);
      r.f.push(p.f[i]);
      r.gradNorm.push(p.gradNorm[i]);
      r.step.push(p.step[i]);
    }
    r.status = p.status;
    r.message = p.message;
    r.nfev = p.nfev;
    r.ngev = p.ngev;
  }
  state.runMs = m.ms;
  if (m.done) finish();
  redraw();
};

function finish(): void {
  inFlight = false;
  // A change made while this run went on has scheduled the next one: the page is not idle yet
  // (a reader of `running` would otherwise see the old run's results as the new settings').
  if (pending !== null) {
    showStatus();
    return;
  }
  state.running = false;
  const w = idleWaiters;
  idleWaiters = [];
  for (const ok of w) ok();
  showStatus();
}

let pending: ReturnType<typeof setTimeout> | null = null;
/** Whether the worker has a run of ours going (started, not yet reported done). */
let inFlight = false;

/** Starts a run with the current state (debounced: a drag or a slider sends many changes). */
function schedule(): void {
  if (pending) clearTimeout(pending);
  state.running = true;
  pending = setTimeout(() => { pending = null; startRun(); }, 40);
}

function startRun(): void {
  inFlight = true;
  state.runId++;
  state.runs = {};
  state.error = null;
  state.running = true;
  state.follow = true;
  const racers = RACERS.filter((r) => state.enabled[r.id]).map((r) => ({ id: r.id, params: { ...state.params[r.id] } }));
  send({ type: "run", runId: state.runId, formula: state.formula, start: state.start.slice(), maxIter: state.maxIter, tol: state.tol, racers });
  showStatus();
}

function requestGrid(): void {
  gridReq++;
  grid = null;
  const c = $("#contour") as HTMLCanvasElement;
  send({ type: "grid", reqId: gridReq, formula: state.formula, view: state.view, nx: Math.round(c.width / 3), ny: Math.round(c.height / 3) });
}

// --- drawing -------------------------------------------------------------------------------------

/** A viridis-like ramp, t in [0, 1]. */
function ramp(t: number): [number, number, number] {
  const stops: Array<[number, number, number]> = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const u = Math.min(1, Math.max(0, t)) * (stops.length - 1), i = Math.min(stops.length - 2, Math.floor(u)), a = u - i;
  return [0, 1, 2].map((k) => stops[i][k] + a * (stops[i + 1][k] - stops[i][k])) as [number, number, number];
}

let contourImage: HTMLCanvasElement | null = null;

/** Heat map of log(1 + f - min f) over the view, with iso-lines (marching squares) at equal steps of it. */
function contourLayer(W: number, H: number): HTMLCanvasElement | null {
  if (!grid || state.dim !== 2) return null;
  if (contourImage) return contourImage;
  const { values, nx, ny } = grid;
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const t = new Float64Array(values.length);
  const scale = Math.log1p(Math.max(hi - lo, 1e-300));
  for (let k = 0; k < values.length; k++) t[k] = Number.isFinite(values[k]) ? Math.log1p(values[k] - lo) / scale : 1;
  const cell = el("canvas", { width: nx, height: ny });
  const cx = cell.getContext("2d")!, img = cx.createImageData(nx, ny);
  for (let k = 0; k < t.length; k++) {
    const [r, g, b] = ramp(t[k]);
    img.data.set([r, g, b, 255], 4 * k);
  }
  cx.putImageData(img, 0, 0);
  const out = el("canvas", { width: W, height: H });
  const o = out.getContext("2d")!;
  o.imageSmoothingEnabled = true;
  o.drawImage(cell, 0, 0, W, H);
  o.strokeStyle = "rgba(255,255,255,0.45)";
  o.lineWidth = 1;
  const sx = W / (nx - 1), sy = H / (ny - 1);
  o.beginPath();
  for (let level = 1; level < 16; level++) {
    const c = level / 16;
    for (let j = 0; j < ny - 1; j++) for (let i = 0; i < nx - 1; i++) {
      const a = t[j * nx + i], b = t[j * nx + i + 1], d = t[(j + 1) * nx + i], e = t[(j + 1) * nx + i + 1];
      const pts: Array<[number, number]> = [];
      const edge = (p: number, q: number, x0: number, y0: number, x1: number, y1: number) => {
        if ((p < c) !== (q < c)) { const s = (c - p) / (q - p); pts.push([(x0 + s * (x1 - x0)) * sx, (y0 + s * (y1 - y0)) * sy]); }
      };
      edge(a, b, i, j, i + 1, j);
      edge(b, e, i + 1, j, i + 1, j + 1);
      edge(d, e, i, j + 1, i + 1, j + 1);
      edge(a, d, i, j, i, j + 1);
      for (let k = 0; k + 1 < pts.length; k += 2) { o.moveTo(pts[k][0], pts[k][1]); o.lineTo(pts[k + 1][0], pts[k + 1][1]); }
    }
  }
  o.stroke();
  contourImage = out;
  return out;
}

const clampPx = (v: number): number => Math.max(-1e4, Math.min(1e4, v));

/** World -> canvas for the contour plot (2-D: x, y; 1-D: x, f with the f range of the grid). */
function mapper(W: number, H: number): { px: (p: number[], f?: number) => [number, number]; inv: (X: number, Y: number) => number[]; fRange: [number, number] } {
  const [x0, x1, y0, y1] = state.view;
  if (state.dim === 2) {
    return {
      px: (p) => [clampPx(((p[0] - x0) / (x1 - x0)) * W), clampPx(((y1 - p[1]) / (y1 - y0)) * H)],
      inv: (X, Y) => [x0 + (X / W) * (x1 - x0), y1 - (Y / H) * (y1 - y0)],
      fRange: [0, 0],
    };
  }
  let lo = Infinity, hi = -Infinity;
  for (const v of grid?.values ?? []) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!(hi > lo)) { lo = 0; hi = 1; }
  const pad = 0.08 * (hi - lo);
  const f0 = lo - pad, f1 = hi + pad;
  return {
    px: (p, f = 0) => [clampPx(((p[0] - x0) / (x1 - x0)) * W), clampPx(((f1 - f) / (f1 - f0)) * H)],
    inv: (X) => [x0 + (X / W) * (x1 - x0)],
    fRange: [f0, f1],
  };
}

function drawContour(): void {
  const c = $("#contour") as HTMLCanvasElement, g = c.getContext("2d")!;
  const W = c.width, H = c.height;
  g.clearRect(0, 0, W, H);
  g.fillStyle = "#1b1b2f";
  g.fillRect(0, 0, W, H);
  const m = mapper(W, H);
  if (state.dim === 2) {
    const layer = contourLayer(W, H);
    if (layer) g.drawImage(layer, 0, 0);
  } else if (grid) {
    g.strokeStyle = "#e0e0e0";
    g.lineWidth = 2;
    g.beginPath();
    const n = grid.values.length, [x0, x1] = state.view;
    for (let k = 0; k < n; k++) {
      const [X, Y] = m.px([x0 + ((x1 - x0) * (k % grid.nx)) / (grid.nx - 1)], grid.values[k]);
      if (k === 0) g.moveTo(X, Y); else g.lineTo(X, Y);
      if (k === grid.nx - 1) break;
    }
    g.stroke();
  }
  // trajectories
  for (const r of RACERS) {
    const run = state.runs[r.id];
    if (!run || !run.x.length) continue;
    g.strokeStyle = r.color;
    g.fillStyle = r.color;
    g.lineWidth = 2;
    g.beginPath();
    run.x.forEach((p, i) => {
      const [X, Y] = m.px(p, run.f[i]);
      if (i === 0) g.moveTo(X, Y); else g.lineTo(X, Y);
    });
    g.stroke();
    const k = Math.min(state.iteration, run.x.length - 1);
    const [X, Y] = m.px(run.x[k], run.f[k]);
    g.beginPath();
    g.arc(X, Y, 4, 0, 2 * Math.PI);
    g.fill();
  }
  // the start point (drag it)
  const fs = state.runs[RACERS.find((r) => state.runs[r.id])?.id ?? ""]?.f[0] ?? NaN;
  const [SX, SY] = m.px(state.start, Number.isFinite(fs) ? fs : m.fRange[1]);
  g.strokeStyle = "#fff";
  g.fillStyle = "rgba(255,255,255,0.35)";
  g.lineWidth = 2;
  g.beginPath();
  g.arc(SX, SY, 7, 0, 2 * Math.PI);
  g.fill();
  g.stroke();
  // axes labels
  g.font = "11px system-ui, sans-serif";
  const [x0, x1, y0, y1] = state.view;
  g.fillStyle = "rgba(0,0,0,0.55)";
  g.fillRect(0, H - 20, 290, 20);
  g.fillStyle = "#eee";
  g.fillText(`x ∈ [${x0}, ${x1}]` + (state.dim === 2 ? `, y ∈ [${y0}, ${y1}]` : `, f ∈ [${fmt(m.fRange[0])}, ${fmt(m.fRange[1])}]`), 6, H - 6);
}

/** A log-axis chart of one series per racer (values <= 0 or non-finite are left out). */
function drawLog(id: string, series: (run: RunData) => number[], title: string): void {
  const c = $(`#${id}`) as HTMLCanvasElement, g = c.getContext("2d")!;
  const W = c.width, H = c.height, L = 46, B = 18, T = 16;
  g.clearRect(0, 0, W, H);
  g.fillStyle = "#fff";
  g.fillRect(0, 0, W, H);
  let lo = Infinity, hi = -Infinity, n = 1;
  const all: Array<[string, number[]]> = [];
  for (const r of RACERS) {
    const run = state.runs[r.id];
    if (!run) continue;
    const s = series(run);
    all.push([r.color, s]);
    n = Math.max(n, s.length - 1);
    for (const v of s) if (v > 0 && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  if (!(hi >= lo)) { lo = 1e-8; hi = 1; }
  let d0 = Math.floor(Math.log10(Math.max(lo, 1e-300))), d1 = Math.ceil(Math.log10(Math.min(hi, 1e300)));
  d0 = Math.max(d0, d1 - 30);
  if (d1 === d0) d1++;
  const X = (i: number) => L + ((W - L - 8) * i) / n, Y = (v: number) => T + ((H - T - B) * (d1 - Math.log10(v))) / (d1 - d0);
  g.strokeStyle = "#ddd";
  g.fillStyle = "#555";
  g.font = "10px system-ui, sans-serif";
  g.lineWidth = 1;
  const every = Math.max(1, Math.ceil((d1 - d0) / 8));
  for (let d = d0; d <= d1; d += every) {
    g.beginPath(); g.moveTo(L, Y(10 ** d)); g.lineTo(W - 8, Y(10 ** d)); g.stroke();
    g.fillText(`1e${d}`, 4, Y(10 ** d) + 3);
  }
  g.fillText(`${n}`, W - 8 - 6 * String(n).length, H - 4);
  g.fillText("0", L, H - 4);
  g.fillStyle = "#222";
  g.font = "12px system-ui, sans-serif";
  g.fillText(title, L, 12);
  for (const [color, s] of all) {
    g.strokeStyle = color;
    g.lineWidth = 1.5;
    g.beginPath();
    let pen = false;
    s.forEach((v, i) => {
      if (!(v > 0 && Number.isFinite(v))) { pen = false; return; }
      const y = Math.max(T, Math.min(H - B, Y(v)));
      if (pen) g.lineTo(X(i), y); else g.moveTo(X(i), y);
      pen = true;
    });
    g.stroke();
  }
  const k = state.iteration;
  g.strokeStyle = "rgba(0,0,0,0.35)";
  g.beginPath(); g.moveTo(X(Math.min(k, n)), T); g.lineTo(X(Math.min(k, n)), H - B); g.stroke();
}

const lossOf = (run: RunData): number[] => (state.fStar === null ? run.f.map(Math.abs) : run.f.map((v) => v - state.fStar!));

function drawReadout(): void {
  const longest = Math.max(0, ...Object.values(state.runs).map((r) => r.x.length - 1));
  const slider = $("#iteration") as HTMLInputElement;
  slider.max = String(longest);
  if (state.follow) state.iteration = longest;
  slider.value = String(state.iteration);
  $("#iteration-label").textContent = `iteration ${state.iteration} of ${longest}`;
  const body = $("#readout tbody");
  body.replaceChildren();
  for (const r of RACERS) {
    const run = state.runs[r.id];
    if (!run) continue;
    const k = Math.min(state.iteration, run.x.length - 1);
    body.append(el("tr", { "data-racer": r.id },
      el("td", {}, el("span", { className: "swatch", style: `background:${r.color}` }), r.label),
      el("td", { className: `status ${run.status}`, title: run.message }, run.status),
      el("td", {}, String(k)),
      el("td", {}, run.x[k]?.map(fmt).join(", ") ?? ""),
      el("td", {}, fmt(run.f[k])),
      el("td", {}, fmt(run.gradNorm[k])),
      el("td", {}, fmt(run.step[k])),
      el("td", {}, `${run.nfev} / ${run.ngev}`),
      el("td", { className: "message" }, run.message),
    ));
  }
}

let frame = 0;
function redraw(): void {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const t0 = performance.now();
    drawContour();
    drawLog("loss", lossOf, state.fStar === null ? "|f| (log axis)" : "f − f* (log axis)");
    drawLog("steps", (r) => r.step, "step length ‖x_k − x_{k−1}‖ (log axis)");
    drawReadout();
    state.drawMs = performance.now() - t0;
  });
}

function showStatus(): void {
  const s = $("#status");
  s.textContent = state.error ? state.error : state.running ? "running…" : `done in ${state.runMs < 10 ? state.runMs.toFixed(1) : state.runMs.toFixed(0)} ms`;
  s.className = state.error ? "error" : "";
}

// --- controls ------------------------------------------------------------------------------------

const toSlider = (p: Param, v: number): number => (p.log ? (Math.log(v / p.min) / Math.log(p.max / p.min)) * 1000 : ((v - p.min) / (p.max - p.min)) * 1000);
const fromSlider = (p: Param, s: number): number => {
  const v = p.log ? p.min * (p.max / p.min) ** (s / 1000) : p.min + ((p.max - p.min) * s) / 1000;
  return p.integer ? Math.round(v) : Number(v.toPrecision(3));
};

function buildRacerControls(): void {
  const box = $("#racers");
  box.replaceChildren();
  for (const r of RACERS) {
    const on = el("input", { type: "checkbox", id: `on-${r.id}`, checked: state.enabled[r.id] });
    on.addEventListener("change", () => api.setEnabled(r.id, on.checked));
    const row = el("div", { className: "racer", "data-racer": r.id },
      el("label", { className: "name" }, on, el("span", { className: "swatch", style: `background:${r.color}` }), r.label));
    for (const p of r.params) {
      const v = state.params[r.id][p.name];
      const range = el("input", { type: "range", id: `r-${r.id}-${p.name}`, min: "0", max: "1000", step: "1", value: String(toSlider(p, v)) });
      const num = el("input", { type: "number", id: `p-${r.id}-${p.name}`, value: String(v), step: "any", min: String(p.min), max: String(p.max) });
      range.addEventListener("input", () => api.setParam(r.id, p.name, fromSlider(p, Number(range.value))));
      num.addEventListener("change", () => { const x = Number(num.value); if (Number.isFinite(x) && x >= p.min && x <= p.max) api.setParam(r.id, p.name, x); });
      row.append(el("label", { className: "param" }, p.label, range, num));
    }
    box.append(row);
  }
}

function syncControls(): void {
  for (const r of RACERS) {
    ($(`#on-${r.id}`) as HTMLInputElement).checked = state.enabled[r.id];
    for (const p of r.params) {
      const v = state.params[r.id][p.name];
      ($(`#r-${r.id}-${p.name}`) as HTMLInputElement).value = String(toSlider(p, v));
      const num = $(`#p-${r.id}-${p.name}`) as HTMLInputElement;
      if (document.activeElement !== num) num.value = String(v);
    }
  }
  ($("#surface") as HTMLSelectElement).value = state.surfaceId;
  ($("#formula") as HTMLInputElement).value = state.formula;
  ($("#view") as HTMLInputElement).value = (state.dim === 1 ? state.view.slice(0, 2) : state.view).join(" ");
  ($("#maxIter") as HTMLInputElement).value = String(state.maxIter);
  $("#note").textContent = SURFACES.find((s) => s.id === state.surfaceId)?.note ?? "Your formula, differentiated by the library (x, y, + - * / ^, sin cos tan atan sinh cosh tanh exp log sqrt abs min max, pi, e).";
}

function surfaceChanged(): void {
  contourImage = null;
  requestGrid();
  syncControls();
  schedule();
  redraw();
}

const api = {
  state,
  surfaces: SURFACES.map((s) => s.id),
  racers: RACERS.map((r) => r.id),
  /** A preset surface; resets the start point, the view and the SGD family's learning rates. */
  setSurface(id: string): void {
    const s: Surface | undefined = SURFACES.find((q) => q.id === id);
    if (!s) throw new Error(`explorer: no surface ${JSON.stringify(id)}; use one of ${SURFACES.map((q) => q.id).join(", ")}`);
    state.surfaceId = s.id;
    state.formula = s.formula;
    state.view = [...s.view] as View;
    state.fStar = s.fStar ?? null;
    state.start = [...s.start];
    state.dim = s.start.length as 1 | 2;
    for (const r of RACERS) state.params[r.id] = r.defaults(s.sgdLr);
    buildRacerControls();
    surfaceChanged();
  },
  /** A typed formula in x (1-D) or x and y; errors from the parser show in the status line. */
  setFormula(text: string, view?: View): void {
    state.surfaceId = "custom";
    state.formula = text;
    state.fStar = null;
    if (view) state.view = [...view] as View;
    else if (!SURFACES.some((s) => s.formula === text)) state.view = [...CUSTOM_VIEW] as View;
    const center = [(state.view[0] + state.view[1]) / 2 + 0.6 * (state.view[1] - state.view[0]) / 2, (state.view[2] + state.view[3]) / 2 + 0.6 * (state.view[3] - state.view[2]) / 2];
    state.start = center;
    surfaceChanged();
  },
  setView(view: View): void {
    if (!(view.length === 4 && view.every(Number.isFinite) && view[1] > view[0] && view[3] > view[2])) throw new Error("explorer: the view is [xmin, xmax, ymin, ymax] with xmin < xmax, ymin < ymax");
    state.view = [...view] as View;
    surfaceChanged();
  },
  setStart(p: number[]): void {
    state.start = p.slice(0, 2);
    schedule();
    redraw();
  },
  setParam(id: string, name: string, value: number): void {
    const r = racerById(id), p = r.params.find((q) => q.name === name);
    if (!p) throw new Error(`explorer: ${r.label} has no option ${JSON.stringify(name)}; it has ${r.params.map((q) => q.name).join(", ") || "none"}`);
    state.params[id][name] = value;
    syncControls();
    schedule();
  },
  setEnabled(id: string, on: boolean): void {
    racerById(id);
    state.enabled[id] = on;
    syncControls();
    schedule();
  },
  /** Only these racers (the rest unticked). */
  only(ids: string[]): void {
    for (const r of RACERS) state.enabled[r.id] = ids.includes(r.id);
    syncControls();
    schedule();
  },
  setMaxIter(n: number): void {
    state.maxIter = Math.max(1, Math.round(n));
    syncControls();
    schedule();
  },
  /** Starts a run now; resolves when it has finished. */
  run(): Promise<void> {
    if (pending) { clearTimeout(pending); pending = null; }
    startRun();
    return api.whenIdle();
  },
  stop(): void {
    // Stop means everything: a change scheduled but not yet started is dropped too.
    if (pending) {
      clearTimeout(pending);
      pending = null;
      if (!inFlight) finish();
    }
    send({ type: "stop" });
  },
  /** Resolves when no run is pending or going. */
  whenIdle(): Promise<void> {
    if (!state.running) return Promise.resolve();
    return new Promise((ok) => idleWaiters.push(ok));
  },
};
(window as unknown as { explorer: typeof api }).explorer = api;

// --- wiring --------------------------------------------------------------------------------------

function wire(): void {
  const sel = $("#surface") as HTMLSelectElement;
  for (const s of SURFACES) sel.append(el("option", { value: s.id }, s.name));
  sel.append(el("option", { value: "custom" }, "Your formula"));
  sel.addEventListener("change", () => { if (sel.value === "custom") api.setFormula(state.formula); else api.setSurface(sel.value); });
  const formula = $("#formula") as HTMLInputElement;
  formula.addEventListener("change", () => api.setFormula(formula.value, state.view));
  const view = $("#view") as HTMLInputElement;
  view.addEventListener("change", () => {
    const v = view.value.trim().split(/[\s,]+/).map(Number);
    if (v.length === 2) v.push(state.view[2], state.view[3] > state.view[2] ? state.view[3] : state.view[2] + 1); // 1-D: x range only
    try { api.setView(v as View); } catch (e) { state.error = (e as Error).message; showStatus(); }
  });
  const maxIter = $("#maxIter") as HTMLInputElement;
  maxIter.addEventListener("change", () => api.setMaxIter(Number(maxIter.value)));
  $("#run").addEventListener("click", () => void api.run());
  $("#stop").addEventListener("click", () => api.stop());
  const slider = $("#iteration") as HTMLInputElement;
  slider.addEventListener("input", () => {
    state.iteration = Number(slider.value);
    state.follow = state.iteration >= Number(slider.max);
    redraw();
  });
  // drag the start point (or click anywhere to put it there)
  const c = $("#contour") as HTMLCanvasElement;
  let dragging = false;
  const place = (e: PointerEvent) => {
    const r = c.getBoundingClientRect();
    const m = mapper(c.width, c.height);
    const p = m.inv(((e.clientX - r.left) / r.width) * c.width, ((e.clientY - r.top) / r.height) * c.height);
    api.setStart(p.map((v) => Number(v.toPrecision(4))));
  };
  c.addEventListener("pointerdown", (e) => { dragging = true; c.setPointerCapture(e.pointerId); place(e); });
  c.addEventListener("pointermove", (e) => { if (dragging) place(e); });
  c.addEventListener("pointerup", () => { dragging = false; });
}

wire();
buildRacerControls();
surfaceChanged();
