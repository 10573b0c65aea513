// The resident-operand cache's bookkeeping (src/backend/wasm/resident.ts), with a fake allocator
// that tracks what is live: admission on the second sighting, the capacity bound, LRU eviction,
// `forget` and `keep`. The kernels that use it are tested in suite.ts ("resident operand").
import { describe, expect, it } from "vitest";
import { RESIDENT_MIN_BYTES, ResidentCache } from "../../src/backend/wasm/resident";

function fakeArena() {
  const live = new Map<number, number>();
  let next = 64;
  return {
    live,
    alloc(bytes: number) {
      const p = next;
      next += bytes;
      live.set(p, bytes);
      return p;
    },
    free(ptr: number) {
      if (!live.delete(ptr)) throw new Error(`double free ${ptr}`);
    },
  };
}

const big = () => new Float64Array(RESIDENT_MIN_BYTES / 8);

describe("ResidentCache", () => {
  it("admits an array on its second sighting and then returns the same copy", () => {
    const arena = fakeArena();
    const cache = new ResidentCache(arena, 4 * RESIDENT_MIN_BYTES);
    const x = big();
    let copies = 0;
    expect(cache.lookup(x, () => copies++)).toBe(-1);
    const p = cache.lookup(x, () => copies++);
    expect(p).toBeGreaterThan(0);
    expect(cache.lookup(x, () => copies++)).toBe(p);
    expect(copies).toBe(1);
    expect(cache.bytes).toBe(x.byteLength);
  });

  it("ignores small arrays", () => {
    const cache = new ResidentCache(fakeArena());
    const x = new Float64Array(RESIDENT_MIN_BYTES / 8 - 1);
    cache.lookup(x, () => {});
    expect(cache.lookup(x, () => {})).toBe(-1);
    expect(cache.size).toBe(0);
  });

  it("never holds more than its capacity: least recently used entries go first", () => {
    const arena = fakeArena();
    const cache = new ResidentCache(arena, 3 * RESIDENT_MIN_BYTES);
    const xs = Array.from({ length: 5 }, big);
    const admit = (x: Float64Array) => (cache.lookup(x, () => {}), cache.lookup(x, () => {}));
    admit(xs[0]);
    admit(xs[1]);
    admit(xs[2]);
    cache.lookup(xs[0], () => {}); // xs[0] becomes most recent; xs[1] is now the LRU entry
    admit(xs[3]);
    expect(cache.size).toBe(3);
    expect(cache.bytes).toBeLessThanOrEqual(3 * RESIDENT_MIN_BYTES);
    expect(arena.live.size).toBe(3);
    let copied = false;
    expect(cache.lookup(xs[0], () => (copied = true))).toBeGreaterThan(0);
    expect(copied).toBe(false);
    cache.lookup(xs[1], () => (copied = true)); // evicted: re-admitted (seen before) with a copy
    expect(copied).toBe(true);
    for (let i = 0; i < 50; i++) admit(big());
    expect(cache.bytes).toBeLessThanOrEqual(3 * RESIDENT_MIN_BYTES);
    expect(arena.live.size).toBe(cache.size);
  });

  it("forget frees the copy; the next sighting copies again", () => {
    const arena = fakeArena();
    const cache = new ResidentCache(arena, 4 * RESIDENT_MIN_BYTES);
    const x = big();
    cache.lookup(x, () => {});
    cache.lookup(x, () => {});
    cache.forget(x);
    expect(cache.size).toBe(0);
    expect(arena.live.size).toBe(0);
    let copies = 0;
    expect(cache.lookup(x, () => copies++)).toBeGreaterThan(0);
    expect(copies).toBe(1);
    cache.forget(new Float64Array(3)); // unknown arrays are fine
    cache.clear();
    expect(arena.live.size).toBe(0);
  });

  it("does not evict the operand it was told to keep", () => {
    const cache = new ResidentCache(fakeArena(), 2 * RESIDENT_MIN_BYTES);
    const a = big(), b = new Float64Array((2 * RESIDENT_MIN_BYTES) / 8 / 2);
    cache.lookup(a, () => {});
    const pa = cache.lookup(a, () => {});
    cache.lookup(b, () => {});
    cache.lookup(b, () => {}); // fits next to a
    const c = big();
    cache.lookup(c, () => {});
    expect(cache.lookup(c, () => {}, pa)).toBe(-1); // evicting b would not suffice without a: refused, not evicted
    expect(cache.lookup(a, () => {})).toBe(pa);
  });
});
