/**
 * `plotHistory(history)`: the loss curves of a `fit` run as a static SVG string (the comparison
 * report's chart code, src/compare/reportSvg.ts: no DOM, no file system, no dependency), one
 * polyline per series, on a linear or log y axis. Write it to a file, or put it in a page.
 */
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { esc, svgChart, type SvgSeries } from "../compare/reportSvg.js";
import { History } from "./history.js";

export interface PlotHistoryOptions {
  /**
   * "epoch" (default): one point per recorded epoch, from `history.epochs` (x: epochs completed).
   * "step": one point per optimizer step, from `history.steps` (x: the step, from 1).
   */
  per?: "epoch" | "step";
  /**
   * The series: history keys ("loss", "valLoss", "accuracy", "valAccuracy", "lr", ...; per step
   * "loss", "gradNorm", "lr"). Default "loss" and, when recorded, "valLoss".
   */
  keys?: string[];
  /** Log10 y axis (values <= 0 are left out); default false. */
  logY?: boolean;
  title?: string;
  width?: number;
  height?: number;
}

const KEYS = { per: true, keys: true, logY: true, title: true, width: true, height: true } satisfies OptionKeys<PlotHistoryOptions>;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

/** The SVG chart of a fit history (`result.history`): one `<polyline data-series="key">` per series. */
export function plotHistory(history: History, options: PlotHistoryOptions = {}): string {
  if (!(history instanceof History)) throw new ArgumentError("plotHistory: history must be a fit result's history (result.history)");
  checkOptions("plotHistory", options, KEYS);
  const per = options.per ?? "epoch";
  if (per !== "epoch" && per !== "step") throw new ArgumentError(`plotHistory: per must be "epoch" or "step", got ${JSON.stringify(per)}`);
  const available = per === "epoch" ? [...new Set(history.epochs.flatMap((e) => Object.keys(e.values)))] : Object.keys(history.steps);
  const keys = options.keys ?? ["loss", ...(available.includes("valLoss") ? ["valLoss"] : [])];
  if (!Array.isArray(keys) || keys.length === 0) throw new ArgumentError("plotHistory: keys must be a non-empty array of history keys");
  for (const k of keys) {
    if (!available.includes(k)) throw new ArgumentError(`plotHistory: ${JSON.stringify(k)} is not in the history's ${per === "epoch" ? "epochs" : "steps"} (keys: ${available.join(", ") || "none: nothing was recorded"})`);
  }
  for (const k of ["width", "height"] as const) {
    const v = options[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 100)) throw new ArgumentError(`plotHistory: ${k} must be an integer >= 100, got ${v}`);
  }
  const series: SvgSeries[] = keys.map((k, i) => {
    const y = per === "epoch" ? history.column(k) : history.steps[k as keyof History["steps"]];
    const x = per === "epoch" ? history.epochs.map((e) => e.epoch + (e.complete ? 1 : 0.5)) : y.map((_, j) => j + 1);
    return { label: k, color: COLORS[i % COLORS.length], x, y };
  });
  const title = options.title ?? (per === "epoch" ? "training history" : "per-step history");
  const width = options.width ?? 600;
  const chart = svgChart(series, { title, xLabel: per === "epoch" ? "epoch" : "step", logX: false, logY: options.logY ?? false, width, height: options.height });
  // A legend in the top right corner, one coloured label per series.
  const legend = series.map((s, i) => `<text x="${width - 20}" y="${44 + 14 * i}" text-anchor="end" font-size="11" fill="${esc(s.color)}">${esc(s.label)}</text>`).join("");
  return chart.replace(/<\/svg>$/, `${legend}</svg>`);
}
