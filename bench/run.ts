// `npm run bench`: Pitstop against a bare passthrough worker, side by side, in
// raw `workerd serve`. `npm run bench:smoke` (or `-- --smoke`) is the short CI
// run: one round, small streaming check, no timing assertions.
// What each figure means and how ratios are computed: docs/benchmark.md.
//
// Options: --smoke  --rounds N  --duration S (per loaded run, whole seconds)
//          --connections N  --out FILE  --keep (keep the temp dir)
//          --only id,id (those scenarios and their baselines; for profiling a fix)
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { HTML_PAGE } from "../test/support/fixtures.ts";
import { cpuSeconds, machineSeconds, rssBytes } from "./lib/proc.ts";
import { printReport, type Report, type ScenarioSummary, type Target } from "./lib/report.ts";
import { downloadCheck, uploadCheck, type TransferResult } from "./lib/stream.ts";
import { readWranglerToml } from "./lib/toml.ts";
import { freePort, HarnessError, median, round, sleep, sum } from "./lib/util.ts";
import { startWorkerd, waitForStatus, writeConfig, type PitstopInstance, type Workerd, type WorkerdLayout } from "./lib/workerd.ts";
import { runWrk, wrkScript, type WrkRequest, type WrkResult } from "./lib/wrk.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const BIN = join(ROOT, "node_modules", ".bin");

// ---- settings ------------------------------------------------------------------

