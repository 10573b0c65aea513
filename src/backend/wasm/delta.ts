// Decoder for the binaries shipped as deltas against the SIMD binary (scripts/wasmDelta.mjs has
// the encoder and the format): the bundle carries one full binary and four small differences.

/** Rebuilds a binary from `base` and its `delta`. */
export function applyDelta(base: Uint8Array, delta: Uint8Array): Uint8Array<ArrayBuffer> {
  let p = 0;
  const next = (): number => {
    let v = 0, scale = 1, b: number;
    do {
      b = delta[p++];
      v += (b & 127) * scale;
      scale *= 128;
    } while (b & 128);
    return v;
  };
  const out = new Uint8Array(next());
  let o = 0;
  while (o < out.length) {
    const tag = next(), len = Math.floor(tag / 2);
    if (len === 0 || o + len > out.length) throw new Error("downhill: corrupt wasm delta");
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
