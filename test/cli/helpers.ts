// Shared by the CLI tests: the real bin/pitstop.mjs (built as npm install
// builds it) against the worker under wrangler dev and a real origin.
// PITSTOP_TEST_NODE picks the Node that runs the CLI (default: this one), to
// check the CLI on another Node version.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { startOrigin, type Origin } from "../support/origin.ts";
import { startPitstop, type Pitstop } from "../support/pitstop.ts";

export const ROOT = new URL("../..", import.meta.url).pathname;
export const BIN = join(ROOT, "bin", "pitstop.mjs");
export const NODE = process.env.PITSTOP_TEST_NODE || process.execPath;

export let origin: Origin;
export let pitstop: Pitstop;
export let scratch: string;

/** Builds the CLI, starts an origin and the worker (with a short visibility bound) for the file's tests. */
export function useCliStack(vars: Record<string, string> = {}): void {
  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, "scripts", "build-cli.mjs")], { cwd: ROOT, stdio: "inherit" });
    scratch = mkdtempSync(join(tmpdir(), "pitstop-cli-"));
    origin = await startOrigin();
    // A short bound (1 s + 1 s + 1 s), so guard's wait for every location stays short.
    pitstop = await startPitstop({ originUrl: origin.url, vars: { CACHE_SECONDS: "1", EDGE_CACHE_SECONDS: "1", ...vars } });
  });
  afterAll(async () => {
    await pitstop?.stop();
    await origin?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  done: Promise<Result>;
  stdout(): string;
}

export function start(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(NODE, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, PITSTOP_URL: pitstop.url, PITSTOP_TOKEN: pitstop.token, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<Result>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
  return { child, done, stdout: () => stdout };
}

export const pitstopCli = (args: string[], env: Record<string, string> = {}) => start(args, env).done;

/** A Node one-liner as a guarded command: [node, -e, script, ...args]. */
export const nodeScript = (script: string, ...args: string[]) => [NODE, "-e", script, ...args];

export async function effective(scope?: string) {
  const r = await pitstopCli(["status", "--json", ...(scope ? ["--scope", scope] : [])]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { effective: { mode: string; phase: string; message: string | null } }).effective;
}

export async function visitor(path: string, init: RequestInit = {}) {
  const res = await fetch(`${pitstop.url}${path}`, { redirect: "manual", ...init });
  return { status: res.status, headers: res.headers, body: await res.text() };
}
