// A kept small tensor costs about its own size, not the slab it was carved from. A training-like
// loop keeps each step's scalar loss for 10,000 steps (as a history would) while it makes and
// drops the usual temporaries (a 100-1000-value batch, the forward values, the gradients, the
// updated parameters). After a full GC, the memory the kept losses hold, measured as what is
// freed when they are dropped, must stay below 4 MiB of array buffers (process.memoryUsage():
// typed-array storage outside the JS heap), and below 6 MiB of JS heap plus array buffers: the
// Tensor objects and their arrays themselves take ~300-370 bytes a scalar on Node 20 (2.9-3.6 MiB
// from run to run: the JS heap after a full GC varies by a few hundred KiB here), which no
// allocator can save.
// Before, each scalar pinned the 128 KiB slab it shared with that step's temporaries: 319 MiB
// for the 10,000 here (33 KiB a scalar). A second case keeps a 20-value tensor per step.
// Runs in-process (vitest's worker) so it measures src/ with the vitest asset loaders; gc() comes
// from V8's --expose-gc flag set at runtime, as in leak.test.ts.
import { vals } from "../helpers.js";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import * as dh from "../../src/index.js";
import type { Tensor } from "../../src/index.js";

const STEPS = 10_000;
const BOUND = 4 * 1024 * 1024;
const HEAP_BOUND = 6 * 1024 * 1024;

function fullGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** What `keep(value, grad)`, called once a step and kept, holds after a full GC, and how many distinct values it kept. */
function heldByKept(keep: (loss: Tensor, grad: Tensor) => Tensor) {
  const gc = fullGc();
  const measure = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return { ab: m.arrayBuffers, total: m.arrayBuffers + m.heapUsed };
  };
  // L(w) = mean((w·x − y)²) over a batch of n values; n varies from step to step (100..1000)
  const loss = (w: Tensor, x: Tensor, y: Tensor) => dh.mean(dh.square(dh.sub(dh.mul(w, x), y)));
  const step = dh.valueAndGrad(loss);
  let w = dh.full([1000], 0.5);
  const kept: Tensor[] = [];
  const run = () => {
    for (let s = 0; s < STEPS; s++) {
      const n = 100 + ((s * 337) % 901);
      const x = dh.randn([n], { seed: s });
      const y = dh.mul(x, 2);
      const ws = dh.slice(w, [0], [n]);
      const { value, grad } = step(ws, x, y);
      w = dh.concat([dh.sub(ws, dh.mul(grad, 0.01)), dh.slice(w, [n], [1000 - n])]);
      kept.push(keep(value, grad));
    }
  };
  run(); // warm-up (JIT, caches), then measure a second, identical run
  kept.length = 0;
  run();
  const count = kept.length;
  const distinct = new Set(kept.map((t) => Array.from(vals(t)).join())).size;
  const withKept = measure();
  kept.length = 0;
  const dropped = measure();
  return { count, distinct, ab: withKept.ab - dropped.ab, total: withKept.total - dropped.total };
}

const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`;

describe("small tensors do not pin memory", () => {
  it(`${STEPS} kept scalar losses among dropped temporaries hold < 4 MiB`, () => {
    const r = heldByKept((loss) => loss);
    console.log(`[smallTensors] ${r.count} kept scalars hold ${kib(r.ab)} of array buffers, ${kib(r.total)} with the JS heap (${(r.total / r.count).toFixed(0)} B a scalar); ${r.distinct} distinct values`);
    expect(r.count).toBe(STEPS);
    expect(r.distinct).toBeGreaterThan(STEPS * 0.9); // each one a real step's own value
    expect(r.ab, "array buffers held by the kept scalars").toBeLessThan(BOUND);
    expect(r.total, "JS heap + array buffers held by the kept scalars").toBeLessThan(HEAP_BOUND);
  }, 120_000);

  it(`${STEPS} kept 20-value tensors share slabs only with arrays of their size class`, () => {
    // 80 bytes each (the 65-128 B class); the temporaries are 400-4000 bytes (other classes) or
    // scalars (in the JS heap), so the kept ones fill their slabs among themselves: ~800 KiB of
    // storage, where a 128 KiB slab shared with the temporaries of every few steps held 312 MiB
    const r = heldByKept((_loss, grad) => dh.slice(grad, [0], [20]));
    console.log(`[smallTensors] ${r.count} kept 20-value tensors hold ${kib(r.ab)} of array buffers, ${kib(r.total)} with the JS heap; ${r.distinct} distinct`);
    expect(r.count).toBe(STEPS);
    expect(r.distinct).toBeGreaterThan(STEPS * 0.9);
    expect(r.ab, "array buffers held by the kept tensors").toBeLessThan(BOUND);
    expect(r.total, "JS heap + array buffers held by the kept tensors").toBeLessThan(HEAP_BOUND);
  }, 120_000);
});
