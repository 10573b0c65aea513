/**
 * A traced program: the backend kernel calls a function made, in order, over numbered values.
 * Backend-neutral (no arrays in it, except the constants' values): the CPU lowering runs it on
 * typed arrays (cpuLowering.ts); a device backend can lower the same list to its kernels.
 */
import type { DType, FloatArray } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import type { BinaryOp, UnaryOp } from "../backend/ops.js";

/** Where a value comes from: an argument of the call, a constant baked into the program, or an instruction. */
export type ValueSource =
  | { kind: "input"; index: number }
  | { kind: "const"; values: FloatArray }
  | { kind: "instr"; index: number };

export interface Value {
  readonly dtype: DType;
  readonly size: number;
  readonly source: ValueSource;
}

/**
 * One kernel call: the backend method, its operands (value ids) and its parameters, as in
 * src/backend/backend.ts. `out` lists the values it produces (crossEntropyResidual and topk: two).
 */
export type Instr =
  | { op: "unary"; fn: UnaryOp; x: number; out: [number] }
  | { op: "binary"; fn: BinaryOp; a: number; aShape: Shape; b: number; bShape: Shape; outShape: Shape; out: [number] }
  | { op: "where"; cond: number; cShape: Shape; a: number; aShape: Shape; b: number; bShape: Shape; outShape: Shape; out: [number] }
  | { op: "fill"; value: number; out: [number] }
  | { op: "cast"; x: number; out: [number] }
  | { op: "crossEntropyLogits"; x: number; t: number; out: [number] }
  | { op: "crossEntropyResidual"; x: number; t: number; out: [number, number] }
  | { op: "reduce"; fn: "sum" | "max" | "mean" | "prod"; x: number; shape: Shape; axes: readonly number[]; out: [number] }
  | { op: "cumsum"; x: number; shape: Shape; axis: number; reverse: boolean; out: [number] }
  | { op: "broadcast"; x: number; shape: Shape; outShape: Shape; out: [number] }
  | { op: "transpose"; x: number; shape: Shape; perm: readonly number[]; out: [number] }
  | { op: "slice"; x: number; shape: Shape; begin: readonly number[]; size: Shape; out: [number] }
  | { op: "place"; parts: ReadonlyArray<{ x: number; shape: Shape; begin: readonly number[] }>; outShape: Shape; out: [number] }
  | { op: "gather"; x: number; outer: number; dim: number; inner: number; idx: Int32Array; out: [number] }
  | { op: "scatterAdd"; g: number; outer: number; dim: number; inner: number; idx: Int32Array; out: [number] }
  | { op: "oneHot"; idx: Int32Array; depth: number; out: [number] }
  | { op: "topk"; x: number; outer: number; dim: number; inner: number; k: number; out: [number, number] }
  | { op: "takeAlong"; x: number; idx: number; outer: number; dim: number; inner: number; k: number; out: [number] }
  | { op: "putAlong"; g: number; idx: number; outer: number; dim: number; inner: number; k: number; out: [number] }
  | { op: "matmul"; a: number; b: number; batch: number; m: number; k: number; n: number; transA: boolean; transB: boolean; out: [number] };

/** The operand value ids an instruction reads. */
export function operands(ins: Instr): number[] {
  switch (ins.op) {
    case "unary": case "cast": case "reduce": case "cumsum": case "broadcast": case "transpose": case "slice": case "gather": case "topk": return [ins.x];
    case "takeAlong": return [ins.x, ins.idx];
    case "putAlong": return [ins.g, ins.idx];
    case "binary": case "matmul": return [ins.a, ins.b];
    case "where": return [ins.cond, ins.a, ins.b];
    case "crossEntropyLogits": case "crossEntropyResidual": return [ins.x, ins.t];
    case "place": return ins.parts.map((p) => p.x);
    case "scatterAdd": return [ins.g];
    case "fill": case "oneHot": return [];
  }
}

export interface Program {
  readonly values: readonly Value[];
  readonly instrs: readonly Instr[];
  /** Value ids of the inputs, in argument-leaf order. */
  readonly inputs: readonly number[];
  /** Value ids of the outputs, in output-leaf order (an output may be an input or a constant). */
  readonly outputs: readonly number[];
}

/** The instructions some output depends on, in order (the rest is dead code for a lowering). */
export function liveInstrs(instrs: readonly Instr[], outputs: readonly number[], nValues: number): Instr[] {
  const needed = new Uint8Array(nValues);
  for (const o of outputs) needed[o] = 1;
  const keep: Instr[] = [];
  for (let i = instrs.length - 1; i >= 0; i--) {
    const ins = instrs[i];
    if (!ins.out.some((o) => needed[o])) continue;
    keep.push(ins);
    for (const v of operands(ins)) needed[v] = 1;
  }
  return keep.reverse();
}
