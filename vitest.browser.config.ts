// Browser tests: Debian's Chromium driven by playwright-core, against the real
// worker under `wrangler dev` in front of a real origin. Nothing downloads a browser.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // One wrangler dev and one Chromium at a time.
    fileParallelism: false,
  },
});
