/**
 * A traced program on the WebGPU backend. Elementwise runs fuse (fuse.ts) and each fused group
 * becomes one generated WGSL pass (src/backend/webgpu/fusedPass.ts; a pipeline per distinct text);
 * every other instruction records the eager backend's own into-kernels (webgpu/kernels.ts), so a
 * compiled call runs the dispatches eager runs, minus the fused ones, with the same pipelines.
 * Recording happens once, at compile time, over value ids; the metadata and index tables and the
 * constants are uploaded then, and the intermediates get buffers planned by liveness (a value's
 * buffer is reused once its last reader has run), all owned by the program across calls and
 * returned to the pool when it is collected. Bind groups are made once per program: a dispatch
 * over program-owned buffers only (constants, intermediates, metadata) gets its group at compile
 * time, and one that binds an input keeps the group of the input buffers it last saw (a loop over
 * the same tensors makes none; new tensors, one per dispatch that binds them). Outputs are written
 * into program-owned buffers too, then copied into fresh pooled buffers the caller keeps (one
 * copyBufferToBuffer each, at the end of the call: measured cheaper than a bind group per call,
 * bench/probes/gpuJit.mjs; the price is a buffer per output). Every dispatch goes into the
 * context's open command encoder: nothing reads back, so the call is one command buffer,
 * submitted with whatever else the task encodes. If the device is lost the program runs on the
 * host (the CPU lowering of the same program), and each output's lineage replays it there, as
 * eager tensors' lineages do.
 *
 * Under mixed precision the program stores values by eager mixed precision's rule
 * (src/backend/webgpu/backend.ts): a product's result is binary16, an elementwise result is
 * binary16 when every full-size operand is, everything else float32; an input is read as it is
 * stored (jit.ts keys the program by which inputs are binary16).
 * Elementwise instructions all become generated passes then (groups of one too), which read and
 * write binary16 in place and round each binary16 result in its register; products read binary16
 * and store it (a float32 operand packed into a program-owned temporary first), and the other
 * kernels read a binary16 operand unpacked into one, as eager's conversions do.
 */
import type { Storage } from "../backend/backend.js";
import type { CpuKernels } from "../backend/js/cpuKernels.js";
import { jsCpuKernels } from "../backend/js/cpuKernels.js";
import type { ProgramHost } from "../backend/webgpu/backend.js";
import type { FusedPass, FusedPassOp } from "../backend/webgpu/fusedPass.js";
import type { GpuKernels, Sink, Words } from "../backend/webgpu/kernels.js";
import type { Lineage } from "../backend/webgpu/storage.js";
import type { FloatArray } from "../tensor/dtype.js";
import type { Shape } from "../tensor/shape.js";
import { lowerCpu, type Executable } from "./cpuLowering.js";
import { fuse, type FusedInstr } from "./fuse.js";
import { planBuffers } from "./bufferPlan.js";
import { liveInstrs, operands, type Instr, type Program } from "./program.js";

export interface DeviceExecutable {
  /** Runs the program on the inputs' storages (one per input value); returns one storage per output. */
  run(inputs: readonly Storage[]): Storage[];
  /**
   * As the CPU lowering's (epilogues: always 0, products with an epilogue are CPU-only), plus
   * dispatches, fused passes, and the values stored as binary16 (mixed precision; else 0).
   */
  readonly stats: { instrs: number; buffers: number; bufferBytes: number; epilogues: 0; dispatches: number; fusedPasses: number; halfValues: number };
}

/**
 * @internal How a program writes its outputs, read when it is lowered: "copy" (default) into
 * program-owned buffers, then one copy into each fresh output buffer, so no bind group changes
 * between calls over the same inputs; "bind": the fresh buffers bound directly (a bind group per
 * output-writing dispatch per call). Settable for bench/probes/gpuJit.mjs's comparison.
 */
export const outputWriting: { mode: "copy" | "bind" } = { mode: "copy" };

