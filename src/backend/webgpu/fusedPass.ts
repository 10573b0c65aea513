/**
 * A fused elementwise pass as generated WGSL: one invocation per element computes a chain of
 * unary, binary and where operations in registers and writes out only the results read later.
 * The text is generated from the operation list (sizes, shapes and op codes are literals in it),
 * so a pipeline is cached by its text. The formulas are the eager kernels' own: the pass calls
 * kernels/elementwise.wgsl's `unaryF`/`binaryF` with literal codes and `where`'s select, in f32
 * registers, as the eager kernels store f32 between dispatches, so a fused pass gives the eager
 * values. Backend-neutral in shape: src/jit/fuse.ts's fused instructions map onto it one to one.
 */
import { stridesOf, type Shape } from "../../tensor/shape.js";
import type { BinaryOp, UnaryOp } from "../ops.js";
import { BINARY_CODES, UNARY_CODES } from "./codes.js";
import { broadcastStrides } from "./kernels.js";

export type FusedPassOp =
  | { op: "unary"; fn: UnaryOp; x: number }
  | { op: "binary"; fn: BinaryOp; a: number; b: number }
  | { op: "where"; c: number; a: number; b: number };

export interface FusedPass {
  /** Elements (invocations). */
  readonly n: number;
  /** Read buffers bound first (bindings 0 ..), each holding `size` values. */
  readonly buffers: readonly number[];
  /** Operand slots: `buffer` (an index into `buffers`) read with `shape` broadcast to `outShape` (full, size 1, or a broadcast). */
  readonly inputs: ReadonlyArray<{ buffer: number; shape: Shape; outShape: Shape }>;
  /** Operations over slots: slot s < inputs.length is an input, inputs.length + j is body[j]'s result. */
  readonly body: readonly FusedPassOp[];
  /** The body indices written out, bound after the read buffers in this order. */
  readonly outputs: readonly number[];
}

const u = (v: number): string => `${v >>> 0}u`;

/** The index into an operand of `size` values read through `shape` broadcast to `outShape`, as a WGSL expression of `i`. */
function indexExpr(size: number, n: number, shape: Shape, outShape: Shape): string {
  if (size === n) return "i";
  if (size === 1) return "0u";
  const st = broadcastStrides(shape, outShape), os = stridesOf(outShape);
  const terms: string[] = [];
  for (let d = 0; d < outShape.length; d++) {
    if (st[d] === 0 || outShape[d] === 1) continue;
    const coord = d === 0 ? `(i / ${u(os[d])})` : `((i / ${u(os[d])}) % ${u(outShape[d])})`;
    terms.push(st[d] === 1 ? coord : `${coord} * ${u(st[d])}`);
  }
  return terms.length ? terms.join(" + ") : "0u";
}

/** The WGSL of the pass's entry point `fused` (to be appended to common.wgsl and elementwise.wgsl). */
export function fusedPassWgsl(p: FusedPass): string {
  const E = p.inputs.length;
  const lines: string[] = [];
  p.buffers.forEach((_, b) => lines.push(`@group(0) @binding(${b}) var<storage, read> FR${b}: array<f32>;`));
  p.outputs.forEach((_, o) => lines.push(`@group(0) @binding(${p.buffers.length + o}) var<storage, read_write> FW${o}: array<f32>;`));
  lines.push(
    "@compute @workgroup_size(WG)",
    "fn fused(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {",
    "  let i = flatIndex(wid, nwg, lid);",
    `  if (i >= ${u(p.n)}) { return; }`,
  );
  p.inputs.forEach((x, s) => lines.push(`  let r${s} = FR${x.buffer}[${indexExpr(p.buffers[x.buffer], p.n, x.shape, x.outShape)}];`));
  p.body.forEach((op, j) => {
    const r = (s: number) => `r${s}`;
    let e: string;
    switch (op.op) {
      case "unary": e = `unaryF(${u(UNARY_CODES[op.fn])}, ${r(op.x)})`; break;
      case "binary": e = `binaryF(${u(BINARY_CODES[op.fn])}, ${r(op.a)}, ${r(op.b)})`; break;
      case "where": e = `select(${r(op.b)}, ${r(op.a)}, ${r(op.c)} != 0.0)`; break;
    }
    lines.push(`  let r${E + j} = ${e};`);
  });
  p.outputs.forEach((j, o) => lines.push(`  FW${o}[i] = r${E + j};`));
  lines.push("}");
  return lines.join("\n") + "\n";
}
