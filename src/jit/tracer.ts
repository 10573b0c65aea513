/**
 * Tracing is a backend: while a function runs under `withBackend(tracer, ...)`, every op it makes
 * (forward, and the backward rules grad/hvp/jvp run, which are ops too) calls one of the
 * tracer's kernels, which records an instruction and returns a symbolic value as the tensor's
 * storage. Storage that is not symbolic (a tensor captured from the closure, or created from JS
 * values inside the function) becomes a constant of the program. Reading a symbolic value
 * (`item()`, `dataSync()`, ...) is data-dependent control flow: a TraceError naming the op.
 */
import { DownhillError, errorName } from "../errors.js";
import type { Backend, Placement, Storage } from "../backend/backend.js";
import type { DType, FloatArray } from "../tensor/dtype.js";
import { sizeOf } from "../tensor/shape.js";
import type { Instr, Program, Value } from "./program.js";
import { snapshot } from "./constantSnapshots.js";

/** A traced function read a value it computed, or did something else a program cannot replay. */
export class TraceError extends DownhillError {}
errorName(TraceError, "TraceError");

/** The storage of a tensor under tracing: the id of a program value. */
export class Symbol_ {
  constructor(readonly id: number) {}
}

/** An instruction without its outputs (distributed over the union). */
type InstrBody = Instr extends infer I ? (I extends Instr ? Omit<I, "out"> : never) : never;

const sym = (id: number): Storage => new Symbol_(id) as unknown as Storage;
/** Below this many values a fill is baked in as a constant rather than an instruction. */
const CONST_FILL_MAX = 16;

export class Tracer implements Backend {
  readonly name = "trace" as const;
  readonly values: Value[] = [];
  readonly instrs: Instr[] = [];
  private readonly consts = new Map<FloatArray, number>();

  constructor(private readonly fnName: string) {}

  /** A new input value (an argument leaf of the traced call). */
  input(index: number, dtype: DType, size: number): Storage {
    this.values.push({ dtype, size, source: { kind: "input", index } });
    return sym(this.values.length - 1);
  }

  /** The value id of `s`: a symbolic value's, or a constant's (deduplicated by array). */
  ref(s: Storage): number {
    if (s instanceof Symbol_) return s.id;
    if (!ArrayBuffer.isView(s)) throw new TraceError(`jit(${this.fnName}): the function captures a tensor whose values are on the GPU; a program's constants are copied on the CPU when it is traced, and a GPU value cannot be read synchronously: pass it as an argument of the compiled function`);
    const a = s as unknown as FloatArray;
    let id = this.consts.get(a);
    if (id === undefined) {
      // A copy: the program must not see later in-place writes (an optimizer step) to the array
      // (shared with earlier traces while the bits are unchanged: constantSnapshots.ts).
      this.values.push({ dtype: a instanceof Float64Array ? "float64" : "float32", size: a.length, source: { kind: "const", values: snapshot(a) } });
      id = this.values.length - 1;
      this.consts.set(a, id);
    }
    return id;
  }

  private produce(dtype: DType, size: number): number {
    this.values.push({ dtype, size, source: { kind: "instr", index: this.instrs.length } });
    return this.values.length - 1;
  }

  private emit(ins: InstrBody, dtype: DType, size: number): Storage {
    const out = this.produce(dtype, size);
    this.instrs.push({ ...ins, out: [out] } as unknown as Instr);
    return sym(out);
  }

  program(inputs: number[], outputs: number[]): Program {
    return { values: this.values, instrs: this.instrs, inputs, outputs };
  }

  // ---- storage ----
  zeros(dtype: DType, n: number): Storage {
    return this.fill(dtype, n, 0);
  }
  adopt(values: FloatArray): Storage {
    return values as unknown as Storage; // a constant, referenced when an instruction reads it
  }
  read(s: Storage, _dtype: DType, _n: number): Promise<FloatArray> {
    if (!(s instanceof Symbol_)) return Promise.resolve((s as unknown as FloatArray).slice());
    return Promise.reject(this.refuse("data()"));
  }
  valuesAvailable(s: Storage): boolean {
    return !(s instanceof Symbol_);
  }
  readSync(s: Storage, op: string): FloatArray {
    if (!(s instanceof Symbol_)) return s as unknown as FloatArray;
    throw this.refuse(`${op}()`);
  }
  private refuse(op: string): TraceError {
    return new TraceError(
      `jit(${this.fnName}): ${op} reads a value computed from the traced inputs, but a compiled function is traced once and replayed ` +
        `without looking at values (data-dependent control flow cannot be compiled); compute it outside the compiled function, ` +
        `or pass { fallback: "eager" } to run such functions eagerly`,
    );
  }

