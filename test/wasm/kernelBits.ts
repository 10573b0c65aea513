// Fingerprints of what the elementwise and matmul kernels compute: each exported kernel of
// assembly/elementwise.ts and assembly/matmul.ts runs on fixed inputs (special values, every
// binade, each routed through the v128 body and through the scalar tail; matrices of shapes that
// take every packing and tiling branch), called directly on the raw binary, and the bytes it
// writes are hashed (FNV-1a, 32 bits, NaNs canonical). kernelBits.test.ts compares them with the values recorded
// before assembly/ was rewritten with generics: a refactor of the kernels must not change one bit.

import { hostEnv } from "../../src/backend/wasm/abi.js";

/** The instance's exports we call, and a bump allocator over its memory. */
interface Raw {
  K: Record<string, any>;
  alloc(bytes: number): number;
  view(Ctor: Float32ArrayConstructor | Float64ArrayConstructor, ptr: number, n: number): Float32Array | Float64Array;
  bytes(ptr: number, len: number): Uint8Array;
}

function instantiate(bytes: Uint8Array<ArrayBuffer>, shared: boolean): Raw {
  let memory: WebAssembly.Memory;
  const imports: Record<string, Record<string, unknown>> = { env: shared ? hostEnv((memory = new WebAssembly.Memory({ initial: 16, maximum: 16384, shared: true }))) : hostEnv() };
  const K = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports as WebAssembly.Imports).exports as Record<string, any>;
  if (!shared) memory = K.memory as WebAssembly.Memory;
  let top = ((K.heapBase() as number) + 63) & ~63;
  return {
    K,
    alloc(n) {
      const p = top;
      top = (top + n + 63) & ~63;
      const need = Math.ceil(top / 65536) - memory.buffer.byteLength / 65536;
      if (need > 0) memory.grow(need);
      return p;
    },
    view: (Ctor, ptr, n) => new Ctor(memory.buffer, ptr, n),
    bytes: (ptr, len) => new Uint8Array(memory.buffer, ptr, len),
  };
}

/**
 * FNV-1a of the values, every NaN hashed as one canonical NaN: WebAssembly leaves the sign and
 * payload of a computed NaN to the engine and CPU (x86 and ARM differ), so they are not pinned.
 */
