/**
 * Every error downhill throws on bad input is a `DownhillError`; the subclass says what kind
 * of mistake it was and the message names the argument, the shapes or the step.
 */
export class DownhillError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Two shapes that cannot be combined by the named op. */
export class ShapeError extends DownhillError {}
/** Operands of different dtypes (downhill never promotes silently). */
export class DTypeError extends DownhillError {}
/** An option or argument outside its valid range, or an unknown option. */
export class ArgumentError extends DownhillError {}
/** A NaN or infinite value where a finite one is required. */
export class NonFiniteError extends DownhillError {}
/** A checkpoint that is truncated, corrupted or does not match the model. */
export class CheckpointError extends DownhillError {}
/** An operation the current backend cannot do (e.g. `dataSync()` on WebGPU). */
export class BackendError extends DownhillError {}
