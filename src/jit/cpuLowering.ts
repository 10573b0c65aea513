/**
 * Runs a traced program on a CPU backend: each instruction becomes a closure over the backend's
 * into-kernels (src/backend/js/cpuKernels.ts: the very code eager ops run, so results are the
 * eager bits), reading and writing a table of typed arrays. Buffers are planned once by liveness:
 * a value's buffer returns to a pool (per dtype and size) after its last reader, and the next
 * value of that dtype and size reuses it, across calls too; only the outputs get fresh arrays
 * each call (the caller keeps them). Before planning, the program is simplified (simplify.ts)
 * and its elementwise runs fused (fuse.ts); a fused instruction runs as a generated loop where
 * the runtime allows `new Function` (fusedCodegen.ts), else on the interpreter (fusedCpu.ts),
 * which generates nothing and so runs under strict CSP and in edge runtimes.
 */
import { arrayFor, type FloatArray } from "../tensor/dtype.js";
import { jsCpuKernels, type CpuKernels } from "../backend/js/cpuKernels.js";
import { WASM_UNARY_OPS, type UnaryOp } from "../backend/ops.js";
import { liveInstrs, operands, type Instr, type Program } from "./program.js";
import { fuse, operandsOf, type LoweredInstr } from "./fuse.js";
import { planBuffers } from "./bufferPlan.js";
import { lowerFused } from "./fusedCpu.js";
import { compileFused } from "./fusedCodegen.js";
import { simplify } from "./simplify.js";
import { dataWritten } from "../backend/select.js";
import { RESIDENT_MIN_BYTES } from "../backend/wasm/resident.js";
import type { Storage } from "../backend/backend.js";
import { boxRuns, copyRuns } from "./copyPlan.js";
import { sparseConstantMatmul } from "./sparseConstant.js";
import { foldEpilogues, slopeOfRelu } from "./epilogue.js";
import { epilogueJs, hasMatmulEpilogue } from "../backend/wasm/backend.js";

export interface Executable {
  /** Runs the program on the input arrays (one per input value); returns one array per output. */
  run(inputs: readonly FloatArray[]): FloatArray[];
  /** Instructions kept (after dropping those no output needs) and distinct buffers planned. */
  readonly stats: { instrs: number; buffers: number; bufferBytes: number; epilogues: number };
}

type Step = () => void;