/** A recorded command: buffer operands are value ids (PLACEHOLDER: the program's spare buffer), or buffers it owns. */
type Cmd =
  | { copy: false; pipe: GPUComputePipeline; bind: Array<number | GPUBuffer>; groups: [number, number, number?]; slots?: number[] }
  | { copy: true; src: number; dst: number; bytes: number };

/**
 * A dispatch ready to replay: its bind group, the buffers it was made over (`bind`), and the
 * positions whose buffers may change between calls (`perCall`: value ids of inputs, or of outputs
 * bound directly); a group with no such position is made once, the others again only when a
 * call's buffer at one of them differs from `bind`'s.
 */
interface BoundDispatch {
  copy: false;
  pipe: GPUComputePipeline;
  bind: GPUBuffer[];
  groups: [number, number, number?];
  slots?: number[];
  perCall: Array<{ at: number; id: number }>;
  group: GPUBindGroup | null;
}

const PLACEHOLDER = -1;

/**
 * Words of n packed binary16 values (halfStorage.ts's halfWords; only types are imported from the
 * WebGPU chunk, since this module is in the main bundle).
 */
const halfWords = (n: number): number => Math.ceil(n / 2);

/** One step of the plan: the values it reads and writes, and how it records its commands. */
interface Step {
  reads: number[];
  writes: number[];
  record(): void;
}

/**
 * Buffers of collected programs go back to the pool (parked until the next submit: pending commands
 * may read them). Made on first use: this module is in the main bundle, and some edge runtimes
 * (workerd) have no FinalizationRegistry; every WebGPU host has one.
 */
type Owned = FinalizationRegistry<{ host: ProgramHost; buffers: GPUBuffer[] }>;
let ownedRegistry: Owned | null = null;
const owned = (): Owned =>
  (ownedRegistry ??= new FinalizationRegistry(({ host, buffers }) => {
    if (!host.ctx.lost) for (const b of buffers) host.ctx.pool.release(b);
  }));

/**
 * The program lowered for the WebGPU backend, or the reason it cannot be. `halfInputs[i]`: input
 * i arrives as binary16 (mixed precision), and is read so.
 */