const { values: argv } = parseArgs({
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
const MiB = 1024 * 1024;
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
const outPath = argv.out ?? join(ROOT, "bench", "results", smoke ? "smoke.json" : "latest.json");
const ADMIN_TOKEN = "bench-admin-token";
const BYPASS_SECRET = "bench-bypass-secret-0123456789abcdef";

// The worker's own signer mints the bypass cookie. It is imported at run time
// by URL so that this Node type-check does not take in src/ (checked with the
// Workers types by tsconfig.json).
type SignBypass = (secret: string, claims: { purpose: "cookie"; site: string; exp: number; iat: number }) => Promise<string>;
async function mintCookie(secret: string, site: string, exp: number): Promise<string> {
  const specifier = new URL("../src/bypass/signing.ts", import.meta.url).href;
  const { signBypass } = (await import(specifier)) as { signBypass: SignBypass };
  return signBypass(secret, { purpose: "cookie", site, exp, iat: Date.now() });
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

// ---- scenarios -------------------------------------------------------------------

interface Probe {
  status: number;
  headers: Headers;
  body: Buffer;
}
type Check = { ok: true; note?: string } | { ok: false; reason: string; notWired?: boolean };

interface Scenario {
  id: string;
  label: string;
  /** Socket/service: "baseline" or "pitstop-<state>". */
  service: string;
  path: string;
  request: WrkRequest;
  /** The baseline scenario it is compared with; null for baselines. */
  baseline: string | null;
  /** The status every measured response should have. */
  status: number;
  check(p: Probe): Check;
}

const FORM_BODY = `note=${"x".repeat(1019)}`; // 1 KiB form post
const postRequest: WrkRequest = { method: "POST", body: FORM_BODY, headers: { "Content-Type": "application/x-www-form-urlencoded" } };

function passes(length: number) {
  return (p: Probe): Check =>
    p.status !== 200
      ? { ok: false, reason: `status ${p.status}, expected 200` }
      : p.body.length !== length
        ? { ok: false, reason: `body ${p.body.length} bytes, expected ${length}` }
        : p.headers.get("x-pitstop")
          ? { ok: false, reason: `x-pitstop: ${p.headers.get("x-pitstop")} on a passthrough` }
          : { ok: true };
}

function page(kind: string) {
  return (p: Probe): Check =>
    p.status === 503 && p.headers.get("x-pitstop") === kind
      ? { ok: true }
      : { ok: false, reason: `status ${p.status}, x-pitstop ${p.headers.get("x-pitstop")}; expected 503 ${kind}` };
}

function buildScenarios(cookie: string): Scenario[] {
  const cookieReq: WrkRequest = { headers: { Cookie: `pitstop_bypass=${cookie}` } };
  return [
    { id: "base-1k", label: "baseline GET 1 KB", service: "baseline", path: "/1k", request: {}, baseline: null, status: 200, check: passes(1024) },
    { id: "off-1k", label: "Pitstop off, 1 KB", service: "pitstop-off", path: "/1k", request: {}, baseline: "base-1k", status: 200, check: passes(1024) },
    { id: "maintenance", label: "Pitstop maintenance page", service: "pitstop-maintenance", path: "/1k", request: {}, baseline: "base-1k", status: 503, check: page("maintenance") },
    { id: "base-1m", label: "baseline GET 1 MB", service: "baseline", path: "/1m", request: {}, baseline: null, status: 200, check: passes(MiB) },
    { id: "off-1m", label: "Pitstop off, 1 MB", service: "pitstop-off", path: "/1m", request: {}, baseline: "base-1m", status: 200, check: passes(MiB) },
    { id: "base-post", label: "baseline POST 1 KB", service: "baseline", path: "/1k", request: postRequest, baseline: null, status: 200, check: passes(1024) },
    { id: "read-only", label: "Pitstop read-only, POST refused", service: "pitstop-read-only", path: "/1k", request: postRequest, baseline: "base-post", status: 503, check: page("read-only") },
    { id: "base-cookie", label: "baseline GET 1 KB + cookie", service: "baseline", path: "/1k", request: cookieReq, baseline: null, status: 200, check: passes(1024) },
    {
      id: "bypass",
      label: "Pitstop on, bypass-cookie holder",
      service: "pitstop-maintenance",
      path: "/1k",
      request: cookieReq,
      baseline: "base-cookie",
      status: 200,
      check: (p) =>
        p.status === 503 ? { ok: false, reason: "not yet wired: the bypass cookie got the maintenance page", notWired: true } : passes(1024)(p),
    },
    { id: "base-html", label: "baseline GET HTML page", service: "baseline", path: "/html", request: {}, baseline: null, status: 200, check: passes(Buffer.byteLength(HTML_PAGE)) },
    {
      id: "announce",
      label: "Pitstop off, window announced",
      service: "pitstop-announce",
      path: "/html",
      request: {},
      baseline: "base-html",
      status: 200,
      check: (p) => {
        if (p.status !== 200) return { ok: false, reason: `status ${p.status}, expected 200` };
        const body = p.body.toString("utf8");
        if (body === HTML_PAGE) return { ok: true, note: "no banner injected (banner not landed yet): measures the decide() path only" };
        if (!body.includes("Hello from the origin")) return { ok: false, reason: "the origin's page is missing from the response" };
        return { ok: true, note: "banner injected" };
      },
    },
  ];
}

/** A-then-B groups for each round: every Pitstop scenario right after its baseline. */
const GROUPS = [
  ["base-1k", "off-1k", "maintenance"],
  ["base-1m", "off-1m"],
  ["base-post", "read-only"],
  ["base-cookie", "bypass"],
  ["base-html", "announce"],
];

// ---- state documents -----------------------------------------------------------

function stateDoc(now: number, fields: Record<string, unknown>): string {
  return JSON.stringify({
    v: 1,
    mode: "off",
    message: null,
    retryAfter: null,
    startsAt: null,
    endsAt: null,
    announceFrom: null,
    autoEnd: false,
    allow: { ips: [], paths: [] },
    bypassEpoch: 0,
    updatedAt: new Date(now).toISOString(),
    updatedBy: "bench",
    ...fields,
  });
}

function instances(now: number): PitstopInstance[] {
  const key = `site:${settings.site}`;
  const hour = 3600_000;
  const startsAt = now + 48 * hour;
  return [
    { state: "off", kv: { [key]: stateDoc(now, {}) } },
    { state: "maintenance", kv: { [key]: stateDoc(now, { mode: "maintenance", message: "Benchmark maintenance", retryAfter: 300 }) } },
    { state: "read-only", kv: { [key]: stateDoc(now, { mode: "read-only", message: "Benchmark read-only" }) } },
    {
      state: "announce",
      kv: {
        [key]: stateDoc(now, {
          mode: "maintenance",
          message: "Scheduled maintenance",
          startsAt: new Date(startsAt).toISOString(),
          endsAt: new Date(startsAt + hour).toISOString(),
          announceFrom: new Date(now - hour).toISOString(),
        }),
      },
    },
  ];
}

// ---- tools -----------------------------------------------------------------------

function toolVersions(): { workerd: string; wrk: string; wrangler: string; node: string } {
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

function childEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${BIN}:${process.env.PATH ?? ""}`,
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_METRICS: "false",
    NO_COLOR: "1",
  };
}

// ---- bundle ----------------------------------------------------------------------

interface BundleInfo {
  path: string;
  rawBytes: number;
  gzipBytes: number;
  wranglerReported: string | null;
  startupProfile: { activeMs: number | null; windowMs: number | null; raw: string | null };
}

function build(dir: string): BundleInfo {
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

interface Origin {
  url: string;
  pid: number;
  stop(): void;
}

async function startOriginProcess(): Promise<Origin> {
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

// ---- start-up --------------------------------------------------------------------

interface StartupInfo {
  baselineMs: number | null;
  pitstopMs: number | null;
  deltaMs: number | null;
  samples: { baseline: number[]; pitstop: number[] };
}

/**
 * Spawn to first good response of a fresh workerd, Pitstop (off) vs baseline,
 * both with the KV and ASSETS stubs loaded, alternating. The difference is
 * Pitstop's script start-up plus its first request's extra work (a KV read).
 */
async function measureStartup(dir: string, base: Omit<WorkerdLayout, "dir" | "baseline" | "stubs" | "pitstops" | "ports">, off: PitstopInstance): Promise<StartupInfo> {
  const samples = { baseline: [] as number[], pitstop: [] as number[] };
  for (let i = 0; i < settings.startupReps; i++) {
    for (const which of ["baseline", "pitstop"] as const) {
      const sub = join(dir, `startup-${which}-${i}`);
      mkdirSync(sub);
      const service = which === "baseline" ? "baseline" : "pitstop-off";
      const ports = { kv: await freePort(), assets: await freePort(), [service]: await freePort() };
      const config = writeConfig(
        { ...base, dir: sub, baseline: which === "baseline", stubs: true, pitstops: which === "pitstop" ? [off] : [], ports },
        "startup",
      );
      const wd = startWorkerd(join(BIN, "workerd"), config, join(sub, "workerd.log"));
      try {
        samples[which].push(await waitForStatus(`http://127.0.0.1:${ports[service]}/1k`, 200, wd.startedAt, wd.proc));
      } catch (err) {
        throw new HarnessError(`start-up (${which}): ${err instanceof Error ? err.message : String(err)}\n${wd.logTail()}`);
      } finally {
        await wd.stop();
      }
    }
  }
  const b = median(samples.baseline);
  const p = median(samples.pitstop);
  return { baselineMs: b, pitstopMs: p, deltaMs: b !== null && p !== null ? p - b : null, samples };
}

