/**
 * The explorer's worker: runs every racer with the library's `minimizeSteps` on the WebAssembly
 * core, interleaved in slices of a few milliseconds, and posts the new iterates after each slice,
 * so the page never blocks and a new run (a dragged start point, a moved slider) cancels the old
 * one between slices. It also evaluates the contour grid (one vectorized evaluation of the formula).
 */
import { backendInfo, minimizeSteps, scalar, type MinimizeStep, type MinimizeSteps } from "../src/index.js";
import { compileFormula } from "./formula.js";
import type { FromWorker, RacerProgress, ToWorker } from "./protocol.js";
import { racerOptions } from "./racerOptions.js";

/** Past these the iterates have left the picture for good: the racer is marked diverged. */
const DIVERGED_X = 1e6, DIVERGED_F = 1e12;
const SLICE_MS = 12;

interface Active { id: string; it: MinimizeSteps | null; out: RacerProgress }

const post = (m: FromWorker, transfer: Transferable[] = []): void => (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(m, transfer);

let current: { runId: number; active: Active[]; t0: number } | null = null;

function cancel(): void {
  if (!current) return;
  for (const a of current.active) a.it?.return();
  current = null;
}

function fresh(a: Active): RacerProgress {
  const o = a.out;
  a.out = { ...o, x: [], f: [], gradNorm: [], step: [] };
  return o;
}

function record(a: Active, s: MinimizeStep): void {
  const x = Array.from(s.x.toArray() as number[]);
  a.out.x.push(x);
  a.out.f.push(s.fun);
  a.out.gradNorm.push(s.gradNorm);
  a.out.step.push(s.step);
  a.out.nfev = s.nfev;
  a.out.ngev = s.ngev;
  const far = !(Math.abs(s.fun) <= DIVERGED_F) || x.some((v) => !(Math.abs(v) <= DIVERGED_X));
  if (s.done || far) {
    a.out.status = far || /non-finite/.test(s.message) ? "diverged" : s.converged ? "converged" : "stopped";
    a.out.message = far ? `left the picture at iteration ${s.nit} (|x| > ${DIVERGED_X} or |f| > ${DIVERGED_F})` : s.message;
    if (!s.done) a.it!.return();
    a.it = null;
  }
}

function slice(): void {
  const run = current;
  if (!run) return;
  const t0 = performance.now();
  let live = run.active.filter((a) => a.it);
  while (live.length && performance.now() - t0 < SLICE_MS) {
    for (const a of live) {
      try {
        const r = a.it!.next();
        if (r.done) { a.it = null; if (a.out.status === "running") a.out.status = "stopped"; }
        else record(a, r.value);
      } catch (e) {
        a.out.status = "stopped";
        a.out.message = `error: ${(e as Error).message}`;
        a.it = null;
      }
    }
    live = live.filter((a) => a.it);
  }
  const done = live.length === 0;
  post({ type: "progress", runId: run.runId, racers: run.active.map(fresh), done, ms: performance.now() - run.t0 });
  if (done) current = null;
  else setTimeout(slice, 0);
}

function start(m: Extract<ToWorker, { type: "run" }>): void {
  cancel();
  let F;
  try {
    F = compileFormula(m.formula);
  } catch (e) {
    post({ type: "error", runId: m.runId, message: (e as Error).message });
    return;
  }
  const active: Active[] = m.racers.map((r) => {
    const out: RacerProgress = { id: r.id, x: [], f: [], gradNorm: [], step: [], status: "running", message: "", nfev: 0, ngev: 0 };
    try {
      const it = minimizeSteps(F.f, m.start.slice(0, F.dim), { ...racerOptions(r.id, r.params), maxIter: m.maxIter, tol: m.tol });
      return { id: r.id, it, out };
    } catch (e) {
      out.status = "stopped";
      out.message = `error: ${(e as Error).message}`;
      return { id: r.id, it: null, out };
    }
  });
  current = { runId: m.runId, active, t0: performance.now() };
  slice();
}

function grid(m: Extract<ToWorker, { type: "grid" }>): void {
  try {
    const F = compileFormula(m.formula);
    const [x0, x1, y0, y1] = m.view;
    const n = m.nx * m.ny, xs = new Float64Array(n), ys = new Float64Array(n);
    for (let j = 0; j < m.ny; j++) for (let i = 0; i < m.nx; i++) {
      xs[j * m.nx + i] = x0 + ((x1 - x0) * i) / (m.nx - 1);
      ys[j * m.nx + i] = y1 - ((y1 - y0) * j) / (m.ny - 1); // row 0 is the top of the picture
    }
    const values = F.values(xs, F.dim === 2 ? ys : undefined);
    post({ type: "grid", reqId: m.reqId, values, nx: m.nx, ny: m.ny, dim: F.dim }, [values.buffer]);
  } catch (e) {
    post({ type: "error", reqId: m.reqId, message: (e as Error).message });
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === "run") start(m);
  else if (m.type === "grid") grid(m);
  else if (m.type === "stop") {
    const run = current;
    if (run) {
      for (const a of run.active) if (a.it) { a.it.return(); a.it = null; a.out.status = "stopped"; a.out.message = "stopped by the user"; }
      post({ type: "progress", runId: run.runId, racers: run.active.map(fresh), done: true, ms: performance.now() - run.t0 });
      current = null;
    }
  }
};

scalar(1).add(1); // the first op starts the WebAssembly core (synchronously: allowed in a worker)
const info = backendInfo();
post({ type: "ready", backend: `${info.backend}${info.variant ? ` (${info.variant})` : ""}, ${info.threads} thread${info.threads > 1 ? "s" : ""}` });