export function lowerWebGpu(program: Program, host: ProgramHost, halfInputs: readonly boolean[] = []): DeviceExecutable | string {
  const { values, inputs, outputs } = program;
  if (values.some((v) => v.dtype !== "float32")) return "it holds float64 values, which WGSL cannot (float64 work runs on the host backend)";
  const keep = liveInstrs(program.instrs, outputs, values.length);
  for (const ins of keep) {
    if (ins.op === "topk" || ins.op === "takeAlong" || ins.op === "putAlong") return `${ins.op} has no WGSL kernel (it runs on the host)`;
  }
  const ctx = host.ctx;
  const mixed = host.precision === "mixed";
  const lowered = fuse({ values, outputs }, keep, () => true, mixed);
  const { half, words } = formats(lowered, values, mixed, mixed ? inputs.filter((_, i) => halfInputs[i]) : []);

  const cmds: Cmd[] = [];
  const buffers: GPUBuffer[] = [];
  // while an instruction records under mixed precision: operands swapped for converted temporaries
  // (a binary16 one unpacked, or a product's float32 one packed)
  let remap: Map<number, number> | null = null;
  const mapped = (id: number): number => remap?.get(id) ?? id;
  const sink: Sink<number> = {
    dispatch(pipe, bind, groups, slots) {
      cmds.push({ copy: false, pipe, bind: bind.map((b) => (typeof b === "number" ? (b === PLACEHOLDER ? b : mapped(b)) : upload(b))), groups, slots });
    },
    copy(src, dst, bytes) {
      if (bytes > 0) cmds.push({ copy: true, src: mapped(src), dst: mapped(dst), bytes });
    },
    placeholder: () => PLACEHOLDER,
  };
  const upload = (w: Words): GPUBuffer => {
    const b = ctx.upload(w, false);
    buffers.push(b);
    return b;
  };
  const k = host.kernels(sink);

  // Steps: a fused group as one or more generated passes (as many buffers as the adapter binds), the rest as the eager kernels.
  const maxBindings = ctx.limits.maxStorageBuffersPerShaderStage;
  let fusedPasses = 0;
  const steps: Step[] = [];
  const temporary = (w: number): number => words.push(w) - 1; // a value id past the program's
  for (const ins of lowered) {
    if (ins.op === "fused") {
      for (const part of splitFused(ins, values, maxBindings, half)) {
        fusedPasses++;
        steps.push({
          reads: part.reads,
          writes: part.writes,
          record() {
            const { pipe, invocations } = host.fusedPipeline(part.pass);
            sink.dispatch(pipe, [...part.reads, ...part.writes], ctx.grid(Math.ceil(invocations / 256)));
          },
        });
      }
      continue;
    }
    // mixed precision: conversions into temporaries before the kernel, as eager converts
    const swap = new Map<number, number>();
    if (mixed && ins.op === "matmul") {
      for (const id of new Set([ins.a, ins.b])) {
        if (half[id]) continue;
        const t = temporary(halfWords(values[id].size));
        steps.push({ reads: [id], writes: [t], record: () => k.pack(id, t, values[id].size) });
        swap.set(id, t);
      }
    } else if (mixed) {
      for (const id of new Set(operands(ins))) {
        if (!half[id]) continue;
        const t = temporary(values[id].size);
        steps.push({ reads: [id], writes: [t], record: () => k.unpack(id, t, values[id].size) });
        swap.set(id, t);
      }
    }
    const to = (id: number) => swap.get(id) ?? id;
    steps.push({
      reads: operands(ins).map(to),
      writes: ins.out,
      record() {
        remap = swap;
        try {
          recordInstr(ins, k, values, mixed);
        } finally {
          remap = null;
        }
      },
    });
  }
  try {
    for (const s of steps) s.record();
  } catch (e) {
    for (const b of buffers) ctx.pool.release(b);
    return e instanceof Error ? e.message : String(e);
  }

  // Buffer plan by liveness (bufferPlan.ts) over every value's 32-bit words (binary16 ones pack
  // two to a word; temporaries included): intermediates share buffers of any size.
  const { slotOf, slots } = planBuffers(steps, words.map((size) => ({ dtype: "float32", size }) as const), outputs, true);
  const slotSize = slots.map((sl) => sl.size);

  // The buffer table: constants and intermediates fixed now, inputs and outputs set per call.
  const table: GPUBuffer[] = new Array(words.length);
  const slotBuffers = slotSize.map((n) => ctx.pool.acquire(n * 4));
  buffers.push(...slotBuffers);
  const placeholder = ctx.pool.acquire(256);
  buffers.push(placeholder);
  words.forEach((_, id) => {
    const v = values[id] as Program["values"][number] | undefined;
    if (v?.source.kind === "const") {
      const a = v.source.values as Float32Array;
      table[id] = ctx.upload(a, false);
      buffers.push(table[id]);
    } else if (slotOf[id] >= 0) table[id] = slotBuffers[slotOf[id]];
  });
  const producedOutputs = [...new Set(outputs.filter((o) => values[o].source.kind === "instr"))];
  const bindOutputs = outputWriting.mode === "bind";
  if (!bindOutputs) {
    for (const o of producedOutputs) {
      table[o] = ctx.pool.acquire(words[o] * 4);
      buffers.push(table[o]);
    }
  }
  const ref = (b: number | GPUBuffer): GPUBuffer => (typeof b === "number" ? (b === PLACEHOLDER ? placeholder : table[b]) : b);

  // Bind groups: made now for dispatches over program-owned buffers, per call (last seen kept) for the rest.
  const perCallIds = new Set<number>(inputs);
  if (bindOutputs) for (const o of producedOutputs) perCallIds.add(o);
  const replay: Array<BoundDispatch | Extract<Cmd, { copy: true }>> = cmds.map((cmd) => {
    if (cmd.copy) return cmd;
    const perCall: BoundDispatch["perCall"] = [];
    cmd.bind.forEach((b, at) => {
      if (typeof b === "number" && perCallIds.has(b)) perCall.push({ at, id: b });
    });
    const bind = cmd.bind.map((b) => (typeof b === "number" && perCallIds.has(b) ? placeholder : ref(b)));
    return { copy: false, pipe: cmd.pipe, bind, groups: cmd.groups, slots: cmd.slots, perCall, group: perCall.length ? null : ctx.bindGroup(cmd.pipe, bind, cmd.slots) };
  });

  // On a lost device: the same program on the host backend's CPU kernels, built when first needed.
  let onHost: Executable | null = null;
  const hostExec = (): Executable => (onHost ??= lowerCpu(program, (host.cpu as { cpu?: CpuKernels }).cpu ?? jsCpuKernels));

  const exec: DeviceExecutable = {
    run(args) {
      if (ctx.lost) return hostExec().run(args.map((s) => resolve(host.lineageOf(s)))).map((a) => a as unknown as Storage);
      const lins: Lineage[] = args.map((s) => host.lineageOf(s));
      for (let i = 0; i < inputs.length; i++) table[inputs[i]] = half[inputs[i]] ? host.halfBufferOf(args[i], values[inputs[i]].size) : host.bufferOf(args[i]);
      // each output recomputable on the host from the inputs' lineages (one host run for all of them)
      let all: FloatArray[] | null = null;
      const replayAll = () => (all ??= hostExec().run(lins.map(resolve)));
      const produced = new Map<number, Storage>();
      const fresh: GPUBuffer[] = [];
      for (const o of producedOutputs) {
        const at = outputs.indexOf(o);
        const { storage, buffer } = host.output(values[o].size, lins, () => replayAll()[at], half[o] === 1);
        if (bindOutputs) table[o] = buffer;
        fresh.push(buffer);
        produced.set(o, storage);
      }
      for (let c = 0; c < replay.length; c++) {
        const cmd = replay[c];
        if (cmd.copy) {
          ctx.copy(table[cmd.src], table[cmd.dst], cmd.bytes);
          continue;
        }
        let group = cmd.group;
        for (let j = 0; j < cmd.perCall.length && group !== null; j++) if (cmd.bind[cmd.perCall[j].at] !== table[cmd.perCall[j].id]) group = null;
        if (group === null) {
          for (const { at, id } of cmd.perCall) cmd.bind[at] = table[id];
          group = cmd.group = ctx.bindGroup(cmd.pipe, cmd.bind, cmd.slots);
        }
        ctx.dispatchBound(cmd.pipe, group, cmd.groups);
      }
      if (!bindOutputs) producedOutputs.forEach((o, i) => ctx.copy(table[o], fresh[i], words[o] * 4));
      return outputs.map((o) => {
        const v = values[o];
        if (v.source.kind === "input") return args[inputs.indexOf(o)];
        if (v.source.kind === "const") return v.source.values.slice() as unknown as Storage; // a copy the caller may keep
        return produced.get(o)!;
      });
    },
    stats: { instrs: steps.length, buffers: slotSize.length, bufferBytes: slotSize.reduce((s, n) => s + n * 4, 0), epilogues: 0, dispatches: cmds.length, fusedPasses, halfValues: half.reduce((s, h) => s + h, 0) },
  };
  owned().register(exec, { host, buffers });
  return exec;
}

