/**
 * Rewrites of a program that keep every result's bits (run before fusion by the CPU lowering):
 * - constant folding: an instruction whose operands are all constants runs once, at compile
 *   time, on the backend's own kernel (`evaluate`), and its result becomes a constant (the
 *   gradient seed's broadcast ones, a captured tensor times a literal, ...);
 * - x * 1 = x: a multiplication by a constant of ones (IEEE: exact for every x, NaN and -0
 *   included) that does not broadcast x is dropped and its readers read x;
 * - a constant operand of a binary op whose values are all equal is read as one value.
 */
import type { FloatArray } from "../tensor/dtype.js";
import { operands, type Instr, type Program, type Value } from "./program.js";

export interface Simplified {
  values: Value[];
  instrs: Instr[];
  outputs: number[];
}

/** Folding bigger results than this would trade a cheap pass for a big constant. */
const FOLD_MAX = 1 << 16;

export function simplify(p: Pick<Program, "values" | "outputs">, instrs: readonly Instr[], evaluate: (ins: Instr, table: FloatArray[]) => void): Simplified {
  const values = p.values.slice();
  const isOutput = new Set(p.outputs);
  const alias = new Int32Array(values.length).map((_, i) => i);
  const isConst = (v: number) => values[v].source.kind === "const";
  const constOf = (v: number) => (values[v].source as { values: FloatArray }).values;
  const out: Instr[] = [];
  for (const orig of instrs) {
    const ins = rename(orig, alias);
    const reads = operands(ins);
    if (reads.length > 0 && reads.every(isConst) && ins.out.every((o) => values[o].size <= FOLD_MAX)) {
      const table: FloatArray[] = [];
      for (const v of reads) table[v] = constOf(v);
      for (const o of ins.out) table[o] = values[o].dtype === "float64" ? new Float64Array(values[o].size) : new Float32Array(values[o].size);
      evaluate(ins, table);
      for (const o of ins.out) values[o] = { dtype: values[o].dtype, size: values[o].size, source: { kind: "const", values: table[o] } };
      continue;
    }
    if (ins.op === "binary") {
      const n = values[ins.out[0]].size;
      if (ins.fn === "mul" && !isOutput.has(ins.out[0])) {
        // x * ones, ones * x (the ones not widening x)
        if (isConst(ins.b) && allEqual(constOf(ins.b), 1) && values[ins.a].size === n && values[ins.a].dtype === values[ins.out[0]].dtype) { alias[ins.out[0]] = ins.a; continue; }
        if (isConst(ins.a) && allEqual(constOf(ins.a), 1) && values[ins.b].size === n && values[ins.b].dtype === values[ins.out[0]].dtype) { alias[ins.out[0]] = ins.b; continue; }
      }
      let { a, aShape, b, bShape } = ins;
      if (isConst(a) && values[a].size > 1 && allEqual(constOf(a), constOf(a)[0])) { a = scalarConst(values, constOf(a)); aShape = []; }
      if (isConst(b) && values[b].size > 1 && allEqual(constOf(b), constOf(b)[0])) { b = scalarConst(values, constOf(b)); bShape = []; }
      out.push(a === ins.a && b === ins.b ? ins : { ...ins, a, aShape, b, bShape });
      continue;
    }
    out.push(ins);
  }
  return { values, instrs: out, outputs: p.outputs.map((o) => alias[o]) };
}

function allEqual(a: FloatArray, v: number): boolean {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], v)) return false;
  return true;
}

/** A new one-value constant holding c[0] (of c's dtype). */
function scalarConst(values: Value[], c: FloatArray): number {
  const one = c instanceof Float64Array ? new Float64Array([c[0]]) : new Float32Array([c[0]]);
  values.push({ dtype: c instanceof Float64Array ? "float64" : "float32", size: 1, source: { kind: "const", values: one } });
  return values.length - 1;
}

/** `ins` reading through the alias table (the same object when nothing changes). */
function rename(ins: Instr, alias: Int32Array): Instr {
  const r = (v: number) => alias[v] ?? v; // constants added by simplify are never aliased
  if (!operands(ins).some((v) => r(v) !== v)) return ins;
  switch (ins.op) {
    case "unary": case "cast": case "reduce": case "cumsum": case "broadcast": case "transpose": case "slice": case "gather": case "topk": return { ...ins, x: r(ins.x) };
    case "takeAlong": return { ...ins, x: r(ins.x), idx: r(ins.idx) };
    case "putAlong": return { ...ins, g: r(ins.g), idx: r(ins.idx) };
    case "binary": case "matmul": return { ...ins, a: r(ins.a), b: r(ins.b) };
    case "where": return { ...ins, cond: r(ins.cond), a: r(ins.a), b: r(ins.b) };
    case "crossEntropyLogits": case "crossEntropyResidual": return { ...ins, x: r(ins.x), t: r(ins.t) };
    case "place": return { ...ins, parts: ins.parts.map((q) => ({ ...q, x: r(q.x) })) };
    case "scatterAdd": return { ...ins, g: r(ins.g) };
    case "fill": case "oneHot": return ins;
  }
}
