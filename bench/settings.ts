// The benchmark's settings: the command-line flags with their defaults for the
// full and the smoke run, the paths it works in and the secrets it gives the
// worker. The `settings` object is recorded as is in the JSON report.
import { join } from "node:path";
import { parseArgs } from "node:util";
import { HarnessError } from "./lib/util.ts";

export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const BIN = join(ROOT, "node_modules", ".bin");
export const MiB = 1024 * 1024;
export const ADMIN_TOKEN = "bench-admin-token";
export const BYPASS_SECRET = "bench-bypass-secret-0123456789abcdef";

export const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

export type Settings = ReturnType<typeof parseSettings>["settings"];

/** --smoke --rounds N --duration S --connections N --out FILE --keep --only id,id */
export function parseSettings(args: string[] = process.argv.slice(2)) {
  const { values: argv } = parseArgs({
    args,
    options: {
      smoke: { type: "boolean", default: false },
      rounds: { type: "string" },
      duration: { type: "string" },
      connections: { type: "string" },
      out: { type: "string" },
      keep: { type: "boolean", default: false },
      only: { type: "string" },
    },
  });

  const smoke = argv.smoke === true;
  const settings = {
    mode: smoke ? "smoke" : "full",
    rounds: Number(argv.rounds ?? (smoke ? 1 : 5)),
    /** wrk takes whole seconds. */
    loadSeconds: Number(argv.duration ?? (smoke ? 1 : 2)),
    oneConnSeconds: 1,
    connections: Number(argv.connections ?? 8),
    threads: 1,
    warmupSeconds: smoke ? 0 : 1,
    downloadBytes: smoke ? 32 * MiB : 1024 * MiB,
    uploadBytes: smoke ? 16 * MiB : 256 * MiB,
    startupReps: smoke ? 2 : 5,
    cacheSeconds: 5,
    site: "127.0.0.1",
  };
  for (const k of ["rounds", "loadSeconds", "connections"] as const) {
    if (!Number.isInteger(settings[k]) || settings[k] < 1) throw new HarnessError(`--${k}: must be a whole number >= 1`);
  }
  return {
    settings,
    outPath: argv.out ?? join(ROOT, "bench", "results", smoke ? "smoke.json" : "latest.json"),
    /** Keep the temp dir (generated capnp configs, workerd's logs). */
    keep: argv.keep === true,
    /** Scenario ids to measure (with their baselines); null: all. */
    only: argv.only ? new Set(argv.only.split(",").map((x) => x.trim())) : null,
  };
}
