// Matrix products in the WebAssembly core: the packed, register-blocked GEMM (assembly/matmul.ts)
// for matrices, the four-rows-at-a-time GEMV (assembly/gemv.ts) for matrix-vector products, and a
// small unpacked kernel for vector-like shapes; for large products the calling thread and the pool
// workers claim chunks of rows (GEMM) or of the vector (GEMV) through a ticket (assembly/claim.ts).
import type { FloatArray, Kernels } from "./kernels.js";
import { al } from "./align.js";

/**
 * Below this many multiply-adds (m*k*n) a matmul stays on the calling thread: waking a worker
 * costs ~20-40 us here, break-even measured near 128^3 (bench/matmul.bench.mjs, 2 cores).
 * A worker spinning before it blocks was tried and measured slower on this 2-core machine.
 */
const THREAD_MIN_MACS = 140 * 140 * 140;
/**
 * A matrix-vector product is split over threads from this many multiply-adds when its matrix is
 * already resident (else the copy in dominates and is single-threaded anyway): 10000x100 float64
 * takes ~120 us on one thread, a worker wake-up ~20-40 us.
 */
const THREAD_MIN_GEMV = 256 * 1024;
/** Rows (or depth rows, at least) per chunk when threads share a matrix-vector product. */
const GEMV_CHUNK = 256;
/** At most this many depth chunks, each with a partial sum of the m outputs. */
const GEMV_MAX_PARTS = 16;

/**
 * What a compiled program folds into a product (src/jit/epilogue.ts), applied to C in place once
 * computed: C[i,j] + bias[j] (bias: n values), then relu; or C * (mask > 0) (mask: m*n values);
 * then, where `colSum` is given, the sums of the final C's columns into it (n values: a bias's
 * gradient). Each is the operation the unfused program ran (assembly/matmul.ts `epilogueRows`,
 * `columnSums`), so the bits are its.
 */
export interface MatmulEpilogue {
  readonly bias: FloatArray | null;
  readonly relu: boolean;
  readonly mask: FloatArray | null;
  readonly colSum?: FloatArray | null;
}

/**
 * The epilogue on C [m, n] in JS, for products that stay off the WebAssembly core (too small, or no
 * core here): the formulas of the unfused program's add, relu and relu-slope product, stored into
 * C's dtype after each, as the separate kernels stored them.
 */
export function epilogueJs(c: FloatArray, m: number, n: number, epi: MatmulEpilogue): void {
  const { bias, relu, mask } = epi;
  for (let i = 0, at = 0; i < m; i++) {
    for (let j = 0; j < n; j++, at++) {
      if (bias) c[at] = c[at] + bias[j];
      if (relu) {
        const v = c[at];
        c[at] = v > 0 ? v : v !== v ? v : 0; // NaN kept, -0 and -Infinity to +0
      }
      if (mask) c[at] = c[at] * +(mask[at] > 0);
    }
  }
  if (epi.colSum) columnSumsJs(c, m, n, epi.colSum);
}

/** Column sums of C [m, n] accumulated in float64 in row order (the JS reduce's order and bits). */
function columnSumsJs(c: FloatArray, m: number, n: number, out: FloatArray): void {
  const acc = new Float64Array(n);
  for (let i = 0, at = 0; i < m; i++) for (let j = 0; j < n; j++, at++) acc[j] += c[at];
  for (let j = 0; j < n; j++) out[j] = acc[j];
}

