/**
 * Weight initializers. Each is `(shape, rng, dtype) => Tensor`, drawing from the core's seeded
 * generator, so the same seed gives the same bits everywhere.
 *
 * Fans follow the papers (and PyTorch's `_calculate_fan_in_and_fan_out` for weights stored as
 * `[fanIn, fanOut]`, as `nn.linear` stores them so that `y = x W + b`):
 *   rank 1: fanIn = fanOut = shape[0]
 *   rank >= 2: receptive = prod(shape[0..-2)), fanIn = shape[-2] * receptive, fanOut = shape[-1] * receptive
 */
import { ArgumentError } from "../errors.js";
import { checkOptions } from "../options.js";
import { Rng } from "../tensor/random.js";
import { Tensor, tensorOf } from "../tensor/tensor.js";
import { arrayFor, type DType } from "../tensor/dtype.js";
import { sizeOf, fmt } from "../tensor/shape.js";

export type Initializer = (shape: readonly number[], rng: Rng, dtype?: DType) => Tensor;

/** fanIn and fanOut of a weight of this shape (see the module comment). */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) throw new ArgumentError("computeFans: a scalar weight has no fans; shape must have rank >= 1");
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

function fill(shape: readonly number[], dtype: DType, draw: () => number): Tensor {
  const a = arrayFor(dtype, sizeOf(shape));
  for (let i = 0; i < a.length; i++) a[i] = draw();
  return tensorOf(a, shape);
}

function positiveGain(name: string, gain: number): number {
  if (!(gain > 0) || !Number.isFinite(gain)) throw new ArgumentError(`${name}: gain must be a positive finite number, got ${gain}`);
  return gain;
}

/**
 * Glorot/Xavier uniform (Glorot & Bengio 2010, eq. 16): U(-a, a), a = gain * sqrt(6 / (fanIn + fanOut)).
 * @see https://proceedings.mlr.press/v9/glorot10a.html
 */
export function glorotUniform(options: { gain?: number } = {}): Initializer {
  checkOptions("glorotUniform", options, ["gain"]);
  const gain = positiveGain("glorotUniform", options.gain ?? 1);
  return (shape, rng, dtype = "float32") => {
    const { fanIn, fanOut } = computeFans(shape);
    const a = gain * Math.sqrt(6 / (fanIn + fanOut));
    return fill(shape, dtype, () => (2 * rng.uniform() - 1) * a);
  };
}

/** Glorot/Xavier normal: N(0, std^2), std = gain * sqrt(2 / (fanIn + fanOut)). */
export function glorotNormal(options: { gain?: number } = {}): Initializer {
  checkOptions("glorotNormal", options, ["gain"]);
  const gain = positiveGain("glorotNormal", options.gain ?? 1);
  return (shape, rng, dtype = "float32") => {
    const { fanIn, fanOut } = computeFans(shape);
    const std = gain * Math.sqrt(2 / (fanIn + fanOut));
    return fill(shape, dtype, () => rng.normal() * std);
  };
}

/**
 * He/Kaiming normal (He et al. 2015, eq. 10): N(0, std^2), std = sqrt(2 / fan), fan = fanIn
 * (mode "fanIn", the forward pass) or fanOut (mode "fanOut", the backward pass).
 * @see https://arxiv.org/abs/1502.01852
 */
export function heNormal(options: { mode?: "fanIn" | "fanOut" } = {}): Initializer {
  checkOptions("heNormal", options, ["mode"]);
  const mode = checkMode("heNormal", options.mode);
  return (shape, rng, dtype = "float32") => {
    const std = Math.sqrt(2 / computeFans(shape)[mode]);
    return fill(shape, dtype, () => rng.normal() * std);
  };
}

/** He/Kaiming uniform: U(-a, a), a = sqrt(6 / fan) (the same variance, 2 / fan, as heNormal). */
export function heUniform(options: { mode?: "fanIn" | "fanOut" } = {}): Initializer {
  checkOptions("heUniform", options, ["mode"]);
  const mode = checkMode("heUniform", options.mode);
  return (shape, rng, dtype = "float32") => {
    const a = Math.sqrt(6 / computeFans(shape)[mode]);
    return fill(shape, dtype, () => (2 * rng.uniform() - 1) * a);
  };
}

function checkMode(name: string, mode: string | undefined): "fanIn" | "fanOut" {
  const m = mode ?? "fanIn";
  if (m !== "fanIn" && m !== "fanOut") throw new ArgumentError(`${name}: mode must be "fanIn" or "fanOut", got ${JSON.stringify(mode)}`);
  return m;
}

/** All zeros (biases). */
export const zerosInit: Initializer = (shape, _rng, dtype = "float32") => tensorOf(arrayFor(dtype, sizeOf(shape)), shape);

/** Names accepted wherever an initializer is: aliases `xavier*` = `glorot*`, `kaiming*` = `he*`. */
export type InitializerName =
  | "glorotUniform" | "glorotNormal" | "xavierUniform" | "xavierNormal"
  | "heUniform" | "heNormal" | "kaimingUniform" | "kaimingNormal" | "zeros";

const named: Record<InitializerName, () => Initializer> = {
  glorotUniform: () => glorotUniform(),
  glorotNormal: () => glorotNormal(),
  xavierUniform: () => glorotUniform(),
  xavierNormal: () => glorotNormal(),
  heUniform: () => heUniform(),
  heNormal: () => heNormal(),
  kaimingUniform: () => heUniform(),
  kaimingNormal: () => heNormal(),
  zeros: () => zerosInit,
};

/** An initializer from a name or itself; unknown names throw, naming the argument. */
export function resolveInitializer(arg: string, init: InitializerName | Initializer): Initializer {
  if (typeof init === "function") return init;
  const make = named[init as InitializerName];
  if (!make) throw new ArgumentError(`${arg}: unknown initializer ${JSON.stringify(init)}; expected one of ${Object.keys(named).join(", ")} or a function`);
  return make();
}

/** Shape check helper for layers. */
export function checkDim(op: string, name: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`${op}: ${name} must be a positive integer, got ${n}`);
  return n;
}

export { fmt };
