// Bundles the pitstop CLI (src/cli/) into dist/pitstop.mjs: one ESM file for
// Node 20 and later, commander included. Runs from `npm install` (prepare).
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const root = new URL("..", import.meta.url);
const { version } = JSON.parse(readFileSync(new URL("package.json", root), "utf8"));

await build({
  absWorkingDir: root.pathname,
  entryPoints: ["src/cli/index.ts"],
  outfile: "dist/pitstop.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  define: { PITSTOP_VERSION: JSON.stringify(version) },
  // commander is CommonJS and requires Node built-ins; give the bundle a real `require`.
  banner: { js: 'import { createRequire as __pitstopRequire } from "node:module"; const require = __pitstopRequire(import.meta.url);' },
  legalComments: "none",
  logLevel: "warning",
});
