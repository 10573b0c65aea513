// Headless Chromium for the browser tests, with nothing installed but npm packages: the binary comes
// from the dev dependency @sparticuz/chromium (shipped inside the package, unpacked into the OS temp
// dir on the first executablePath()), driven by playwright-core (`npx playwright install` is never
// used). CHROMIUM_PATH overrides the binary (e.g. Debian's /usr/bin/chromium). There is no skip
// path: a browser that cannot be found or launched fails the browser tests, on every machine.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import sparticuz from "@sparticuz/chromium";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll } from "vitest";

/**
 * Our own flags, never `sparticuz.args`: those are tuned for serverless hosts (--single-process,
 * --disable-web-security, site isolation off), with which a page is never cross-origin isolated and
 * the thread tests could not run. The WebGPU three put Dawn on SwiftShader (CPU), so navigator.gpu
 * has an adapter on a machine without a GPU; they leave threads and SharedArrayBuffer alone.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--headless=new",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--enable-unsafe-webgpu",
  "--enable-unsafe-swiftshader",
  "--use-angle=swiftshader",
];

const run = promisify(execFile);

/** `<exe> --version`, e.g. "Chromium 153.0.8010.0"; throws with the reason when it does not run. */
export async function chromiumVersion(executablePath: string): Promise<string> {
  const { stdout } = await run(executablePath, ["--version"], { encoding: "utf8", timeout: 30_000 });
  return stdout.trim();
}

/**
 * The Chromium binary: CHROMIUM_PATH when set (and then only that), else the one @sparticuz/chromium
 * unpacks. The package returns any existing `<tmpdir>/chromium` at once, so a first unpack must not
 * run in two processes together: test/browser/globalSetup.ts does it once before the test forks.
 */
export async function chromiumExecutable(): Promise<string> {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH=${override}: no such file (unset it to use the Chromium of @sparticuz/chromium)`);
    return override;
  }
  try {
    return await sparticuz.executablePath();
  } catch (e) {
    throw new Error(`@sparticuz/chromium could not unpack its Chromium into ${tmpdir()}: ${(e as Error).message}`);
  }
}

export interface LaunchedBrowser {
  /** A fresh browser context (one profile directory per launch). */
  context: BrowserContext;
  /** `chromium --version`, e.g. "Chromium 153.0.8010.0". */
  version: string;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Extra command-line flags, after CHROMIUM_ARGS (e.g. `--lang=...`). */
  args?: string[];
  /** The browser's environment (default: this process's), e.g. with LANG=C.UTF-8. */
  env?: Record<string, string>;
  /** false: pages run no script at all (playwright's `javaScriptEnabled`). Default true. */
  javaScriptEnabled?: boolean;
}

/** Launches headless Chromium with a fresh profile directory (removed on close). */
export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const executablePath = await chromiumExecutable();
  let version: string;
  try {
    version = await chromiumVersion(executablePath);
  } catch (e) {
    throw new Error(
      `Chromium at ${executablePath} does not run (${(e as Error).message.split("\n")[0]}). ` +
        (process.env.CHROMIUM_PATH
          ? "Check CHROMIUM_PATH."
          : `An interrupted unpack leaves a partial file: delete ${executablePath} and rerun.`),
    );
  }
  const userDataDir = mkdtempSync(join(tmpdir(), "downhill-chromium-"));
  let context: BrowserContext;
  try {
    // launchPersistentContext is playwright's way to pass a user-data-dir (launch() rejects the flag).
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
      ...(options.env ? { env: options.env } : {}),
      ...(options.javaScriptEnabled === false ? { javaScriptEnabled: false } : {}),
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw new Error(`could not launch ${version} at ${executablePath}: ${(e as Error).message}`);
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

/**
 * One browser for the enclosing describe block (launched in beforeAll, closed in afterAll); the
 * returned getter rethrows a launch failure in every test that asks for the browser, so each of them
 * fails with the reason (vitest would list the tests of a block whose beforeAll threw as skipped).
 */
export function sharedChromium(options: LaunchOptions = {}): () => LaunchedBrowser {
  let chrome: LaunchedBrowser | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      chrome = await launchChromium(options);
    } catch (e) {
      failure = e;
    }
  });
  afterAll(async () => {
    await chrome?.close();
  });
  return () => {
    if (chrome) return chrome;
    throw failure ?? new Error("Chromium was not launched (sharedChromium() must be called inside describe)");
  };
}