// ---- one measured run ------------------------------------------------------------

interface RunRecord {
  round: number;
  scenario: string;
  loaded: WrkResult;
  oneConn: { p50Ms: number; requests: number; rps: number };
  workerdCpuS: number;
  originCpuS: number;
  machineBusyS: number;
  machineTotalS: number;
  /** Machine CPU used by anything but workerd, the origin and wrk (other engineers' tests). */
  otherCpuS: number;
  kvReads: number;
  kvKeys: number;
  originRequests: number;
  assetsFetches: number;
  /** Responses whose status was not the scenario's expected one. */
  unexpected: number;
  socketErrors: number;
  /** workerd's VmRSS after the run. */
  rssAfterBytes: number;
}

interface Env {
  ports: Record<string, number>;
  workerd: Workerd;
  origin: Origin;
  scripts: Map<string, string | null>;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new HarnessError(`${url}: status ${res.status}`);
  return (await res.json()) as T;
}

type KvCounts = Record<string, { reads: number; keys: number }>;

async function counters(env: Env) {
  const [kv, assets, origin] = await Promise.all([
    getJson<KvCounts>(`http://127.0.0.1:${env.ports.kv}/__bench/counts`),
    getJson<{ fetches: number }>(`http://127.0.0.1:${env.ports.assets}/__bench/counts`),
    getJson<{ requests: number }>(`${env.origin.url}/__origin/stats`),
  ]);
  const reads = sum(Object.values(kv).map((c) => c.reads));
  const keys = sum(Object.values(kv).map((c) => c.keys));
  return { reads, keys, assets: assets.fetches, origin: origin.requests };
}

function url(env: Env, s: Scenario): string {
  return `http://127.0.0.1:${env.ports[s.service]}${s.path}`;
}

