/**
 * Elementwise primitives: each op's forward kernel, shape rule (NumPy broadcasting) and
 * vector-Jacobian product sit together. Gradients of broadcast operands are summed back to
 * the operand's shape by `sumTo`.
 */
import type { BinaryOp, UnaryOp } from "../backend/ops.js";
import { backendFor } from "../backend/select.js";
import { broadcastShapes, sameShape } from "../tensor/shape.js";
import { Tensor, type TensorLike } from "../tensor/tensor.js";
import { record } from "../autodiff/tape.js";
import type { DType } from "../tensor/dtype.js";
import { wrap, lift, pair, assertTensor } from "./util.js";
import { sumTo } from "./shape.js";
import { ArgumentError } from "../errors.js";

type BinaryRule = (g: Tensor, a: Tensor, b: Tensor, out: Tensor, needs: readonly boolean[]) => [Tensor | null, Tensor | null];

function binary(op: BinaryOp, name: string, a: TensorLike, b: TensorLike, rule: BinaryRule | null): Tensor {
  const [A, B] = pair(name, a, b);
  const shape = sameShape(A.shape, B.shape) ? A.shape : broadcastShapes(name, A.shape, B.shape);
  const out = wrap(backendFor(A, B).binary(op, A._storage, A.shape, B._storage, B.shape, shape, A.dtype), shape, A.dtype);
  if (!rule) return out;
  return record(out, name, [A, B], (g, needs) => {
    const [ga, gb] = rule(g, A, B, out, needs);
    return [ga && sumTo(ga, A.shape), gb && sumTo(gb, B.shape)];
  });
}

/** a + b */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary("add", "add", a, b, (g) => [g, g]);
}
/** a - b */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary("sub", "sub", a, b, (g, _a, _b, _o, n) => [g, n[1] ? neg(g) : null]);
}
/** a * b */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary("mul", "mul", a, b, (g, A, B, _o, n) => [n[0] ? mul(g, B) : null, n[1] ? mul(g, A) : null]);
}
/** a / b; d/db = -a/b^2 = -out/b */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary("div", "div", a, b, (g, _A, B, out, n) => [n[0] ? div(g, B) : null, n[1] ? neg(div(mul(g, out), B)) : null]);
}
/** a ** b; d/da = b a^(b-1), d/db = log(a) a^b (taken as 0 where a <= 0). */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  return binary("pow", "pow", a, b, (g, A, B, out, n) => [
    n[0] ? mul(g, mul(B, pow(A, sub(B, 1)))) : null,
    n[1] ? mul(g, mul(out, where(greater(A, 0), log(where(greater(A, 0), A, 1)), 0))) : null,
  ]);
}
/** Elementwise maximum; on ties the gradient is split evenly (as in PyTorch). */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binary("max", "maximum", a, b, (g, A, B) => {
    const share = add(greater(A, B), mul(equal(A, B), 0.5));
    return [mul(g, share), mul(g, sub(1, share))];
  });
}
/** Elementwise minimum; ties split evenly. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binary("min", "minimum", a, b, (g, A, B) => {
    const share = add(less(A, B), mul(equal(A, B), 0.5));
    return [mul(g, share), mul(g, sub(1, share))];
  });
}
/**
 * The angle of the point (x, y) in (-pi, pi], elementwise with broadcasting (NumPy's
 * `arctan2(y, x)`, `Math.atan2`). d/dy = x / r^2, d/dx = -y / r^2 with r = hypot(x, y), formed as
 * (x / r) / r so it neither overflows nor underflows; at the origin, where atan2 jumps, the
 * gradient is taken as 0 (PyTorch gives NaN there).
 */
export function atan2(y: TensorLike, x: TensorLike): Tensor {
  return binary("atan2", "atan2", y, x, (g, Y, X, _o, n) => {
    const r = hypot(Y, X);
    const d = where(r, r, 1); // r, or 1 at the origin (where the numerators are 0)
    return [n[0] ? div(mul(g, div(X, d)), d) : null, n[1] ? neg(div(mul(g, div(Y, d)), d)) : null];
  });
}
/**
 * sqrt(a^2 + b^2) without overflow or underflow (Math.hypot), with broadcasting. d/da = a / out,
 * d/db = b / out; at a = b = 0 the gradient is taken as 0 (a subgradient, as for `norm`).
 */
