/**
 * Training checkpoints in safetensors bytes: model parameters ("params.<path>"), non-trainable
 * model state ("state.<path>"), optimizer state ("opt.<path>"), and in `__metadata__` the step,
 * epoch, position in the epoch, the dropout RNG state, the optimizer state's non-tensor leaves
 * (counts), and a CRC-32 over the header and data. Any tool that reads safetensors (Python's
 * `safetensors.numpy.load`, PyTorch) reads the tensors.
 *
 * Loading validates everything (integrity, names, shapes, dtypes) before it changes anything, so
 * a truncated, corrupted or mismatched file is refused with a CheckpointError and the model is
 * left untouched.
 */
import { BackendError, CheckpointError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { Tensor } from "../tensor/tensor.js";
import { Rng } from "../tensor/random.js";
import type { Tree } from "../tensor/tree.js";
import { fmt, sameShape } from "../tensor/shape.js";
import { writeSafetensors, readSafetensors, crc32 } from "./safetensors.js";
import type { FitResult } from "./history.js";
import { hostTree } from "./deviceReads.js";

const FORMAT = "downhill-checkpoint";
const VERSION = "1";
const CRC_KEY = "downhill.crc32";

/** A leaf of a state tree that is not a tensor (e.g. an optimizer's step count). */
type Scalar = number | boolean | string | null;

/** Walks any plain tree; tensors and scalar leaves are reported with their dotted paths. */
function flattenAny(tree: unknown, prefix: string, tensors: Array<[string, Tensor]>, scalars: Record<string, unknown>): void {
  const visit = (t: unknown, path: string): void => {
    if (t instanceof Tensor) tensors.push([path, t]);
    else if (Array.isArray(t)) t.forEach((c, i) => visit(c, `${path}.${i}`));
    else if (t !== null && typeof t === "object" && !ArrayBuffer.isView(t)) for (const k of Object.keys(t).sort()) visit((t as Record<string, unknown>)[k], `${path}.${k}`);
    else if (t === undefined) return;
    else if (t === null || typeof t === "number" || typeof t === "boolean" || typeof t === "string") scalars[path] = encodeScalar(t);
    else throw new CheckpointError(`saveCheckpoint: ${path} is a ${ArrayBuffer.isView(t) ? "typed array" : typeof t}; state trees may hold tensors, numbers, booleans, strings and null`);
  };
  visit(tree, prefix);
}

function encodeScalar(v: Scalar): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? { num: String(v) } : v;
}
function decodeScalar(v: unknown): Scalar {
  return v !== null && typeof v === "object" && "num" in (v as object) ? Number((v as { num: string }).num) : (v as Scalar);
}

/** Rebuilds `template` with leaves taken from the file, checking names, shapes and dtypes. */
function restoreTree(template: unknown, prefix: string, tensors: Map<string, Tensor>, scalars: Record<string, unknown>, used: Set<string>): unknown {
  const visit = (t: unknown, path: string): unknown => {
    if (t instanceof Tensor) {
      const got = tensors.get(path);
      if (!got) throw new CheckpointError(`loadCheckpoint: the checkpoint has no tensor ${path} (it was saved from a different model or optimizer)`);
      if (!sameShape(got.shape, t.shape)) throw new CheckpointError(`loadCheckpoint: ${path} has shape ${fmt(got.shape)} in the checkpoint but ${fmt(t.shape)} in the model`);
      if (got.dtype !== t.dtype) throw new CheckpointError(`loadCheckpoint: ${path} is ${got.dtype} in the checkpoint but ${t.dtype} in the model`);
      used.add(path);
      return got;
    }
    if (Array.isArray(t)) return t.map((c, i) => visit(c, `${path}.${i}`));
    if (t !== null && typeof t === "object") {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(t)) o[k] = visit((t as Record<string, unknown>)[k], `${path}.${k}`);
      return o;
    }
    if (t === undefined) return undefined;
    if (!(path in scalars)) throw new CheckpointError(`loadCheckpoint: the checkpoint has no value for ${path}`);
    const v = decodeScalar(scalars[path]);
    if (typeof v !== typeof t) throw new CheckpointError(`loadCheckpoint: ${path} is a ${typeof v} in the checkpoint but a ${typeof t} in the model`);
    used.add(path);
    return v;
  };
  return visit(template, prefix);
}

