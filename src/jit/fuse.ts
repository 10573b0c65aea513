/**
 * Elementwise fusion over a program: unary, binary and where instructions of one dtype and one
 * output size that follow one another in the dataflow become one `fused` instruction, which a
 * lowering runs as a single pass (src/jit/fusedCpu.ts: chunk by chunk, intermediates in
 * cache-sized registers). Only the values some instruction outside the group (or the caller)
 * reads are written out; the rest never get a buffer. Backend-neutral: the fused instruction
 * lists its member operations over numbered slots, and a backend decides which operations it can
 * fuse (`fusable`), e.g. the CPU lowering keeps the ones its WebAssembly kernels run apart.
 *
 * Grouping keeps the program's order valid: a group runs where its last member stood, so a group
 * is closed (takes no more members) as soon as anything outside it reads one of its values.
 */
import type { DType } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import type { BinaryOp, UnaryOp } from "../backend/ops.js";
import { operands, type Instr, type Program } from "./program.js";
import type { EpilogueInstr } from "./epilogue.js";

/** A member operation over slots: slots below `ext.length` are the group's external operands, slot ext.length + j is body[j]'s result. */
export type FusedOp =
  | { op: "unary"; fn: UnaryOp; x: number }
  | { op: "binary"; fn: BinaryOp; a: number; b: number }
  | { op: "where"; c: number; a: number; b: number };

export interface FusedInstr {
  op: "fused";
  dtype: DType;
  /** Elements of every member's result (the pass's length). */
  size: number;
  /** External operands: a value id read with `shape` broadcast to `outShape` (same size as `size`, or size 1, or a broadcast). */
  ext: ReadonlyArray<{ id: number; shape: Shape; outShape: Shape }>;
  body: readonly FusedOp[];
  /** The value id each body operation produces (as in the unfused program). */
  ids: readonly number[];
  /** The value ids written out (read after the group or returned). */
  out: number[];
}

/** What a lowering plans buffers for: the program's instructions, fused passes, products with an epilogue (epilogue.ts). */
export type LoweredInstr = Instr | FusedInstr | EpilogueInstr;

/** The value ids an instruction, fused or not, reads. */
export function operandsOf(ins: LoweredInstr): number[] {
  if (ins.op === "fused") return [...new Set(ins.ext.map((e) => e.id))];
  if (ins.op === "matmulEpilogue") return [ins.a, ins.b, ...(ins.bias >= 0 ? [ins.bias] : []), ...(ins.mask >= 0 ? [ins.mask] : [])];
  return operands(ins);
}

type Elementwise = Extract<Instr, { op: "unary" | "binary" | "where" }>;
const isElementwise = (ins: Instr): ins is Elementwise => ins.op === "unary" || ins.op === "binary" || ins.op === "where";

interface Group {
  members: Elementwise[];
  open: boolean;
  key: string;
}

/**
 * `instrs` (a topologically ordered list, e.g. a program's instructions with dead ones dropped)
 * with fusable elementwise runs replaced by fused instructions; groups of one stay as they were
 * unless `singles` (then they are fused instructions of one member: the WebGPU lowering under
 * mixed precision, whose generated pass reads and writes binary16 where the eager kernels need
 * conversion passes). `outputs` are the values the caller reads.
 */
