// Random elementwise graphs for property tests of compiled programs (test/webgpu/jit.test.ts,
// f16.test.ts): a list of unary, binary and where nodes, each over earlier values picked by index.
import fc from "fast-check";
import * as dh from "../../src/index.js";

const unary = ["neg", "exp", "tanh", "sigmoid", "abs", "square", "sin", "relu"] as const;
const binary = ["add", "sub", "mul", "maximum"] as const;

export type GraphNode =
  | { k: "u"; fn: (typeof unary)[number]; x: number }
  | { k: "b"; fn: (typeof binary)[number]; x: number; y: number }
  | { k: "w"; c: number; x: number; y: number };

/** An arbitrary node; its operand indices wrap around the values made so far. */
export const graphNode: fc.Arbitrary<GraphNode> = fc.oneof(
  fc.record({ k: fc.constant("u" as const), fn: fc.constantFrom(...unary), x: fc.nat() }),
  fc.record({ k: fc.constant("b" as const), fn: fc.constantFrom(...binary), x: fc.nat(), y: fc.nat() }),
  fc.record({ k: fc.constant("w" as const), c: fc.nat(), x: fc.nat(), y: fc.nat() }),
);

/** The graph's last `outs` values, built on the input tensors. */
export function buildGraph(nodes: readonly GraphNode[], inputs: readonly dh.Tensor[], outs: number): dh.Tensor[] {
  const vals = [...inputs];
  const pick = (i: number) => vals[i % vals.length];
  for (const n of nodes) {
    if (n.k === "u") vals.push(n.fn === "relu" ? dh.relu(pick(n.x)) : (dh[n.fn] as (t: dh.Tensor) => dh.Tensor)(pick(n.x)));
    else if (n.k === "b") vals.push((dh[n.fn] as (a: dh.Tensor, b: dh.Tensor) => dh.Tensor)(pick(n.x), pick(n.y)));
    else vals.push(dh.where(dh.greater(pick(n.c), 0), pick(n.x), pick(n.y)));
  }
  return vals.slice(-outs);
}