async function measure(env: Env, s: Scenario, roundNo: number): Promise<RunRecord> {
  const script = env.scripts.get(s.id) ?? null;
  const before = await counters(env);
  const cpu0 = cpuSeconds(env.workerd.pid);
  const org0 = cpuSeconds(env.origin.pid);
  const m0 = machineSeconds();
  const loaded = await runWrk({ url: url(env, s), connections: settings.connections, threads: settings.threads, seconds: settings.loadSeconds, script });
  const cpu1 = cpuSeconds(env.workerd.pid);
  const org1 = cpuSeconds(env.origin.pid);
  const m1 = machineSeconds();
  const one = await runWrk({ url: url(env, s), connections: 1, threads: 1, seconds: settings.oneConnSeconds, script });
  const after = await counters(env);
  const workerdCpuS = cpu1 - cpu0;
  const originCpuS = org1 - org0;
  const machineBusyS = m1.busy - m0.busy;
  const expectedNon2xx = s.status >= 400;
  const unexpected = (r: WrkResult) => (expectedNon2xx ? r.requests - r.non2xx : r.non2xx);
  return {
    round: roundNo,
    scenario: s.id,
    loaded,
    oneConn: { p50Ms: one.p50Ms, requests: one.requests, rps: one.rps },
    workerdCpuS,
    originCpuS,
    machineBusyS,
    machineTotalS: m1.total - m0.total,
    otherCpuS: Math.max(0, machineBusyS - workerdCpuS - originCpuS - loaded.wrkCpuS),
    kvReads: after.reads - before.reads,
    kvKeys: after.keys - before.keys,
    originRequests: after.origin - before.origin,
    assetsFetches: after.assets - before.assets,
    unexpected: unexpected(loaded) + unexpected(one),
    socketErrors: loaded.socketErrors + one.socketErrors,
    rssAfterBytes: rssBytes(env.workerd.pid),
  };
}

// ---- probes ----------------------------------------------------------------------

async function probe(env: Env, s: Scenario): Promise<Check> {
  const res = await fetch(url(env, s), {
    method: s.request.method ?? "GET",
    headers: s.request.headers ?? {},
    body: s.request.body,
    redirect: "manual",
  });
  const body = Buffer.from(await res.arrayBuffer());
  return s.check({ status: res.status, headers: res.headers, body });
}

// ---- summary ---------------------------------------------------------------------

function summarize(scenarios: Scenario[], runs: RunRecord[], status: Map<string, Check>): ScenarioSummary[] {
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const runsOf = (id: string) => runs.filter((r) => r.scenario === id);
  const perReqUs = (r: RunRecord) => (r.workerdCpuS / r.loaded.requests) * 1e6;
  return scenarios.map((s) => {
    const mine = runsOf(s.id);
    const check = status.get(s.id);
    const totalReq = sum(mine.map((r) => r.loaded.requests + r.oneConn.requests));
    const base = s.baseline ? runsOf(s.baseline) : [];
    // Paired per round: each Pitstop run against its baseline run of the same round.
    const pairs = mine
      .map((r) => ({ r, b: base.find((b) => b.round === r.round) }))
      .filter((p): p is { r: RunRecord; b: RunRecord } => p.b !== undefined && p.r.loaded.requests > 0 && p.b.loaded.requests > 0);
    const ratio = (f: (r: RunRecord) => number) => (s.baseline && pairs.length ? median(pairs.map((p) => f(p.r) / f(p.b))) : null);
    const delta = (f: (r: RunRecord) => number) => (s.baseline && pairs.length ? median(pairs.map((p) => f(p.r) - f(p.b))) : null);
    const runSeconds = sum(mine.map((r) => r.loaded.seconds + settings.oneConnSeconds));
    return {
      id: s.id,
      label: s.label,
      baseline: s.baseline ? (byId.get(s.baseline)?.label ?? s.baseline) : null,
      baselineId: s.baseline,
      status: !check ? "skipped" : check.ok ? "ok" : check.notWired ? "not yet wired" : "failed",
      note: check ? (check.ok ? (check.note ?? null) : check.reason) : null,
      rounds: mine.length,
      requests: totalReq,
      rps: median(mine.map((r) => r.loaded.rps)),
      rpsRatio: ratio((r) => r.loaded.rps),
      p50Ms: median(mine.map((r) => r.loaded.p50Ms)),
      p99Ms: median(mine.map((r) => r.loaded.p99Ms)),
      p50OneConnMs: median(mine.map((r) => r.oneConn.p50Ms)),
      p50OneConnDeltaMs: delta((r) => r.oneConn.p50Ms),
      cpuUsPerReq: median(mine.map(perReqUs)),
      cpuRatio: ratio(perReqUs),
      workerdCoreShare: median(mine.map((r) => r.workerdCpuS / r.loaded.seconds)),
      wrkCpuUsPerReq: median(mine.map((r) => (r.loaded.wrkCpuS / r.loaded.requests) * 1e6)),
      wrkCoreShare: median(mine.map((r) => r.loaded.wrkCpuS / r.loaded.seconds)),
      originCpuUsPerReq: median(mine.map((r) => (r.originCpuS / r.loaded.requests) * 1e6)),
      otherLoadShare: median(mine.map((r) => r.otherCpuS / Math.max(r.machineTotalS, 1e-9))),
      kvReads: sum(mine.map((r) => r.kvReads)),
      kvReadsPer10k: totalReq ? (sum(mine.map((r) => r.kvReads)) / totalReq) * 10_000 : null,
      kvReadBound: s.service.startsWith("pitstop-") ? sum(mine.map(() => Math.ceil((settings.loadSeconds + settings.oneConnSeconds) / settings.cacheSeconds) + 1)) : 0,
      kvRunSeconds: runSeconds,
      originFetchesPerReq: totalReq ? sum(mine.map((r) => r.originRequests)) / totalReq : null,
      assetsFetches: sum(mine.map((r) => r.assetsFetches)),
      unexpected: sum(mine.map((r) => r.unexpected)),
      socketErrors: sum(mine.map((r) => r.socketErrors)),
    };
  });
}

