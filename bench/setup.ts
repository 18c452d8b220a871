// Setting up a run: the tools' versions, a scratch directory that is cleaned
// up however the run ends, the shipped bundle, the origin in its own process,
// and workerd processes laid out for the bench (see lib/workerd.ts).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { readWranglerToml } from "./lib/toml.ts";
import { freePort as anyFreePort, HarnessError } from "./lib/util.ts";
import { startWorkerd, waitForStatus, writeConfig, type PitstopInstance, type Workerd, type WorkerdLayout } from "./lib/workerd.ts";
import { ADMIN_TOKEN, BIN, BYPASS_SECRET, log, ROOT, type Settings } from "./settings.ts";

function childEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${BIN}:${process.env.PATH ?? ""}`,
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_METRICS: "false",
    NO_COLOR: "1",
  };
}

export function toolVersions(): { workerd: string; wrk: string; wrangler: string; node: string } {
  const wrk = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  if (wrk.error) throw new HarnessError("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu)");
  const workerd = spawnSync(join(BIN, "workerd"), ["--version"], { encoding: "utf8" });
  if (workerd.error || workerd.status !== 0) throw new HarnessError(`cannot run ${join(BIN, "workerd")}: ${workerd.error?.message ?? workerd.stderr}`);
  const wrangler = spawnSync(join(BIN, "wrangler"), ["--version"], { encoding: "utf8", env: childEnv() });
  return {
    workerd: workerd.stdout.trim(),
    wrk: (/wrk (\S+)/.exec(wrk.stdout + wrk.stderr)?.[1] ?? "unknown").trim(),
    wrangler: (wrangler.stdout.match(/\d+\.\d+\.\d+/)?.[0] ?? "unknown").trim(),
    node: process.version,
  };
}

export interface Scratch {
  dir: string;
  /** Runs at cleanup, last registered first. */
  onCleanup(fn: () => Promise<void> | void): void;
  cleanup(): Promise<void>;
}

/** A temp directory, removed (unless `keep`) with everything registered, also on SIGINT and SIGTERM. */
export function scratchDir(keep: boolean): Scratch {
  const dir = mkdtempSync(join(tmpdir(), "pitstop-bench-"));
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c();
    if (!keep) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  };
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return { dir, onCleanup: (fn) => void cleanups.push(fn), cleanup };
}

// ---- bundle ----------------------------------------------------------------------

export interface BundleInfo {
  path: string;
  rawBytes: number;
  gzipBytes: number;
  wranglerReported: string | null;
  startupProfile: { activeMs: number | null; windowMs: number | null; raw: string | null };
}

/** What `npm run deploy` would upload: `wrangler deploy --dry-run`, then its size and start-up profile. */
export function buildBundle(dir: string): BundleInfo {
  const outdir = join(dir, "dist");
  const res = spawnSync(join(BIN, "wrangler"), ["deploy", "--dry-run", "--outdir", outdir], { cwd: ROOT, env: childEnv(), encoding: "utf8" });
  if (res.status !== 0) throw new HarnessError(`wrangler deploy --dry-run failed:\n${res.stdout}\n${res.stderr}`);
  const path = join(outdir, "index.js");
  const code = readFileSync(path);
  const reported = /Total Upload:\s*([^\n]+)/.exec(res.stdout + res.stderr)?.[1]?.trim() ?? null;
  return {
    path,
    rawBytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    wranglerReported: reported,
    startupProfile: startupProfile(dir),
  };
}

/** wrangler's own local start-up profile (it builds the worker again). */
function startupProfile(dir: string): BundleInfo["startupProfile"] {
  const res = spawnSync(join(BIN, "wrangler"), ["check", "startup", "--outfile", join(dir, "startup.cpuprofile")], {
    cwd: ROOT,
    env: childEnv(),
    encoding: "utf8",
    timeout: 60_000,
  });
  const text = `${res.stdout ?? ""}${res.stderr ?? ""}`;
  const active = /Active:\s*([\d.]+)\s*ms/.exec(text);
  const window = /Profile window:\s*([\d.]+)\s*ms/.exec(text);
  if (res.status !== 0 || !active) log(`wrangler check startup gave no profile (status ${res.status}); start-up is measured by spawn time only`);
  return { activeMs: active ? Number(active[1]) : null, windowMs: window ? Number(window[1]) : null, raw: active ? active[0] : null };
}

// ---- origin ----------------------------------------------------------------------

export interface Origin {
  url: string;
  pid: number;
  stop(): void;
}

/** bench/origin.ts in a process of its own, so that its CPU is not counted as workerd's. */
export async function startOrigin(): Promise<Origin> {
  const proc = spawn(process.execPath, [join(ROOT, "bench", "origin.ts")], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new HarnessError("the origin did not start within 10 s")), 10_000);
    proc.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const line = buf.split("\n")[0];
      if (buf.includes("\n") && line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    proc.on("exit", (code) => reject(new HarnessError(`the origin exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, pid: proc.pid!, stop: () => void proc.kill("SIGTERM") };
}

