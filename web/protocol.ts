/** Messages between the page (main.ts) and its worker (worker.ts). */
export interface RacerRequest { id: string; params: Record<string, number> }

export type ToWorker =
  | { type: "run"; runId: number; formula: string; start: number[]; maxIter: number; tol: number; racers: RacerRequest[] }
  | { type: "grid"; reqId: number; formula: string; view: [number, number, number, number]; nx: number; ny: number }
  | { type: "stop" };

/** One racer's new rows since the last message (x: the iterates, one array of dim numbers each). */
export interface RacerProgress {
  id: string;
  x: number[][];
  f: number[];
  gradNorm: number[];
  step: number[];
  /** "running" until the run ends, then "converged", "diverged" or "stopped". */
  status: "running" | "converged" | "diverged" | "stopped";
  message: string;
  nfev: number;
  ngev: number;
}

export type FromWorker =
  | { type: "ready"; backend: string }
  | { type: "progress"; runId: number; racers: RacerProgress[]; done: boolean; ms: number }
  | { type: "grid"; reqId: number; values: Float64Array; nx: number; ny: number; dim: 1 | 2 }
  | { type: "error"; runId?: number; reqId?: number; message: string };
