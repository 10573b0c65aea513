import { vals } from "../helpers.js";
import { describe, it, expect } from "vitest";
import { execFileSync } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tensor, Rng, CheckpointError, treeFlattenWithPaths } from "../../src/index.js";
import * as nn from "../../src/nn/index.js";
import { saveCheckpoint, saveCheckpointAsync, loadCheckpoint, readSafetensors, writeSafetensors, crc32 } from "../../src/train/index.js";

function makeModel(seed: number) {
  const rng = new Rng(seed);
  return nn.sequential([nn.linear(3, 4, { rng }), nn.batchNorm(4), nn.relu(), nn.linear(4, 2, { rng, dtype: "float32" })]);
}
const optState = (m: ReturnType<typeof makeModel>) => ({ count: 7, mu: m.params.map((p) => p), flag: true });

describe("safetensors checkpoints", () => {
  it("CRC-32 matches the standard check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("layout: 8-byte LE header length, JSON header with F32 tensors and __metadata__, contiguous data", () => {
    const m = makeModel(1);
    const bytes = saveCheckpoint(m, { step: 5, epoch: 1, batch: 2, rng: new Rng(3), metadata: { note: "hi" } });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header["params.0.w"]).toMatchObject({ dtype: "F32", shape: [3, 4] });
    expect(header.__metadata__).toMatchObject({ format: "downhill-checkpoint", "downhill.step": "5", note: "hi" });
    expect(header["state.1.mean"].shape).toEqual([4]);
    const file = readSafetensors(bytes);
    expect(file.tensors.get("params.0.w")!.dataSync()).toEqual(vals(m.params[0].w));
  });

  it("saveCheckpointAsync writes the same bytes as saveCheckpoint on the CPU, and checks its arguments the same way", async () => {
    const m = makeModel(1);
    const extras = { optState: optState(m), step: 7, epoch: 2, batch: 1, rng: new Rng(5), metadata: { note: "x" } };
    expect(await saveCheckpointAsync(m, extras)).toEqual(saveCheckpoint(m, extras));
    expect(await saveCheckpointAsync(m)).toEqual(saveCheckpoint(m));
    await expect(saveCheckpointAsync(m, { stpe: 1 } as never)).rejects.toThrow(/saveCheckpointAsync: unknown option "stpe"/);
    await expect(saveCheckpointAsync({} as never)).rejects.toThrow(CheckpointError);
  });

  it("round trip: params, model state, optimizer state (tensors and numbers), step, epoch, RNG", () => {
    const a = makeModel(1), b = makeModel(2);
    const rng = new Rng(11);
    rng.normal(); // leaves a spare normal in the state
    const bytes = saveCheckpoint(a, { optState: optState(a), step: 42, epoch: 3, batch: 9, rng });
    const ck = loadCheckpoint(bytes, b, { optState: optState(b) });
    expect(treeFlattenWithPaths(b.params).map(([, t]) => Array.from(vals(t)))).toEqual(treeFlattenWithPaths(a.params).map(([, t]) => Array.from(vals(t))));
    expect(ck).toMatchObject({ step: 42, epoch: 3, batch: 9 });
    expect((ck.optState as { count: number }).count).toBe(7);
    expect((ck.optState as { flag: boolean }).flag).toBe(true);
    const r2 = new Rng(0);
    r2.setState(ck.rngState!);
    expect([r2.normal(), r2.uniform()]).toEqual([rng.normal(), rng.uniform()]);
  });

  it("Python's reader agrees on the format (numpy parses the same bytes), when python3 is present", (ctx) => {
    const a = makeModel(1);
    const dir = mkdtempSync(join(tmpdir(), "dh-ck-"));
    const file = join(dir, "m.safetensors");
    writeFileSync(file, saveCheckpoint(a));
    const py = `import json,struct,sys,numpy as np
b=open(sys.argv[1],'rb').read(); n=struct.unpack('<Q',b[:8])[0]; h=json.loads(b[8:8+n]); d=b[8+n:]
e=h['params.0.w']; s,t=e['data_offsets']; print(json.dumps(np.frombuffer(d[s:t],dtype='<f4').reshape(e['shape']).tolist()))`;
    try {
      execFileSync("python3", ["-c", "import numpy"], { stdio: "ignore" });
    } catch {
      ctx.skip("python3 with numpy is not installed here, so there is no second reader to cross-check with");
    }
    // numpy is there: from here a failure to read the file is a failure of the test
    const out = execFileSync("python3", ["-c", py, file], { encoding: "utf8" });
    expect(JSON.parse(out)).toBeAllclose(a.params[0].w.toArray(), { atol: 0, rtol: 0 });
  });

  it("truncated, corrupted or mismatched files are refused and the model is left untouched", () => {
    const a = makeModel(1);
    const bytes = saveCheckpoint(a, { optState: optState(a) });
    const b = makeModel(2);
    const before = treeFlattenWithPaths(b.params).map(([, t]) => Array.from(vals(t)));
    const untouched = () => expect(treeFlattenWithPaths(b.params).map(([, t]) => Array.from(vals(t)))).toEqual(before);

    expect(() => loadCheckpoint(bytes.subarray(0, bytes.length - 10), b)).toThrow(CheckpointError);
    expect(() => loadCheckpoint(bytes.subarray(0, bytes.length - 10), b)).toThrow(/truncated/);
    expect(() => loadCheckpoint(bytes.subarray(0, 5), b)).toThrow(/truncated/);
    const corrupt = bytes.slice();
    corrupt[corrupt.length - 3] ^= 0x40;
    expect(() => loadCheckpoint(corrupt, b)).toThrow(/checksum mismatch/);
    const corruptHeader = bytes.slice();
    const text = new TextDecoder().decode(corruptHeader.subarray(8, 200));
    corruptHeader[8 + text.indexOf('"shape":[') + 9] ^= 0x01; // a shape digit changes
    expect(() => loadCheckpoint(corruptHeader, b)).toThrow(CheckpointError);
    untouched();

    const other = nn.sequential([nn.linear(3, 5), nn.batchNorm(5), nn.relu(), nn.linear(5, 2)]);
    const otherBefore = Array.from(vals(other.params[0].w));
    expect(() => loadCheckpoint(bytes, other)).toThrow(/params.0.w has shape \[3, 4\] in the checkpoint but \[3, 5\] in the model/);
    expect(Array.from(vals(other.params[0].w))).toEqual(otherBefore);
    const wider = nn.sequential([nn.linear(3, 4), nn.batchNorm(4), nn.relu(), nn.linear(4, 2), nn.linear(2, 2)]);
    expect(() => loadCheckpoint(bytes, wider)).toThrow(/has no tensor params.4/);
    const narrower = nn.sequential([nn.linear(3, 4), nn.batchNorm(4), nn.relu()]);
    expect(() => loadCheckpoint(bytes, narrower)).toThrow(/has a tensor params.3.b that the model does not/);
    expect(() => loadCheckpoint(bytes, b, { optState: { count: 0, nu: b.params, flag: true } })).toThrow(CheckpointError);
    untouched();
    const f64 = nn.sequential([nn.linear(3, 4, { dtype: "float64" }), nn.batchNorm(4), nn.relu(), nn.linear(4, 2)]);
    expect(() => loadCheckpoint(bytes, f64)).toThrow(/float32 in the checkpoint but float64/);
    expect(() => loadCheckpoint(tensor([1]) as never, b)).toThrow(CheckpointError);
  });

  it("random bytes are not a safetensors file (rather than a truncated one)", () => {
    const b = makeModel(2);
    const rng = new Rng(5);
    const noise = Uint8Array.from({ length: 4096 }, () => Math.floor(rng.uniform() * 256));
    noise[8] = 0x41; // whatever the generator draws, not "{"
    expect(() => loadCheckpoint(noise, b)).toThrow(CheckpointError);
    expect(() => loadCheckpoint(noise, b)).toThrow(/^loadCheckpoint: not a safetensors file: .* byte 8 is 0x41$/);
    expect(() => loadCheckpoint(new TextEncoder().encode("PK\x03\x04 this is a zip archive"), b)).toThrow(/not a safetensors file/);
    // a real file cut short is still called truncated
    const bytes = saveCheckpoint(b, {});
    expect(() => loadCheckpoint(bytes.subarray(0, 40), b)).toThrow(/truncated/);
  });

  it("metadata that is malformed but correctly checksummed is refused with a CheckpointError; the model is untouched", () => {
    const a = makeModel(1);
    const bytes = saveCheckpoint(a, { optState: optState(a), rng: new Rng(3) });
    // Rewrites the metadata and re-checksums the file the way saveCheckpoint does.
    const withMeta = (patch: Record<string, string>) => {
      const f = readSafetensors(bytes);
      const meta = { ...f.metadata, ...patch };
      delete meta["downhill.crc32"];
      return writeSafetensors([...f.tensors], meta, { key: "downhill.crc32", fn: (h, d) => crc32(new TextEncoder().encode(h), d).toString(16).padStart(8, "0") });
    };
    expect(() => loadCheckpoint(withMeta({}), makeModel(2), { optState: optState(makeModel(2)) })).not.toThrow(); // the rewrite itself is sound
    for (const [patch, msg] of [
      [{ "downhill.rng": "5" }, /^loadCheckpoint: metadata downhill.rng must be null or an RNG state of 5 numbers, got "5"$/],
      [{ "downhill.rng": "[1,2,3]" }, /downhill.rng must be null or an RNG state/],
      [{ "downhill.scalars": "null" }, /^loadCheckpoint: metadata downhill.scalars must be a JSON object .*, got "null"$/],
      [{ "downhill.scalars": "[1]" }, /downhill.scalars must be a JSON object/],
    ] as const) {
      const b = makeModel(2);
      const before = treeFlattenWithPaths(b.params).map(([, t]) => Array.from(vals(t)));
      const stateBefore = treeFlattenWithPaths(b.state).map(([, t]) => Array.from(vals(t)));
      expect(() => loadCheckpoint(withMeta(patch), b, { optState: optState(b) })).toThrow(CheckpointError);
      expect(() => loadCheckpoint(withMeta(patch), b, { optState: optState(b) })).toThrow(msg);
      expect(treeFlattenWithPaths(b.params).map(([, t]) => Array.from(vals(t)))).toEqual(before);
      expect(treeFlattenWithPaths(b.state).map(([, t]) => Array.from(vals(t)))).toEqual(stateBefore);
    }
  });
});
