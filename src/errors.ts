/**
 * Every error downhill throws on bad input is a `DownhillError`; the subclass says what kind
 * of mistake it was and the message names the argument, the shapes or the step.
 */
export class DownhillError extends Error {
  constructor(message: string) {
    super(message);
    // Our classes carry their names (`errorName`): the bundle is minified, which renames classes;
    // a user's own subclass keeps its real name.
    this.name = Object.hasOwn(new.target, "errorName") ? (new.target as unknown as { errorName: string }).errorName : new.target.name;
  }
}

errorName(DownhillError, "DownhillError");

/** Gives an error class its name (`err.name`), which minification would otherwise lose. */
export function errorName<T extends abstract new (...args: never[]) => DownhillError>(cls: T, name: string): T {
  Object.defineProperty(cls, "errorName", { value: name });
  return cls;
}

/** Two shapes that cannot be combined by the named op. */
export class ShapeError extends DownhillError {}
errorName(ShapeError, "ShapeError");
/** Operands of different dtypes (downhill never promotes silently). */
export class DTypeError extends DownhillError {}
errorName(DTypeError, "DTypeError");
/** An option or argument outside its valid range, or an unknown option. */
export class ArgumentError extends DownhillError {}
errorName(ArgumentError, "ArgumentError");
/** A NaN or infinite value where a finite one is required. */
export class NonFiniteError extends DownhillError {}
errorName(NonFiniteError, "NonFiniteError");
/** A checkpoint that is truncated, corrupted or does not match the model. */
export class CheckpointError extends DownhillError {}
errorName(CheckpointError, "CheckpointError");
/** An operation the current backend cannot do (e.g. `dataSync()` on WebGPU). */
export class BackendError extends DownhillError {}
errorName(BackendError, "BackendError");
