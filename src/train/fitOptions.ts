/**
 * `fit`'s options and their validation: everything that can be wrong is refused here, before any
 * parameter changes, and what remains is one resolved plan (`FitPlan`) the loop reads.
 */
import { ArgumentError } from "../errors.js";
import { checkOptions, type OptionKeys } from "../options.js";
import { Rng } from "../tensor/random.js";
import { fusedSpecOf, type GradientTransformation } from "../optim/base.js";
import type { Layer } from "../nn/layers.js";
import { resolveLoss, type LossFn, type LossName } from "../nn/losses.js";
import type { MetricFn, MetricName } from "../nn/metrics.js";
import { BATCH_OPTION_KEYS, Batches, checkData, type BatchOptions, type Dataset } from "./data.js";
import { EarlyStopping, type EarlyStoppingOptions } from "./earlyStopping.js";
import type { ProgressMode, ProgressSink } from "./progress.js";
import type { HealthThresholds } from "./diagnostics.js";
import type { LoadedCheckpoint } from "./checkpoint.js";
import type { EpochRecord, History, StepInfo } from "./history.js";
import { checkTargets, positiveInt, resolveMetrics, type NamedMetric } from "./evaluate.js";
import { CheckpointWriter, type CheckpointOptions } from "./fitCheckpoint.js";

export interface DiagnosticsOptions extends HealthThresholds {
  /** Record per-layer gradient norms (epoch means) and warn on vanishing/exploding layers (default true). */
  layerNorms?: boolean;
  /**
   * What to do with a NaN/Inf loss or gradient: throw (default), skip the update, or warn and apply
   * it. On WebGPU it is found at the next read and acted on after a rollback and replay to that
   * step, with the same outcome (src/train/fitDevice.ts).
   */
  nonFinite?: "throw" | "skip" | "warn";
  /** Record the fraction of dead ReLU units per layer after each epoch (default false). */
  deadRelu?: boolean;
  /** Where warnings go (default console.warn when progress is shown, else only `history.warnings`). */
  onWarning?: (message: string) => void;
}

export interface ConvergenceOptions {
  /** Stop when a step's global gradient norm falls below this. */
  gradNorm?: number;
  /** Stop when the epoch loss improves by less than this (relative to the previous epoch's). */
  relImprovement?: number;
}

export interface FitOptions extends BatchOptions {
  /** Any GradientTransformation (`adamw({lr: warmupCosine(...)})`, `chain(...)`). */
  optimizer: GradientTransformation<any>;
  /** "crossEntropy" (default), "mse", "binaryCrossEntropy", or `(prediction, target) => scalar`. */
  loss?: LossName | LossFn;
  /** Metrics computed on training batches and validation data (default ["accuracy"] for the classification losses). */
  metrics?: Array<MetricName | MetricFn>;
  /** Epochs to run in this call (default 1 unless `steps` is given). */
  epochs?: number;
  /** Optimizer steps to run in this call (stops mid-epoch if needed). */
  steps?: number;
  /** Batches whose gradients are averaged into one optimizer step (default 1). */
  accumulate?: number;
  /** Rescale the gradient to at most this global norm before the optimizer. */
  clipGradNorm?: number;
  /** Evaluated after every epoch. */
  validationData?: Dataset;
  /** Batch size for evaluation (default 1024). */
  evalBatchSize?: number;
  earlyStopping?: EarlyStoppingOptions | EarlyStopping;
  /** Stop when a step's gradient norm falls below `gradNorm`, or the epoch loss improves by less than `relImprovement` (relative). */
  convergence?: ConvergenceOptions;
  /** Called after every optimizer step; return false to stop. (On WebGPU it makes every step a read of the GPU.) */
  onStep?: (info: StepInfo) => void | boolean;
  /** Called after every epoch; return false to stop. */
  onEpoch?: (record: EpochRecord, history: History) => void | boolean;
  /** Progress display (default "auto": bar on a TTY, lines otherwise, nothing when CI is set). */
  progress?: ProgressMode;
  progressSink?: ProgressSink;
  /**
   * The one seed of the run (default 0): the batch order (reshuffled per epoch from (seed,
   * epoch)) and the dropout masks both derive from it. `shuffleSeed` and `dropoutSeed` override
   * either; `rng` gives the dropout generator itself.
   */
  seed?: number;
  /** Seed of the batch order only (default `seed`). */
  shuffleSeed?: number;
  /** Seed of the dropout masks only (default `seed`). */
  dropoutSeed?: number;
  /** The dropout generator itself (its state advances); instead of a seed. */
  rng?: Rng;
  /** Learning rate for `history` when the optimizer does not expose its schedule. */
  lr?: number | ((step: number) => number);
  diagnostics?: DiagnosticsOptions;
  /** Continue from a checkpoint (bytes from `saveCheckpoint`, or `loadCheckpoint`'s result). */
  resume?: Uint8Array | LoadedCheckpoint;
  /**
   * Compile each batch's forward and backward (src/jit): traced once per batch shape, replayed
   * with no per-op cost, the same bits as eager. Default true; a model that draws random numbers
   * while training (dropout) or reads values runs eagerly, and `result.jit` says why. The model and
   * the loss run once per trace, not once per batch: side effects in them (a call counter,
   * logging) need `jit: false`.
   */
  jit?: boolean;
  /**
   * Write checkpoints while training: `{ every: "epoch" | n, path }` (a file, Node) or
   * `{ every, write: (bytes, info) => ... }` (any runtime), optionally `saveBest: { monitor }`.
   * Each holds what `saveCheckpoint(model, result)` would after a run stopped there: `resume`
   * with it continues bit for bit.
   */
  checkpoint?: CheckpointOptions;
}

