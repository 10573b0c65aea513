/**
 * Epilogues: the elementwise pass that only finishes a matrix product is folded into the product,
 * which then applies it to each band of rows on the thread that computed it, while the rows are in
 * its cache (assembly/matmul.ts `epilogueRows`). Two patterns, the two a dense layer makes:
 *
 *   forward   relu(matmul(x, w) + b)        b a row vector [n]: the bias add, then relu (or no relu)
 *   backward  matmul(g, wT) * positive(h)   relu's slope times the product: the mask of the backward
 *
 * Only where the product has no other reader and the pass writes nothing but its final value, so
 * the product's intermediate never needs a buffer. A third pattern adds an output instead:
 *
 *   column sums  sum(P, every axis but the last)   the bias's gradient, from the same backward P
 *
 * (P a product's final value, read by other instructions too), so the sum is taken while P is
 * still in WebAssembly memory instead of by a JS pass over it. Each operation is the one the
 * unfused program ran, on the same values, in the same order, so compiled bits stay the eager bits.
 *
 * Before fusion, `slopeOfRelu` lets the backward read relu's output instead of its input:
 * positive(z) = positive(relu(z)) for every z (relu(z) > 0 exactly when z > 0; NaN is neither),
 * so the pre-activation z is read only by relu and the forward pass need not write it out.
 */
import type { DType } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import type { Instr, Value } from "./program.js";
import { operandsOf, type FusedInstr, type LoweredInstr } from "./fuse.js";

/** A product with its epilogue: out = relu?(op(a) @ op(b) + bias) or out = (op(a) @ op(b)) * (mask > 0). */
export interface EpilogueInstr {
  op: "matmulEpilogue";
  a: number;
  b: number;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  /** A value of n elements added to every row, or -1. */
  bias: number;
  relu: boolean;
  /** A value of m*n elements whose positive entries keep the product (the rest become 0 * product), or -1. */
  mask: number;
  /** A value of n elements that receives the column sums of the final product (float64 accumulation, row order), or -1. */
  colSum: number;
  /** The product (after bias, relu, mask), then the column sums when colSum >= 0. */
  out: [number] | [number, number];
}

/** `instrs` with positive(z) reading relu(z) instead, wherever a relu of z comes first (same values). */
export function slopeOfRelu(instrs: readonly Instr[], nValues: number): Instr[] {
  const reluOf = new Int32Array(nValues).fill(-1);
  return instrs.map((ins) => {
    if (ins.op !== "unary") return ins;
    if (ins.fn === "relu" && reluOf[ins.x] < 0) reluOf[ins.x] = ins.out[0];
    if (ins.fn === "positive" && reluOf[ins.x] >= 0) return { ...ins, x: reluOf[ins.x] };
    return ins;
  });
}

/** Whether `shape` is a row vector of n values broadcast over the rows of an [.., n] result. */
const isRowOf = (shape: Shape, outShape: Shape, n: number): boolean =>
  shape.length > 0 && shape[shape.length - 1] === n && shape.every((d, i) => i === shape.length - 1 || d === 1) && outShape.length > 0 && outShape[outShape.length - 1] === n;

type Epi = { bias: number; relu: boolean; mask: number };

/** Whether `reduce` sums all of an [m, n] product's values over every axis but the last, into n values. */
function sumsColumns(r: Extract<Instr, { op: "reduce" }>, m: number, n: number): boolean {
  const { shape, axes } = r;
  const rank = shape.length;
  return r.fn === "sum" && rank >= 2 && shape[rank - 1] === n && shape.reduce((p, d) => p * d, 1) === m * n && axes.length === rank - 1 && axes.every((a, i) => a === i);
}

/**
 * The epilogue `reader` applies to the product `mm` (its only reader), or null. `values` gives
 * sizes and dtypes.
 */