export function lowerCpu(program: Program, cpu: CpuKernels): Executable {
  const { inputs } = program;
  // Drop what no output needs, fold and simplify (simplify.ts), drop what that made dead.
  const s = simplify(program, liveInstrs(program.instrs, program.outputs, program.values.length), (ins, t) => lower(ins, t, cpu)());
  const { values, outputs } = s;
  // relu's slope reads relu's output (the same values), so the pre-activation has one reader (epilogue.ts)
  const keep = slopeOfRelu(liveInstrs(s.instrs, outputs, values.length), values.length);

  // Elementwise runs fuse into single passes; a unary op the backend sends to a WebAssembly
  // kernel stays its own instruction there (the compiled bits stay the eager ones).
  const wasmUnary = cpu.unary === jsCpuKernels.unary ? new Set<UnaryOp>() : new Set<UnaryOp>(WASM_UNARY_OPS);
  const fused: LoweredInstr[] = fuse({ values, outputs }, keep, (ins) => ins.op !== "unary" || !wasmUnary.has(ins.fn));
  // Where the backend has products with an epilogue (the WebAssembly one), a bias + relu or
  // relu-slope pass that only finishes a product runs inside it (epilogue.ts).
  const lowered = hasMatmulEpilogue(cpu) ? foldEpilogues(fused, values, outputs) : fused;

  // Buffer plan by liveness (bufferPlan.ts): value id -> slot, or -1 (an input, a constant, an output).
  const { slotOf, slots } = planBuffers(lowered.map((ins) => ({ reads: operandsOf(ins), writes: ins.out })), values, outputs);

  // The value table: constants fixed, slots allocated once, inputs and outputs set per call.
  const table: FloatArray[] = new Array(values.length);
  // On the WebAssembly backend a large slot that a product reads or writes lives in its memory, so
  // the product needs no copy in or out; the rest stay JS arrays (V8's copies and fills of arrays
  // over shared memory are slower: Rosenbrock's slices lost 10% when every slot lived there).
  const byProduct = new Uint8Array(slots.length);
  for (const ins of lowered) {
    if (ins.op !== "matmul" && ins.op !== "matmulEpilogue") continue;
    for (const v of [...operandsOf(ins), ...ins.out]) if (slotOf[v] >= 0) byProduct[slotOf[v]] = 1;
  }
  const home = (i: number) => hasMatmulEpilogue(cpu) && byProduct[i] === 1 && slots[i].size >= HOME_MIN_VALUES ? cpu.homeArray(slots[i].dtype, slots[i].size) : null;
  const slotArrays = slots.map((s, i) => home(i) ?? arrayFor(s.dtype, s.size));
  values.forEach((v, id) => {
    if (v.source.kind === "const") table[id] = v.source.values;
    else if (slotOf[id] >= 0) table[id] = slotArrays[slotOf[id]];
  });
  const producedOutputs = [...new Set(outputs.filter((o) => values[o].source.kind === "instr"))];
  const steps: Step[] = lowered.map((ins) => {
    // a generated loop where the runtime allows it (fusedCodegen.ts), else the interpreter
    if (ins.op === "fused") return compileFused(ins, table, (id) => values[id].size) ?? lowerFused(ins, table, (id) => values[id].size);
    if (ins.op === "matmul" && ins.batch === 1 && values[ins.a].source.kind === "const") {
      const { a, b, m, k, n, transA, transB } = ins, [o] = ins.out;
      const sparse = sparseConstantMatmul(table[a], m, k, n, transA, transB);
      if (sparse) return () => void (sparse(table[b], table[o]) || cpu.matmul(table[a], table[b], table[o], 1, m, k, n, transA, transB));
    }
    if (ins.op === "matmulEpilogue") {
      const { a, b, m, k, n, transA, transB, relu } = ins, [o] = ins.out;
      const epi = () => ({ bias: ins.bias >= 0 ? table[ins.bias] : null, relu, mask: ins.mask >= 0 ? table[ins.mask] : null, colSum: ins.colSum >= 0 ? table[ins.colSum] : null });
      const sparse = values[a].source.kind === "const" ? sparseConstantMatmul(table[a], m, k, n, transA, transB) : null;
      if (sparse) return () => {
        if (!sparse(table[b], table[o])) cpu.matmul(table[a], table[b], table[o], 1, m, k, n, transA, transB);
        epilogueJs(table[o], m, n, epi());
      };
      if (!hasMatmulEpilogue(cpu)) throw new Error("unreachable: an epilogue without the kernel");
      const c = cpu;
      return () => c.matmulEpilogue(table[a], table[b], table[o], m, k, n, transA, transB, epi());
    }
    return lower(ins, table, cpu);
  }).map((step, i) => {
    // A planned buffer is rewritten (by a later value, or on the next call) under the same array:
    // a resident copy the WebAssembly backend keeps of a large one (wasm/resident.ts) must go.
    const big = lowered[i].out.filter((o) => slotOf[o] >= 0 && table[o].byteLength >= RESIDENT_MIN_BYTES).map((o) => ({ _storage: table[o] as unknown as Storage }));
    if (big.length === 0) return step;
    return () => {
      step();
      for (let j = 0; j < big.length; j++) dataWritten(big[j]);
    };
  });

  return {
    run(args) {
      for (let i = 0; i < inputs.length; i++) table[inputs[i]] = args[i];
      for (const o of producedOutputs) table[o] = arrayFor(values[o].dtype, values[o].size);
      for (let i = 0; i < steps.length; i++) steps[i]();
      return outputs.map((o) => (values[o].source.kind === "const" ? table[o].slice() : table[o])); // a constant result: a copy the caller may keep
    },
    stats: { instrs: lowered.length, buffers: slots.length, bufferBytes: slots.reduce((s, b) => s + b.size * (b.dtype === "float64" ? 8 : 4), 0), epilogues: lowered.filter((i) => i.op === "matmulEpilogue").length },
  };
}

