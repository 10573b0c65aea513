/**
 * The reverse pass: from an output and its cotangent, visit the recorded graph in reverse
 * topological order and accumulate cotangents into the requested tensors (`wrt`), which are
 * terminals: the walk does not continue past them. Only paths that reach `wrt` are evaluated.
 */
import type { Tensor } from "../tensor/tensor.js";
import { withRecording } from "./tape.js";
import { add } from "../ops/elementwise.js";

/**
 * Each walk has its own id; tensors carry the id of the last walk that visited them, found them
 * relevant or had them as a target (fields on Tensor instead of Sets: hashing was a sixth of a
 * trust-region Newton-CG run on Rosenbrock-100, which walks its recorded graph per H v product).
 * Walks never nest: a walk calls only VJP rules, which call ops, never `backward`.
 */
let walks = 0;

export function backward(output: Tensor, seed: Tensor, wrt: readonly Tensor[], createGraph: boolean): Array<Tensor | null> {
  const walk = ++walks;
  for (let i = 0; i < wrt.length; i++) wrt[i]._tgt = walk;
  // Iterative post-order DFS: `order` lists tensors whose inputs come first; relevant tensors
  // (_rel === walk) are those from which some target is reachable.
  const order: Tensor[] = [];
  const stack: Tensor[] = [output];
  const next: number[] = [0];
  while (stack.length) {
    const top = stack.length - 1;
    const t = stack[top], i = next[top];
    if (i === 0) {
      if (t._seen === walk) { stack.pop(); next.pop(); continue; }
      t._seen = walk;
      if (t._tgt === walk) { t._rel = walk; stack.pop(); next.pop(); continue; }
    }
    const inputs = t._node ? t._node.inputs : NO_INPUTS;
    if (i < inputs.length) {
      next[top] = i + 1;
      if (inputs[i]._seen !== walk) { stack.push(inputs[i]); next.push(0); }
    } else {
      stack.pop(); next.pop();
      for (let k = 0; k < inputs.length; k++) {
        if (inputs[k]._rel === walk) {
          t._rel = walk;
          order.push(t);
          break;
        }
      }
    }
  }
  const grads = new Map<Tensor, Tensor>();
  grads.set(output, seed);
  withRecording(createGraph, () => {
    for (let j = order.length - 1; j >= 0; j--) {
      const t = order[j];
      const g = grads.get(t);
      if (!g) continue;
      const node = t._node!;
      const inputs = node.inputs;
      const needs = new Array<boolean>(inputs.length);
      for (let k = 0; k < inputs.length; k++) needs[k] = inputs[k]._rel === walk;
      const gs = node.vjp(g, needs);
      for (let k = 0; k < inputs.length; k++) {
        const gk = gs[k];
        if (!needs[k] || !gk) continue;
        const x = inputs[k];
        const prev = grads.get(x);
        grads.set(x, prev ? add(prev, gk) : gk);
      }
      if (t._tgt !== walk) grads.delete(t); // free intermediate cotangents early
    }
  });
  return wrt.map((w) => grads.get(w) ?? null);
}

const NO_INPUTS: readonly Tensor[] = [];
