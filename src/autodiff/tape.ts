import type { Tensor } from "../tensor/tensor.js";

/**
 * The record of one differentiable op: its inputs and its vector-Jacobian product.
 *
 * Gradients are computed by ordinary tensor ops, so when the backward pass itself is recorded
 * (`createGraph`), the gradient is again a differentiable function of the inputs: that is how
 * `grad` of `grad`, `hvp` (reverse over reverse) and `jvp` (the transpose trick) work.
 */
export interface Node {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /**
   * Cotangent of the output -> cotangents of the inputs (null where an input gets none).
   * `needs[i]` says whether input i needs one, so rules can skip work nobody uses.
   */
  readonly vjp: (g: Tensor, needs: readonly boolean[]) => ReadonlyArray<Tensor | null>;
}

let recording = true;

export function isRecording(): boolean {
  return recording;
}

/** Runs `fn` with recording switched on or off, restoring the previous mode afterwards. */
export function withRecording<T>(on: boolean, fn: () => T): T {
  const prev = recording;
  recording = on;
  try {
    return fn();
  } finally {
    recording = prev;
  }
}

/** Attaches a node to `out` when recording is on and some input carries gradients. */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], vjp: Node["vjp"]): Tensor {
  if (recording) {
    for (const x of inputs) {
      if (x._leaf || x._node !== null) {
        out._node = { op, inputs, vjp };
        break;
      }
    }
  }
  return out;
}