const FIT_KEYS = {
  ...BATCH_OPTION_KEYS,
  optimizer: true, loss: true, metrics: true, epochs: true, steps: true, accumulate: true, clipGradNorm: true,
  validationData: true, evalBatchSize: true, earlyStopping: true, convergence: true, onStep: true, onEpoch: true,
  progress: true, progressSink: true, shuffleSeed: true, dropoutSeed: true, rng: true, lr: true, diagnostics: true, resume: true, jit: true, checkpoint: true,
} satisfies OptionKeys<FitOptions>;
const DIAGNOSTICS_KEYS = { layerNorms: true, nonFinite: true, deadRelu: true, onWarning: true, vanishing: true, exploding: true } satisfies OptionKeys<DiagnosticsOptions>;
const CONVERGENCE_KEYS = { gradNorm: true, relImprovement: true } satisfies OptionKeys<ConvergenceOptions>;

/** `FitOptions` validated and with every default filled in. */
export interface FitPlan {
  readonly transform: GradientTransformation<any>;
  readonly loss: LossFn;
  readonly metrics: readonly NamedMetric[];
  readonly batches: Batches;
  /** Epochs and optimizer steps this call may run (Infinity / undefined: no limit). */
  readonly maxEpochs: number;
  readonly maxSteps: number | undefined;
  readonly accumulate: number;
  readonly clipGradNorm: number | undefined;
  readonly diagnostics: DiagnosticsOptions;
  /** Compile the batch gradient (FitOptions.jit). */
  readonly jit: boolean;
  readonly nonFinite: "throw" | "skip" | "warn";
  readonly recordLayerNorms: boolean;
  readonly convergence: ConvergenceOptions;
  readonly earlyStopping: EarlyStopping | null;
  readonly validation: { data: Dataset; batchSize: number } | null;
  /** The learning rate at a step, for the history (NaN when unknown). */
  readonly lrOf: (step: number) => number;
  readonly resume: Uint8Array | LoadedCheckpoint | undefined;
  /** Checkpoints written while training (FitOptions.checkpoint), or null. */
  readonly checkpoint: CheckpointWriter | null;
  readonly rng: Rng;
  readonly onStep: FitOptions["onStep"];
  readonly onEpoch: FitOptions["onEpoch"];
  readonly progress: ProgressMode;
  readonly progressSink: ProgressSink | undefined;
}