/** The values of a lineage on the CPU (recomputed if only the recipe is known). */
function resolve(l: Lineage): FloatArray {
  if (l.cpu === null) {
    l.cpu = l.replay!();
    l.replay = null;
  }
  return l.cpu;
}

/**
 * Each value's storage under mixed precision (`half`: 1 for binary16) and its buffer's 32-bit
 * words, by eager mixed precision's rule: products' results, and elementwise results whose
 * full-size operands (a broadcast one does not decide) are all binary16, are binary16.
 */
function formats(lowered: ReadonlyArray<Instr | FusedInstr>, values: Program["values"], mixed: boolean, halfInputs: readonly number[]): { half: Uint8Array; words: number[] } {
  const half = new Uint8Array(values.length);
  const words = values.map((v) => v.size);
  const set = (id: number) => {
    half[id] = 1;
    words[id] = halfWords(values[id].size);
  };
  if (!mixed) return { half, words };
  for (const id of halfInputs) set(id);
  for (const ins of lowered) {
    if (ins.op === "matmul") set(ins.out[0]);
    if (ins.op !== "fused") continue;
    const E = ins.ext.length;
    ins.body.forEach((op, j) => {
      let full = 0, all = true;
      for (const s of slotsOf(op)) {
        const id = s < E ? ins.ext[s].id : ins.ids[s - E];
        if (values[id].size !== ins.size) continue;
        full++;
        if (!half[id]) all = false;
      }
      if (all && full > 0) set(ins.ids[j]);
    });
  }
  return { half, words };
}

