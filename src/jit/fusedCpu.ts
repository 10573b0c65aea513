/**
 * A fused elementwise instruction (fuse.ts) on the CPU: a small register interpreter. The pass
 * walks the elements in chunks of CHUNK; for each chunk every member operation runs as one loop
 * over the chunk, reading its operands from registers (typed arrays of CHUNK values, reused by
 * liveness inside the group) or straight from the external arrays, and writing a register or,
 * for a value read outside the group, its output array. A chunk's registers stay in L1.
 *
 * Bits: the loops are the eager kernels' own (`unaryRow`, `binaryRow` of src/backend/js/kernels.ts,
 * where's formula), in the same order per element, and registers have the group's dtype, so a
 * float32 result is rounded after every operation exactly as when it is stored between kernels.
 * No code is generated (no eval, no new Function): this runs under strict CSP and on edge runtimes.
 */
import { arrayFor, type FloatArray } from "../tensor/dtype.js";
import { binaryRow, unaryRow } from "../backend/js/kernels.js";
import type { FusedInstr } from "./fuse.js";
import { broadcastMap } from "./fusedCodegen.js";

/** Elements per chunk: 512 float64 = 4 KiB a register. */
const CHUNK = 512;

/** Where an operand lives: a register, or an array of the value table read at the chunk's offset (full) or at 0 (a scalar). */
const REG = 0, FULL = 1, SCALAR = 2;

type Run = (c0: number, len: number) => void;

/** The instruction as a step over the value table `t` (external operands and outputs looked up per call). */
export function lowerFused(f: FusedInstr, t: FloatArray[], sizeOfValue: (id: number) => number): () => void {
  const n = f.size, E = f.ext.length, width = Math.min(CHUNK, n);
  const nSlots = E + f.body.length;
  const kind = new Uint8Array(nSlots);
  const id = new Int32Array(nSlots).fill(-1);
  const reg: (FloatArray | null)[] = new Array(nSlots).fill(null);
  const loads: { map: Int32Array; src: number; dst: FloatArray }[] = [];

  // External operands: full and scalar ones are read in place; a broadcast one is gathered into
  // a register per chunk through an index map.
  f.ext.forEach((e, s) => {
    id[s] = e.id;
    const size = sizeOfValue(e.id);
    if (size === n) kind[s] = FULL;
    else if (size === 1) kind[s] = SCALAR;
    else {
      kind[s] = REG;
      reg[s] = arrayFor(f.dtype, width);
      loads.push({ map: broadcastMap(e.shape, e.outShape), src: e.id, dst: reg[s]! });
    }
  });

  // Body results: written out, or in a register freed after its last reader in the group.
  const outSet = new Set(f.out);
  const lastUse = new Int32Array(nSlots).fill(-1);
  f.body.forEach((op, j) => { for (const s of slotsRead(op)) lastUse[s] = j; });
  const free: FloatArray[] = [];
  f.body.forEach((op, j) => {
    const s = E + j;
    // operands whose last use is this op release first, so the result may reuse (in place) their register
    for (const r of new Set(slotsRead(op))) if (r >= E && lastUse[r] === j && kind[r] === REG) free.push(reg[r]!);
    if (outSet.has(f.ids[j])) { kind[s] = FULL; id[s] = f.ids[j]; }
    else { kind[s] = REG; reg[s] = free.pop() ?? arrayFor(f.dtype, width); }
  });

  const arr = (s: number): FloatArray => (kind[s] === REG ? reg[s]! : t[id[s]]);
  const runs: Run[] = f.body.map((op, j) => {
    const o = E + j;
    switch (op.op) {
      case "unary": {
        const { fn, x } = op;
        return (c0, len) => unaryRow(fn, arr(x), kind[x] === FULL ? c0 : 0, arr(o), kind[o] === FULL ? c0 : 0, len);
      }
      case "binary": {
        const { fn, a, b } = op;
        const ka = kind[a], kb = kind[b], ko = kind[o];
        const da = ka === SCALAR ? 0 : 1, db = kb === SCALAR ? 0 : 1;
        return (c0, len) => binaryRow(fn, arr(a), ka === FULL ? c0 : 0, da, arr(b), kb === FULL ? c0 : 0, db, arr(o), ko === FULL ? c0 : 0, len);
      }
      case "where": {
        const { c, a, b } = op;
        const kc = kind[c], ka = kind[a], kb = kind[b], ko = kind[o];
        const dc = kc === SCALAR ? 0 : 1, da = ka === SCALAR ? 0 : 1, db = kb === SCALAR ? 0 : 1;
        return (c0, len) => {
          const C = arr(c), A = arr(a), B = arr(b), O = arr(o);
          let ic = kc === FULL ? c0 : 0, ia = ka === FULL ? c0 : 0, ib = kb === FULL ? c0 : 0;
          const oo = ko === FULL ? c0 : 0;
          for (let i = oo, end = oo + len; i < end; i++, ic += dc, ia += da, ib += db) O[i] = C[ic] !== 0 ? A[ia] : B[ib];
        };
      }
    }
  });

  return () => {
    for (let c0 = 0; c0 < n; c0 += CHUNK) {
      const len = Math.min(CHUNK, n - c0);
      for (let l = 0; l < loads.length; l++) {
        const { map, src, dst } = loads[l];
        const x = t[src];
        for (let i = 0; i < len; i++) dst[i] = x[map[c0 + i]];
      }
      for (let r = 0; r < runs.length; r++) runs[r](c0, len);
    }
  };
}

function slotsRead(op: FusedInstr["body"][number]): number[] {
  switch (op.op) {
    case "unary": return [op.x];
    case "binary": return [op.a, op.b];
    case "where": return [op.c, op.a, op.b];
  }
}