export function matmulOn(host: Kernels, a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number, transA: boolean, transB: boolean, epi: MatmulEpilogue | null = null): void {
  const f32 = a instanceof Float32Array;
  if (f32 !== b instanceof Float32Array || f32 !== c instanceof Float32Array) throw new TypeError("downhill matmul: a, b and c must share one dtype");
  if (a.length < m * k || b.length < k * n || c.length < m * n) throw new RangeError(`downhill matmul: arrays too short for [${m},${k}] @ [${k},${n}]`);
  if (epi && ((epi.bias && (epi.bias.length < n || epi.bias instanceof Float32Array !== f32)) || (epi.mask && (epi.mask.length < m * n || epi.mask instanceof Float32Array !== f32)) || (epi.colSum && (epi.colSum.length < n || epi.colSum instanceof Float32Array !== f32)))) {
    throw new RangeError(`downhill matmul epilogue: bias needs ${n}, mask ${m * n} and colSum ${n} values of the product's dtype`);
  }
  if (m === 0 || n === 0) return;
  const pool = host.live(); // first: attaching a pool allocates its scratch
  const size = f32 ? 4 : 8;
  const core = host.core;
  const tA = transA ? 1 : 0, tB = transB ? 1 : 0;
  // Arrays that live in linear memory (a compiled program's intermediates, kernels.ts homeArray)
  // are read and written in place. Operands used again (a data matrix, weights in forward and
  // backward) stay resident; the rest are copied into scratch. Neither kind is inside scratch.
  const aHome = host.homeOf(a), bHome = host.homeOf(b), cHome = host.homeOf(c);
  const aRes = aHome >= 0 ? aHome : a.length === m * k ? host.resident.lookup(a, (p) => host.put(p, a)) : -1;
  const bRes = bHome >= 0 ? bHome : b.length === k * n ? host.resident.lookup(b, (p) => host.put(p, b), aRes) : -1;
  const aBytes = aRes < 0 ? al(m * k * size) : 0, bBytes = bRes < 0 ? al(k * n * size) : 0, cBytes = cHome < 0 ? al(m * n * size) : 0;
  const small = m < 4 || n === 1; // vector-like: no packing (it would cost as much as the product)
  const bpElements = small ? 0 : f32 ? core.packedBElementsF32(k, n) : core.packedBElementsF64(k, n);
  // Matrix-vector products go over threads when A was resident (else the copy dominates).
  const gemvThreads = n === 1 && pool && aRes >= 0 && m * k >= THREAD_MIN_GEMV ? 1 + pool.size : 1;
  // A stored [k, m] with a long depth: chunks of depth with one partial sum each (assembly/gemv.ts),
  // at most GEMV_MAX_PARTS of them, the same chunks whether one thread or several compute them.
  const depthChunks = n === 1 && transA && k >= 2 * GEMV_CHUNK;
  const chunk = depthChunks ? Math.max(GEMV_CHUNK, Math.ceil(k / GEMV_MAX_PARTS / 4) * 4) : Math.max(GEMV_CHUNK, Math.ceil(m / 1000 / 4) * 4);
  const parts = depthChunks ? Math.ceil(k / chunk) : 0;
  const partBytes = al(m * size);
  // Scratch layout: | A (m*k) | B (k*n) | C (m*n) | packed B, or partial sums + a ticket |,
  // each 64-byte aligned; A and B only when not resident. A packed product reads B only through
  // its packed copy, so there C takes B's place (a 256^2 product then touches 768 KiB of
  // scratch, not 1 MiB: 64 fewer fresh pages on the first call).
  const cOverB = !small && bRes < 0 && cHome < 0;
  const bcBytes = cOverB ? Math.max(bBytes, cBytes) : bBytes + cBytes;
  // the epilogue's operands after everything else: | bias (n) | mask (m*n) | column sums (n f64, then n) |
  const epiAt = al(aBytes + bcBytes + bpElements * size + parts * partBytes + 64);
  const biasHome = epi?.bias ? host.homeOf(epi.bias) : -1, maskHome = epi?.mask ? host.homeOf(epi.mask) : -1, sumHome = epi?.colSum ? host.homeOf(epi.colSum) : -1;
  const biasBytes = epi?.bias && biasHome < 0 ? al(n * size) : 0, maskBytes = epi?.mask && maskHome < 0 ? al(m * n * size) : 0;
  const sumBytes = epi?.colSum ? (f32 ? al(n * 8) : 0) + (sumHome < 0 ? al(n * size) : 0) : 0;
  const base = host.scratch(epiAt + biasBytes + maskBytes + sumBytes);
  // column sums: f32 accumulates in n f64 of scratch, f64 in the result itself
  const accPtr = f32 ? base + epiAt + biasBytes + maskBytes : sumHome >= 0 ? sumHome : base + epiAt + biasBytes + maskBytes;
  const sumPtr = sumHome >= 0 ? sumHome : f32 ? accPtr + al(n * 8) : accPtr;
  const biasPtr = !epi?.bias ? 0 : biasHome >= 0 ? biasHome : base + epiAt, maskPtr = !epi?.mask ? 0 : maskHome >= 0 ? maskHome : base + epiAt + biasBytes, relu = epi?.relu ? 1 : 0;
  if (epi?.bias && biasHome < 0) host.put(biasPtr, epi.bias.length === n ? epi.bias : epi.bias.subarray(0, n));
  if (epi?.mask && maskHome < 0) host.put(maskPtr, epi.mask.length === m * n ? epi.mask : epi.mask.subarray(0, m * n));
  const aPtr = aRes >= 0 ? aRes : base, bPtr = bRes >= 0 ? bRes : base + aBytes;
  const cPtr = cHome >= 0 ? cHome : cOverB ? bPtr : base + aBytes + bBytes, bpPtr = base + aBytes + bcBytes;
  const rowEpi = biasPtr !== 0 || maskPtr !== 0 || relu !== 0; // the part applied to C's rows
  const epilogue = !rowEpi ? () => {} : () => (f32 ? core.epilogueF32 : core.epilogueF64)(cPtr, n, 0, m, biasPtr, maskPtr, relu);
  if (aRes < 0) host.put(aPtr, a.length === m * k ? a : a.subarray(0, m * k));
  if (bRes < 0) host.put(bPtr, b.length === k * n ? b : b.subarray(0, k * n));
  const out = c.length === m * n ? c : c.subarray(0, m * n);
  const colSum = epi?.colSum ?? null;
  // C is final (every thread's chunks done): its column sums, on this thread, in row order
  const sums = colSum === null ? () => {} : () => {
    (f32 ? core.columnSumsF32 : core.columnSumsF64)(cPtr, m, n, accPtr, sumPtr);
    if (sumHome < 0) host.get(sumPtr, colSum.length === n ? colSum : colSum.subarray(0, n));
  };
  if (n === 1) {
    // y = op(A) x (assembly/gemv.ts).
    if (gemvThreads === 1 && !depthChunks) {
      (f32 ? core.gemvF32 : core.gemvF64)(aPtr, bPtr, cPtr, m, k, tA, 0, m);
    } else {
      // Threads take chunks through a ticket, so a slower thread takes fewer. Output rows go
      // straight to y; depth chunks (A stored [k, m]: each thread streams contiguous rows of A)
      // each get a partial sum, added here in chunk order: the same bits for any number of
      // threads. Splitting the outputs instead made every thread stride through all of A and
      // measured slower than one thread.
      const op = f32 ? "gemvSharedF32" : "gemvSharedF64";
      const partials = bpPtr, yPtr = depthChunks ? partials : cPtr;
      const chunks = Math.ceil((transA ? k : m) / chunk);
      const args = (ctr: number, job: number) => [aPtr, bPtr, yPtr, m, k, tA, ctr, job, chunk, partBytes];
      const run = (a: number[]) => (f32 ? core.gemvSharedF32 : core.gemvSharedF64)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
      if (gemvThreads === 1 || !shareChunks(host, gemvThreads - 1, op, () => ({ chunks, args: (_t, ctr, job) => args(ctr, job) }), run)) {
        const ticket = bpPtr + parts * partBytes; // alone: a ticket of its own in scratch
        const i32 = host.arena.views().i32;
        i32[ticket >> 2] = 1 << 10;
        i32[(ticket >> 2) + 1] = 0;
        run(args(ticket, 1));
      }
      const v = host.arena.views();
      if (depthChunks) {
        const y = f32 ? v.f32 : v.f64, shift = f32 ? 2 : 3, c0 = cPtr >> shift, p0 = partials >> shift, stride = partBytes >> shift;
        for (let j = 0; j < m; j++) y[c0 + j] = y[p0 + j];
        for (let q = 1; q < parts; q++) for (let j = 0, pq = p0 + q * stride; j < m; j++) y[c0 + j] += y[pq + j];
      }
    }
    epilogue();
    sums();
    if (cHome < 0) host.get(cPtr, out);
    return;
  }
  if (small) {
    (f32 ? core.matmulSmallF32 : core.matmulSmallF64)(aPtr, bPtr, cPtr, m, k, n, tA, tB);
    epilogue();
    sums();
    if (cHome < 0) host.get(cPtr, out);
    return;
  }
  if (f32) core.packBF32(bPtr, bpPtr, k, n, tB);
  else core.packBF64(bPtr, bpPtr, k, n, tB);
  const threads = pool && m * k * n >= THREAD_MIN_MACS ? Math.min(1 + pool.size, Math.floor(m / 8)) : 1;
  const workPtrs = host.workPtrs;
  const op = f32 ? "matmulClaimF32" : "matmulClaimF64";
  const plan = (participants: number) => {
    const rows = chunkRows(m, participants);
    return { chunks: Math.ceil(m / rows), args: (t: number, ctr: number, job: number) => [aPtr, bpPtr, cPtr, m, k, n, tA, workPtrs[t], biasPtr, maskPtr, relu, ctr, job, rows] };
  };
  const run = (a: number[]) => (f32 ? core.matmulClaimF32 : core.matmulClaimF64)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]);
  if (threads <= 1 || !shareChunks(host, threads - 1, op, plan, run)) {
    if (!rowEpi) (f32 ? core.matmulF32 : core.matmulF64)(aPtr, bpPtr, cPtr, m, k, n, tA, 0, m, workPtrs[0]);
    else (f32 ? core.matmulEpiF32 : core.matmulEpiF64)(aPtr, bpPtr, cPtr, m, k, n, tA, 0, m, workPtrs[0], biasPtr, maskPtr, relu);
  }
  sums();
  if (cHome < 0) host.get(cPtr, out);
}

