#!/usr/bin/env node
// The `pitstop` command (npx pitstop ...): runs the bundle built by
// scripts/build-cli.mjs from src/cli/.
try {
  await import("../dist/pitstop.mjs");
} catch (err) {
  if (err?.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("pitstop.mjs")) {
    process.stderr.write("✘ Error: the pitstop CLI is not built: run npm install (it builds the CLI), or npm run build:cli\n");
    process.exit(1);
  }
  throw err;
}
