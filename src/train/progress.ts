/**
 * Progress display. "bar": a live one-line bar (redrawn with \r) with loss, rate and ETA, for
 * interactive terminals; "lines": one plain line per epoch; "none": silence. "auto" picks "none"
 * when the CI environment variable is set, "bar" on a TTY, and "lines" otherwise. No Node
 * imports: the TTY and CI checks read `globalThis.process` when it exists. Epochs are numbered
 * from 0, as in `history.epochs[i].epoch` and `restoredEpoch`, so a printed line names its record.
 */
export type ProgressMode = "auto" | "bar" | "lines" | "none";

export interface ProgressSink {
  /** Writes text with no newline added (a TTY stream's `write`, or a test's collector). */
  write(text: string): void;
  isTTY: boolean;
  ci: boolean;
}

interface ProcessLike {
  stdout?: { isTTY?: boolean; write?: (s: string) => unknown; columns?: number };
  env?: Record<string, string | undefined>;
}

/** The host's stdout when there is one (Node, Deno, Bun), else console.log lines. */
export function defaultSink(): ProgressSink {
  const proc = (globalThis as { process?: ProcessLike }).process;
  const out = proc?.stdout;
  const env = proc?.env ?? {};
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "0" && env.CI !== "false";
  if (out && typeof out.write === "function") return { write: (s) => void out.write!(s), isTTY: out.isTTY === true, ci };
  let buf = "";
  return {
    write: (s) => {
      buf += s;
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const l of lines) if (!l.includes("\r")) console.log(l);
    },
    isTTY: false,
    ci,
  };
}

export function resolveMode(mode: ProgressMode, sink: ProgressSink): Exclude<ProgressMode, "auto"> {
  if (mode !== "auto") return mode;
  if (sink.ci) return "none";
  return sink.isTTY ? "bar" : "lines";
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
}

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toFixed(4) : v.toExponential(3);
}

/** Live progress of one `fit` call. */
export class Progress {
  readonly mode: Exclude<ProgressMode, "auto">;
  private lastDraw = 0;
  private readonly start = now();
  private stepsDone = 0;

  constructor(private readonly total: number, private readonly unit: string, mode: ProgressMode = "auto", private readonly sink: ProgressSink = defaultSink()) {
    this.mode = resolveMode(mode, sink);
  }

  /** After each step: redraws the bar at most ~10 times a second. */
  step(epoch: number, loss: number): void {
    this.stepsDone++;
    if (this.mode !== "bar") return;
    const t = now();
    if (t - this.lastDraw < 100 && this.stepsDone < this.total) return;
    this.lastDraw = t;
    const elapsed = (t - this.start) / 1000;
    const rate = this.stepsDone / Math.max(elapsed, 1e-9);
    const frac = Math.min(1, this.stepsDone / this.total);
    const width = 24, filled = Math.round(frac * width);
    const eta = (this.total - this.stepsDone) / rate;
    this.sink.write(`\r[${"=".repeat(filled)}${" ".repeat(width - filled)}] ${this.stepsDone}/${this.total} ${this.unit} · epoch ${epoch} · loss ${fmtNum(loss)} · ${rate.toFixed(1)} steps/s · ETA ${fmtTime(eta)}\x1b[K`);
  }

  /** After each epoch: one line with the epoch's numbers. */
  epoch(epoch: number, values: Record<string, number | undefined>): void {
    if (this.mode === "none") return;
    const parts = Object.entries(values).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${fmtNum(v!)}`);
    const line = `epoch ${epoch} · ${parts.join(" · ")} · ${fmtTime((now() - this.start) / 1000)}`;
    if (this.mode === "bar") this.sink.write(`\r${line}\x1b[K\n`);
    else this.sink.write(`${line}\n`);
    this.lastDraw = 0;
  }

  /** Ends the display (a final newline for the bar). */
  end(message?: string): void {
    if (this.mode === "none") return;
    if (this.mode === "bar") this.sink.write("\r\x1b[K");
    if (message) this.sink.write(`${message}\n`);
  }
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
