/**
 * A lowering's buffer plan by liveness, shared by the CPU and WebGPU lowerings: every value a
 * step writes (except the outputs, which the caller keeps) gets a slot; a slot is free again once
 * the value's last reader has run, and values of the same dtype and size share slots.
 */
import type { DType } from "../tensor/dtype.js";
import type { Value } from "./program.js";

export interface PlanStep {
  readonly reads: readonly number[];
  readonly writes: readonly number[];
}

export interface BufferPlan {
  /** Value id -> its slot, or -1 (an input, a constant, or an output). */
  readonly slotOf: Int32Array;
  /** Each slot's dtype and element count. */
  readonly slots: readonly { dtype: DType; size: number }[];
}

export function planBuffers(steps: readonly PlanStep[], values: readonly Value[], outputs: readonly number[]): BufferPlan {
  const lastUse = new Int32Array(values.length).fill(-1);
  steps.forEach((s, i) => {
    for (const v of s.reads) lastUse[v] = i;
  });
  const isOutput = new Uint8Array(values.length);
  for (const o of outputs) isOutput[o] = 1;
  const slotOf = new Int32Array(values.length).fill(-1);
  const slots: { dtype: DType; size: number }[] = [];
  const free = new Map<string, number[]>();
  const keyOf = (v: number) => `${values[v].dtype}:${values[v].size}`;
  const release = (v: number) => {
    if (slotOf[v] < 0) return;
    const k = keyOf(v);
    const pool = free.get(k) ?? [];
    pool.push(slotOf[v]);
    free.set(k, pool);
  };
  steps.forEach((s, i) => {
    for (const o of s.writes) {
      if (isOutput[o]) continue;
      const pool = free.get(keyOf(o));
      slotOf[o] = pool && pool.length ? pool.pop()! : slots.push({ dtype: values[o].dtype, size: values[o].size }) - 1;
      if (lastUse[o] < 0) release(o); // written, never read (a second output nobody uses)
    }
    for (const v of new Set(s.reads)) if (lastUse[v] === i) release(v);
  });
  return { slotOf, slots };
}
