// Unit and integration tests, run inside the real Workers runtime (workerd)
// with real local KV and the real assets binding from wrangler.toml.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ADMIN_TOKEN: "test-admin-token-0123456789",
          BYPASS_SECRET: "test-bypass-secret-0123456789abcdef",
        },
      },
    }),
  ],
  test: {
    include: ["test/unit/**/*.test.ts", "test/worker/**/*.test.ts"],
    globalSetup: ["./test/support/origin-global-setup.ts"],
  },
});