/** Polls of a busy worker's done flag before a shared product goes ahead without it (a few microseconds). */
const IDLE_SPIN = 2000;

/**
 * Rows per claimed chunk: about four chunks per thread, so a worker that wakes late leaves the
 * calling thread at most a chunk to wait for (the bands it would have had are taken over), in
 * multiples of the 4-row micro-tile, at least 16 rows (each chunk streams all of packed B), and
 * few enough chunks for the ticket's 10 bits.
 */
function chunkRows(m: number, threads: number): number {
  return Math.max(16, Math.ceil(m / (4 * threads) / 4) * 4, Math.ceil(m / 1000 / 4) * 4);
}

/**
 * Runs a job's chunks shared between the calling thread and the pool workers (up to `workers`)
 * that are idle now, through the ticket at `host.claimPtr` (assembly/claim.ts): each takes the
 * next chunk until none is left, and the calling thread returns once every chunk is finished,
 * without waiting for a late worker to wake. `plan(threads)` gives the chunk count and each
 * thread's arguments (t: 0 for the calling thread, w + 1 for worker w); `run` runs the kernel on
 * this thread. False, with nothing run, when every worker is still busy (the caller then computes
 * alone, the same bits).
 */
function shareChunks(host: Kernels, workers: number, op: string, plan: (threads: number) => { chunks: number; args: (t: number, ctr: number, job: number) => number[] }, run: (args: number[]) => void): boolean {
  const pool = host.pool!;
  const idle: number[] = [];
  // A worker that has just finished the last job's final chunk is a few instructions from
  // ending it: give it a moment rather than run this one alone.
  for (let w = 0; w < workers; w++) if (pool.doneSoon(w, IDLE_SPIN)) idle.push(w);
  if (idle.length === 0) return false;
  const { chunks, args } = plan(1 + idle.length);
  const ctr = host.claimPtr, job = host.nextClaimJob(), ticket = ctr >> 2;
  const i32 = host.arena.views().i32;
  Atomics.store(i32, ticket + 1, 0);
  Atomics.store(i32, ticket, job << 10);
  for (const w of idle) pool.dispatch(w, op, args(w + 1, ctr, job));
  let ok = false;
  try {
    run(args(0, ctr, job));
    ok = true;
  } finally {
    if (ok) pool.waitCount(i32, ticket + 1, chunks, idle);
    else {
      Atomics.store(i32, ticket, 0); // no chunk left for anyone; then let the workers end before scratch is reused
      for (const w of idle) pool.settle(w);
    }
  }
  return true;
}