  // ---- kernels: each records one instruction ----
  unary(fn: Parameters<Backend["unary"]>[0], x: Storage, dtype: DType, n: number): Storage {
    return this.emit({ op: "unary", fn, x: this.ref(x) }, dtype, n);
  }
  binary(fn: Parameters<Backend["binary"]>[0], a: Storage, aShape: readonly number[], b: Storage, bShape: readonly number[], outShape: readonly number[], dtype: DType): Storage {
    return this.emit({ op: "binary", fn, a: this.ref(a), aShape, b: this.ref(b), bShape, outShape }, dtype, sizeOf(outShape));
  }
  where(cond: Storage, cShape: readonly number[], a: Storage, aShape: readonly number[], b: Storage, bShape: readonly number[], outShape: readonly number[], dtype: DType): Storage {
    return this.emit({ op: "where", cond: this.ref(cond), cShape, a: this.ref(a), aShape, b: this.ref(b), bShape, outShape }, dtype, sizeOf(outShape));
  }
  fill(dtype: DType, n: number, value: number): Storage {
    if (n <= CONST_FILL_MAX) {
      const a = dtype === "float64" ? new Float64Array(n) : new Float32Array(n);
      a.fill(value);
      return a as unknown as Storage;
    }
    return this.emit({ op: "fill", value }, dtype, n);
  }
  cast(x: Storage, n: number, to: DType): Storage {
    return this.emit({ op: "cast", x: this.ref(x) }, to, n);
  }
  crossEntropyLogits(x: Storage, t: Storage, dtype: DType, n: number): Storage {
    return this.emit({ op: "crossEntropyLogits", x: this.ref(x), t: this.ref(t) }, dtype, n);
  }
  crossEntropyResidual(x: Storage, t: Storage, dtype: DType, n: number): [Storage, Storage] {
    const xi = this.ref(x), ti = this.ref(t);
    const loss = this.produce(dtype, n), res = this.produce(dtype, n);
    this.instrs.push({ op: "crossEntropyResidual", x: xi, t: ti, out: [loss, res] });
    return [sym(loss), sym(res)];
  }
  reduce(fn: "sum" | "max" | "mean" | "prod", x: Storage, shape: readonly number[], axes: readonly number[], dtype: DType): Storage {
    let n = 1;
    for (let i = 0; i < shape.length; i++) if (!axes.includes(i)) n *= shape[i];
    return this.emit({ op: "reduce", fn, x: this.ref(x), shape, axes }, dtype, n);
  }
  cumsum(x: Storage, shape: readonly number[], axis: number, reverse: boolean, dtype: DType): Storage {
    return this.emit({ op: "cumsum", x: this.ref(x), shape, axis, reverse }, dtype, sizeOf(shape));
  }
  broadcast(x: Storage, shape: readonly number[], outShape: readonly number[], dtype: DType): Storage {
    return this.emit({ op: "broadcast", x: this.ref(x), shape, outShape }, dtype, sizeOf(outShape));
  }
  transpose(x: Storage, shape: readonly number[], perm: readonly number[], dtype: DType): Storage {
    return this.emit({ op: "transpose", x: this.ref(x), shape, perm }, dtype, sizeOf(shape));
  }
  slice(x: Storage, shape: readonly number[], begin: readonly number[], size: readonly number[], dtype: DType): Storage {
    return this.emit({ op: "slice", x: this.ref(x), shape, begin, size }, dtype, sizeOf(size));
  }
  place(parts: readonly Placement[], outShape: readonly number[], dtype: DType): Storage {
    return this.emit({ op: "place", parts: parts.map((p) => ({ x: this.ref(p.x), shape: p.shape, begin: p.begin })), outShape }, dtype, sizeOf(outShape));
  }
  gather(x: Storage, outer: number, dim: number, inner: number, idx: Int32Array, dtype: DType): Storage {
    return this.emit({ op: "gather", x: this.ref(x), outer, dim, inner, idx: idx.slice() }, dtype, outer * idx.length * inner);
  }
  scatterAdd(g: Storage, outer: number, dim: number, inner: number, idx: Int32Array, dtype: DType): Storage {
    return this.emit({ op: "scatterAdd", g: this.ref(g), outer, dim, inner, idx: idx.slice() }, dtype, outer * dim * inner);
  }
  topk(x: Storage, outer: number, dim: number, inner: number, k: number, dtype: DType): [Storage, Storage] {
    const xi = this.ref(x);
    const values = this.produce(dtype, outer * k * inner), indices = this.produce(dtype, outer * k * inner);
    this.instrs.push({ op: "topk", x: xi, outer, dim, inner, k, out: [values, indices] });
    return [sym(values), sym(indices)];
  }
  takeAlong(x: Storage, idx: Storage, outer: number, dim: number, inner: number, k: number, dtype: DType): Storage {
    return this.emit({ op: "takeAlong", x: this.ref(x), idx: this.ref(idx), outer, dim, inner, k }, dtype, outer * k * inner);
  }
  putAlong(g: Storage, idx: Storage, outer: number, dim: number, inner: number, k: number, dtype: DType): Storage {
    return this.emit({ op: "putAlong", g: this.ref(g), idx: this.ref(idx), outer, dim, inner, k }, dtype, outer * dim * inner);
  }
  oneHot(idx: Int32Array, depth: number, dtype: DType): Storage {
    return this.emit({ op: "oneHot", idx: idx.slice(), depth }, dtype, idx.length * depth);
  }
  matmul(a: Storage, b: Storage, batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, dtype: DType): Storage {
    return this.emit({ op: "matmul", a: this.ref(a), b: this.ref(b), batch, m, k, n, transA, transB }, dtype, batch * m * n);
  }

  fusedOptimizer(): never {
    throw new TraceError(`jit(${this.fnName}): an optimizer step cannot run inside a compiled function (it updates parameters in place); compile the loss and gradient, and step outside`);
  }
}