/** What a checkpoint holds besides the model. */
export interface CheckpointExtras {
  /** Optimizer state tree (from `transform.init` / `fit`'s result). */
  optState?: unknown;
  /** Optimizer steps taken (the schedule position). */
  step?: number;
  /** Completed epochs. */
  epoch?: number;
  /** Batches consumed in the current epoch. */
  batch?: number;
  /** The training RNG (dropout), or its `getState()`. */
  rng?: Rng | readonly number[] | null;
  /** Free-form string metadata (e.g. a description). */
  metadata?: Record<string, string>;
}

export interface Checkpointable {
  params: Tree;
  state?: Tree;
}

/** `saveCheckpoint(model, extras)` takes a `fit` result as its extras, so its keys are valid too (the ones not saved are ignored). */
const SAVE_KEYS = {
  optState: true, step: true, epoch: true, batch: true, rng: true, metadata: true,
  history: true, stopReason: true, restoredEpoch: true, jit: true,
} satisfies OptionKeys<CheckpointExtras & FitResult>;

function checksum(header: string, data: Uint8Array): string {
  return crc32(new TextEncoder().encode(header), data).toString(16).padStart(8, "0");
}

/**
 * Serializes a model (params and state) and training progress to safetensors bytes.
 * @example const bytes = saveCheckpoint(model, result);  // result = await fit(...)
 */
export function saveCheckpoint(model: Checkpointable, extras: CheckpointExtras = {}): Uint8Array {
  if (!model || typeof model !== "object" || !("params" in model)) throw new CheckpointError("saveCheckpoint: model must have a params tree");
  checkOptions("saveCheckpoint", extras, SAVE_KEYS);
  const tensors: Array<[string, Tensor]> = [];
  const scalars: Record<string, unknown> = {};
  flattenAny(model.params, "params", tensors, scalars);
  if (model.state !== undefined) flattenAny(model.state, "state", tensors, scalars);
  if (extras.optState !== undefined) flattenAny(extras.optState, "opt", tensors, scalars);
  const rngState = extras.rng instanceof Rng ? extras.rng.getState() : extras.rng ?? null;
  for (const [k, v] of Object.entries(extras.metadata ?? {})) {
    if (typeof v !== "string") throw new CheckpointError(`saveCheckpoint: metadata.${k} must be a string (safetensors metadata is a string map)`);
  }
  const meta: Record<string, string> = {
    ...extras.metadata,
    format: FORMAT,
    "downhill.version": VERSION,
    "downhill.step": String(extras.step ?? 0),
    "downhill.epoch": String(extras.epoch ?? 0),
    "downhill.batch": String(extras.batch ?? 0),
    "downhill.rng": JSON.stringify(rngState === null ? null : rngState.map((v) => (Number.isNaN(v) ? null : v))),
    "downhill.scalars": JSON.stringify(scalars),
    "downhill.hasState": model.state !== undefined ? "1" : "0",
    "downhill.hasOpt": extras.optState !== undefined ? "1" : "0",
  };
  try {
    return writeSafetensors(tensors, meta, { key: CRC_KEY, fn: checksum });
  } catch (e) {
    if (e instanceof BackendError) throw new BackendError(`${e.message}; await saveCheckpointAsync(model, extras) reads them`);
    throw e;
  }
}

/**
 * `saveCheckpoint` on any backend: the model's params and state and the optimizer state are read
 * with `await` first (host copies; the originals are untouched), so it also saves a model that
 * `fit` trained on WebGPU. The bytes are the same as `saveCheckpoint`'s for the same values.
 * @example const bytes = await saveCheckpointAsync(model, result);
 */
export async function saveCheckpointAsync(model: Checkpointable, extras: CheckpointExtras = {}): Promise<Uint8Array> {
  if (!model || typeof model !== "object" || !("params" in model)) throw new CheckpointError("saveCheckpointAsync: model must have a params tree");
  checkOptions("saveCheckpointAsync", extras, SAVE_KEYS);
  const host = await hostTree({ params: model.params, state: model.state, optState: extras.optState });
  return saveCheckpoint({ params: host.params, state: host.state }, extras.optState === undefined ? extras : { ...extras, optState: host.optState });
}

export interface LoadedCheckpoint {
  params: Tree;
  state: Tree | undefined;
  /** The optimizer state rebuilt on the `optState` template (undefined when none was given or saved). */
  optState: unknown;
  step: number;
  epoch: number;
  batch: number;
  rngState: number[] | null;
  metadata: Record<string, string>;
}

export interface LoadOptions {
  /** A freshly initialised optimizer state of the same structure (e.g. `transform.init(model.params)`). */
  optState?: unknown;
  /** Assign params/state to the model after validation (default true). */
  assign?: boolean;
}

