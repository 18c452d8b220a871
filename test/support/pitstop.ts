// Runs the real worker under `wrangler dev` (local workerd, local KV, the real
// assets) in front of a given origin, exactly as `npm start` does for users.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Pitstop {
  url: string;
  token: string;
  /** Where wrangler keeps this instance's local KV. */
  persistDir: string;
  /** Everything wrangler and the worker printed (for asserting on log lines). */
  output(): string;
  stop(): Promise<void>;
}

export interface PitstopOptions {
  originUrl: string;
  vars?: Record<string, string>;
  token?: string;
}

export const E2E_TOKEN = "e2e-admin-token-9f8e7d6c5b4a";
export const E2E_BYPASS_SECRET = "e2e-bypass-secret-0a1b2c3d4e5f6a7b8c9d";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPitstop(options: PitstopOptions): Promise<Pitstop> {
  const port = await freePort();
  const inspector = await freePort();
  const persist = mkdtempSync(join(tmpdir(), "pitstop-kv-"));
  const token = options.token ?? E2E_TOKEN;
  const vars: Record<string, string> = {
    ORIGIN_URL: options.originUrl,
    ADMIN_TOKEN: token,
    BYPASS_SECRET: E2E_BYPASS_SECRET,
    ...options.vars,
  };
  const args = [
    "dev",
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspector),
    "--persist-to", persist,
    "--show-interactive-dev-session=false",
    "--test-scheduled",
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  let output = "";
  const child: ChildProcess = spawn("wrangler", args, {
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/__maint/status.json`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      kill(child);
      throw new Error(`wrangler dev did not start within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    url,
    token,
    persistDir: persist,
    output: () => output,
    stop: async () => {
      kill(child);
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
      rmSync(persist, { recursive: true, force: true });
    },
  };
}

function kill(child: ChildProcess): void {
  try {
    // wrangler starts workerd as a child: end the whole process group.
    if (child.pid) process.kill(-child.pid, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
}

/** Writes a raw value into the instance's local KV, as `wrangler kv key put` would for a user. */
export async function kvPut(pitstop: Pitstop, key: string, value: string): Promise<void> {
  const child = spawn(
    "wrangler",
    ["kv", "key", "put", key, value, "--binding", "MAINTENANCE", "--local", "--persist-to", pitstop.persistDir],
    {
      cwd: new URL("../..", import.meta.url).pathname,
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", CI: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  if (code !== 0) throw new Error(`wrangler kv key put failed (${code}):\n${output}`);
}
