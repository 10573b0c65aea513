/**
 * The safetensors container (https://github.com/huggingface/safetensors), read and written
 * exactly: 8-byte little-endian header length N, N bytes of JSON
 *   { "<name>": { "dtype": "F32" | "F64", "shape": [...], "data_offsets": [begin, end] }, ...,
 *     "__metadata__": { "<key>": "<string>" } }
 * padded with spaces to a multiple of 8, then the raw little-endian tensor bytes; offsets are
 * relative to the start of the data section, contiguous and covering it exactly.
 */
import { readSync } from "../backend/select.js";
import { CheckpointError } from "../errors.js";
import { Tensor, tensorOf } from "../tensor/tensor.js";
import { sizeOf } from "../tensor/shape.js";

const DTYPES = { F32: { bytes: 4, dtype: "float32" }, F64: { bytes: 8, dtype: "float64" } } as const;
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

interface HeaderEntry { dtype: string; shape: number[]; data_offsets: [number, number] }

/** Raw little-endian bytes of a tensor's values. */
function tensorBytes(t: Tensor): Uint8Array {
  const d = readSync(t, "safetensors");
  if (littleEndian) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const out = new Uint8Array(d.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < d.length; i++) {
    if (d instanceof Float32Array) view.setFloat32(i * 4, d[i], true);
    else view.setFloat64(i * 8, d[i], true);
  }
  return out;
}

/**
 * Serializes named tensors (in the given order) and string metadata. `checksum`, if given,
 * receives (headerJsonWithoutChecksum, dataSection) and returns a metadata entry to add.
 */
export function writeSafetensors(
  entries: ReadonlyArray<readonly [string, Tensor]>,
  metadata: Record<string, string> = {},
  checksum?: { key: string; fn: (header: string, data: Uint8Array) => string },
): Uint8Array {
  const header: Record<string, unknown> = {};
  const meta: Record<string, string> = { ...metadata };
  header.__metadata__ = meta;
  let offset = 0;
  const seen = new Set<string>();
  for (const [name, t] of entries) {
    if (seen.has(name)) throw new CheckpointError(`saveCheckpoint: duplicate tensor name ${JSON.stringify(name)}`);
    seen.add(name);
    const bytes = readSync(t, "saveCheckpoint").byteLength;
    header[name] = { dtype: t.dtype === "float64" ? "F64" : "F32", shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const data = new Uint8Array(offset);
  let o = 0;
  for (const [, t] of entries) {
    data.set(tensorBytes(t), o);
    o += readSync(t, "saveCheckpoint").byteLength;
  }
  if (checksum) meta[checksum.key] = checksum.fn(JSON.stringify(header), data);
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/**
 * Parses and validates a safetensors buffer (any problem is a CheckpointError naming it).
 * `verify`, if given, receives the header JSON (re-serialized without `checksumKey`) and the data
 * section, and throws when they do not match the stored checksum.
 */
export function readSafetensors(
  bytes: Uint8Array,
  verify?: { key: string; fn: (header: string, data: Uint8Array, expected: string | undefined) => void },
): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new CheckpointError(`loadCheckpoint: bytes must be a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 8) throw new CheckpointError(`loadCheckpoint: file is truncated (${bytes.length} bytes; the 8-byte header length is missing)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  // Every safetensors header is a JSON object, so byte 8 is "{": anything else is some other file
  // (or random bytes), which would otherwise be reported as truncated by its absurd header length.
  if (bytes.length > 8 && bytes[8] !== 0x7b) {
    throw new CheckpointError(`loadCheckpoint: not a safetensors file: it must start with an 8-byte header length and a JSON header "{...", but byte 8 is 0x${bytes[8].toString(16).padStart(2, "0")}`);
  }
  if (8 + n > bytes.length) throw new CheckpointError(`loadCheckpoint: file is truncated: header says ${n} bytes of JSON but only ${bytes.length - 8} follow`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new CheckpointError(`loadCheckpoint: header is not valid UTF-8 JSON (corrupted file?): ${(e as Error).message}`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) throw new CheckpointError("loadCheckpoint: header is not a JSON object");
  const data = bytes.subarray(8 + n);
  const metaRaw = header.__metadata__ ?? {};
  if (typeof metaRaw !== "object" || metaRaw === null || Object.values(metaRaw).some((v) => typeof v !== "string")) {
    throw new CheckpointError("loadCheckpoint: __metadata__ must be a map of strings");
  }
  const metadata = { ...(metaRaw as Record<string, string>) };
  const spans: Array<[number, number, string]> = [];
  const tensors = new Map<string, Tensor>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const e = raw as HeaderEntry;
    const info = DTYPES[e?.dtype as keyof typeof DTYPES];
    if (!info) throw new CheckpointError(`loadCheckpoint: tensor ${name} has dtype ${JSON.stringify(e?.dtype)}; only F32 and F64 are supported`);
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isInteger(d) || d < 0)) throw new CheckpointError(`loadCheckpoint: tensor ${name} has an invalid shape ${JSON.stringify(e.shape)}`);
    const [b, end] = Array.isArray(e.data_offsets) ? e.data_offsets : [NaN, NaN];
    if (!Number.isInteger(b) || !Number.isInteger(end) || b < 0 || end < b || end > data.length) {
      throw new CheckpointError(`loadCheckpoint: tensor ${name} has data_offsets ${JSON.stringify(e.data_offsets)} outside the ${data.length}-byte data section (truncated file?)`);
    }
    if (end - b !== sizeOf(e.shape) * info.bytes) throw new CheckpointError(`loadCheckpoint: tensor ${name}: ${end - b} bytes do not hold shape [${e.shape.join(", ")}] of ${e.dtype}`);
    spans.push([b, end, name]);
    const arr = info.dtype === "float32" ? new Float32Array(sizeOf(e.shape)) : new Float64Array(sizeOf(e.shape));
    if (littleEndian) new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(data.subarray(b, end));
    else {
      const dv = new DataView(data.buffer, data.byteOffset + b, end - b);
      for (let i = 0; i < arr.length; i++) arr[i] = info.bytes === 4 ? dv.getFloat32(i * 4, true) : dv.getFloat64(i * 8, true);
    }
    tensors.set(name, tensorOf(arr, e.shape));
  }
  spans.sort((a, b) => a[0] - b[0]);
  let pos = 0;
  for (const [b, end, name] of spans) {
    if (b !== pos) throw new CheckpointError(`loadCheckpoint: data of tensor ${name} starts at ${b}, expected ${pos} (offsets must be contiguous)`);
    pos = end;
  }
  if (pos !== data.length) throw new CheckpointError(`loadCheckpoint: data section has ${data.length} bytes but the tensors cover ${pos} (truncated or padded file)`);
  if (verify) {
    const expected = metadata[verify.key];
    const h = { ...header, __metadata__: { ...metadata } };
    delete (h.__metadata__ as Record<string, string>)[verify.key];
    verify.fn(JSON.stringify(h), data, expected);
  }
  return { tensors, metadata };
}

/** CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xEDB88320) of several byte arrays in turn. */
export function crc32(...parts: Uint8Array[]): number {
  let c = ~0;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = CRC_TABLE[(c ^ p[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();
