/**
 * The explorer's formula language: a function of x (and y) typed by the user, parsed into a small
 * tree and evaluated with the library's tensor ops, so the library differentiates it (gradients,
 * Hessians for Newton) and no string is ever run as code (no eval / new Function: the page keeps a
 * strict Content-Security-Policy).
 *
 *   sum     := product (("+" | "-") product)*
 *   product := unary (("*" | "/") unary | juxtaposed unary)*     "2x", "100(y - x^2)^2", "x y"
 *   unary   := ("-" | "+") unary | power                          -x^2 = -(x^2)
 *   power   := primary ("^" unary)?                               right-associative: 2^3^2 = 2^9
 *   primary := number | x | y | pi | e | name "(" sum ("," sum)* ")" | "(" sum ")"
 * Functions: sin cos tan atan sinh cosh tanh exp log sqrt abs (one argument), min max (two).
 */
import { ArgumentError } from "../src/errors.js";
import * as dh from "../src/index.js";
import type { Tensor } from "../src/index.js";

export type Node =
  | { kind: "num"; value: number }
  | { kind: "var"; name: "x" | "y" }
  | { kind: "neg"; arg: Node }
  | { kind: "bin"; op: "+" | "-" | "*" | "/" | "^"; left: Node; right: Node }
  | { kind: "call"; fn: string; args: Node[] };

type Value = Tensor | number;

const UNARY: Record<string, { t: (x: Tensor) => Tensor; n: (x: number) => number }> = {
  sin: { t: dh.sin, n: Math.sin },
  cos: { t: dh.cos, n: Math.cos },
  tan: { t: dh.tan, n: Math.tan },
  atan: { t: dh.atan, n: Math.atan },
  sinh: { t: dh.sinh, n: Math.sinh },
  cosh: { t: dh.cosh, n: Math.cosh },
  tanh: { t: dh.tanh, n: Math.tanh },
  exp: { t: dh.exp, n: Math.exp },
  log: { t: dh.log, n: Math.log },
  sqrt: { t: dh.sqrt, n: Math.sqrt },
  abs: { t: dh.abs, n: Math.abs },
};
const BINARY: Record<string, { t: (a: Value, b: Value) => Tensor; n: (a: number, b: number) => number }> = {
  min: { t: dh.minimum, n: Math.min },
  max: { t: dh.maximum, n: Math.max },
};
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };
export const FUNCTIONS: readonly string[] = [...Object.keys(UNARY), ...Object.keys(BINARY)];

/** A formula that does not parse: names the column (1-based) and what was expected. */
export class FormulaError extends ArgumentError {
  constructor(message: string, readonly column: number) {
    super(message);
    this.name = "FormulaError";
  }
}

interface Token { kind: "num" | "name" | "op" | "end"; text: string; value: number; col: number }

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") { i++; continue; }
    const rest = src.slice(i);
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest);
    if (num) {
      out.push({ kind: "num", text: num[0], value: Number(num[0]), col: i + 1 });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z_0-9]*/.exec(rest);
    if (name) {
      out.push({ kind: "name", text: name[0], value: NaN, col: i + 1 });
      i += name[0].length;
      continue;
    }
    if ("+-*/^(),".includes(c)) {
      out.push({ kind: "op", text: c, value: NaN, col: i + 1 });
      i++;
      continue;
    }
    throw new FormulaError(`formula: unexpected character ${JSON.stringify(c)} at column ${i + 1}`, i + 1);
  }
  out.push({ kind: "end", text: "end of formula", value: NaN, col: src.length + 1 });
  return out;
}

class Parser {
  private k = 0;
  constructor(private readonly tokens: Token[]) {}

  private get tok(): Token { return this.tokens[this.k]; }
  private atEnd(): boolean { return this.tokens[this.k].kind === "end"; }
  private isOp(t: string): boolean { return this.tok.kind === "op" && this.tok.text === t; }
  private fail(expected: string): never {
    const t = this.tok;
    throw new FormulaError(`formula: expected ${expected} at column ${t.col}, found ${t.kind === "end" ? "the end" : JSON.stringify(t.text)}`, t.col);
  }
  private expect(op: string): void {
    if (!this.isOp(op)) this.fail(JSON.stringify(op));
    this.k++;
  }

  parse(): Node {
    if (this.tok.kind === "end") throw new FormulaError("formula: empty (type a function of x and y, e.g. x^2 + 10 y^2)", 1);
    const n = this.sum();
    if (!this.atEnd()) this.fail("an operator");
    return n;
  }

  private sum(): Node {
    let left = this.product();
    while (this.isOp("+") || this.isOp("-")) {
      const op = this.tok.text as "+" | "-";
      this.k++;
      left = { kind: "bin", op, left, right: this.product() };
    }
    return left;
  }

  /** A token that can start an operand multiplied by juxtaposition (not "+"/"-": 2 -x is a difference). */
  private startsOperand(): boolean {
    const t = this.tok;
    return t.kind === "num" || t.kind === "name" || (t.kind === "op" && t.text === "(");
  }

  private product(): Node {
    let left = this.unary();
    for (;;) {
      if (this.isOp("*") || this.isOp("/")) {
        const op = this.tok.text as "*" | "/";
        this.k++;
        left = { kind: "bin", op, left, right: this.unary() };
      } else if (this.startsOperand()) {
        left = { kind: "bin", op: "*", left, right: this.unary() };
      } else return left;
    }
  }

  private unary(): Node {
    if (this.isOp("-")) { this.k++; return { kind: "neg", arg: this.unary() }; }
    if (this.isOp("+")) { this.k++; return this.unary(); }
    const base = this.primary();
    if (this.isOp("^")) {
      this.k++;
      return { kind: "bin", op: "^", left: base, right: this.unary() };
    }
    return base;
  }