export function fuse(p: Pick<Program, "values" | "outputs">, instrs: readonly Instr[], fusable: (ins: Elementwise) => boolean, singles = false): (Instr | FusedInstr)[] {
  const { values } = p;
  const groupOf = new Int32Array(values.length).fill(-1);
  const groups: Group[] = [];
  const openBy = new Map<string, number>();
  const memberGroup: number[] = new Array(instrs.length).fill(-1);
  const close = (g: number) => {
    if (!groups[g].open) return;
    groups[g].open = false;
    if (openBy.get(groups[g].key) === g) openBy.delete(groups[g].key);
  };

  instrs.forEach((ins, i) => {
    const reads = operands(ins);
    if (!isElementwise(ins) || !fusable(ins)) {
      for (const v of reads) if (groupOf[v] >= 0) close(groupOf[v]);
      return;
    }
    const o = ins.out[0];
    const key = `${values[o].dtype}:${values[o].size}`;
    let g = -1;
    for (const v of reads) {
      const gv = groupOf[v];
      if (gv >= 0 && groups[gv].open && groups[gv].key === key) { g = gv; break; }
    }
    if (g < 0) g = openBy.get(key) ?? -1;
    for (const v of reads) if (groupOf[v] >= 0 && groupOf[v] !== g) close(groupOf[v]);
    if (g < 0) {
      g = groups.push({ members: [], open: true, key }) - 1;
      openBy.set(key, g);
    }
    groups[g].members.push(ins);
    groupOf[o] = g;
    memberGroup[i] = g;
  });

  // Values read outside their group, or returned: the group writes them out.
  const readOutside = new Uint8Array(values.length);
  for (const o of p.outputs) readOutside[o] = 1;
  instrs.forEach((ins, i) => {
    for (const v of operands(ins)) if (groupOf[v] >= 0 && groupOf[v] !== memberGroup[i]) readOutside[v] = 1;
  });

  const lastMember = new Int32Array(groups.length);
  memberGroup.forEach((g, i) => { if (g >= 0) lastMember[g] = i; });
  const result: (Instr | FusedInstr)[] = [];
  instrs.forEach((ins, i) => {
    const g = memberGroup[i];
    if (g < 0) result.push(ins);
    else if (lastMember[g] === i) result.push(groups[g].members.length === 1 && !singles ? ins : build(groups[g].members, p, readOutside));
  });
  return result;
}

function build(members: readonly Elementwise[], p: Pick<Program, "values">, readOutside: Uint8Array): FusedInstr {
  const first = p.values[members[0].out[0]];
  const slotOf = new Map<number, number>(); // value id -> body slot
  const ext: { id: number; shape: Shape; outShape: Shape }[] = [];
  const extKey = new Map<string, number>();
  const ids = members.map((m) => m.out[0]);
  const E = new Set(ids);
  // External slots first (their count fixes where body slots start): collected in a first pass.
  const operandSpecs = (m: Elementwise): Array<{ id: number; shape: Shape; outShape: Shape }> => {
    switch (m.op) {
      case "unary": return [{ id: m.x, shape: [p.values[m.x].size], outShape: [p.values[m.x].size] }];
      case "binary": return [{ id: m.a, shape: m.aShape, outShape: m.outShape }, { id: m.b, shape: m.bShape, outShape: m.outShape }];
      case "where": return [{ id: m.cond, shape: m.cShape, outShape: m.outShape }, { id: m.a, shape: m.aShape, outShape: m.outShape }, { id: m.b, shape: m.bShape, outShape: m.outShape }];
    }
  };
  // the same value read with the same pattern is one slot
  const keyOf = (s: { id: number; shape: Shape; outShape: Shape }) => `${s.id}|${p.values[s.id].size === first.size ? "" : `${s.shape}>${s.outShape}`}`;
  for (const m of members) for (const s of operandSpecs(m)) if (!E.has(s.id) && !extKey.has(keyOf(s))) extKey.set(keyOf(s), ext.push(s) - 1);
  ids.forEach((id, j) => slotOf.set(id, ext.length + j));
  const slot = (s: { id: number; shape: Shape; outShape: Shape }): number => slotOf.get(s.id) ?? extKey.get(keyOf(s))!;
  const body: FusedOp[] = members.map((m) => {
    const sp = operandSpecs(m).map(slot);
    switch (m.op) {
      case "unary": return { op: "unary", fn: m.fn, x: sp[0] };
      case "binary": return { op: "binary", fn: m.fn, a: sp[0], b: sp[1] };
      case "where": return { op: "where", c: sp[0], a: sp[1], b: sp[2] };
    }
  });
  return { op: "fused", dtype: first.dtype, size: first.size, ext, body, ids, out: ids.filter((id) => readOutside[id]) };
}
