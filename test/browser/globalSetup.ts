// vitest globalSetup: unpacks @sparticuz/chromium's browser once, in the main process, before the
// test forks start. The package treats an existing `<tmpdir>/chromium` as unpacked, so two forks
// unpacking at once could hand one of them a half-written binary; after this, every fork's
// executablePath() finds the finished file. A binary left half-written by an interrupted earlier
// run is detected here (it does not run) and unpacked again. Nothing is thrown: when the browser
// cannot be had, the browser tests fail with the reason (test/browser/chromium.ts), the rest run.
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromiumExecutable, chromiumVersion } from "./chromium.js";

export default async function setup(): Promise<void> {
  if (process.env.CHROMIUM_PATH) return vulkanForForks();
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
  vulkanForForks();
}

/**
 * Dawn in Node (test/webgpu) finds a Vulkan driver through the loader, which reads these variables
 * when the process starts: the Chromium package unpacks its loader and SwiftShader next to the
 * browser, and the test forks, spawned after this, inherit the environment.
 */
function vulkanForForks(): void {
  const dir = tmpdir(), icd = join(dir, "vk_swiftshader_icd.json");
  if (!existsSync(icd) || !existsSync(join(dir, "libvulkan.so.1"))) return;
  process.env.LD_LIBRARY_PATH = process.env.LD_LIBRARY_PATH ? `${dir}:${process.env.LD_LIBRARY_PATH}` : dir;
  process.env.VK_ICD_FILENAMES ??= icd;
}
