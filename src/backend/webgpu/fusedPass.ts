/**
 * A fused elementwise pass as generated WGSL: one invocation per element computes a chain of
 * unary, binary and where operations in registers and writes out only the results read later.
 * The text is generated from the operation list (sizes, shapes and op codes are literals in it),
 * so a pipeline is cached by its text. The formulas are the eager kernels' own: the pass calls
 * kernels/elementwise.wgsl's `unaryF`/`binaryF` with literal codes and `where`'s select, in f32
 * registers, as the eager kernels store f32 between dispatches, so a fused pass gives the eager
 * values. Backend-neutral in shape: src/jit/fuse.ts's fused instructions map onto it one to one.
 *
 * Mixed precision (halfStorage.ts): a read buffer may hold packed binary16 (`halfBuffers`), and a
 * member's result may be binary16 (`halfResults`): it is rounded in its register, where eager
 * mixed precision stores it rounded, and written packed. Two values share a 32-bit word, so a
 * pass that writes any binary16 result runs one invocation per pair of elements (both computed,
 * then one word written), and its float32 results are written two at a time too.
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
  /** Read buffers holding packed binary16 (absent: all float32). */
  readonly halfBuffers?: readonly boolean[];
  /** Body results rounded to binary16, and written packed (absent: all float32). */
  readonly halfResults?: readonly boolean[];
}

/** Whether the pass writes a binary16 result, so each invocation computes a pair of elements. */
const inPairs = (p: FusedPass): boolean => p.outputs.some((j) => p.halfResults?.[j] === true);

/** Invocations the pass's dispatch must cover (elements, or pairs of them). */
export const fusedPassInvocations = (p: FusedPass): number => (inPairs(p) ? Math.ceil(p.n / 2) : p.n);

const u = (v: number): string => `${v >>> 0}u`;

/** The index into an operand of `size` values read through `shape` broadcast to `outShape`, as a WGSL expression of the element index `i`. */
function indexExpr(size: number, n: number, shape: Shape, outShape: Shape, i: string): string {
  if (size === n) return i;
  if (size === 1) return "0u";
  const st = broadcastStrides(shape, outShape), os = stridesOf(outShape);
  const terms: string[] = [];
  for (let d = 0; d < outShape.length; d++) {
    if (st[d] === 0 || outShape[d] === 1) continue;
    const coord = d === 0 ? `(${i} / ${u(os[d])})` : `((${i} / ${u(os[d])}) % ${u(outShape[d])})`;
    terms.push(st[d] === 1 ? coord : `${coord} * ${u(st[d])}`);
  }
  return terms.length ? terms.join(" + ") : "0u";
}

/** The WGSL of the pass's entry point `fused` (to be appended to common.wgsl, elementwise.wgsl and halfFormat.wgsl). */
export function fusedPassWgsl(p: FusedPass): string {
  const E = p.inputs.length;
  const halfIn = (b: number) => p.halfBuffers?.[b] === true;
  const halfOut = (j: number) => p.halfResults?.[j] === true;
  const lines: string[] = [];
  p.buffers.forEach((_, b) => lines.push(`@group(0) @binding(${b}) var<storage, read> FR${b}: array<${halfIn(b) ? "u32" : "f32"}>;`));
  p.outputs.forEach((j, o) => lines.push(`@group(0) @binding(${p.buffers.length + o}) var<storage, read_write> FW${o}: array<${halfOut(j) ? "u32" : "f32"}>;`));
  lines.push(
    "@compute @workgroup_size(WG)",
    "fn fused(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {",
  );
  // the member chain for the element index `i`, its registers suffixed by `sfx`
  const chain = (i: string, sfx: string) => {
    const r = (s: number) => `r${s}${sfx}`;
    p.inputs.forEach((x, s) => {
      const at = indexExpr(p.buffers[x.buffer], p.n, x.shape, x.outShape, i);
      lines.push(`  let ${r(s)} = ${halfIn(x.buffer) ? `halfAt(FR${x.buffer}[(${at}) >> 1u], ${at})` : `FR${x.buffer}[${at}]`};`);
    });
    p.body.forEach((op, j) => {
      let e: string;
      switch (op.op) {
        case "unary": e = `unaryF(${u(UNARY_CODES[op.fn])}, ${r(op.x)})`; break;
        case "binary": e = `binaryF(${u(BINARY_CODES[op.fn])}, ${r(op.a)}, ${r(op.b)})`; break;
        case "where": e = `select(${r(op.b)}, ${r(op.a)}, ${r(op.c)} != 0.0)`; break;
      }
      lines.push(`  let ${r(E + j)} = ${halfOut(j) ? `f16Value(f16Bits(${e}))` : e};`);
    });
  };
  if (!inPairs(p)) {
    lines.push("  let i = flatIndex(wid, nwg, lid);", `  if (i >= ${u(p.n)}) { return; }`);
    chain("i", "");
    p.outputs.forEach((j, o) => lines.push(`  FW${o}[i] = r${E + j};`));
  } else {
    // element i1 = i0 + 1 past the end (n odd) is computed as the last one and not written
    lines.push("  let w = flatIndex(wid, nwg, lid);", `  if (w >= ${u(Math.ceil(p.n / 2))}) { return; }`, "  let i0 = 2u * w;", `  let i1 = min(i0 + 1u, ${u(p.n - 1)});`, `  let second = i0 + 1u < ${u(p.n)};`);
    chain("i0", "_0");
    chain("i1", "_1");
    p.outputs.forEach((j, o) => {
      const r = `r${E + j}`;
      if (halfOut(j)) lines.push(`  FW${o}[w] = f16Bits(${r}_0) | select(0u, f16Bits(${r}_1) << 16u, second);`);
      else lines.push(`  FW${o}[i0] = ${r}_0;`, `  if (second) { FW${o}[i1] = ${r}_1; }`);
    });
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