  private primary(): Node {
    const t = this.tok;
    if (t.kind === "num") { this.k++; return { kind: "num", value: t.value }; }
    if (this.isOp("(")) {
      this.k++;
      const n = this.sum();
      this.expect(")");
      return n;
    }
    if (t.kind === "name") {
      this.k++;
      if (t.text === "x" || t.text === "y") return { kind: "var", name: t.text };
      if (t.text in CONSTANTS) return { kind: "num", value: CONSTANTS[t.text] };
      const arity = t.text in UNARY ? 1 : t.text in BINARY ? 2 : 0;
      if (arity === 0) {
        throw new FormulaError(`formula: unknown name ${JSON.stringify(t.text)} at column ${t.col}; the variables are x and y, the constants pi and e, the functions ${FUNCTIONS.join(", ")}`, t.col);
      }
      if (!this.isOp("(")) this.fail(`"(" after ${t.text}`);
      this.k++;
      const args = [this.sum()];
      while (this.isOp(",")) { this.k++; args.push(this.sum()); }
      if (args.length !== arity) throw new FormulaError(`formula: ${t.text} takes ${arity} argument${arity > 1 ? "s" : ""}, got ${args.length} (column ${t.col})`, t.col);
      this.expect(")");
      return { kind: "call", fn: t.text, args };
    }
    this.fail("a number, x, y, a function or \"(\"");
  }
}

/** Parses a formula into its tree; throws FormulaError naming the column. */
export function parseFormula(src: string): Node {
  if (typeof src !== "string") throw new ArgumentError(`formula: expected a string, got ${typeof src}`);
  return new Parser(tokenize(src)).parse();
}

/** The variables a tree uses. */
export function variablesOf(n: Node, into = new Set<"x" | "y">()): Set<"x" | "y"> {
  if (n.kind === "var") into.add(n.name);
  else if (n.kind === "neg") variablesOf(n.arg, into);
  else if (n.kind === "bin") { variablesOf(n.left, into); variablesOf(n.right, into); }
  else if (n.kind === "call") for (const a of n.args) variablesOf(a, into);
  return into;
}

function power(a: Value, b: Value): Value {
  if (typeof a === "number" && typeof b === "number") return a ** b;
  if (typeof a !== "number" && b === 2) return dh.square(a);
  if (typeof a !== "number" && b === 1) return a;
  return dh.pow(a, b);
}

/** Evaluates the tree on tensors (elementwise over whatever shape x and y have) with library ops. */
export function evaluate(n: Node, env: { x: Tensor; y?: Tensor }): Value {
  switch (n.kind) {
    case "num": return n.value;
    case "var": {
      const v = env[n.name];
      if (!v) throw new ArgumentError(`formula: uses ${n.name}, but this surface has no ${n.name}`);
      return v;
    }
    case "neg": {
      const a = evaluate(n.arg, env);
      return typeof a === "number" ? -a : dh.neg(a);
    }
    case "bin": {
      const a = evaluate(n.left, env), b = evaluate(n.right, env);
      if (n.op === "^") return power(a, b);
      if (typeof a === "number" && typeof b === "number") {
        return n.op === "+" ? a + b : n.op === "-" ? a - b : n.op === "*" ? a * b : a / b;
      }
      const t = n.op === "+" ? dh.add : n.op === "-" ? dh.sub : n.op === "*" ? dh.mul : dh.div;
      return t(a, b);
    }
    case "call": {
      const args = n.args.map((a) => evaluate(a, env));
      if (args.length === 1) {
        const u = UNARY[n.fn], a = args[0];
        return typeof a === "number" ? u.n(a) : u.t(a);
      }
      const b = BINARY[n.fn];
      return typeof args[0] === "number" && typeof args[1] === "number" ? b.n(args[0], args[1]) : b.t(args[0], args[1]);
    }
  }
}

export interface Formula {
  text: string;
  tree: Node;
  /** 1 (the formula uses only x) or 2. */
  dim: 1 | 2;
  /** The objective for minimize: v has shape [dim]; returns a scalar tensor. */
  f: (v: Tensor) => Tensor;
  /** Values on many points at once (one vectorized evaluation), for the contour grid. */
  values(xs: Float64Array, ys?: Float64Array): Float64Array;
}

/** Parses and checks a formula: it must use x (and may use y). */
export function compileFormula(text: string): Formula {
  const tree = parseFormula(text);
  const vars = variablesOf(tree);
  if (!vars.has("x")) throw new FormulaError(vars.has("y") ? "formula: uses y but not x (a 1-D formula is written in x)" : "formula: has no variable (use x, and y for a 2-D surface)", 1);
  const dim: 1 | 2 = vars.has("y") ? 2 : 1;
  const f = (v: Tensor): Tensor => {
    const x = dh.reshape(dh.slice(v, [0], [1]), []);
    const y = dim === 2 ? dh.reshape(dh.slice(v, [1], [1]), []) : undefined;
    const r = evaluate(tree, { x, y });
    return typeof r === "number" ? dh.scalar(r, v.dtype) : r;
  };
  const values = (xs: Float64Array, ys?: Float64Array): Float64Array => {
    const x = dh.tensor(xs, { dtype: "float64" });
    const y = dim === 2 ? dh.tensor(ys ?? new Float64Array(xs.length), { dtype: "float64" }) : undefined;
    const r = evaluate(tree, { x, y });
    return typeof r === "number" ? new Float64Array(xs.length).fill(r) : Float64Array.from(r.toArray() as number[]);
  };
  return { text, tree, dim, f, values };
}