function targets(sc: ScenarioSummary[], bundle: BundleInfo, startup: StartupInfo, down: TransferResult | null, up: TransferResult | null): Target[] {
  const get = (id: string) => sc.find((s) => s.id === id);
  const out: Target[] = [];
  const add = (name: string, value: number | null, unit: string, goal: string, ok: (v: number) => boolean, digits = 2) =>
    out.push({ name, value: round(value, digits), unit, goal, result: value === null ? "n/a" : ok(value) ? "PASS" : "MISS" });
  for (const id of ["off-1k", "off-1m"]) {
    const s = get(id);
    add(`${s?.label}: CPU/req vs baseline`, s?.cpuRatio ?? null, "x", "<= 1.10", (v) => v <= 1.1);
    add(`${s?.label}: req/s vs baseline`, s?.rpsRatio ?? null, "x", ">= 0.95", (v) => v >= 0.95);
    add(`${s?.label}: p50 @1 conn vs baseline`, s?.p50OneConnDeltaMs ?? null, "ms", "within +0.05", (v) => v <= 0.05, 3);
  }
  for (const id of ["off-1k", "off-1m", "maintenance", "read-only", "bypass", "announce"]) {
    const s = get(id);
    if (!s || s.status !== "ok") continue;
    add(`${s.label}: KV reads (1 per isolate per CACHE_SECONDS)`, s.kvReads, "reads", `<= ${s.kvReadBound} over ${round(s.kvRunSeconds, 1)} s`, (v) => v <= s.kvReadBound, 0);
  }
  for (const id of ["maintenance", "read-only"]) {
    const s = get(id);
    add(`${s?.label}: req/s vs baseline`, s?.rpsRatio ?? null, "x", ">= 1.00", (v) => v >= 1.0);
    add(`${s?.label}: template fetches during runs`, s?.assetsFetches ?? null, "", "0 (rendered once, cached)", (v) => v === 0, 0);
  }
  const bypass = get("bypass");
  add(`${bypass?.label}: req/s vs baseline`, bypass?.status === "ok" ? bypass.rpsRatio : null, "x", ">= 0.85", (v) => v >= 0.85);
  add("Bundle gzip", bundle.gzipBytes / 1024, "KiB", "< 40 KiB", (v) => v < 40, 1);
  add("Start-up: spawn to first response, Pitstop minus baseline", startup.deltaMs, "ms", "< 100 ms (limit 1000 ms)", (v) => v < 100, 1);
  add("Start-up: wrangler check startup, active CPU", bundle.startupProfile.activeMs, "ms", "< 100 ms (limit 1000 ms)", (v) => v < 100, 1);
  for (const [name, t] of [["download", down], ["upload", up]] as const) {
    add(`Streaming ${name}: byte-exact`, t ? (t.exact ? 1 : 0) : null, "", "sha256 equal", (v) => v === 1, 0);
    add(`Streaming ${name}: workerd RSS growth`, t ? t.rssGrowthBytes / MiB : null, "MiB", "< 64 MiB", (v) => v < 64, 1);
  }
  return out;
}

