// End-to-end tests in Node: the real worker under `wrangler dev` in front of
// a real origin on 127.0.0.1, reached over real HTTP.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts", "test/cli/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Two cores: one wrangler dev at a time keeps timings honest.
    fileParallelism: false,
  },
});
