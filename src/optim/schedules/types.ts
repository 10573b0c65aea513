/** A schedule maps the step count (0 on the first update) to a value, e.g. a learning rate. */
export type Schedule = (step: number) => number;
