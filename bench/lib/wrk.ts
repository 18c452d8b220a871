// Runs wrk (Debian's wrk 4.x) and parses its report. wrk runs under `sh`, which
// reads its own /proc/<pid>/stat after wrk exits: the cutime/cstime fields then
// hold exactly wrk's CPU time (the only child the shell has reaped).
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { clockTicks, statFields } from "./proc.ts";
import { HarnessError } from "./util.ts";

export interface WrkRequest {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses with a status outside 200-399. */
  non2xx: number;
  /** connect + read + write + timeout errors. */
  socketErrors: number;
  /** wrk's own CPU time, seconds. */
  wrkCpuS: number;
}

/** A Lua script that sets the method, body and headers once (no per-request Lua). */
export function wrkScript(dir: string, name: string, req: WrkRequest): string | null {
  if (!req.method && !req.body && !req.headers) return null;
  const lua = (s: string) => JSON.stringify(s); // a JSON string is a valid Lua string literal for ASCII
  const lines: string[] = [];
  if (req.method) lines.push(`wrk.method = ${lua(req.method)}`);
  if (req.body !== undefined) lines.push(`wrk.body = ${lua(req.body)}`);
  for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`wrk.headers[${lua(k)}] = ${lua(v)}`);
  const path = join(dir, `${name}.lua`);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

/**
 * A Lua script that gives every request a new random Host (a flood of names
 * no site has: issue 13, item 8). Per-request Lua costs wrk some CPU, not workerd.
 */
export function floodScript(dir: string): string {
  const path = join(dir, "flood.lua");
  writeFileSync(
    path,
    [
      "local n = 0",
      "math.randomseed(os.time())",
      "request = function()",
      "  n = n + 1",
      '  wrk.headers["Host"] = string.format("r%x-%d.flood.invalid", math.random(0, 0x7fffffff), n)',
      "  return wrk.format()",
      "end",
      "",
    ].join("\n"),
  );
  return path;
}

export async function runWrk(opts: {
  url: string;
  connections: number;
  threads: number;
  seconds: number;
  script: string | null;
}): Promise<WrkResult> {
  const args = [
    "-t", String(opts.threads),
    "-c", String(opts.connections),
    "-d", `${opts.seconds}s`,
    "--timeout", "10s",
    "--latency",
    ...(opts.script ? ["-s", opts.script] : []),
    opts.url,
  ];
  const shell = 'wrk "$@"; rc=$?; echo "__WRK_SHELL_STAT__"; cat /proc/$$/stat; exit $rc';
  const child = spawn("sh", ["-c", shell, "sh", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (c) => resolve(c ?? -1));
  });
  if (code !== 0) throw new HarnessError(`wrk exited with ${code}: ${err.trim() || out.trim()}`);
  return parseWrk(out);
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function latencyMs(text: string, pct: string): number {
  const m = new RegExp(`^\\s*${pct}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, "m").exec(text);
  if (!m) throw new HarnessError(`wrk output has no ${pct}% latency:\n${text}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

export function parseWrk(output: string): WrkResult {
  const [report = "", statLine = ""] = output.split("__WRK_SHELL_STAT__");
  const total = /^\s*(\d+) requests in ([\d.]+)(us|ms|s|m),/m.exec(report);
  if (!total) throw new HarnessError(`cannot parse wrk output:\n${report}`);
  const requests = Number(total[1]);
  const seconds = (Number(total[2]) * UNIT_MS[total[3]!]!) / 1000;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(report)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(report);
  const socketErrors = sock ? Number(sock[1]) + Number(sock[2]) + Number(sock[3]) + Number(sock[4]) : 0;
  const f = statFields(statLine.trim());
  const wrkCpuS = (f(16) + f(17)) / clockTicks();
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50Ms: latencyMs(report, "50"),
    p99Ms: latencyMs(report, "99"),
    non2xx,
    socketErrors,
    wrkCpuS,
  };
}