/** The slots a fused member reads. */
const slotsOf = (op: FusedPassOp): number[] => (op.op === "unary" ? [op.x] : op.op === "binary" ? [op.a, op.b] : [op.c, op.a, op.b]);

/** Records one unfused instruction as the eager backend's into-kernel over value ids (a product over binary16 operands under mixed precision). */
function recordInstr(ins: Instr, k: GpuKernels<number>, values: Program["values"], mixed: boolean): void {
  const [o] = ins.out;
  switch (ins.op) {
    case "unary": return k.unary(ins.fn, ins.x, o, values[o].size);
    case "binary": return k.binary(ins.fn, ins.a, ins.aShape, ins.b, ins.bShape, o, ins.outShape);
    case "where": return k.where(ins.cond, ins.cShape, ins.a, ins.aShape, ins.b, ins.bShape, o, ins.outShape);
    case "fill": return k.fill(o, values[o].size, ins.value);
    case "cast": return k.copy(ins.x, o, values[o].size);
    case "crossEntropyLogits": return k.crossEntropy(ins.x, ins.t, o, null, values[o].size);
    case "crossEntropyResidual": return k.crossEntropy(ins.x, ins.t, o, ins.out[1], values[o].size);
    case "reduce": return k.reduce(ins.fn, ins.x, ins.shape, ins.axes, o);
    case "cumsum": return k.cumsum(ins.x, ins.shape, ins.axis, ins.reverse, o);
    case "broadcast": return k.broadcast(ins.x, ins.shape, o, ins.outShape);
    case "transpose": return k.transpose(ins.x, ins.shape, ins.perm, o);
    case "slice": return k.slice(ins.x, ins.shape, ins.begin, ins.size, o);
    case "place": return k.place(ins.parts, ins.outShape, o);
    case "gather": return k.gather(ins.x, ins.dim, ins.inner, ins.idx, o, values[o].size);
    case "scatterAdd": return k.scatterAdd(ins.g, ins.dim, ins.inner, ins.idx, o, values[o].size);
    case "oneHot": return k.oneHot(ins.idx, ins.depth, o);
    case "matmul": return (mixed ? k.matmulHalf : k.matmul)(ins.a, ins.b, null, o, ins.batch, ins.m, ins.k, ins.n, ins.transA, ins.transB, 0);
    case "topk": case "takeAlong": case "putAlong": throw new Error(`${ins.op} has no WGSL kernel`); // refused before recording
  }
}

interface PassPart {
  pass: FusedPass;
  /** Value ids bound as the pass's read buffers, then the ones it writes. */
  reads: number[];
  writes: number[];
}

