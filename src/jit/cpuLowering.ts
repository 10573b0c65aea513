/**
 * Runs a traced program on a CPU backend: each instruction becomes a closure over the backend's
 * into-kernels (src/backend/js/cpuKernels.ts: the very code eager ops run, so results are the
 * eager bits), reading and writing a table of typed arrays. Buffers are planned once by liveness:
 * a value's buffer returns to a pool (per dtype and size) after its last reader, and the next
 * value of that dtype and size reuses it, across calls too; only the outputs get fresh arrays
 * each call (the caller keeps them). No JS is generated (`new Function` is refused by strict CSP
 * pages and edge runtimes).
 */
import { arrayFor, type DType, type FloatArray } from "../tensor/dtype.js";
import type { CpuKernels } from "../backend/js/cpuKernels.js";
import type { Storage } from "../backend/backend.js";
import { dataWritten } from "../backend/select.js";
import { RESIDENT_MIN_BYTES } from "../backend/wasm/resident.js";
import { operands, type Instr, type Program } from "./program.js";

export interface Executable {
  /** Runs the program on the input arrays (one per input value); returns one array per output. */
  run(inputs: readonly FloatArray[]): FloatArray[];
  /** Instructions kept (after dropping those no output needs) and distinct buffers planned. */
  readonly stats: { instrs: number; buffers: number; bufferBytes: number };
}

type Step = () => void;

export function lowerCpu(p: Program, cpu: CpuKernels): Executable {
  const { values, instrs, inputs, outputs } = p;
  // Keep only instructions some output depends on.
  const needed = new Uint8Array(values.length);
  for (const o of outputs) needed[o] = 1;
  const keep: Instr[] = [];
  for (let i = instrs.length - 1; i >= 0; i--) {
    const ins = instrs[i];
    if (!ins.out.some((o) => needed[o])) continue;
    keep.push(ins);
    for (const v of operands(ins)) needed[v] = 1;
  }
  keep.reverse();

  // Liveness: the last instruction that reads each value.
  const lastUse = new Int32Array(values.length).fill(-1);
  keep.forEach((ins, i) => {
    for (const v of operands(ins)) lastUse[v] = i;
  });
  const isOutput = new Uint8Array(values.length);
  for (const o of outputs) isOutput[o] = 1;

  // Buffer plan: value id -> buffer slot, or -1 (an input, a constant, or an output).
  const slotOf = new Int32Array(values.length).fill(-1);
  const slots: { dtype: DType; size: number }[] = [];
  const free = new Map<string, number[]>();
  const keyOf = (v: number) => `${values[v].dtype}:${values[v].size}`;
  keep.forEach((ins, i) => {
    for (const o of ins.out) {
      if (isOutput[o]) continue;
      const k = keyOf(o);
      const pool = free.get(k);
      slotOf[o] = pool && pool.length ? pool.pop()! : slots.push({ dtype: values[o].dtype, size: values[o].size }) - 1;
      if (lastUse[o] < 0) release(o); // written, never read (a second output nobody uses)
    }
    for (const v of new Set(operands(ins))) if (lastUse[v] === i) release(v);
  });
  function release(v: number): void {
    if (slotOf[v] < 0) return;
    const k = keyOf(v);
    const pool = free.get(k) ?? [];
    pool.push(slotOf[v]);
    free.set(k, pool);
  }

  // The value table: constants fixed, slots allocated once, inputs and outputs set per call.
  const table: FloatArray[] = new Array(values.length);
  const slotArrays = slots.map((s) => arrayFor(s.dtype, s.size));
  values.forEach((v, id) => {
    if (v.source.kind === "const") table[id] = v.source.values;
    else if (slotOf[id] >= 0) table[id] = slotArrays[slotOf[id]];
  });
  const producedOutputs = [...new Set(outputs.filter((o) => values[o].source.kind === "instr"))];
  // A planned buffer is rewritten on every call (and by later values of the same size within
  // one), so a backend that keeps copies of operands by array identity (the wasm matmul's
  // resident cache, wasm/resident.ts) hears of each write to one large enough to be kept; without
  // this a replay multiplied the previous call's conv2d patches.
  const bytesOf = (v: number) => values[v].size * (values[v].dtype === "float64" ? 8 : 4);
  const steps: Step[] = keep.map((ins) => {
    const step = lower(ins, table, cpu);
    const large = ins.out.filter((o) => slotOf[o] >= 0 && bytesOf(o) >= RESIDENT_MIN_BYTES).map((o) => ({ _storage: table[o] as unknown as Storage }));
    if (large.length === 0) return step;
    return () => { step(); for (const t of large) dataWritten(t); };
  });

  return {
    run(args) {
      for (let i = 0; i < inputs.length; i++) table[inputs[i]] = args[i];
      for (const o of producedOutputs) table[o] = arrayFor(values[o].dtype, values[o].size);
      for (let i = 0; i < steps.length; i++) steps[i]();
      return outputs.map((o) => table[o]);
    },
    stats: { instrs: keep.length, buffers: slots.length, bufferBytes: slots.reduce((s, b) => s + b.size * (b.dtype === "float64" ? 8 : 4), 0) },
  };
}

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
    case "slice": { const { x, shape, begin, size } = ins; return () => cpu.slice(t[x], shape, begin, size, t[o]); }
    case "place": {
      const { parts, outShape } = ins;
      const views = parts.map((p) => ({ x: t[p.x], shape: p.shape, begin: p.begin }));
      return () => {
        for (let i = 0; i < parts.length; i++) views[i].x = t[parts[i].x];
        cpu.place(views, t[o], outShape);
      };
    }
    case "gather": { const { x, outer, dim, inner, idx } = ins; return () => cpu.gather(t[x], outer, dim, inner, idx, t[o]); }
    case "scatterAdd": { const { g, outer, dim, inner, idx } = ins; return () => cpu.scatterAdd(t[g], outer, dim, inner, idx, t[o]); }
    case "oneHot": { const { idx, depth } = ins; return () => cpu.oneHot(idx, depth, t[o]); }
    case "matmul": { const { a, b, batch, m, k, n, transA, transB } = ins; return () => cpu.matmul(t[a], t[b], t[o], batch, m, k, n, transA, transB); }
  }
}