// ---- main ------------------------------------------------------------------------

async function main(): Promise<number> {
  const t0 = performance.now();
  const tools = toolVersions();
  log(`${settings.mode} run: ${settings.rounds} round(s) x ${settings.loadSeconds} s, ${settings.connections} connections; ${tools.workerd}, wrk ${tools.wrk}, wrangler ${tools.wrangler}, node ${tools.node}`);
  const dir = mkdtempSync(join(tmpdir(), "pitstop-bench-"));
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c();
    if (!argv.keep) rmSync(dir, { recursive: true, force: true });
    else log(`kept ${dir}`);
  };
  const onSignal = () => void cleanup().then(() => process.exit(130));
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    log("building the shipped bundle (wrangler deploy --dry-run)");
    const bundle = build(dir);
    log(`bundle: ${bundle.rawBytes} B raw, ${bundle.gzipBytes} B gzip -9 (wrangler: ${bundle.wranglerReported})`);

    const toml = readWranglerToml(join(ROOT, "wrangler.toml"));
    const origin = await startOriginProcess();
    cleanups.push(() => origin.stop());

    const vars: Record<string, string> = {
      ...toml.vars,
      CACHE_SECONDS: String(settings.cacheSeconds),
      ORIGIN_URL: origin.url,
      ADMIN_TOKEN,
      BYPASS_SECRET,
    };
    const common = {
      bundle: bundle.path,
      compatibilityDate: toml.compatibilityDate,
      compatibilityFlags: toml.compatibilityFlags,
      vars,
      originUrl: origin.url,
      assetsDir: join(ROOT, "assets"),
    };
    const now = Date.now();
    const pitstops = instances(now);

    log("start-up: fresh workerd processes, Pitstop vs baseline");
    const startup = await measureStartup(dir, common, pitstops[0]!);
    log(`start-up: baseline ${round(startup.baselineMs, 1)} ms, Pitstop ${round(startup.pitstopMs, 1)} ms`);

    const ports: Record<string, number> = { kv: await freePort(), assets: await freePort(), baseline: await freePort() };
    for (const p of pitstops) ports[`pitstop-${p.state}`] = await freePort();
    const mainDir = join(dir, "main");
    mkdirSync(mainDir);
    const config = writeConfig({ ...common, dir: mainDir, baseline: true, stubs: true, pitstops, ports }, "bench");
    const workerd = startWorkerd(join(BIN, "workerd"), config, join(mainDir, "workerd.log"));
    cleanups.push(() => workerd.stop());
    for (const service of ["baseline", ...pitstops.map((p) => `pitstop-${p.state}`)]) {
      await waitForStatus(`http://127.0.0.1:${ports[service]}/__bench-ready`, null, 0, workerd.proc).catch(async (err) => {
        throw new HarnessError(`${service}: ${err instanceof Error ? err.message : String(err)}\n${workerd.logTail()}`);
      });
    }
    const rssStart = rssBytes(workerd.pid);

    const cookie = await mintCookie(BYPASS_SECRET, settings.site, Math.floor(now / 1000) + 3600);
    const scenarios = buildScenarios(cookie);
    const env: Env = { ports, workerd, origin, scripts: new Map() };
    for (const s of scenarios) env.scripts.set(s.id, wrkScript(dir, s.id, s.request));

    const status = new Map<string, Check>();
    for (const s of scenarios) {
      const check = await probe(env, s);
      status.set(s.id, check);
      if (!check.ok) log(`probe ${s.id}: ${check.reason}`);
      else if (check.note) log(`probe ${s.id}: ${check.note}`);
    }
    const only = argv.only ? new Set(argv.only.split(",").map((x) => x.trim())) : null;
    if (only) {
      for (const id of only) if (!scenarios.some((s) => s.id === id)) throw new HarnessError(`--only: no scenario "${id}" (${scenarios.map((s) => s.id).join(", ")})`);
      for (const s of scenarios) if (only.has(s.id) && s.baseline) only.add(s.baseline);
    }
    const selected = (s: Scenario) => !only || only.has(s.id);
    const runnable = scenarios.filter((s) => status.get(s.id)?.ok && selected(s));

    if (settings.warmupSeconds > 0) {
      log("warm-up");
      for (const s of runnable) {
        await runWrk({ url: url(env, s), connections: settings.connections, threads: 1, seconds: settings.warmupSeconds, script: env.scripts.get(s.id) ?? null });
      }
    }

    const runs: RunRecord[] = [];
    for (let r = 1; r <= settings.rounds; r++) {
      log(`round ${r}/${settings.rounds}`);
      for (const group of GROUPS) {
        for (const id of group) {
          const s = runnable.find((x) => x.id === id);
          if (s) runs.push(await measure(env, s, r));
        }
      }
    }

    const rssEnd = rssBytes(workerd.pid);
    await workerd.stop();

    // A fresh process for the streaming check: after the load rounds, workerd's
    // RSS holds hundreds of MiB of isolate heap and allocator slack that a
    // transfer could reuse unseen.
    log(`streaming: ${settings.downloadBytes / MiB} MiB download, ${settings.uploadBytes / MiB} MiB upload through Pitstop (off), fresh workerd`);
    const streamDir = join(dir, "stream");
    mkdirSync(streamDir);
    const streamPorts = { kv: await freePort(), assets: await freePort(), "pitstop-off": await freePort() };
    const streamConfig = writeConfig({ ...common, dir: streamDir, baseline: false, stubs: true, pitstops: [pitstops[0]!], ports: streamPorts }, "stream");
    const streamer = startWorkerd(join(BIN, "workerd"), streamConfig, join(streamDir, "workerd.log"));
    cleanups.push(() => streamer.stop());
    const base = `http://127.0.0.1:${streamPorts["pitstop-off"]}`;
    await waitForStatus(`${base}/1k`, 200, 0, streamer.proc);
    const down = await downloadCheck(base, origin.url, settings.downloadBytes, streamer.pid);
    const up = await uploadCheck(base, settings.uploadBytes, streamer.pid);
    await streamer.stop();

    const summaries = summarize(scenarios.filter(selected), runs, status);
    const report: Report = {
      generatedAt: new Date().toISOString(),
      mode: settings.mode,
      tools,
      machine: { cores: cpus().length },
      settings,
      elapsedSeconds: 0,
      bundle: {
        rawBytes: bundle.rawBytes,
        gzipBytes: bundle.gzipBytes,
        wranglerReported: bundle.wranglerReported,
        startupProfileActiveMs: bundle.startupProfile.activeMs,
        startupProfileWindowMs: bundle.startupProfile.windowMs,
      },
      startup,
      scenarios: summaries,
      streaming: { download: down, upload: up },
      workerdRss: { startBytes: rssStart, endBytes: rssEnd },
      targets: targets(summaries, bundle, startup, down, up),
      runs,
      problems: [],
    };

    // What makes the run fail (smoke and full alike): a broken harness, a
    // scenario that did not behave, a missing ratio, a non-exact transfer.
    // Timing figures never fail the run.
    for (const s of summaries) {
      if (s.status !== "ok") report.problems.push(`${s.id}: ${s.status}: ${s.note}`);
      else if (s.baselineId && (s.rpsRatio === null || s.cpuRatio === null || s.p50OneConnDeltaMs === null)) report.problems.push(`${s.id}: ratio missing`);
      else if (s.rounds < settings.rounds) report.problems.push(`${s.id}: only ${s.rounds} of ${settings.rounds} rounds`);
      if (s.unexpected > 0) report.problems.push(`${s.id}: ${s.unexpected} responses with a status other than the expected one`);
    }
    if (!down.exact) report.problems.push("streaming download was not byte-exact");
    if (!up.exact) report.problems.push("streaming upload was not byte-exact");
    report.elapsedSeconds = round((performance.now() - t0) / 1000, 1) ?? 0;

    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(outPath, JSON.stringify(report, null, 2) + "\n");
    printReport(report);
    process.stdout.write(`\nJSON: ${outPath}\n`);
    if (report.problems.length) {
      process.stdout.write(`\nFAILED:\n${report.problems.map((p) => `  - ${p}`).join("\n")}\n`);
      return 1;
    }
    return 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[bench] ${err instanceof HarnessError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
