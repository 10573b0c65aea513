/** Option checking shared by every transform and alias: clear ArgumentErrors at construction. */
import { ArgumentError } from "../errors.js";
import { checkOptions } from "../options.js";
import type { Schedule } from "./schedules/types.js";

/**
 * Throws on an option name that `allowed` does not list (catches typos such as `weight_decay`,
 * suggesting `weightDecay`): `checkOptions` of src/options.ts, for the transforms and aliases that
 * pass a list.
 */
export function checkKnown(where: string, options: object | undefined, allowed: Readonly<Record<string, unknown>> | readonly string[]): void {
  if (options === null) return;
  checkOptions(where, options, allowed);
}

const show = (v: unknown): string => (typeof v === "number" ? String(v) : JSON.stringify(v) ?? String(v));

export function finitePositive(where: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new ArgumentError(`${where}: ${name} must be a finite positive number, got ${show(v)}`);
  return v;
}
export function nonNegative(where: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ArgumentError(`${where}: ${name} must be a finite number >= 0, got ${show(v)}`);
  return v;
}
/** A decay rate in [0, 1) (betas, alpha, momentum). */
export function unitInterval(where: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !(v >= 0 && v < 1)) throw new ArgumentError(`${where}: ${name} must be in [0, 1), got ${show(v)}`);
  return v;
}
export function bool(where: string, name: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw new ArgumentError(`${where}: ${name} must be a boolean, got ${show(v)}`);
  return v;
}
export function positiveInt(where: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new ArgumentError(`${where}: ${name} must be a positive integer, got ${show(v)}`);
  return v;
}

/** A learning rate: a finite positive number, or a schedule (checked at every step it is used). */
export function learningRate(where: string, lr: unknown): Schedule {
  if (typeof lr === "function") return lr as Schedule;
  const v = finitePositive(where, "lr", lr);
  return () => v;
}

/**
 * The value of a schedule at `step`: finite and >= 0 (0 is allowed from a schedule, since warmups
 * start there; negative or non-finite throws, naming the step).
 */
export function scheduleValue(where: string, name: string, s: Schedule, step: number): number {
  const v = s(step);
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ArgumentError(`${where}: ${name} schedule returned ${show(v)} at step ${step}; it must be a finite number >= 0`);
  return v;
}
