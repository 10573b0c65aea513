// Work shared between the calling thread and pool workers through a ticket in shared memory
// (src/backend/wasm/matmulKernel.ts sets it up, the kernels that share work take from it):
//   ticket (i32 at ctrPtr):     job << CLAIM_JOB_SHIFT | next chunk. Only a thread given this job
//                               id can claim, so a worker that wakes after its job ended (the
//                               caller did every chunk and moved on) claims nothing of a later one.
//   done (i32 at ctrPtr + 4):   chunks finished; the caller returns once it equals the chunk count,
//                               without waiting for a late worker to wake.
// Without the threads feature (the single-threaded binaries) plain loads and stores do.

const CLAIM_JOB_SHIFT: i32 = 10;
const CLAIM_CHUNK_MASK: i32 = (1 << CLAIM_JOB_SHIFT) - 1;

/** The next chunk of job `job` (of `chunks`), or -1 when it has none left or the ticket holds another job. */
// @ts-ignore: decorator
@inline export function claimChunk(ctrPtr: usize, job: i32, chunks: i32): i32 {
  for (;;) {
    const t = ASC_FEATURE_THREADS ? atomic.load<i32>(ctrPtr) : load<i32>(ctrPtr);
    if ((t >>> CLAIM_JOB_SHIFT) != job) return -1;
    const c = t & CLAIM_CHUNK_MASK;
    if (c >= chunks) return -1;
    if (!ASC_FEATURE_THREADS) {
      store<i32>(ctrPtr, t + 1);
      return c;
    }
    if (atomic.cmpxchg<i32>(ctrPtr, t, t + 1) == t) return c;
  }
  return -1; // unreachable
}

/** Counts one finished chunk (after its results are stored). */
// @ts-ignore: decorator
@inline export function finishChunk(ctrPtr: usize): void {
  if (ASC_FEATURE_THREADS) atomic.add<i32>(ctrPtr + 4, 1);
  else store<i32>(ctrPtr + 4, load<i32>(ctrPtr + 4) + 1);
}