function fnv1a(parts: Array<Float32Array | Float64Array>): string {
  let h = 0x811c9dc5;
  for (const p of parts) {
    const c = p.map((x) => (Number.isNaN(x) ? NaN : x));
    const b = new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** Deterministic uniform [0, 1) (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Inputs for the unary kernels: special values and the kernels' own thresholds (each with its
 * neighbours), then values over every binade of both signs, then uniform values on [-40, 40].
 */
function unaryInputs(f32: boolean): number[] {
  const r = (x: number) => (f32 ? Math.fround(x) : x);
  const tiny = f32 ? 2 ** -149 : 2 ** -1074, minNormal = f32 ? 2 ** -126 : 2 ** -1022, max = f32 ? 3.4028234663852886e38 : Number.MAX_VALUE;
  const marks = [0, 0.5, 1, 2, 0.625, 19.06, 20, 37, 40, 88.72283905206835, 103.97208, 709.78, 710, 745.13, 746, 0.6931471805599453, Math.SQRT1_2, Math.SQRT2, 1e-8, 1e-20];
  const out: number[] = [0, -0, NaN, Infinity, -Infinity, tiny, -tiny, minNormal, -minNormal, minNormal - tiny, max, -max];
  const eps = f32 ? 2 ** -23 : 2 ** -52;
  for (const m of marks) for (const s of [1, -1]) for (const k of [-1, 0, 1]) out.push(r(s * m * (1 + k * eps)));
  const lo = f32 ? -149 : -1074, hi = f32 ? 127 : 1023;
  const u = rng(7);
  for (let e = lo; e <= hi; e += f32 ? 1 : 4) for (const s of [1, -1]) out.push(r(s * 2 ** e * (1 + u())));
  for (let i = 0; i < 1500; i++) out.push(r(80 * u() - 40));
  return out.map(r);
}

/** Every kernel's fingerprint, by name (for `{ name: hash }` tables). */
export function kernelHashes(bytes: Uint8Array<ArrayBuffer>, shared = false): Record<string, string> {
  const w = instantiate(bytes, shared);
  const out: Record<string, string> = {};
  for (const [Ctor, sfx] of [[Float32Array, "F32"], [Float64Array, "F64"]] as const) {
    const bpe = Ctor.BYTES_PER_ELEMENT, lanes = 16 / bpe;
    const xs = unaryInputs(sfx === "F32");
    // an odd count (not a multiple of the lanes) leaves a scalar tail in every v128 binary
    const n = xs.length - (xs.length % lanes) + (lanes - 1);
    const u = rng(11);
    const vals = Array.from({ length: n }, (_, i) => xs[i % xs.length]);
    const tVals = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : i % 7 === 1 ? 1 : u()));
    const put = (v: number[]) => {
      const p = w.alloc(v.length * bpe);
      w.view(Ctor, p, v.length).set(v);
      return p;
    };
    const x = put(vals), t = put(tVals);
    const o1 = w.alloc(n * bpe), o2 = w.alloc(n * bpe);
    const clear = () => (w.bytes(o1, n * bpe).fill(0xa5), w.bytes(o2, n * bpe).fill(0xa5));
    // every input alone too (n = 1: the scalar path), then the whole array
    const run = (name: string, call: (x: number, t: number, o1: number, o2: number, len: number) => void, outs: number) => {
      const parts: Array<Float32Array | Float64Array> = [];
      for (let i = 0; i < xs.length; i += i < 160 ? 1 : 37) {
        clear();
        call(x + i * bpe, t + i * bpe, o1, o2, 1);
        parts.push(w.view(Ctor, o1, 1).slice(), ...(outs > 1 ? [w.view(Ctor, o2, 1).slice()] : []));
      }
      clear();
      call(x, t, o1, o2, n);
      parts.push(w.view(Ctor, o1, n).slice(), ...(outs > 1 ? [w.view(Ctor, o2, n).slice()] : []));
      out[name] = fnv1a(parts);
    };
    for (const op of ["exp", "sigmoid", "tanh", "softplus", "log", "sigmoidSlope"]) {
      const f = w.K[`${op}${sfx}`];
      run(`${op}${sfx}`, (x, _t, o, _o2, len) => f(x, o, len), 1);
    }
    const ce = w.K[`crossEntropyLogits${sfx}`], cr = w.K[`crossEntropyResidual${sfx}`];
    run(`crossEntropyLogits${sfx}`, (x, t, o, _o2, len) => ce(x, t, o, len), 1);
    run(`crossEntropyResidual${sfx}`, (x, t, o, o2, len) => cr(x, t, o, o2, len), 2);

    // matmul: packB alone (both layouts, ragged and whole panels), the packed kernel over row
    // ranges (crossing the KC = 256 depth block and the MC row blocks), and the unpacked small path.
    const mat = (len: number, seed: number) => {
      const g = rng(seed);
      return put(Array.from({ length: len }, () => 2 * g() - 1));
    };
    const packParts: Array<Float32Array | Float64Array> = [], mmParts: typeof packParts = [], smallParts: typeof packParts = [];
    const work = w.alloc(w.K.matmulWorkBytes());
    for (const [m, k, nn] of [[4, 5, 7], [17, 33, 65], [37, 300, 211], [130, 64, 24], [9, 1, 8], [5, 0, 3]]) {
      const a = mat(m * k, m + k), b = mat(k * nn, k * nn + 1);
      const pe = w.K[`packedBElements${sfx}`](k, nn), bp = w.alloc(Math.max(1, pe) * bpe), c = w.alloc(m * nn * bpe);
      for (const transB of [0, 1]) {
        w.bytes(bp, pe * bpe).fill(0xa5);
        w.K[`packB${sfx}`](b, bp, k, nn, transB);
        packParts.push(w.view(Ctor, bp, pe).slice());
        for (const transA of [0, 1]) {
          for (const [r0, r1] of [[0, m], [1, m >> 1]]) {
            if (r1 <= r0) continue;
            w.bytes(c, m * nn * bpe).fill(0xa5);
            w.K[`matmul${sfx}`](a, bp, c, m, k, nn, transA, r0, r1, work);
            mmParts.push(w.view(Ctor, c, m * nn).slice());
          }
        }
      }
    }
    for (const [m, k, nn] of [[1, 1, 1], [3, 5, 7], [2, 300, 70], [57, 40, 1], [3, 64, 9]]) {
      const a = mat(m * k, 3 * m + k), b = mat(k * nn, 5 * k + nn), c = w.alloc(m * nn * bpe);
      for (const transA of [0, 1]) for (const transB of [0, 1]) {
        w.bytes(c, m * nn * bpe).fill(0xa5);
        w.K[`matmulSmall${sfx}`](a, b, c, m, k, nn, transA, transB);
        smallParts.push(w.view(Ctor, c, m * nn).slice());
      }
    }
    out[`packB${sfx}`] = fnv1a(packParts);
    out[`matmul${sfx}`] = fnv1a(mmParts);
    out[`matmulSmall${sfx}`] = fnv1a(smallParts);
  }
  return out;
}
