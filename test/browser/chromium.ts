// Finds Debian's Chromium and launches it headless through playwright-core (never a downloaded
// browser: `npx playwright install` is not used). Outside CI a missing browser skips the browser
// tests with a printed reason; with CI=true it fails them, so CI cannot go green without it.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

// CHROMIUM_PATH, when set, is the only candidate (so a wrong path is reported, not papered over).
const CANDIDATES = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** Flags that work on this (container, no GPU, no sandbox) machine. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const inCI = process.env.CI === "true" || process.env.CI === "1";

/** The Chromium executable, or null. */
export function findChromium(): string | null {
  for (const c of CANDIDATES) if (c && existsSync(c)) return c;
  return null;
}

/** Why the browser tests cannot run here, or null when they can. Throws under CI. */
export function browserSkipReason(): string | null {
  if (findChromium()) return null;
  const reason = `no Chromium at ${CANDIDATES.join(" or ")} (install it: apt-get install -y chromium, or set CHROMIUM_PATH)`;
  if (inCI) throw new Error(`CI=true but the browser tests cannot run: ${reason}`);
  console.warn(`[browser tests skipped] ${reason}`);
  return reason;
}

export interface LaunchedBrowser {
  /** A fresh browser context (one profile directory per launch). */
  context: BrowserContext;
  /** `chromium --version`, e.g. "Chromium 131.0.6778.85 built on Debian". */
  version: string;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile directory (removed on close). */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error("Chromium not found");
  const userDataDir = mkdtempSync(join(tmpdir(), "downhill-chromium-"));
  // launchPersistentContext is playwright's way to pass a user-data-dir (launch() rejects the flag).
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS.filter((a) => a !== "--headless"),
  });
  let version = "unknown";
  try {
    version = execFileSync(executablePath, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    // the version is only printed
  }
  return {
    context,
    version,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