/** Slots of fewer values are copied in and out of a product: the copy costs less than it saves (4096 f32 is 16 KiB). */
const HOME_MIN_VALUES = 4096;

/** One instruction as a closure over the value table `t` (operand ids and parameters bound now). */
function lower(ins: Instr, t: FloatArray[], cpu: CpuKernels): Step {
  const [o] = ins.out;
  switch (ins.op) {
    case "unary": { const { fn, x } = ins; return () => cpu.unary(fn, t[x], t[o]); }
    case "binary": { const { fn, a, aShape, b, bShape, outShape } = ins; return () => cpu.binary(fn, t[a], aShape, t[b], bShape, t[o], outShape); }
    case "where": { const { cond, cShape, a, aShape, b, bShape, outShape } = ins; return () => cpu.where(t[cond], cShape, t[a], aShape, t[b], bShape, t[o], outShape); }
    case "fill": { const { value } = ins; return () => cpu.fill(t[o], value); }
    case "cast": { const { x } = ins; return () => cpu.cast(t[x], t[o]); }
    case "crossEntropyLogits": { const x = ins.x, tt = ins.t; return () => cpu.crossEntropyLogits(t[x], t[tt], t[o]); }
    case "crossEntropyResidual": { const { x } = ins, tt = ins.t, r = ins.out[1]; return () => cpu.crossEntropyResidual(t[x], t[tt], t[o], t[r]); }
    case "reduce": { const { fn, x, shape, axes } = ins; return () => cpu.reduce(fn, t[x], shape, axes, t[o]); }
    case "cumsum": { const { x, shape, axis, reverse } = ins; return () => cpu.cumsum(t[x], shape, axis, reverse, t[o]); }
    case "broadcast": { const { x, shape, outShape } = ins; return () => cpu.broadcast(t[x], shape, t[o], outShape); }
    case "transpose": { const { x, shape, perm } = ins; return () => cpu.transpose(t[x], shape, perm, t[o]); }
    case "slice": { const { x, shape, begin, size } = ins, runs = boxRuns(shape, begin, size, size.map(() => 0), size); return () => copyRuns(runs, t[x], t[o]); }
    case "place": {
      const { parts, outShape } = ins;
      const runs = parts.map((q) => boxRuns(q.shape, q.shape.map(() => 0), outShape, q.begin, q.shape));
      return () => {
        const out = t[o];
        out.fill(0);
        for (let i = 0; i < parts.length; i++) copyRuns(runs[i], t[parts[i].x], out);
      };
    }
    case "gather": { const { x, outer, dim, inner, idx } = ins; return () => cpu.gather(t[x], outer, dim, inner, idx, t[o]); }
    case "scatterAdd": { const { g, outer, dim, inner, idx } = ins; return () => cpu.scatterAdd(t[g], outer, dim, inner, idx, t[o]); }
    case "oneHot": { const { idx, depth } = ins; return () => cpu.oneHot(idx, depth, t[o]); }
    case "topk": { const { x, outer, dim, inner, k } = ins, i = ins.out[1]; return () => cpu.topk(t[x], outer, dim, inner, k, t[o], t[i]); }
    case "takeAlong": { const { x, idx, outer, dim, inner, k } = ins; return () => cpu.takeAlong(t[x], t[idx], outer, dim, inner, k, t[o]); }
    case "putAlong": { const { g, idx, outer, dim, inner, k } = ins; return () => cpu.putAlong(t[g], t[idx], outer, dim, inner, k, t[o]); }
    case "matmul": { const { a, b, batch, m, k, n, transA, transB } = ins; return () => cpu.matmul(t[a], t[b], t[o], batch, m, k, n, transA, transB); }
  }
}
