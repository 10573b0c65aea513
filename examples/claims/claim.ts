/**
 * The gallery's one table shape: every claim file exports a `claim` of this type, and
 * `runDirect` lets each file run on its own (`npx tsx examples/claims/<id>.ts [--quick]`).
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { pathToFileURL } from "node:url";

export interface ClaimOptions {
  /** The small configuration the tests run (seconds); the full one is what `npm run claims` runs. */
  quick: boolean;
  seed: number;
}

export interface ClaimResult {
  /** Whether the claim, as stated, held in this experiment. */
  holds: boolean;
  /** Set when the claim holds only in part (the verdict says which part). */
  partly?: boolean;
  /** One or two sentences with the numbers. */
  verdict: string;
  /** The key numbers in one short line (the README's table). */
  summary: string;
  /** The key numbers, by name (the tests assert their direction). */
  numbers: Record<string, number>;
  /** One or more inline SVG plots. */
  svg: string;
  /** How the experiment was set up and what to read into it (shown on the page). */
  notes?: string;
}

export interface Claim {
  id: string;
  title: string;
  /** The folklore, as it is usually told. */
  statement: string;
  run(opts: ClaimOptions): Promise<ClaimResult>;
}

/** Runs `claim` when its file is the entry point: prints the verdict, writes its plots to reports/claims/<id>.html. */
export async function runDirect(claim: Claim, moduleUrl: string): Promise<void> {
  if (!process.argv[1] || pathToFileURL(process.argv[1]).href !== moduleUrl) return;
  const quick = process.argv.includes("--quick");
  const at = process.argv.indexOf("--seed");
  const r = await claim.run({ quick, seed: at > 0 ? Number(process.argv[at + 1]) : 0 });
  console.log(`${claim.title}\n  claim: ${claim.statement}\n  ${label(r)}: ${r.verdict}`);
  for (const [k, v] of Object.entries(r.numbers)) console.log(`  ${k} = ${fmtNum(v)}`);
  mkdirSync("reports/claims", { recursive: true });
  writeFileSync(`reports/claims/${claim.id}.html`, `<!doctype html><meta charset="utf-8"><title>${claim.title}</title>${r.svg}`);
  console.log(`  plots: reports/claims/${claim.id}.html`);
}

/** A number for a sentence: integers with thousands separators, others to 3 significant digits. */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString("en-US");
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(3)));
}

/** A percentage with one decimal: 0.9734 -> "97.3%". */
export const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** The verdict's one-word form: "holds", "partly", "does not hold". */
export const label = (r: Pick<ClaimResult, "holds" | "partly">): string => (r.partly ? "partly" : r.holds ? "holds" : "does not hold");
