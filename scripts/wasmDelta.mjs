// Delta encoding of the WebAssembly binaries against the SIMD one, for the bundle: the five
// binaries are near-copies (relaxed-SIMD swaps a few instructions, the -mt builds only import a
// shared memory), but once a binary's base64 text outgrows gzip's 32 KiB window gzip can no
// longer see the repetition, and every binary costs its full size. Deltas keep the bundle's size
// proportional to what really differs. The runtime decoder is src/backend/wasm/delta.ts.
//
// Format (all integers unsigned LEB128 varints):
//   targetLength, then ops until targetLength bytes are produced:
//     tag = len * 2 + 0, then len literal bytes
//     tag = len * 2 + 1, then offset: copy base[offset, offset + len)

const MIN_MATCH = 12;
const MAX_CANDIDATES = 32;

function varint(out, v) {
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** A delta that turns `base` into `target` (both Uint8Array/Buffer). */
export function encodeDelta(base, target) {
  const B = Buffer.from(base), T = Buffer.from(target);
  const index = new Map();
  for (let i = 0; i + MIN_MATCH <= B.length; i++) {
    const key = B.toString("latin1", i, i + MIN_MATCH);
    const list = index.get(key);
    if (!list) index.set(key, [i]);
    else if (list.length < MAX_CANDIDATES) list.push(i);
  }
  const out = [];
  varint(out, T.length);
  let literalStart = 0;
  const flush = (end) => {
    if (end > literalStart) {
      varint(out, (end - literalStart) * 2);
      for (let j = literalStart; j < end; j++) out.push(T[j]);
    }
  };
  let i = 0;
  while (i < T.length) {
    const cands = i + MIN_MATCH <= T.length ? index.get(T.toString("latin1", i, i + MIN_MATCH)) : undefined;
    let bestLen = 0, bestOff = 0;
    if (cands) {
      for (const off of cands) {
        let len = MIN_MATCH;
        while (i + len < T.length && off + len < B.length && T[i + len] === B[off + len]) len++;
        if (len > bestLen) (bestLen = len), (bestOff = off);
      }
    }
    if (bestLen >= MIN_MATCH) {
      flush(i);
      varint(out, bestLen * 2 + 1);
      varint(out, bestOff);
      i += bestLen;
      literalStart = i;
    } else i++;
  }
  flush(T.length);
  return Buffer.from(out);
}

/** The inverse, for the build's self-check (the runtime has its own copy in TypeScript). */
export function decodeDelta(base, delta) {
  let p = 0;
  const next = () => {
    let v = 0, scale = 1, b;
    do {
      b = delta[p++];
      v += (b & 127) * scale;
      scale *= 128;
    } while (b & 128);
    return v;
  };
  const out = Buffer.alloc(next());
  let o = 0;
  while (o < out.length) {
    const tag = next(), len = Math.floor(tag / 2);
    if (tag % 2) {
      const off = next();
      out.set(base.subarray(off, off + len), o);
    } else {
      out.set(delta.subarray(p, p + len), o);
      p += len;
    }
    o += len;
  }
  return out;
}
