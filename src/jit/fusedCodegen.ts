/**
 * The faster lowering of a fused instruction where the runtime allows generating code: one JS
 * loop over the elements with the members' formulas in its body (operands in locals, not in
 * arrays), built with `new Function`. Strict-CSP pages and edge runtimes refuse that; there (and
 * when `setFusedCodegen(false)`) the register interpreter of fusedCpu.ts runs, which is the
 * default lowering in the sense that it runs everywhere.
 *
 * Bits: each formula is the eager kernel's (src/backend/js/kernels.ts `unaryRow`/`binaryRow`,
 * `where`; ops without their own loop there call the same `UNARY_OPS[op].ref`), and a float32
 * group rounds every result with Math.fround, as storing it into a Float32Array between kernels
 * does, so results are the eager bits (test/jit/fusion.test.ts runs both lowerings).
 */
import type { FloatArray } from "../tensor/dtype.js";
import { stridesOf, type Shape } from "../tensor/shape.js";
import { UNARY_OPS, type BinaryOp, type UnaryOp } from "../backend/ops.js";
import type { FusedInstr } from "./fuse.js";

let forced: boolean | null = null;
let probed: boolean | null = null;

/** Forces (true/false) or restores auto-detection (null) of generated fused loops; for tests and measurements. Applies to programs compiled afterwards. */
export function setFusedCodegen(enabled: boolean | null): void {
  forced = enabled;
}

/** Whether fused instructions compile to generated loops here. */
export function fusedCodegenEnabled(): boolean {
  if (forced !== null) return forced;
  if (probed === null) {
    try {
      probed = new Function("return 1")() === 1;
    } catch {
      probed = false; // CSP without 'unsafe-eval', workerd: the interpreter
    }
  }
  return probed;
}

type Maker = (t: FloatArray[], helpers: readonly ((x: number) => number)[], maps: readonly Int32Array[]) => () => void;
const made = new Map<string, Maker>();

/** x * +(x > 0), NaN kept, -Inf to 0, -0 to +0: `unaryRow`'s relu per element. */
function relu(v: number): number {
  let r = v * +(v > 0);
  if (r !== r) r = v === -Infinity ? 0 : v;
  return r + 0;
}

const ARITH: Partial<Record<BinaryOp, string>> = { add: "+", sub: "-", mul: "*", div: "/" };
const COMPARE: Partial<Record<BinaryOp, string>> = { gt: ">", ge: ">=", lt: "<", le: "<=", eq: "===" };

/** The formula of `binaryRow`'s loop for `op` over locals x and y (pow, atan2, hypot: Math's own). */
function binaryExpr(op: BinaryOp, x: string, y: string): string {
  if (ARITH[op]) return `${x} ${ARITH[op]} ${y}`;
  if (COMPARE[op]) return `+(${x} ${COMPARE[op]} ${y})`;
  if (op === "max") return `(${x} >= ${y} || ${x} !== ${x} ? ${x} : ${y})`;
  if (op === "min") return `(${x} <= ${y} || ${x} !== ${x} ? ${x} : ${y})`;
  return `Math.${op}(${x}, ${y})`;
}

/** The instruction as one generated loop over the value table `t`, or null where code cannot be generated. */
export function compileFused(f: FusedInstr, t: FloatArray[], sizeOfValue: (id: number) => number): (() => void) | null {
  if (!fusedCodegenEnabled()) return null;
  const E = f.ext.length, f32 = f.dtype === "float32";
  const helpers: ((x: number) => number)[] = [];
  const helperIndex = new Map<(x: number) => number, number>();
  const helper = (fn: (x: number) => number) => {
    let i = helperIndex.get(fn);
    if (i === undefined) helperIndex.set(fn, (i = helpers.push(fn) - 1));
    return `h${i}`;
  };
  const maps: Int32Array[] = [];
  const pre: string[] = [], load: string[] = [], body: string[] = [];
  const name = (s: number) => `v${s}`;
  // External operands: arrays fetched once per call; a scalar read once; a broadcast one through its index map.
  f.ext.forEach((e, s) => {
    const size = sizeOfValue(e.id);
    pre.push(`const a${s} = t[${e.id}];`);
    if (size === f.size) load.push(`const ${name(s)} = a${s}[i];`);
    else if (size === 1) pre.push(`const ${name(s)} = a${s}[0];`);
    else {
      pre.push(`const m${s} = maps[${maps.length}];`);
      maps.push(broadcastMap(e.shape, e.outShape));
      load.push(`const ${name(s)} = a${s}[m${s}[i]];`);
    }
  });
  const outSet = new Set(f.out);
  f.body.forEach((op, j) => {
    const s = E + j;
    let expr: string;
    switch (op.op) {
      case "unary": {
        const x = name(op.x);
        if (op.fn === "neg") expr = `-${x}`;
        else if (op.fn === "square") expr = `${x} * ${x}`;
        else if (op.fn === "reciprocal") expr = `1 / ${x}`;
        else if (op.fn === "rsqrt") expr = `1 / Math.sqrt(${x})`;
        else if (op.fn === "positive") expr = `+(${x} > 0)`;
        else if (op.fn === "relu") expr = `${helper(relu)}(${x})`;
        // the ops `unaryRow` loops over with Math's function of the same name (exp, log, sin, floor, ...)
        else if ((Math as unknown as Record<string, unknown>)[op.fn] === UNARY_OPS[op.fn].ref) expr = `Math.${op.fn}(${x})`;
        else expr = `${helper(UNARY_OPS[op.fn].ref)}(${x})`;
        break;
      }
      case "binary": expr = binaryExpr(op.fn, name(op.a), name(op.b)); break;
      case "where": expr = `(${name(op.c)} !== 0 ? ${name(op.a)} : ${name(op.b)})`; break;
    }
    body.push(`const ${name(s)} = ${f32 ? `Math.fround(${expr})` : expr};`);
    if (outSet.has(f.ids[j])) {
      pre.push(`const o${s} = t[${f.ids[j]}];`);
      body.push(`o${s}[i] = ${name(s)};`);
    }
  });
  const hs = helpers.map((_, i) => `const h${i} = helpers[${i}];`).join("\n");
  const src = `return () => {\n${hs}\n${pre.join("\n")}\nfor (let i = 0; i < ${f.size}; i++) {\n${load.join("\n")}\n${body.join("\n")}\n}\n};`;
  // Helper and map order is part of the source (h0, m0, ...), so one source is one maker.
  let maker = made.get(src);
  if (!maker) {
    try {
      maker = new Function("t", "helpers", "maps", src) as Maker;
    } catch {
      probed = false;
      return null;
    }
    if (made.size > 256) made.clear();
    made.set(src, maker);
  }
  return maker(t, helpers, maps);
}

/** For each element of `outShape`, the index of the `shape` element broadcast onto it. */
export function broadcastMap(shape: Shape, outShape: Shape): Int32Array {
  const rank = outShape.length, off = rank - shape.length;
  const st = stridesOf(shape);
  const s = new Array<number>(rank).fill(0);
  for (let d = 0; d < shape.length; d++) s[off + d] = shape[d] === 1 ? 0 : st[d];
  let n = 1;
  for (const d of outShape) n *= d;
  const map = new Int32Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0, src = 0; o < n; o++) {
    map[o] = src;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++; src += s[d];
      if (idx[d] < outShape[d]) break;
      src -= s[d] * outShape[d]; idx[d] = 0;
    }
  }
  return map;
}