function epilogueOf(mm: Extract<Instr, { op: "matmul" }>, reader: LoweredInstr, values: readonly Value[]): Epi | null {
  const M = mm.out[0], size = mm.m * mm.n, dtype: DType = values[M].dtype;
  if (reader.op === "binary") {
    if (reader.fn !== "add" || values[reader.out[0]].size !== size || values[reader.out[0]].dtype !== dtype) return null;
    const [bias, bShape] = reader.a === M ? [reader.b, reader.bShape] : reader.b === M ? [reader.a, reader.aShape] : [-1, []];
    if (bias < 0 || bias === M || values[bias].size !== mm.n || !isRowOf(bShape, reader.outShape, mm.n)) return null;
    return { bias, relu: false, mask: -1 };
  }
  if (reader.op !== "fused") return null;
  const f: FusedInstr = reader;
  if (f.size !== size || f.dtype !== dtype || f.body.length !== 2 || f.out.length !== 1 || f.out[0] !== f.ids[1]) return null;
  const E = f.ext.length;
  const extId = (slot: number) => (slot < E ? f.ext[slot].id : -1);
  const full = (slot: number) => slot < E && values[f.ext[slot].id].size === size;
  const [first, second] = f.body;
  // relu(M + bias)
  if (first.op === "binary" && first.fn === "add" && second.op === "unary" && second.fn === "relu" && second.x === E) {
    const [ms, bs] = extId(first.a) === M && full(first.a) ? [first.a, first.b] : extId(first.b) === M && full(first.b) ? [first.b, first.a] : [-1, -1];
    if (ms < 0 || bs >= E || extId(bs) === M) return null;
    const e = f.ext[bs];
    if (values[e.id].size !== mm.n || !isRowOf(e.shape, e.outShape, mm.n)) return null;
    return { bias: e.id, relu: true, mask: -1 };
  }
  // M * positive(H), either order of the product
  if (first.op === "unary" && first.fn === "positive" && full(first.x) && extId(first.x) !== M && second.op === "binary" && second.fn === "mul") {
    const other = second.a === E ? second.b : second.b === E ? second.a : -1;
    if (other < 0 || extId(other) !== M || !full(other)) return null;
    return { bias: -1, relu: false, mask: extId(first.x) };
  }
  return null;
}

/**
 * `lowered` with each product whose only reader is an epilogue pattern (and which is no output)
 * merged with that reader into one `matmulEpilogue`, placed where the reader stood (its operands
 * are all computed by then).
 */
export function foldEpilogues(lowered: readonly LoweredInstr[], values: readonly Value[], outputs: readonly number[]): LoweredInstr[] {
  const readers = new Int32Array(values.length);
  const readerAt = new Int32Array(values.length).fill(-1);
  lowered.forEach((ins, i) => {
    for (const v of operandsOf(ins)) {
      readers[v]++;
      readerAt[v] = i;
    }
  });
  for (const o of outputs) readers[o]++; // a returned product keeps its own buffer
  const replaced = new Map<number, EpilogueInstr>(); // reader index -> merged instruction
  const dropped = new Set<number>();
  lowered.forEach((ins, i) => {
    if (ins.op !== "matmul" || ins.batch !== 1) return;
    const M = ins.out[0];
    const j = readerAt[M];
    if (readers[M] !== 1 || j < 0) return;
    const epi = epilogueOf(ins, lowered[j], values);
    if (!epi) return;
    const { a, b, m, k, n, transA, transB } = ins;
    replaced.set(j, { op: "matmulEpilogue", a, b, m, k, n, transA, transB, ...epi, colSum: -1, out: [lowered[j].out[0]] });
    dropped.add(i);
  });
  const merged = replaced.size === 0 ? [...lowered] : lowered.flatMap((ins, i) => (dropped.has(i) ? [] : [replaced.get(i) ?? ins]));
  return foldColumnSums(merged, values);
}

/**
 * `lowered` with each sum over the rows of a product's final value (a bias's gradient) taken by
 * the product itself: the reduce is dropped and its value becomes the product's second output,
 * computed earlier than the reduce stood (it reads nothing else). A plain product becomes a
 * `matmulEpilogue` with only the sums.
 */
function foldColumnSums(lowered: readonly LoweredInstr[], values: readonly Value[]): LoweredInstr[] {
  const producer = new Map<number, number>(); // product's value -> its instruction's index
  lowered.forEach((ins, i) => {
    if ((ins.op === "matmul" && ins.batch === 1) || ins.op === "matmulEpilogue") producer.set(ins.out[0], i);
  });
  const sumOf = new Map<number, number>(); // product index -> the sums' value
  const dropped = new Set<number>();
  lowered.forEach((ins, i) => {
    if (ins.op !== "reduce") return;
    const p = producer.get(ins.x);
    if (p === undefined || sumOf.has(p)) return;
    const prod = lowered[p] as Extract<LoweredInstr, { op: "matmul" | "matmulEpilogue" }>;
    if (!sumsColumns(ins, prod.m, prod.n) || values[ins.out[0]].dtype !== values[ins.x].dtype) return;
    sumOf.set(p, ins.out[0]);
    dropped.add(i);
  });
  if (sumOf.size === 0) return [...lowered];
  return lowered.flatMap((ins, i): LoweredInstr[] => {
    if (dropped.has(i)) return [];
    const colSum = sumOf.get(i);
    if (colSum === undefined) return [ins];
    if (ins.op === "matmulEpilogue") return [{ ...ins, colSum, out: [ins.out[0], colSum] }];
    if (ins.op !== "matmul") throw new Error("unreachable: column sums of a non-product");
    const { a, b, m, k, n, transA, transB } = ins;
    return [{ op: "matmulEpilogue", a, b, m, k, n, transA, transB, bias: -1, relu: false, mask: -1, colSum, out: [ins.out[0], colSum] }];
  });
}
