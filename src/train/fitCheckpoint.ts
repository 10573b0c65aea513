/**
 * `fit({ checkpoint })`: the training state written as a checkpoint while training runs, every
 * epoch or every n optimizer steps, to a file (Node) or through a function (any runtime), and
 * optionally only when a monitored history value improves. What is written is exactly what
 * `saveCheckpoint(model, result)` writes after a run stopped at that point, so `resume` with those
 * bytes continues bit for bit.
 */
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { writeFileAtomicSync } from "../platform.js";
import type { Optimizer } from "../optim/optimizer.js";
import { saveCheckpoint } from "./checkpoint.js";
import type { TrainingState } from "./fitState.js";
import type { EpochRecord } from "./history.js";
import type { Tree } from "../tensor/tree.js";
import type { State } from "../nn/layers.js";
import { hostTree } from "./deviceReads.js";

/** What a checkpoint write is told besides the bytes. */
export interface CheckpointInfo {
  /** The training state the bytes hold: optimizer steps, completed epochs, batches into the next. */
  step: number;
  epoch: number;
  batch: number;
  /** With `saveBest`: the monitored value that improved (else undefined). */
  value?: number;
}

export interface CheckpointOptions {
  /** Write after every complete epoch ("epoch", the default) or every n optimizer steps. */
  every?: "epoch" | number;
  /**
   * A file to (over)write with the latest checkpoint, atomically (Node only; elsewhere give
   * `write`). "{epoch}" and "{step}" in it are replaced by the checkpoint's counters, which keeps
   * one file per checkpoint ("ckpt-{epoch}.safetensors", as Keras's ModelCheckpoint).
   */
  path?: string;
  /** Receives each checkpoint's bytes (any runtime); a returned promise is awaited before the next epoch. */
  write?: (bytes: Uint8Array, info: CheckpointInfo) => void | Promise<void>;
  /**
   * Write at an epoch's end only when `monitor` (a history key: "valLoss", "valAccuracy", ...)
   * beats the best so far: lower for mode "min" (the default for losses), higher for "max" (the
   * default for names like accuracy). Needs `every: "epoch"`.
   */
  saveBest?: { monitor: string; mode?: "min" | "max" };
}

export const CHECKPOINT_KEYS = { every: true, path: true, write: true, saveBest: true } satisfies OptionKeys<CheckpointOptions>;

/** Resolved `checkpoint` option: what fit calls after each step and each epoch. */
export class CheckpointWriter {
  private readonly pending: Promise<void>[] = [];
  private best = NaN;
  private lastStep = -1;
  private readonly write: (bytes: Uint8Array, info: CheckpointInfo) => void | Promise<void>;
  readonly every: "epoch" | number;
  readonly saveBest: { monitor: string; mode: "min" | "max" } | null;

  constructor(options: CheckpointOptions, hasValidation: boolean) {
    if (!options || typeof options !== "object") throw new ArgumentError(`fit: checkpoint must be an object like { every: "epoch", path }, got ${options === null ? "null" : typeof options}`);
    checkOptions("fit: checkpoint", options, CHECKPOINT_KEYS);
    const every = options.every ?? "epoch";
    if (every !== "epoch" && !(Number.isInteger(every) && every >= 1)) throw new ArgumentError(`fit: checkpoint.every must be "epoch" or a positive integer number of steps, got ${JSON.stringify(every)}`);
    this.every = every;
    const { path, write } = options;
    if ((path === undefined) === (write === undefined)) throw new ArgumentError("fit: checkpoint needs exactly one of path (a file, Node) or write (a function of the bytes)");
    if (write !== undefined && typeof write !== "function") throw new ArgumentError(`fit: checkpoint.write must be a function (bytes, info) => void, got ${typeof write}`);
    if (path !== undefined && (typeof path !== "string" || path === "")) throw new ArgumentError(`fit: checkpoint.path must be a non-empty string, got ${JSON.stringify(path)}`);
    this.write = write ?? ((bytes, info) => {
      const file = path!.replace(/\{epoch\}/g, String(info.epoch)).replace(/\{step\}/g, String(info.step));
      if (!writeFileAtomicSync(file, bytes)) throw new ArgumentError("fit: checkpoint.path needs Node's file system (Node >= 20.16); in a browser, worker or edge runtime give checkpoint.write(bytes) instead");
    });
    const sb = options.saveBest;
    if (sb !== undefined) {
      checkOptions("fit: checkpoint.saveBest", sb, ["monitor", "mode"]);
      if (typeof sb.monitor !== "string") throw new ArgumentError(`fit: checkpoint.saveBest.monitor must be a history key ("valLoss", "loss", "valAccuracy", ...), got ${typeof sb.monitor}`);
      const mode = sb.mode ?? (/acc/i.test(sb.monitor) ? "max" : "min");
      if (mode !== "min" && mode !== "max") throw new ArgumentError(`fit: checkpoint.saveBest.mode must be "min" or "max", got ${JSON.stringify(sb.mode)}`);
      if (every !== "epoch") throw new ArgumentError("fit: checkpoint.saveBest compares epoch values, so it needs every: \"epoch\"");
      if (sb.monitor.startsWith("val") && !hasValidation) throw new ArgumentError(`fit: checkpoint.saveBest monitors ${sb.monitor} but no validationData was given`);
      this.saveBest = { monitor: sb.monitor, mode };
    } else {
      this.saveBest = null;
    }
  }

