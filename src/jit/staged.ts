/**
 * A compiled function of (x, v) run in two stages: what depends on x only, once per x, and what
 * depends on v, once per v at that x. This is what a Hessian-vector product needs from a compiled
 * program: the forward pass and the gradient graph at x are the first stage (their values the
 * second stage reads are kept, as the eager tape keeps them), and each H v at x runs only the
 * second stage. One trace serves both; the program is split where values start to depend on v.
 */
import { ArgumentError } from "../errors.js";
import { backendFor, readSync, withBackend } from "../backend/select.js";
import { Tensor } from "../tensor/tensor.js";
import type { CpuKernels } from "../backend/js/cpuKernels.js";
import { lowerCpu, type Executable } from "./cpuLowering.js";
import { operands, type Program, type Value } from "./program.js";
import { Tracer, TraceError } from "./tracer.js";

export interface Staged {
  /** Stage one at x: its outputs (which must not depend on v), and stage two bound to this x. */
  (x: Tensor): { first: Record<string, Tensor>; second: (v: Tensor) => Tensor };
}

interface Split {
  first: Executable;
  second: Executable;
  firstKeys: string[];
  /** Shapes of the first-stage outputs, then the second's. */
  firstShapes: (readonly number[])[];
  secondShape: readonly number[];
}

/**
 * Compiles `f(x, v)` = { first: {name: tensor}, second: tensor } for x of x0's shape and dtype
 * and v of v0's, traced on the first call. Throws a TraceError when a first output depends on v,
 * or when f reads a traced value.
 */
export function stagedJit(f: (x: Tensor, v: Tensor) => { first: Record<string, Tensor>; second: Tensor }, name: string): (x: Tensor, vLike: Tensor) => ReturnType<Staged> {
  let split: Split | null = null;
  let key = "";
  return (x, vLike) => {
    const backend = backendFor();
    if (!backend.cpu) throw new TraceError(`jit(${name}): the ${backend.name} backend has no compiled lowering yet`);
    const sig = `${backend.name}|${x.dtype}[${x.shape}]|${vLike.dtype}[${vLike.shape}]`;
    if (split === null || sig !== key) {
      split = trace(f, x, vLike, name, backend.cpu);
      key = sig;
    }
    const s = split;
    const outs = s.first.run([readSync(x, `jit(${name})`)]);
    const first: Record<string, Tensor> = {};
    s.firstKeys.forEach((k, i) => (first[k] = new Tensor(backend.adopt(outs[i]), s.firstShapes[i], x.dtype, true)));
    const cross = outs.slice(s.firstKeys.length); // first-stage values the second reads: owned by this x
    return {
      first,
      second: (v) => {
        const [hv] = s.second.run([...cross, readSync(v, `jit(${name})`)]);
        return new Tensor(backend.adopt(hv), s.secondShape, v.dtype, true);
      },
    };
  };
}

function trace(f: (x: Tensor, v: Tensor) => { first: Record<string, Tensor>; second: Tensor }, x: Tensor, v: Tensor, name: string, cpu: CpuKernels): Split {
  const tracer = new Tracer(name);
  const xs = tracer.input(0, x.dtype, x.size), vs = tracer.input(1, v.dtype, v.size);
  const xId = tracer.ref(xs), vId = tracer.ref(vs);
  const out = withBackend(tracer, () => f(new Tensor(xs, x.shape, x.dtype, true), new Tensor(vs, v.shape, v.dtype, true)));
  if (!out || !(out.second instanceof Tensor) || typeof out.first !== "object") throw new ArgumentError(`jit(${name}): must return { first: {name: Tensor}, second: Tensor }`);
  const firstKeys = Object.keys(out.first);
  const firstIds = firstKeys.map((k) => tracer.ref(out.first[k]._storage));
  const secondId = tracer.ref(out.second._storage);
  const p = tracer.program([xId, vId], [...firstIds, secondId]);

  // Values that depend on v: v itself and everything an instruction computes from one of them.
  const onV = new Uint8Array(p.values.length);
  onV[vId] = 1;
  for (const ins of p.instrs) if (operands(ins).some((o) => onV[o])) for (const o of ins.out) onV[o] = 1;
  firstKeys.forEach((k, i) => {
    if (onV[firstIds[i]]) throw new TraceError(`jit(${name}): the first-stage output "${k}" depends on the second-stage input`);
  });
  const firstInstrs = p.instrs.filter((ins) => !ins.out.some((o) => onV[o]));
  const secondInstrs = p.instrs.filter((ins) => ins.out.some((o) => onV[o]));
  // First-stage values (computed, or x itself) that the second stage reads or returns.
  const crossSet = new Set<number>();
  const isFirst = (id: number) => !onV[id] && p.values[id].source.kind !== "const";
  for (const ins of secondInstrs) for (const o of operands(ins)) if (isFirst(o)) crossSet.add(o);
  if (isFirst(secondId)) crossSet.add(secondId);
  const cross = [...crossSet];

  const first: Program = { values: p.values, instrs: firstInstrs, inputs: [xId], outputs: [...firstIds, ...cross] };
  // In the second program the cross values are inputs (arrays the first stage returned).
  const values2: Value[] = p.values.map((val, id) => (crossSet.has(id) ? { dtype: val.dtype, size: val.size, source: { kind: "input", index: cross.indexOf(id) } } : val));
  const second: Program = { values: values2, instrs: secondInstrs, inputs: [...cross, vId], outputs: [secondId] };
  const shapeOf = (t: Tensor) => t.shape;
  return {
    first: lowerCpu(first, cpu),
    second: lowerCpu(second, cpu),
    firstKeys,
    firstShapes: firstKeys.map((k) => shapeOf(out.first[k])),
    secondShape: out.second.shape,
  };
}
