/** Seeded subsets of the `mnist` package's 10,000 digits for the generalisation claims (loaded once). */
import * as dh from "downhill";
import { loadMnist, type MnistSplit } from "downhill/node";

let cache: Promise<MnistSplit> | null = null;

export interface Digits { train: dh.Dataset; test: dh.Dataset; nTrain: number; nTest: number }

/** A seeded random subset of nTrain training and nTest held-out digits (the package's per-class split). */
export async function digits(nTrain: number, nTest: number, seed: number): Promise<Digits> {
  const m = await (cache ??= loadMnist());
  const pick = (part: MnistSplit["train"], n: number, s: number): dh.Dataset => {
    const rng = new dh.Rng(s);
    const idx = Array.from({ length: part.n }, (_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) { const j = rng.int(i + 1); [idx[i], idx[j]] = [idx[j], idx[i]]; }
    const k = Math.min(n, part.n);
    const x = new Float32Array(k * 784), y = new Float32Array(k);
    for (let r = 0; r < k; r++) { x.set(part.x.subarray(idx[r] * 784, idx[r] * 784 + 784), r * 784); y[r] = part.y[idx[r]]; }
    return { x: dh.tensor(x, { shape: [k, 784] }), y: dh.tensor(y) };
  };
  const train = pick(m.train, nTrain, seed + 1), test = pick(m.test, nTest, seed + 2);
  return { train, test, nTrain: train.x.shape[0], nTest: test.x.shape[0] };
}