/**
 * A fused group as passes that each bind at most `maxBindings` buffers: members are taken in
 * order while the pass's distinct read buffers plus the results it must write (read after it,
 * by a later pass or outside the group) fit. Usually one pass.
 */
function splitFused(f: FusedInstr, values: Program["values"], maxBindings: number, half: Uint8Array): PassPart[] {
  const E = f.ext.length, m = f.body.length;
  const outSet = new Set(f.out);
  // where each member's result is last read (body index), for the writes of a partial pass
  const lastRead = new Int32Array(m).fill(-1);
  f.body.forEach((op, j) => { for (const s of slotsOf(op)) if (s >= E) lastRead[s - E] = j; });
  const bindingsOf = (from: number, to: number): number => {
    const reads = new Set<number>();
    let writes = 0;
    for (let j = from; j <= to; j++) {
      for (const s of slotsOf(f.body[j])) {
        if (s < E) reads.add(f.ext[s].id);
        else if (s - E < from) reads.add(f.ids[s - E]);
      }
      if (outSet.has(f.ids[j]) || lastRead[j] > to) writes++;
    }
    return reads.size + writes;
  };
  const parts: PassPart[] = [];
  let from = 0;
  for (let to = 0; to < m; to++) {
    if (to > from && bindingsOf(from, to) > maxBindings) {
      parts.push(passOf(f, values, from, to - 1, outSet, lastRead, half));
      from = to;
    }
  }
  parts.push(passOf(f, values, from, m - 1, outSet, lastRead, half));
  return parts;
}

/** Members from..to of a fused group as one pass (earlier members' results read from their buffers). */
function passOf(f: FusedInstr, values: Program["values"], from: number, to: number, outSet: Set<number>, lastRead: Int32Array, half: Uint8Array): PassPart {
  const E = f.ext.length;
  const reads: number[] = [];
  const bufferOf = new Map<number, number>();
  const inputs: Array<{ buffer: number; shape: Shape; outShape: Shape }> = [];
  const inputOf = new Map<number, number>(); // old slot -> new input slot
  const use = (id: number): number => {
    let b = bufferOf.get(id);
    if (b === undefined) bufferOf.set(id, (b = reads.push(id) - 1));
    return b;
  };
  for (let j = from; j <= to; j++) {
    for (const s of slotsOf(f.body[j])) {
      if (inputOf.has(s) || (s >= E && s - E >= from)) continue;
      if (s < E) inputOf.set(s, inputs.push({ buffer: use(f.ext[s].id), shape: f.ext[s].shape, outShape: f.ext[s].outShape }) - 1);
      else inputOf.set(s, inputs.push({ buffer: use(f.ids[s - E]), shape: [f.size], outShape: [f.size] }) - 1);
    }
  }
  const nIn = inputs.length;
  const slot = (s: number): number => (s >= E && s - E >= from ? nIn + (s - E - from) : inputOf.get(s)!);
  const body: FusedPassOp[] = [];
  const outIdx: number[] = [];
  const writes: number[] = [];
  for (let j = from; j <= to; j++) {
    const op = f.body[j];
    body.push(op.op === "unary" ? { op: "unary", fn: op.fn, x: slot(op.x) } : op.op === "binary" ? { op: "binary", fn: op.fn, a: slot(op.a), b: slot(op.b) } : { op: "where", c: slot(op.c), a: slot(op.a), b: slot(op.b) });
    if (outSet.has(f.ids[j]) || lastRead[j] > to) {
      outIdx.push(j - from);
      writes.push(f.ids[j]);
    }
  }
  const halfResults = f.ids.slice(from, to + 1).map((id) => half[id] === 1);
  const pass: FusedPass = { n: f.size, buffers: reads.map((id) => values[id].size), inputs, body, outputs: outIdx };
  return { pass: halfResults.includes(true) || reads.some((id) => half[id]) ? { ...pass, halfBuffers: reads.map((id) => half[id] === 1), halfResults } : pass, reads, writes };
}
