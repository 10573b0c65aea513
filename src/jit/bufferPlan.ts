/**
 * A lowering's buffer plan by liveness, shared by the CPU and WebGPU lowerings: every value a
 * step writes (except the outputs, which the caller keeps) gets a slot; a slot is free again once
 * the value's last reader has run. On the CPU, values of the same dtype and size share slots (a
 * slot is a typed array of that length). With `anySize` (the WebGPU lowering: a kernel reads its
 * sizes from metadata, never from a buffer's length) a value takes the smallest free slot of its
 * dtype that holds it, or the largest free one grown to hold it, so values of different sizes
 * share too (mixed precision's binary16 values and the float32 temporaries beside them).
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

export function planBuffers(steps: readonly PlanStep[], values: ReadonlyArray<Pick<Value, "dtype" | "size">>, outputs: readonly number[], anySize = false): BufferPlan {
  const lastUse = new Int32Array(values.length).fill(-1);
  steps.forEach((s, i) => {
    for (const v of s.reads) lastUse[v] = i;
  });
  const isOutput = new Uint8Array(values.length);
  for (const o of outputs) isOutput[o] = 1;
  const slotOf = new Int32Array(values.length).fill(-1);
  const slots: { dtype: DType; size: number }[] = [];
  const free = new Map<string, number[]>();
  const keyOf = (v: number) => (anySize ? values[v].dtype : `${values[v].dtype}:${values[v].size}`);
  const release = (v: number) => {
    if (slotOf[v] < 0) return;
    const k = keyOf(v);
    const pool = free.get(k) ?? [];
    pool.push(slotOf[v]);
    free.set(k, pool);
  };
  /** A free slot for value `o` (removed from the free list), or -1. */
  const take = (o: number): number => {
    const pool = free.get(keyOf(o));
    if (!pool || pool.length === 0) return -1;
    if (!anySize) return pool.pop()!;
    const need = values[o].size;
    let best = -1;
    for (let j = 0; j < pool.length; j++) {
      const size = slots[pool[j]].size, bestSize = best < 0 ? -1 : slots[pool[best]].size;
      if (best < 0 || (size >= need ? bestSize < need || size < bestSize : size > bestSize)) best = j;
    }
    const slot = pool.splice(best, 1)[0];
    if (slots[slot].size < need) slots[slot] = { dtype: slots[slot].dtype, size: need };
    return slot;
  };
  steps.forEach((s, i) => {
    for (const o of s.writes) {
      if (isOutput[o]) continue;
      const got = take(o);
      slotOf[o] = got >= 0 ? got : slots.push({ dtype: values[o].dtype, size: values[o].size }) - 1;
      if (lastUse[o] < 0) release(o); // written, never read (a second output nobody uses)
    }
    for (const v of new Set(s.reads)) if (lastUse[v] === i) release(v);
  });
  return { slotOf, slots };
}
