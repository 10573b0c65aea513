/**
 * Where a traced program runs under automatic selection (`ready({ backend: "auto" })`): on the
 * GPU (lowered to WGSL) when one of its inputs is there, since the CPU lowering reads its inputs
 * synchronously and a GPU value cannot be read so; or when one of its kernels is at or above the
 * router's crossover, since eagerly the router would send that kernel to the GPU (and what follows
 * from it would stay there). Otherwise on the SIMD core (the CPU lowering). The same measure of a
 * kernel's work as the router's (webgpu/autoSelect.ts): a product's flops, 2 b m k n, against
 * `crossover.matmulFlops`; any other kernel's values (a reduction's and a scan's input, the
 * output of the rest) against `crossover.elements`; creation (fills, one-hot rows), casts and
 * the kernels without a WGSL version (topk and its pair) never count, as the router keeps them
 * on the core.
 */
import type { Crossover } from "../backend/select.js";
import { sizeOf } from "../tensor/shape.js";
import { liveInstrs, type Instr, type Program } from "./program.js";

export interface Placement {
  where: "webgpu" | "cpu";
  /** Why, for `jit`'s stats. */
  why: string;
}

/** The work of one instruction as the router measures it: flops for a product, values for the rest (0: never routed by size). */
function workOf(ins: Instr, program: Program): { flops: boolean; work: number } {
  const out = program.values[ins.out[0]].size;
  switch (ins.op) {
    case "matmul": return { flops: true, work: 2 * ins.batch * ins.m * ins.k * ins.n };
    case "reduce": case "cumsum": return { flops: false, work: sizeOf(ins.shape) };
    case "fill": case "oneHot": case "cast": case "topk": case "takeAlong": case "putAlong": return { flops: false, work: 0 };
    default: return { flops: false, work: out };
  }
}

const n = (x: number): string => x.toLocaleString("en-US");

/** Where `program` runs: `inputsOnGpu` when any argument's values are on the GPU; `gpuLost` when the device is gone (then everything runs on the core). */
export function placeProgram(program: Program, inputsOnGpu: boolean, crossover: Crossover, gpuLost: boolean): Placement {
  if (gpuLost) return { where: "cpu", why: "the GPU device was lost (its values are recomputed on the host)" };
  if (inputsOnGpu) return { where: "webgpu", why: "an input is on the GPU" };
  let flops = 0, elements = 0, elementsOp = "";
  for (const ins of liveInstrs(program.instrs, program.outputs, program.values.length)) {
    const w = workOf(ins, program);
    if (w.flops && w.work > flops) flops = w.work;
    if (!w.flops && w.work > elements) [elements, elementsOp] = [w.work, ins.op];
  }
  if (flops >= crossover.matmulFlops) return { where: "webgpu", why: `a product of ${n(flops)} flops is at or above the crossover (${n(crossover.matmulFlops)} flops)` };
  if (elements >= crossover.elements) return { where: "webgpu", why: `a ${elementsOp} over ${n(elements)} values is at or above the crossover (${n(crossover.elements)} values)` };
  const largest = [flops > 0 ? `the largest product ${n(flops)} flops < ${n(crossover.matmulFlops)}` : "", elements > 0 ? `the largest other kernel (${elementsOp}) ${n(elements)} values < ${n(crossover.elements)}` : ""].filter(Boolean);
  return { where: "cpu", why: `every kernel is below the crossover${largest.length ? ` (${largest.join("; ")})` : ""}` };
}