/** Validates `fit`'s arguments (in the order a user would fix them) and resolves the options. */
export function resolveFitOptions(model: Layer, data: Dataset | Batches, options: FitOptions): FitPlan {
  if (!model || typeof model.forward !== "function") throw new ArgumentError("fit: model must be a layer (e.g. nn.sequential([...]))");
  if (!options || typeof options !== "object") throw new ArgumentError("fit: options with an optimizer are required");
  if ("rngSeed" in options) throw new ArgumentError("fit: rngSeed is now dropoutSeed (or seed, which seeds the batch order and dropout together)");
  checkOptions("fit", options, FIT_KEYS);
  checkOptions("fit: diagnostics", options.diagnostics, DIAGNOSTICS_KEYS);
  checkOptions("fit: convergence", options.convergence, CONVERGENCE_KEYS);
  const transform = options.optimizer;
  if (!transform || typeof transform.init !== "function" || typeof transform.update !== "function") {
    throw new ArgumentError("fit: options.optimizer must be a GradientTransformation ({init, update}), e.g. adamw({ lr: 1e-3 })");
  }
  const loss = resolveLoss("fit: loss", options.loss ?? "crossEntropy");
  const metrics = resolveMetrics("fit", options.metrics, options.loss);
  // `seed` seeds dropout too, so it is not a batching option here: a data.batches plan keeps its own order.
  const batching = [...Object.keys(BATCH_OPTION_KEYS).filter((k) => k !== "seed"), "shuffleSeed"].filter((k) => options[k as keyof FitOptions] !== undefined);
  if (data instanceof Batches && batching.length) {
    throw new ArgumentError(`fit: ${batching.join(", ")} would be ignored: data is a data.batches(...) plan, which sets the batching (pass them to data.batches, or give fit {x, y})`);
  }
  const seeds = resolveSeeds(options);
  const batches = data instanceof Batches ? data : (checkData(data?.x, data?.y, "fit: data"), new Batches(data.x, data.y, { ...pick(options, BATCH_OPTION_KEYS), seed: seeds.shuffle }));
  if (!batches.y) throw new ArgumentError("fit: data needs targets y");
  if (options.epochs !== undefined) positiveInt("fit", "epochs", options.epochs, 1);
  if (options.steps !== undefined) positiveInt("fit", "steps", options.steps, 1);
  const accumulate = positiveInt("fit", "accumulate", options.accumulate, 1);
  const clip = options.clipGradNorm;
  if (clip !== undefined && !(clip > 0)) throw new ArgumentError(`fit: clipGradNorm must be positive, got ${clip}`);
  const diagnostics = options.diagnostics ?? {};
  const nonFinite = diagnostics.nonFinite ?? "throw";
  if (!["throw", "skip", "warn"].includes(nonFinite)) throw new ArgumentError(`fit: diagnostics.nonFinite must be "throw", "skip" or "warn", got ${JSON.stringify(nonFinite)}`);
  const stopper = options.earlyStopping === undefined ? null : options.earlyStopping instanceof EarlyStopping ? options.earlyStopping : new EarlyStopping(options.earlyStopping);
  const val = options.validationData;
  if (val !== undefined) checkData(val?.x, val?.y, "fit: validationData");
  if (stopper && stopper.monitor.startsWith("val") && !val) throw new ArgumentError(`fit: earlyStopping monitors ${stopper.monitor} but no validationData was given`);
  checkTargets("fit", model, options.loss, loss, batches.x, batches.y, "data");
  if (val) checkTargets("fit", model, options.loss, loss, val.x, val.y, "validationData");

  const maxSteps = options.steps;
  const lr = options.lr;
  if (options.jit !== undefined && typeof options.jit !== "boolean") throw new ArgumentError(`fit: jit must be a boolean, got ${JSON.stringify(options.jit)}`);
  return {
    transform, loss, metrics, batches,
    maxEpochs: options.epochs ?? (maxSteps === undefined ? 1 : Infinity),
    maxSteps,
    accumulate,
    clipGradNorm: clip,
    diagnostics,
    jit: options.jit ?? true,
    nonFinite,
    recordLayerNorms: diagnostics.layerNorms ?? true,
    convergence: options.convergence ?? {},
    earlyStopping: stopper,
    validation: val ? { data: val, batchSize: positiveInt("fit", "evalBatchSize", options.evalBatchSize, 1024) } : null,
    lrOf: typeof lr === "function" ? lr : typeof lr === "number" ? () => lr : fusedSpecOf(transform)?.lr ?? (() => NaN),
    resume: options.resume,
    checkpoint: options.checkpoint === undefined ? null : new CheckpointWriter(options.checkpoint, val !== undefined),
    rng: options.rng ?? new Rng(seeds.dropout),
    onStep: options.onStep,
    onEpoch: options.onEpoch,
    progress: options.progress ?? "auto",
    progressSink: options.progressSink,
  };
}

/** The shuffling and dropout seeds: `seed` for both unless `shuffleSeed` / `dropoutSeed` say otherwise. */
function resolveSeeds(o: FitOptions): { shuffle: number; dropout: number } {
  for (const k of ["seed", "shuffleSeed", "dropoutSeed"] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 32)) throw new ArgumentError(`fit: ${k} must be an integer in [-2^31, 2^32), got ${JSON.stringify(v)}`);
  }
  const dropout = o.dropoutSeed;
  if (o.rng !== undefined && dropout !== undefined) throw new ArgumentError("fit: give rng or dropoutSeed, not both (rng is the dropout generator)");
  return { shuffle: o.shuffleSeed ?? o.seed ?? 0, dropout: dropout ?? o.seed ?? 0 };
}

/** The entries of `o` whose keys `keys` lists (`fit`'s batching options, for `data.batches`). */
function pick<T extends object>(o: T, keys: Readonly<Record<string, unknown>>): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => k in keys)) as Partial<T>;
}
