// `npm run check:imports`: imports point one way (.dependency-cruiser.cjs
// says which), and src/shared/ stays types only, so the CLI, which may take
// nothing else from the worker, never bundles worker code.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = join(root, "node_modules", ".bin", process.platform === "win32" ? "depcruise.cmd" : "depcruise");
const cruise = spawnSync(bin, ["src", "--config", ".dependency-cruiser.cjs"], { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
if (cruise.error) console.error(`could not run dependency-cruiser: ${cruise.error.message}`);
let failed = cruise.status !== 0;

// dependency-cruiser parses with swc here, which does not mark type-only
// imports, so this one rule is checked by reading the files.
const sharedDir = join(root, "src", "shared");
for (const name of readdirSync(sharedDir)) {
  const text = readFileSync(join(sharedDir, name), "utf8");
  for (const [i, line] of text.split("\n").entries()) {
    if (/^\s*(import|export)\b.*\bfrom\s+["']/.test(line) && !/^\s*(import|export)\s+type\b/.test(line)) {
      console.error(`  error shared-is-types-only: src/shared/${name}:${i + 1}: ${line.trim()}\n    (src/shared/ is read by the CLI: take types only, with "import type")`);
      failed = true;
    }
  }
}
if (failed) process.exit(1);
