/**
 * `summary(model)`: Keras's table of a model (each layer's kind, output shape and parameter
 * counts, trainable and not). Generic over the layer interface: the output shapes come from
 * running each layer's `forward` on a zero batch of one row in evaluation mode, with recording
 * off and no generator (so no tape entry, no dropout draw, no batch-norm update), and the counts
 * from each layer's `params` (trainable) and `state` (non-trainable: batch-norm running
 * statistics). A model whose layers are in `layers` (a `sequential`, nested ones too) gets a
 * row per layer; any other layer is one row.
 */
import { ArgumentError } from "../errors.js";
import { checkOptions } from "../options.js";
import { Tensor, tensorOf } from "../tensor/tensor.js";
import { arrayFor, type DType } from "../tensor/dtype.js";
import { sizeOf } from "../tensor/shape.js";
import type { Tree } from "../tensor/tree.js";
import { withRecording } from "../autodiff/tape.js";
import type { Layer, State } from "./layers.js";

export interface SummaryOptions {
  /**
   * One example's shape, without the batch dimension ([784], [28, 28, 1]). Default: read off the
   * first layer where it says (a linear layer's inFeatures, a batch norm's features); other
   * first layers need it.
   */
  inputShape?: readonly number[];
  /** The probe's dtype (default the dtype of the model's first parameter, else float32). */
  dtype?: DType;
}

export interface SummaryRow {
  /** The layer's path in the model ("0", "2.1"; "" for a model that is one layer). */
  path: string;
  kind: string;
  /** Output shape with the batch dimension as -1. */
  outputShape: number[];
  /** Trainable scalars (the layer's params). */
  trainable: number;
  /** Non-trainable scalars (the layer's state, e.g. batch-norm running statistics). */
  nonTrainable: number;
}

export interface ModelSummary {
  /** The input shape the summary ran with, the batch dimension as -1. */
  inputShape: number[];
  rows: SummaryRow[];
  trainable: number;
  nonTrainable: number;
  /** The table as text (what `model.summary()` returns). */
  table: string;
}

const KEYS = { inputShape: true, dtype: true } as const;

/** Scalars in the tensors of a tree. */
function countOf(tree: unknown): number {
  let n = 0;
  const visit = (t: unknown): void => {
    if (t instanceof Tensor) n += t.size;
    else if (Array.isArray(t)) t.forEach(visit);
    else if (t && typeof t === "object") Object.values(t).forEach(visit);
  };
  visit(tree);
  return n;
}

function firstTensor(tree: unknown): Tensor | null {
  if (tree instanceof Tensor) return tree;
  const children = Array.isArray(tree) ? tree : tree && typeof tree === "object" ? Object.values(tree) : [];
  for (const c of children) {
    const t = firstTensor(c);
    if (t) return t;
  }
  return null;
}

type Sub = Layer & { layers?: readonly Layer[] };

/** The children of a container layer whose params (and state) are arrays with one entry each, or null. */
function childrenOf(layer: Sub, params: Tree, state: State): readonly Layer[] | null {
  const ls = layer.layers;
  if (!Array.isArray(ls) || !Array.isArray(params) || params.length !== ls.length) return null;
  if (!Array.isArray(state) || state.length !== ls.length) return null;
  return ls;
}

/** The first leaf layer and its params, descending into containers. */
function firstLeaf(layer: Sub, params: Tree, state: State): { layer: Layer; params: Tree } {
  const ch = childrenOf(layer, params, state);
  if (ch && ch.length) return firstLeaf(ch[0] as Sub, (params as Tree[])[0], (state as State[])[0]);
  return { layer, params };
}

function inferInputShape(model: Layer): number[] {
  const { layer, params } = firstLeaf(model as Sub, model.params, model.state);
  const p = params as Record<string, unknown>;
  if (p && p.w instanceof Tensor && p.w.rank === 2 && layer.kind === "linear") return [p.w.shape[0]];
  if (p && p.gamma instanceof Tensor && p.gamma.rank === 1 && layer.kind === "batchNorm") return [p.gamma.shape[0]];
  throw new ArgumentError(`summary: cannot tell the input shape from the first layer (${layer.kind}); pass { inputShape: [...] }, one example's shape without the batch dimension`);
}

const groups = (n: number) => n.toLocaleString("en-US");
const shapeText = (s: readonly number[]) => `[${s.map((d, i) => (i === 0 && d === -1 ? "batch" : String(d))).join(", ")}]`;

/** The summary of `model` as rows, totals and the text table. */
export function summarize(model: Layer, options: SummaryOptions = {}): ModelSummary {
  if (!model || typeof model.forward !== "function") throw new ArgumentError("summary: model must be a layer (e.g. nn.sequential([...]))");
  checkOptions("summary", options, KEYS);
  const inputShape = options.inputShape ?? inferInputShape(model);
  if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ArgumentError(`summary: inputShape must be an array of non-negative integers (one example, no batch dimension), got ${JSON.stringify(inputShape)}`);
  }
  const dtype = options.dtype ?? firstTensor(model.params)?.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new ArgumentError(`summary: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
  const rows: SummaryRow[] = [];
  const batchAsMinusOne = (s: readonly number[]) => s.map((d, i) => (i === 0 && d === 1 ? -1 : d));
  const walk = (layer: Sub, params: Tree, state: State, path: string, x: Tensor): Tensor => {
    const ch = childrenOf(layer, params, state);
    if (ch) {
      let y = x;
      ch.forEach((l, i) => (y = walk(l as Sub, (params as Tree[])[i], (state as State[])[i], path ? `${path}.${i}` : String(i), y)));
      return y;
    }
    const y = layer.forward(params, state, x, { training: false, rng: null, path }).y;
    rows.push({ path, kind: layer.kind, outputShape: batchAsMinusOne(y.shape), trainable: countOf(params), nonTrainable: countOf(state) });
    return y;
  };
  withRecording(false, () => {
    const shape = [1, ...inputShape];
    walk(model as Sub, model.params, model.state, "", tensorOf(arrayFor(dtype, sizeOf(shape)), shape));
  });
  const trainable = rows.reduce((s, r) => s + r.trainable, 0), nonTrainable = rows.reduce((s, r) => s + r.nonTrainable, 0);
  const input = [-1, ...inputShape];
  return { inputShape: input, rows, trainable, nonTrainable, table: tableOf(input, rows, trainable, nonTrainable) };
}

/** The summary table of `model` as text (see `summarize` for the rows themselves). */
export function summary(model: Layer, options: SummaryOptions = {}): string {
  return summarize(model, options).table;
}

function tableOf(input: number[], rows: SummaryRow[], trainable: number, nonTrainable: number): string {
  const head = ["layer", "kind", "output shape", "params", "non-trainable"];
  const body = rows.map((r) => [r.path || "-", r.kind, shapeText(r.outputShape), groups(r.trainable), groups(r.nonTrainable)]);
  const width = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((s, c) => (c >= 3 ? s.padStart(width[c]) : s.padEnd(width[c]))).join("  ").trimEnd();
  const rule = width.map((w) => "-".repeat(w)).join("  ");
  return [
    `input ${shapeText(input)}`,
    line(head), rule, ...body.map(line), rule,
    `total params: ${groups(trainable + nonTrainable)} (trainable ${groups(trainable)}, non-trainable ${groups(nonTrainable)})`,
  ].join("\n");
}