  /** After an optimizer step (`perEpoch` batches an epoch): writes when `every` steps have passed. */
  afterStep(run: TrainingState, opt: Optimizer<any>, perEpoch: number): void {
    const at = this.stepDue(run, perEpoch);
    if (at) this.emit({ params: run.params, state: run.state, optState: opt.state }, run, at.epoch, at.batch, undefined);
  }

  /** `afterStep` for a run on the webgpu backend: the state is read with `await data()` first. */
  async afterStepOnDevice(run: TrainingState, opt: Optimizer<any>, perEpoch: number): Promise<void> {
    const at = this.stepDue(run, perEpoch);
    if (at) this.emit(await hostTree({ params: run.params, state: run.state, optState: opt.state }), run, at.epoch, at.batch, undefined);
  }

  /** Whether a checkpoint is due after this step, and the (epoch, batch) it is written with. */
  private stepDue(run: TrainingState, perEpoch: number): { epoch: number; batch: number } | null {
    if (this.every === "epoch" || run.step % this.every !== 0 || run.step === this.lastStep) return null; // (a skipped step repeats the count)
    this.lastStep = run.step;
    // At an epoch's last batch the state is the next epoch's start (as fit's result says it).
    const done = run.batch >= perEpoch;
    return { epoch: done ? run.epoch + 1 : run.epoch, batch: done ? 0 : run.batch };
  }

  /** Whether `afterStep` would write at optimizer step count `step` (no state changes): where fit on WebGPU must read. */
  writesAtStep(step: number): boolean {
    return this.every !== "epoch" && step % this.every === 0 && step !== this.lastStep;
  }

  /** After a complete epoch (its counters already advanced): writes in epoch mode, if the monitored value improved with saveBest. */
  afterEpoch(run: TrainingState, opt: Optimizer<any>, record: EpochRecord): void {
    const due = this.epochDue(record);
    if (due) this.emit({ params: run.params, state: run.state, optState: opt.state }, run, run.epoch, run.batch, due.value);
  }

  /** `afterEpoch` for a run on the webgpu backend: the state is read with `await data()` first. */
  async afterEpochOnDevice(run: TrainingState, opt: Optimizer<any>, record: EpochRecord): Promise<void> {
    const due = this.epochDue(record);
    if (due) this.emit(await hostTree({ params: run.params, state: run.state, optState: opt.state }), run, run.epoch, run.batch, due.value);
  }

  /** Whether a checkpoint is due after this epoch; `value` is the improved monitored value with saveBest. */
  private epochDue(record: EpochRecord): { value: number | undefined } | null {
    if (this.every !== "epoch") return null;
    let value: number | undefined;
    if (this.saveBest) {
      const { monitor, mode } = this.saveBest;
      const v = record.values[monitor];
      if (v === undefined) throw new ArgumentError(`fit: checkpoint.saveBest monitors ${JSON.stringify(monitor)}, which is not in the history (keys: ${Object.keys(record.values).join(", ")})`);
      const better = Number.isFinite(v) && (Number.isNaN(this.best) || (mode === "min" ? v < this.best : v > this.best));
      if (!better) return null;
      this.best = v;
      value = v;
    }
    return { value };
  }

  private emit(trees: { params: Tree; state: State; optState: unknown }, run: TrainingState, epoch: number, batch: number, value: number | undefined): void {
    const bytes = saveCheckpoint({ params: trees.params, state: trees.state }, { optState: trees.optState, step: run.step, epoch, batch, rng: run.rng });
    const info: CheckpointInfo = { step: run.step, epoch, batch };
    if (value !== undefined) info.value = value;
    const r = this.write(bytes, info);
    if (r && typeof (r as Promise<void>).then === "function") this.pending.push(r as Promise<void>);
  }

  /** Waits for the writes that returned promises (between epochs and at the end of fit). */
  async flush(): Promise<void> {
    const all = this.pending.splice(0);
    await Promise.all(all);
  }
}
