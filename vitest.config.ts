import { defineConfig } from "vitest/config";
// @ts-expect-error plain .mjs helper without types
import { assetPlugin } from "./scripts/assetLoaders.mjs";

export default defineConfig({
  plugins: [assetPlugin()],
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    // unpacks the browser of @sparticuz/chromium once, before the forks (test/browser/chromium.ts)
    globalSetup: ["test/browser/globalSetup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