const LOAD_KEYS = { optState: true, assign: true } satisfies OptionKeys<LoadOptions>;

/**
 * Reads a checkpoint written by `saveCheckpoint` and checks it against `model` (and the optimizer
 * state template, if given). Only when everything matches are `model.params` / `model.state`
 * replaced (unless `assign: false`); otherwise a CheckpointError is thrown and nothing changes.
 */
export function loadCheckpoint(bytes: Uint8Array, model: Checkpointable, options: LoadOptions = {}): LoadedCheckpoint {
  checkOptions("loadCheckpoint", options, LOAD_KEYS);
  const file = readSafetensors(bytes, {
    key: CRC_KEY,
    fn: (header, data, expected) => {
      if (expected === undefined) throw new CheckpointError(`loadCheckpoint: no ${CRC_KEY} checksum in the metadata (not a downhill checkpoint?)`);
      const got = checksum(header, data);
      if (got !== expected) throw new CheckpointError(`loadCheckpoint: checksum mismatch (stored ${expected}, computed ${got}): the file is corrupted`);
    },
  });
  const m = file.metadata;
  if (m.format !== FORMAT) throw new CheckpointError(`loadCheckpoint: metadata.format is ${JSON.stringify(m.format)}, expected ${JSON.stringify(FORMAT)}`);
  if (m["downhill.version"] !== VERSION) throw new CheckpointError(`loadCheckpoint: checkpoint version ${m["downhill.version"]} is not supported (expected ${VERSION})`);
  let scalars: Record<string, unknown>, rng: unknown;
  try {
    scalars = JSON.parse(m["downhill.scalars"] ?? "{}");
    rng = JSON.parse(m["downhill.rng"] ?? "null");
  } catch {
    throw new CheckpointError("loadCheckpoint: metadata holds invalid JSON");
  }
  // The checksum only says the bytes are those that were written; what they say is checked too,
  // before anything is restored (a file edited and re-checksummed, or written by another tool).
  if (scalars === null || typeof scalars !== "object" || Array.isArray(scalars)) {
    throw new CheckpointError(`loadCheckpoint: metadata downhill.scalars must be a JSON object of the state trees' non-tensor values, got ${JSON.stringify(m["downhill.scalars"])}`);
  }
  if (rng !== null && !(Array.isArray(rng) && rng.length === 5 && rng.every((v) => v === null || typeof v === "number"))) {
    throw new CheckpointError(`loadCheckpoint: metadata downhill.rng must be null or an RNG state of 5 numbers, got ${JSON.stringify(m["downhill.rng"])}`);
  }
  const int = (key: string): number => {
    const v = Number(m[key] ?? "0");
    if (!Number.isInteger(v) || v < 0) throw new CheckpointError(`loadCheckpoint: metadata ${key} = ${JSON.stringify(m[key])} is not a non-negative integer`);
    return v;
  };
  const used = new Set<string>();
  const params = restoreTree(model.params, "params", file.tensors, scalars, used) as Tree;
  const hasState = m["downhill.hasState"] === "1";
  const state = model.state !== undefined && hasState ? (restoreTree(model.state, "state", file.tensors, scalars, used) as Tree) : model.state;
  const optState = options.optState !== undefined && m["downhill.hasOpt"] === "1" ? restoreTree(options.optState, "opt", file.tensors, scalars, used) : undefined;
  if (options.optState !== undefined && m["downhill.hasOpt"] !== "1") throw new CheckpointError("loadCheckpoint: an optimizer state was expected but the checkpoint has none");
  for (const name of file.tensors.keys()) {
    const section = name.split(".")[0];
    const checked = section === "params" || (section === "state" && model.state !== undefined) || (section === "opt" && options.optState !== undefined);
    if (checked && !used.has(name)) throw new CheckpointError(`loadCheckpoint: the checkpoint has a tensor ${name} that the ${section === "opt" ? "optimizer" : "model"} does not (different architecture?)`);
  }
  const rngState = rng === null ? null : (rng as Array<number | null>).map((v) => (v === null ? NaN : v));
  const loaded: LoadedCheckpoint = {
    params, state, optState,
    step: int("downhill.step"), epoch: int("downhill.epoch"), batch: int("downhill.batch"),
    rngState, metadata: m,
  };
  if (options.assign ?? true) {
    model.params = params;
    if (state !== undefined) model.state = state;
  }
  return loaded;
}