export function hypot(a: TensorLike, b: TensorLike): Tensor {
  return binary("hypot", "hypot", a, b, (g, A, B, out, n) => {
    const d = where(out, out, 1);
    return [n[0] ? mul(g, div(A, d)) : null, n[1] ? mul(g, div(B, d)) : null];
  });
}
/** 1 where a > b, else 0 (no gradient). */
export function greater(a: TensorLike, b: TensorLike): Tensor { return binary("gt", "greater", a, b, null); }
export function greaterEqual(a: TensorLike, b: TensorLike): Tensor { return binary("ge", "greaterEqual", a, b, null); }
export function less(a: TensorLike, b: TensorLike): Tensor { return binary("lt", "less", a, b, null); }
export function lessEqual(a: TensorLike, b: TensorLike): Tensor { return binary("le", "lessEqual", a, b, null); }
export function equal(a: TensorLike, b: TensorLike): Tensor { return binary("eq", "equal", a, b, null); }

type UnaryRule = (g: Tensor, x: Tensor, out: Tensor) => Tensor;

function unary(op: UnaryOp, x: Tensor, rule: UnaryRule | null): Tensor {
  assertTensor(op, "x", x);
  const out = wrap(backendFor(x).unary(op, x._storage, x.dtype, x.size), x.shape, x.dtype);
  if (!rule) return out;
  return record(out, op, [x], (g) => [rule(g, x, out)]);
}

export function neg(x: Tensor): Tensor { return unary("neg", x, (g) => neg(g)); }
export function exp(x: Tensor): Tensor { return unary("exp", x, (g, _x, out) => mul(g, out)); }
export function log(x: Tensor): Tensor { return unary("log", x, (g, X) => div(g, X)); }
export function sqrt(x: Tensor): Tensor { return unary("sqrt", x, (g, _x, out) => div(g, mul(out, 2))); }
export function abs(x: Tensor): Tensor { return unary("abs", x, (g, X) => mul(g, sign(X))); }
/** -1, 0 or 1, NaN for NaN (no gradient). */
export function sign(x: Tensor): Tensor { return unary("sign", x, null); }
/** tanh; d/dx = 1 - tanh^2 */
export function tanh(x: Tensor): Tensor { return unary("tanh", x, (g, _x, y) => mul(g, sub(1, mul(y, y)))); }
/** Logistic sigmoid, computed without overflow; d/dx = s (1 - s) */
/**
 * max(x, 0) in one pass (composed as where(x > 0, x, 0) it took three allocations per call); the
 * gradient at 0 is 0, as in PyTorch, and NaN stays NaN.
 */
export function relu(x: Tensor): Tensor { return unary("relu", x, (g, X) => mul(g, unary("positive", X, null))); }
export function sigmoid(x: Tensor): Tensor { return unary("sigmoid", x, (g, _x, s) => mul(g, mul(s, sub(1, s)))); }
/** log(1 + e^x), as max(x, 0) + log1p(e^-|x|) so it neither overflows nor loses small values; d/dx = sigmoid(x) */
export function softplus(x: Tensor): Tensor { return unary("softplus", x, (g, X) => mul(g, sigmoid(X))); }
/** Gauss error function; d/dx = 2/sqrt(pi) exp(-x^2) */
export function erf(x: Tensor): Tensor {
  return unary("erf", x, (g, X) => mul(g, mul(exp(neg(mul(X, X))), 2 / Math.sqrt(Math.PI))));
}
/** x^2 */
/**
 * x^2 as a primitive (forward x * x, the same bits as mul(x, x)); its backward is g (2 x), two ops
 * where mul(x, x) records three (g x twice, then their sum; the same bits, as doubling is exact).
 * Fewer ops in the gradient graph make every H v product through it cheaper.
 */
export function square(x: Tensor): Tensor { return unary("square", x, (g, X) => mul(g, mul(X, 2))); }

// ---- trigonometric, hyperbolic and their inverses ------------------------------------------------

/** sin x (radians); d/dx = cos x */
export function sin(x: Tensor): Tensor { return unary("sin", x, (g, X) => mul(g, cos(X))); }
/** cos x; d/dx = -sin x */
export function cos(x: Tensor): Tensor { return unary("cos", x, (g, X) => neg(mul(g, sin(X)))); }
/** tan x; d/dx = 1 + tan^2 x */
export function tan(x: Tensor): Tensor { return unary("tan", x, (g, _x, y) => mul(g, add(square(y), 1))); }
/** arcsin x in [-pi/2, pi/2], NaN outside [-1, 1]; d/dx = 1 / sqrt(1 - x^2) */
export function asin(x: Tensor): Tensor { return unary("asin", x, (g, X) => div(g, sqrt(mul(sub(1, X), add(1, X))))); }
/** arccos x in [0, pi], NaN outside [-1, 1]; d/dx = -1 / sqrt(1 - x^2) */
export function acos(x: Tensor): Tensor { return unary("acos", x, (g, X) => neg(div(g, sqrt(mul(sub(1, X), add(1, X)))))); }
/** arctan x in (-pi/2, pi/2); d/dx = 1 / (1 + x^2) */
export function atan(x: Tensor): Tensor { return unary("atan", x, (g, X) => div(g, add(square(X), 1))); }
/** sinh x; d/dx = cosh x */
export function sinh(x: Tensor): Tensor { return unary("sinh", x, (g, X) => mul(g, cosh(X))); }
/** cosh x; d/dx = sinh x */
export function cosh(x: Tensor): Tensor { return unary("cosh", x, (g, X) => mul(g, sinh(X))); }
/** arsinh x; d/dx = 1 / sqrt(x^2 + 1), as 1 / hypot(x, 1) (no overflow for large x) */
export function asinh(x: Tensor): Tensor { return unary("asinh", x, (g, X) => div(g, hypot(X, 1))); }
/** arcosh x for x >= 1 (NaN below); d/dx = 1 / sqrt((x - 1)(x + 1)) */
export function acosh(x: Tensor): Tensor { return unary("acosh", x, (g, X) => div(g, sqrt(mul(sub(X, 1), add(X, 1))))); }
/** artanh x on (-1, 1) (+-Infinity at +-1, NaN outside); d/dx = 1 / ((1 - x)(1 + x)) */
export function atanh(x: Tensor): Tensor { return unary("atanh", x, (g, X) => div(g, mul(sub(1, X), add(1, X)))); }

