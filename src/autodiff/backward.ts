/**
 * The reverse pass: from an output and its cotangent, visit the recorded graph in reverse
 * topological order and accumulate cotangents into the requested tensors (`wrt`), which are
 * terminals: the walk does not continue past them. Only paths that reach `wrt` are evaluated.
 */
import type { Tensor } from "../tensor/tensor.js";
import { withRecording } from "./tape.js";
import { add } from "../ops/elementwise.js";

export function backward(output: Tensor, seed: Tensor, wrt: readonly Tensor[], createGraph: boolean): Array<Tensor | null> {
  const targets = new Set(wrt);
  // Iterative post-order DFS: `order` lists tensors whose inputs come first; `relevant` marks
  // tensors from which some target is reachable.
  const relevant = new Set<Tensor>();
  const visited = new Set<Tensor>();
  const order: Tensor[] = [];
  const stack: Array<[Tensor, number]> = [[output, 0]];
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i === 0) {
      if (visited.has(t)) { stack.pop(); continue; }
      visited.add(t);
      if (targets.has(t)) { relevant.add(t); stack.pop(); continue; }
    }
    const inputs = t._node ? t._node.inputs : [];
    if (i < inputs.length) {
      top[1] = i + 1;
      if (!visited.has(inputs[i])) stack.push([inputs[i], 0]);
    } else {
      stack.pop();
      if (inputs.some((x) => relevant.has(x))) {
        relevant.add(t);
        order.push(t);
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
      const needs = node.inputs.map((x) => relevant.has(x));
      const gs = node.vjp(g, needs);
      node.inputs.forEach((x, k) => {
        const gk = gs[k];
        if (!needs[k] || !gk) return;
        const prev = grads.get(x);
        grads.set(x, prev ? add(prev, gk) : gk);
      });
      if (!targets.has(t)) grads.delete(t); // free intermediate cotangents early
    }
  });
  return wrt.map((w) => grads.get(w) ?? null);
}
