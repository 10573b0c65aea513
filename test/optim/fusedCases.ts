// The fusable aliases' options, as one typed table, and the cases every fused-path test runs,
// generated from it. `Table<O>` needs an entry for every key of the alias's options interface, so
// an option added to an alias without a line here is a compile error.
//
// A dimension marked `product` selects a branch of the fused kernels (weight decay on or off,
// momentum, nesterov, dampening, amsgrad, centered, the convention's eps placement and momentum
// form, the clip prefix, lr number or schedule): every combination of those is a case. The other
// dimensions (the continuous hyperparameters, `undefined` meaning "the convention's default") take
// a value per case from a fixed pseudo-random sequence, so that each of their values meets each
// value of every branch option (fusedEquality.test.ts checks that it does); a counter would tie
// them to the fastest-varying branch options. `gradScale` multiplies the test gradients: at 1e-3 the second moments are small
// enough that eps and its placement change the result (at 1, eps is below float32 resolution).
import {
  adagrad, adam, adamw, chain, clipByGlobalNorm, lion, rmsprop, sgd,
  type AdagradOptions, type AdamOptions, type GradientTransformation, type LionOptions, type RmspropOptions, type SgdOptions, type Schedule,
} from "../../src/optim/index.js";

interface Dim<V> { values: readonly (V | undefined)[]; product?: true }
/** One entry per option of `O` (none may be left out), plus the clip prefix and the gradient scale. */
type Table<O> = { [K in keyof Required<O>]-?: Dim<Required<O>[K]> } & { clip: Dim<number>; gradScale: Dim<number> };

/** A schedule that changes every step (the fused path evaluates it at the same counts as the pure one). */
const decaying = (lr: number): Schedule => (step) => lr / (1 + 0.1 * step);
const lrs = (lr: number) => ({ values: [lr, decaying(lr)], product: true as const });
const conventions = { values: ["torch", "optax", "tfjs"] as const, product: true as const };
const clip = { values: [undefined, 1.5], product: true as const };
const gradScale = { values: [1, 1e-3] };

export const OPTION_TABLE: {
  sgd: Table<SgdOptions>; adam: Table<AdamOptions>; adamw: Table<AdamOptions>;
  adagrad: Table<AdagradOptions>; rmsprop: Table<RmspropOptions>; lion: Table<LionOptions>;
} = {
  sgd: {
    lr: lrs(0.05), convention: { values: ["torch", "optax", "tfjs"] }, clip, gradScale,
    momentum: { values: [0, 0.9], product: true }, dampening: { values: [0, 0.3], product: true },
    nesterov: { values: [false, true], product: true }, weightDecay: { values: [0, 0.01], product: true },
  },
  adam: {
    lr: lrs(0.05), convention: conventions, clip, gradScale,
    weightDecay: { values: [undefined, 0.05], product: true }, amsgrad: { values: [false, true], product: true },
    // b1 <= 0.5 takes the first moment's other lerp form (the wasm kernels' copy with run-time flags)
    b1: { values: [undefined, 0.8, 0.3] }, b2: { values: [undefined, 0.99] }, eps: { values: [undefined, 1e-6, 0] },
  },
  adamw: {
    lr: lrs(0.05), convention: conventions, clip, gradScale,
    weightDecay: { values: [undefined, 0, 0.1], product: true }, amsgrad: { values: [false, true], product: true },
    b1: { values: [undefined, 0.8, 0] }, b2: { values: [undefined, 0.99] }, eps: { values: [undefined, 1e-6] },
  },
  adagrad: {
    lr: lrs(0.1), convention: conventions, clip, gradScale,
    weightDecay: { values: [0, 0.01], product: true }, lrDecay: { values: [0, 0.05], product: true },
    initialAccumulatorValue: { values: [undefined, 0, 0.2] }, eps: { values: [undefined, 1e-6] },
  },
  rmsprop: {
    lr: lrs(0.01), convention: conventions, clip, gradScale,
    weightDecay: { values: [0, 0.01], product: true }, centered: { values: [false, true], product: true },
    momentum: { values: [0, 0.9], product: true }, alpha: { values: [undefined, 0.95] }, eps: { values: [undefined, 1e-6] },
  },
  lion: {
    lr: lrs(0.01), convention: conventions, clip, gradScale,
    weightDecay: { values: [undefined, 0, 0.1], product: true }, b1: { values: [undefined, 0.95] }, b2: { values: [undefined, 0.98] },
  },
};

export type AliasName = keyof typeof OPTION_TABLE;
const ALIASES: { [K in AliasName]: (o: any) => GradientTransformation<any> } = { sgd, adam, adamw, adagrad, rmsprop, lion };