// ---- logarithms, exponentials and powers near their awkward points -------------------------------

/** log(1 + x), accurate for small x; d/dx = 1 / (1 + x) */
export function log1p(x: Tensor): Tensor { return unary("log1p", x, (g, X) => div(g, add(X, 1))); }
/** e^x - 1, accurate for small x; d/dx = e^x (not out + 1, which loses e^x's digits once out is near -1) */
export function expm1(x: Tensor): Tensor { return unary("expm1", x, (g, X) => mul(g, exp(X))); }
/** log base 2; d/dx = 1 / (x ln 2) */
export function log2(x: Tensor): Tensor { return unary("log2", x, (g, X) => div(g, mul(X, Math.LN2))); }
/** log base 10; d/dx = 1 / (x ln 10) */
export function log10(x: Tensor): Tensor { return unary("log10", x, (g, X) => div(g, mul(X, Math.LN10))); }
/** 1 / x; d/dx = -1 / x^2 = -out^2 */
export function reciprocal(x: Tensor): Tensor { return unary("reciprocal", x, (g, _x, y) => neg(mul(g, square(y)))); }
/** 1 / sqrt(x); d/dx = -out^3 / 2 */
export function rsqrt(x: Tensor): Tensor { return unary("rsqrt", x, (g, _x, y) => mul(g, mul(mul(y, square(y)), -0.5))); }

// ---- rounding: piecewise constant, so the gradient is zero (nothing is recorded) ------------------

/** The largest integer <= x (zero gradient). */
export function floor(x: Tensor): Tensor { return unary("floor", x, null); }
/** The smallest integer >= x (zero gradient). */
export function ceil(x: Tensor): Tensor { return unary("ceil", x, null); }
/** The nearest integer, halves to the even one (2.5 -> 2, -0.5 -> -0, as NumPy and PyTorch; zero gradient). */
export function round(x: Tensor): Tensor { return unary("round", x, null); }
/** x with its fraction dropped, towards zero (zero gradient). */
export function trunc(x: Tensor): Tensor { return unary("trunc", x, null); }

/** cond ? a : b, elementwise with broadcasting; `cond` is any tensor (non-zero = true). */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  assertTensor("where", "cond", cond);
  const [A, B] = pair("where", a, b);
  const shape = broadcastShapes("where", broadcastShapes("where", cond.shape, A.shape), B.shape);
  const out = wrap(backendFor(cond, A, B).where(cond._storage, cond.shape, A._storage, A.shape, B._storage, B.shape, shape, A.dtype), shape, A.dtype);
  return record(out, "where", [A, B], (g, n) => [
    n[0] ? sumTo(where(cond, g, 0), A.shape) : null,
    n[1] ? sumTo(where(cond, 0, g), B.shape) : null,
  ]);
}

/** Limits values to [lo, hi]. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (typeof lo !== "number" || typeof hi !== "number") throw new ArgumentError(`clip: lo and hi must be numbers, got ${typeof lo} and ${typeof hi}`);
  if (!(lo <= hi)) throw new ArgumentError(`clip: lo (${lo}) must not exceed hi (${hi})`);
  return minimum(maximum(x, lo), hi);
}

/** The same values in another dtype (gradients are cast back). */
export function cast(x: Tensor, dtype: DType): Tensor {
  assertTensor("cast", "x", x);
  if (dtype !== "float32" && dtype !== "float64") throw new ArgumentError(`cast: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
  if (x.dtype === dtype) return x;
  const out = wrap(backendFor(x).cast(x._storage, x.size, dtype), x.shape, dtype);
  return record(out, "cast", [x], (g) => [cast(g, x.dtype)]);
}

export { lift };
