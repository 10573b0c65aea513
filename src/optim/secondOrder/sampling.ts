/**
 * Randomness of the second-order transforms: their own generator, kept in the state tree as named
 * numbers (not an array: the stateful optimizer's setState copies numeric fields of objects), so
 * checkpoints resume it; and labels sampled from a model's softmax (Sophia's GNB, K-FAC's Fisher).
 */
import { Rng } from "../../tensor/random.js";

/** The xoshiro128** state of `Rng.getState()` as fields; `spare` is NaN when no normal is cached. */
export interface RngState { s0: number; s1: number; s2: number; s3: number; spare: number }

export function rngStateOf(rng: Rng): RngState {
  const [s0, s1, s2, s3, spare] = rng.getState();
  return { s0, s1, s2, s3, spare };
}

export function rngFrom(state: RngState): Rng {
  const rng = new Rng();
  rng.setState([state.s0, state.s1, state.s2, state.s3, state.spare]);
  return rng;
}

/**
 * Softmax probabilities of each row of `logits` (rows x classes, row-major) and one label per row
 * drawn from them (inverse CDF on one uniform per row).
 */
export function sampleSoftmax(logits: ArrayLike<number>, classes: number, rng: Rng): { probs: Float64Array; labels: Int32Array } {
  const rows = classes === 0 ? 0 : logits.length / classes;
  const probs = new Float64Array(logits.length);
  const labels = new Int32Array(rows);
  for (let b = 0; b < rows; b++) {
    const o = b * classes;
    let max = -Infinity;
    for (let j = 0; j < classes; j++) max = Math.max(max, logits[o + j]);
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += (probs[o + j] = Math.exp(logits[o + j] - max));
    for (let j = 0; j < classes; j++) probs[o + j] /= sum;
    const r = rng.uniform();
    let label = classes - 1, acc = 0;
    for (let j = 0; j < classes; j++) {
      acc += probs[o + j];
      if (r < acc) { label = j; break; }
    }
    labels[b] = label;
  }
  return { probs, labels };
}