// ---- workerd ---------------------------------------------------------------------

/** What every workerd process of a run shares: the bundle, wrangler.toml's settings, the vars. */
export type WorkerdBase = Omit<WorkerdLayout, "dir" | "baseline" | "stubs" | "pitstops" | "ports">;

export function workerdBase(bundle: BundleInfo, origin: Origin, settings: Settings): WorkerdBase {
  const toml = readWranglerToml(join(ROOT, "wrangler.toml"));
  return {
    bundle: bundle.path,
    compatibilityDate: toml.compatibilityDate,
    compatibilityFlags: toml.compatibilityFlags,
    vars: { ...toml.vars, CACHE_SECONDS: String(settings.cacheSeconds), ORIGIN_URL: origin.url, ADMIN_TOKEN, BYPASS_SECRET },
    originUrl: origin.url,
    assetsDir: join(ROOT, "assets"),
  };
}

/**
 * A fresh workerd in `dir/sub` with the KV and ASSETS stubs, plus the baseline
 * and the Pitstop copies asked for, each service on a free port.
 */
export async function launchWorkerd(
  dir: string,
  sub: string,
  name: string,
  base: WorkerdBase,
  {
    baseline,
    pitstops,
    kvAddress,
    extras,
    wrapper,
  }: { baseline: boolean; pitstops: PitstopInstance[]; kvAddress?: string; extras?: WorkerdLayout["extras"]; wrapper?: string[] },
): Promise<{ workerd: Workerd; ports: Record<string, number> }> {
  const subDir = join(dir, sub);
  mkdirSync(subDir);
  // A port freed a moment ago can come back from the OS: never give one twice in a config.
  const taken = new Set<number>();
  const freePort = async () => {
    for (;;) {
      const port = await anyFreePort();
      if (!taken.has(port)) return taken.add(port), port;
    }
  };
  const ports: Record<string, number> = { assets: await freePort() };
  if (!kvAddress) ports.kv = await freePort();
  if (baseline) ports.baseline = await freePort();
  for (const p of pitstops) {
    ports[`pitstop-${p.state}`] = await freePort();
    if (!p.sharesWith) ports[`coord-${p.state}`] = await freePort();
  }
  for (const x of extras ?? []) ports[x.name] = await freePort();
  const config = writeConfig({ ...base, dir: subDir, baseline, stubs: true, pitstops, ports, kvAddress, extras }, name);
  return { workerd: startWorkerd(join(BIN, "workerd"), config, join(subDir, "workerd.log"), wrapper), ports };
}

/** The process the scenarios run in: the baseline and every Pitstop copy, each answering. */
export async function startBench(scratch: Scratch, base: WorkerdBase, pitstops: PitstopInstance[]) {
  const { workerd, ports } = await launchWorkerd(scratch.dir, "main", "bench", base, { baseline: true, pitstops });
  scratch.onCleanup(() => workerd.stop());
  for (const service of ["baseline", ...pitstops.map((p) => `pitstop-${p.state}`)]) {
    await waitForStatus(`http://127.0.0.1:${ports[service]}/__bench-ready`, null, 0, workerd.proc).catch(async (err) => {
      throw new HarnessError(`${service}: ${err instanceof Error ? err.message : String(err)}\n${workerd.logTail()}`);
    });
  }
  return { workerd, ports };
}
