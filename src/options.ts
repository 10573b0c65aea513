/**
 * Unknown-option checking for every options object of the public API: a misspelt option
 * (`{ epoch: 3 }` for `epochs`) is an ArgumentError naming the function, the bad key, the closest
 * valid key when one is near, and all the valid keys, rather than silently ignored.
 *
 * The valid keys come from a table written against the options interface, so the compiler keeps
 * the two in step (a key missing from the table, or one the interface does not have, is a type
 * error):
 *
 *   const FIT_KEYS = { optimizer: true, epochs: true, ... } satisfies OptionKeys<FitOptions>;
 *   checkOptions("fit", options, FIT_KEYS);
 */
import { ArgumentError } from "./errors.js";

/** A table with exactly the keys of the options interface `T`. */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Throws an ArgumentError when `options` (undefined is fine) is not an object, or has a key that
 * `known` (a key table or a list) does not list. Keys whose value is `undefined` count too: a
 * misspelt key is a mistake whatever its value.
 */
export function checkOptions(op: string, options: unknown, known: Readonly<Record<string, unknown>> | readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ArgumentError(`${op}: options must be an object, got ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}`);
  }
  const names = Array.isArray(known) ? (known as readonly string[]) : Object.keys(known);
  for (const k of Object.keys(options)) {
    if (names.includes(k)) continue;
    const near = closest(k, names);
    throw new ArgumentError(`${op}: unknown option "${k}"${near ? `; did you mean "${near}"?` : ""} (valid options: ${names.join(", ")})`);
  }
}

/**
 * The valid name nearest to `key`: the same up to case, "_" and "-" (`batch_size`, `maxiter`);
 * else one a short edit away (a transposition, a missing or extra letter: `epoch`, `lerning`),
 * or a prefix of the other of at least 4 letters (`validation` for `validationData`). null if none.
 */
export function closest(key: string, names: readonly string[]): string | null {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
  const k = norm(key);
  let best: string | null = null, bestD = Infinity;
  for (const name of names) {
    const n = norm(name);
    if (n === k) return name;
    const d = editDistance(k, n);
    const near = d <= (Math.min(k.length, n.length) >= 6 ? 2 : 1) || (Math.min(k.length, n.length) >= 4 && (n.startsWith(k) || k.startsWith(n)));
    if (near && d < bestD) { best = name; bestD = d; }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const m = a.length, n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[m][n];
}
