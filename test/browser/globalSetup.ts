// vitest globalSetup: unpacks @sparticuz/chromium's browser once, in the main process, before the
// test forks start. The package treats an existing `<tmpdir>/chromium` as unpacked, so two forks
// unpacking at once could hand one of them a half-written binary; after this, every fork's
// executablePath() finds the finished file. A binary left half-written by an interrupted earlier
// run is detected here (it does not run) and unpacked again. Nothing is thrown: when the browser
// cannot be had, the browser tests fail with the reason (test/browser/chromium.ts), the rest run.
import { rmSync } from "node:fs";
import { chromiumExecutable, chromiumVersion } from "./chromium.js";

export default async function setup(): Promise<void> {
  if (process.env.CHROMIUM_PATH) return;
  try {
    const exe = await chromiumExecutable();
    try {
      await chromiumVersion(exe);
    } catch {
      console.warn(`[globalSetup] ${exe} does not run (a partial unpack?): unpacking it again`);
      rmSync(exe, { force: true });
      await chromiumVersion(await chromiumExecutable());
    }
  } catch (e) {
    console.warn(`[globalSetup] Chromium is not available; the browser tests will fail: ${(e as Error).message}`);
  }
}