export interface FusedCase {
  name: string;
  alias: AliasName;
  /** The alias's options (keys with `undefined` left out: the convention's defaults). */
  options: Record<string, unknown>;
  clip: number | undefined;
  gradScale: number;
  /** Whether optimizer() may run it fused; false: it must run the pure path. */
  fusable: boolean;
  make: () => GradientTransformation<any>;
}

/** Option combinations the aliases reject at construction (torch's nesterov rule). */
function valid(alias: AliasName, o: Record<string, unknown>): boolean {
  if (alias === "sgd" && o.nesterov === true) return (o.momentum as number) > 0 && (o.dampening ?? 0) === 0;
  return true;
}

/** Combinations with no fused kernel (documented on the alias): optax's AMSGrad maximum. */
function fusable(alias: AliasName, o: Record<string, unknown>): boolean {
  return !((alias === "adam" || alias === "adamw") && o.amsgrad === true && o.convention === "optax");
}

const show = (v: unknown): string => (typeof v === "function" ? "schedule" : String(v));

function casesOf(alias: AliasName): FusedCase[] {
  const table = OPTION_TABLE[alias] as unknown as Record<string, Dim<unknown>>;
  const keys = Object.keys(table);
  const prod = keys.filter((k) => table[k].product), cyc = keys.filter((k) => !table[k].product);
  let combos: Record<string, unknown>[] = [{}];
  for (const k of prod) combos = combos.flatMap((c) => table[k].values.map((v) => ({ ...c, [k]: v })));
  const out: FusedCase[] = [];
  let seed = 0x9e3779b9;
  /** xorshift32: the same sequence on every run. */
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  combos.forEach((c) => {
    const all: Record<string, unknown> = { ...c };
    for (const k of cyc) {
      const vs = table[k].values;
      all[k] = vs[Math.floor(next() * vs.length)];
    }
    const { clip: cl, gradScale: gs, ...rest } = all;
    const options = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    if (!valid(alias, options)) return;
    const name = `${alias} ${Object.entries(options).map(([k, v]) => `${k}=${show(v)}`).join(" ")}${cl === undefined ? "" : ` clip=${cl}`} grads*${gs}`;
    const make = (): GradientTransformation<any> => {
      const t = ALIASES[alias](options);
      return cl === undefined ? t : chain(clipByGlobalNorm(cl as number), t);
    };
    out.push({ name, alias, options, clip: cl as number | undefined, gradScale: gs as number, fusable: fusable(alias, options), make });
  });
  return out;
}

/** Every case of every fusable alias. */
export const ALL_CASES: FusedCase[] = (Object.keys(OPTION_TABLE) as AliasName[]).flatMap(casesOf);

/** The value lists of `alias`'s table, split into branch (product) and other dimensions (for the coverage check). */
export function tableValues(alias: AliasName): { product: Record<string, readonly unknown[]>; other: Record<string, readonly unknown[]> } {
  const table = OPTION_TABLE[alias] as unknown as Record<string, Dim<unknown>>;
  const pick = (prod: boolean) => Object.fromEntries(Object.entries(table).filter(([, d]) => !!d.product === prod).map(([k, d]) => [k, d.values]));
  return { product: pick(true), other: pick(false) };
}

/** Whether some valid case of `alias` can have the dimension values `want` (a branch combination the alias accepts). */
export function possible(alias: AliasName, want: Record<string, unknown>): boolean {
  const table = OPTION_TABLE[alias] as unknown as Record<string, Dim<unknown>>;
  let combos: Record<string, unknown>[] = [{}];
  for (const [k, d] of Object.entries(table)) combos = combos.flatMap((c) => (k in want ? [{ ...c, [k]: want[k] }] : d.values.map((v) => ({ ...c, [k]: v }))));
  return combos.some((c) => valid(alias, c));
}

/** The value of table dimension `key` in case `c`. */
export function valueIn(c: FusedCase, key: string): unknown {
  return key === "clip" ? c.clip : key === "gradScale" ? c.gradScale : c.options[key];
}

/**
 * A sample of the fusable cases for the heavier tests (large parameter trees, every wasm binary):
 * picked greedily until every value of every dimension of every alias's table is in one of them.
 */
export const FUSED_CASES: Array<[string, () => GradientTransformation<any>]> = (() => {
  const fusableCases = ALL_CASES.filter((c) => c.fusable);
  const facts = (c: FusedCase) => Object.keys(OPTION_TABLE[c.alias]).map((k) => `${c.alias} ${k}=${show(valueIn(c, k))}`);
  const todo = new Set(fusableCases.flatMap(facts));
  const picked: FusedCase[] = [];
  while (todo.size > 0) {
    let best = fusableCases[0], gain = -1;
    for (const c of fusableCases) {
      const g = facts(c).filter((f) => todo.has(f)).length;
      if (g > gain) [best, gain] = [c, g];
    }
    picked.push(best);
    facts(best).forEach((f) => todo.delete(f));
  }
  return picked.map((c) => [c.name, c.make]);
})();
