// `npm run soak`: does Pitstop hold steady for a long run? Mixed traffic
// against the shipped bundle in raw workerd, on 127.0.0.1 only, for a bounded
// time (--duration, default 10 minutes; `npm run soak:short` / --short: about
// 1 minute for CI, with no assertion on memory). See docs/soak.md.
//
// Processes: the origin (bench/origin.ts); the KV stub in a workerd process of
// its own (killed and restarted once, mid-run); Pitstop's workerd: the bundle,
// its StateCoordinator (SQLite on disk, counted by bench/workers/coordinator-counter.js)
// and the ASSETS stub, with KV reached as an external server.
//
// It fails on: a 5xx that is not Pitstop's maintenance or read-only answer; a
// request that reached the origin while maintenance (or read-only, for a
// write) was in force everywhere, i.e. sent after the admin answer's
// `visibleBy` and before the next switch; a response that is not what the
// site's state calls for; and, in a full run, Pitstop's workerd RSS growing
// more than 10 % after warm-up. It reports storage reads per 10,000 requests.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { sign } from "hono/jwt";
import { rssBytes } from "./lib/proc.ts";
import { freePort, HarnessError, median, round, sleep, sum } from "./lib/util.ts";
import { startWorkerd, waitForStatus, type Workerd } from "./lib/workerd.ts";
import { workerCode } from "./lib/worker-code.ts";
import { coordinatorCounts } from "./measure.ts";
import { SMALL_PAGE } from "./pages.ts";
import { ADMIN_TOKEN, BIN, BYPASS_SECRET, MiB, parseSettings, ROOT } from "./settings.ts";
import { buildBundle, launchWorkerd, scratchDir, startOrigin, workerdBase } from "./setup.ts";

const log = (msg: string) => process.stderr.write(`[soak] ${msg}\n`);

const SWITCH = "switch.soak.test";
const RULES = "rules.soak.test";
const BANNER = "banner.soak.test";
const OFF = "off.soak.test";
const USER_KEY_SECRET = "soak-user-key-secret-0123456789abcdef";
const LANGUAGES = ["en", "fr-CH, fr;q=0.9, en;q=0.8", "de", "es-419,es;q=0.9", "ja", "*", "nl-BE", ""];
const CYCLE = ["maintenance", "off", "read-only", "off"] as const;
type Mode = (typeof CYCLE)[number];

function options() {
  const { values } = parseArgs({
    options: {
      short: { type: "boolean", default: false },
      duration: { type: "string" },
      concurrency: { type: "string", default: "6" },
      out: { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const short = values.short === true;
  const durationS = Number(values.duration ?? (short ? 60 : 600));
  if (!(durationS >= 20 && durationS <= 6 * 3600)) throw new HarnessError("--duration: seconds, from 20 to 21600");
  return {
    short,
    durationS,
    concurrency: Number(values.concurrency),
    /** The switching site changes state this often (longer than the bound, so maintenance is in force for a while). */
    switchS: 8,
    sampleS: short ? 2 : 5,
    /** Memory is judged from here on (JIT, caches and pools warm). */
    warmupS: short ? 15 : Math.min(120, durationS / 5),
    outageS: short ? 6 : 20,
    cacheSeconds: 2,
    edgeCacheSeconds: 1,
    keep: values.keep === true,
    out: values.out ?? join(ROOT, "bench", "results", short ? "soak-short.json" : "soak.json"),
  };
}

// ---- the KV process ---------------------------------------------------------------

/** The KV stub alone in a workerd of its own, on a fixed port, seeded with `seed`. */
function startKv(dir: string, port: number, seed: Record<string, string>, life: number): Workerd {
  const sub = join(dir, `kv-${life}`);
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(sub, "seed.json"), JSON.stringify({ default: seed }));
  copyFileSync(join(ROOT, "bench", "workers", "kv-stub.js"), join(sub, "kv-stub.js"));
  const config = join(sub, "kv.capnp");
  writeFileSync(
    config,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "kv", worker = (modules = [(name = "kv-stub.js", esModule = embed "kv-stub.js"), (name = "seed.json", json = embed "seed.json")], compatibilityDate = "2026-11-01"))],
  sockets = [(name = "kv", address = "127.0.0.1:${port}", http = (), service = "kv")],
);
`,
  );
  return startWorkerd(join(BIN, "workerd"), config, join(sub, "workerd.log"));
}

type KvCounts = Record<string, { reads: number; keys: number; writes: number; lists: number }>;

// ---- traffic ----------------------------------------------------------------------

interface Answer {
  status: number;
  pitstop: string | null;
  body: string;
}

function send(agent: Agent, port: number, host: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ agent, host: "127.0.0.1", port, method, path, headers: { host, ...headers }, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, pitstop: (res.headers["x-pitstop"] as string | undefined) ?? null, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(body);
  });
}

interface Phase {
  mode: Mode;
  /** When the switch was sent (ms). */
  sentAt: number;
  /** From the admin answer: every location serves it from then on. */
  visibleBy: number;
  version: number;
}

/** Which phase was in force when a request was sent (the last switch sent before it). */
function phaseAt(phases: Phase[], t: number): Phase | null {
  let found: Phase | null = null;
  for (const p of phases) {
    if (p.sentAt <= t) found = p;
    else break;
  }
  return found;
}

async function main(): Promise<number> {
  const o = options();
  const t0 = Date.now();
  const { settings } = parseSettings([]);
  const scratch = scratchDir(o.keep);
  const failures: string[] = [];
  const fail = (msg: string) => {
    if (failures.length < 50) failures.push(msg);
    else if (failures.length === 50) failures.push("... (more)");
  };
  try {
    log(`${o.short ? "short" : "full"} run: ${o.durationS} s, ${o.concurrency} connections, state switch every ${o.switchS} s, KV killed once for ${o.outageS} s`);
    const bundle = buildBundle(scratch.dir);
    const origin = await startOrigin();
    scratch.onCleanup(() => origin.stop());

    // Seeded documents: the coordinator adopts them from KV on first use.
    const { emptyDoc, signBypass } = await workerCode();
    const now = Date.now();
    const doc = (fields: Record<string, unknown>) => JSON.stringify({ ...emptyDoc(new Date(now), "soak"), ...fields });
    const rule = (id: string, fields: Record<string, unknown>) => ({ id, paths: [], methods: [], users: [], percent: null, mode: "maintenance", message: null, banner: false, ...fields });
    const hour = 3600_000;
    const seed: Record<string, string> = {
      [`site:${RULES}`]: doc({ rules: [rule("search", { paths: ["/search/*"], message: "Search is being rebuilt" }), rule("migrate", { users: ["alice"] })] }),
      [`site:${BANNER}`]: doc({
        mode: "maintenance",
        message: "Database upgrade",
        startsAt: new Date(now + 48 * hour).toISOString(),
        endsAt: new Date(now + 49 * hour).toISOString(),
        announceFrom: new Date(now - hour).toISOString(),
      }),
    };

    const kvPort = await freePort();
    let kvLife = 1;
    let kv = startKv(scratch.dir, kvPort, seed, kvLife);
    scratch.onCleanup(() => kv.stop());
    await waitForStatus(`http://127.0.0.1:${kvPort}/__bench/counts`, 200, 0, kv.proc);

    const base = workerdBase(bundle, origin, settings);
    base.vars = { ...base.vars, CACHE_SECONDS: String(o.cacheSeconds), EDGE_CACHE_SECONDS: String(o.edgeCacheSeconds), USER_KEY_FROM: "cookie:session", USER_KEY_SECRET };
    const { workerd, ports } = await launchWorkerd(scratch.dir, "pitstop", "soak", base, { baseline: false, pitstops: [{ state: "soak", kv: {} }], kvAddress: `127.0.0.1:${kvPort}` });
    scratch.onCleanup(() => workerd.stop());
    const port = ports["pitstop-soak"]!;
    await waitForStatus(`http://127.0.0.1:${port}/1k`, 200, 0, workerd.proc);
    log(`Pitstop's workerd: pid ${workerd.pid}, port ${port}; KV's workerd: port ${kvPort}`);

    const admin = new Agent({ keepAlive: true, maxSockets: 2 });
    const adminCall = async (path: string, body: unknown) => {
      const res = await send(admin, port, "127.0.0.1", "POST", `/__maint${path}`, { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, JSON.stringify(body));
      if (res.status !== 200) throw new HarnessError(`POST ${path}: ${res.status} ${res.body.slice(0, 300)}`);
      return JSON.parse(res.body) as { version: number; visibleBy: string };
    };
    const status = async () => {
      const res = await send(admin, port, "127.0.0.1", "GET", `/__maint/status?scope=${SWITCH}`, { authorization: `Bearer ${ADMIN_TOKEN}` });
      return JSON.parse(res.body) as { consistency: { coordinator: { version: number }; kv: { version: number | null; behind: boolean | null; fault: string | null } } };
    };

    // Who visits.
    const bypassCookie = await signBypass(BYPASS_SECRET, { purpose: "cookie", site: SWITCH, exp: Math.floor(now / 1000) + 6 * 3600, iat: now });
    const iat = Math.floor(now / 1000);
    const jwt = async (sub: string) => sign({ sub, iat, exp: iat + 6 * 3600 }, USER_KEY_SECRET, "HS256");
    const alice = await jwt("alice");
    const bob = await jwt("bob");

    const phases: Phase[] = [];
    const switchTo = async (mode: Mode) => {
      const sentAt = Date.now();
      const body = { scope: SWITCH, ...(mode === "read-only" ? { message: "Orders are paused" } : {}) };
      const answer = await adminCall(mode === "maintenance" ? "/on" : mode === "read-only" ? "/read-only" : "/off", body);
      phases.push({ mode, sentAt, visibleBy: Date.parse(answer.visibleBy), version: answer.version });
    };
    await switchTo("off");

    const counts = new Map<string, number>();
    const tally = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
    let requests = 0;
    let inFlightErrors = 0;
    const deadline = Date.now() + o.durationS * 1000;
    const MAX_REQUESTS = 20_000_000;
    const latencies: number[] = [];

    /** One visitor request of a random kind, checked against what the state calls for. */
    const visit = async (agent: Agent) => {
      const lang = LANGUAGES[Math.floor(Math.random() * LANGUAGES.length)]!;
      const api = Math.random() < 0.15;
      const h: Record<string, string> = { accept: api ? "application/json" : "text/html,application/xhtml+xml", ...(lang ? { "accept-language": lang } : {}) };
      const r = Math.random();
      const sentAt = Date.now();
      let kind: string;
      let answer: Answer;
      if (r < 0.3) {
        kind = "switch-get";
        answer = await send(agent, port, SWITCH, "GET", "/html", { ...h, "x-soak-guard": `GET ${sentAt}` });
      } else if (r < 0.4) {
        kind = "switch-post";
        answer = await send(agent, port, SWITCH, "POST", "/1k", { ...h, "content-type": "application/x-www-form-urlencoded", "x-soak-guard": `POST ${sentAt}` }, "note=soak");
      } else if (r < 0.5) {
        kind = "bypass";
        answer = await send(agent, port, SWITCH, "GET", "/html", { ...h, cookie: `pitstop_bypass=${bypassCookie}` });
      } else if (r < 0.6) {
        kind = "banner";
        answer = await send(agent, port, BANNER, "GET", "/html", h);
      } else if (r < 0.67) {
        kind = "rule-feature";
        answer = await send(agent, port, RULES, "GET", "/search/shoes", h);
      } else if (r < 0.74) {
        kind = "rule-user-in";
        answer = await send(agent, port, RULES, "GET", "/1k", { ...h, cookie: `session=${alice}` });
      } else if (r < 0.8) {
        kind = "rule-user-out";
        answer = await send(agent, port, RULES, "GET", "/1k", { ...h, cookie: `session=${bob}` });
      } else if (r < 0.9) {
        kind = "cold-host";
        answer = await send(agent, port, `c${Math.floor(Math.random() * 1e9).toString(36)}.cold.soak.test`, "GET", "/1k", h);
      } else {
        kind = "off";
        answer = await send(agent, port, OFF, "GET", "/1k", h);
      }
      requests++;
      if (latencies.length < 200_000) latencies.push(Date.now() - sentAt);
      tally(`${kind} ${answer.status}${answer.pitstop ? ` ${answer.pitstop}` : ""}`);
      const pitstopAnswer = answer.status === 503 && (answer.pitstop === "maintenance" || answer.pitstop === "read-only");
      if (answer.status >= 500 && !pitstopAnswer) fail(`${kind}: ${answer.status} (x-pitstop ${answer.pitstop}) at +${round((sentAt - t0) / 1000, 1)} s`);
      // What the state calls for, where it is certain (sent after visibleBy, before the next switch).
      const expect = (ok: boolean, what: string) => {
        if (!ok) fail(`${kind}: ${answer.status} (x-pitstop ${answer.pitstop}); expected ${what}, at +${round((sentAt - t0) / 1000, 1)} s`);
      };
      switch (kind) {
        case "switch-get":
        case "switch-post": {
          const p = phaseAt(phases, sentAt);
          if (!p || sentAt < p.visibleBy) break;
          const refused = p.mode === "maintenance" || (p.mode === "read-only" && kind === "switch-post");
          expect(refused ? pitstopAnswer : answer.status === 200, refused ? "Pitstop's 503" : "200 from the origin");
          break;
        }
        case "bypass":
        case "off":
        case "cold-host":
        case "rule-user-out":
          expect(answer.status === 200 && answer.pitstop === null, "200 from the origin");
          break;
        case "banner":
          expect(answer.status === 200 && (api || answer.body.includes('id="pitstop-banner"')), "200 with the banner");
          if (answer.status === 200 && answer.body.length < SMALL_PAGE.length) fail(`banner: a page of ${answer.body.length} B, shorter than the origin's`);
          break;
        case "rule-feature":
        case "rule-user-in":
          expect(answer.status === 503 && answer.pitstop === "maintenance", "503 maintenance (a rule)");
          break;
      }
    };

    const loop = async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (Date.now() < deadline && requests < MAX_REQUESTS) {
        try {
          await visit(agent);
        } catch (err) {
          inFlightErrors++;
          fail(`request failed: ${err instanceof Error ? err.message : String(err)}`);
          await sleep(50);
        }
      }
      agent.destroy();
    };

    // Background tasks: state switches, RSS samples, the KV outage.
    const rss: Array<{ t: number; mib: number }> = [];
    const sampler = (async () => {
      while (Date.now() < deadline) {
        rss.push({ t: (Date.now() - t0) / 1000, mib: rssBytes(workerd.pid) / MiB });
        await sleep(o.sampleS * 1000);
      }
    })();
    const switcher = (async () => {
      let i = 0;
      while (Date.now() + o.switchS * 1000 < deadline) {
        await sleep(o.switchS * 1000);
        await switchTo(CYCLE[i++ % CYCLE.length]!).catch((err: unknown) => fail(`switch failed: ${err instanceof Error ? err.message : String(err)}`));
      }
    })();
    const kvReadsBefore = { reads: 0, writes: 0, lists: 0 };
    const outage = { killedAt: 0, restartedAt: 0, kvCaughtUpAt: null as number | null, faultSeen: null as string | null };
    const killer = (async () => {
      await sleep(o.durationS * 400);
      const dump = (await (await fetch(`http://127.0.0.1:${kvPort}/__bench/dump`)).json()) as Record<string, Record<string, string>>;
      const c = (await (await fetch(`http://127.0.0.1:${kvPort}/__bench/counts`)).json()) as KvCounts;
      kvReadsBefore.reads = sum(Object.values(c).map((x) => x.reads));
      kvReadsBefore.writes = sum(Object.values(c).map((x) => x.writes));
      kvReadsBefore.lists = sum(Object.values(c).map((x) => x.lists));
      kv.proc.kill("SIGKILL");
      outage.killedAt = Date.now();
      log(`KV process killed at +${round((outage.killedAt - t0) / 1000, 1)} s`);
      // Switch once during the outage: the write must still succeed.
      await sleep((o.outageS * 1000) / 2);
      outage.faultSeen = (await status()).consistency.kv.fault;
      await sleep((o.outageS * 1000) / 2);
      kvLife++;
      kv = startKv(scratch.dir, kvPort, dump.default ?? {}, kvLife);
      await waitForStatus(`http://127.0.0.1:${kvPort}/__bench/counts`, 200, 0, kv.proc);
      outage.restartedAt = Date.now();
      log(`KV process restarted at +${round((outage.restartedAt - t0) / 1000, 1)} s`);
      while (Date.now() < deadline) {
        const s = await status();
        if (s.consistency.kv.behind === false) {
          outage.kvCaughtUpAt = Date.now();
          break;
        }
        await sleep(500);
      }
    })();

    log("traffic starts");
    await Promise.all([...Array.from({ length: o.concurrency }, loop), sampler, switcher, killer]);
    log(`traffic done: ${requests} requests`);

    // Guarded requests that reached the origin while they must not have.
    const guarded = (await (await fetch(`${origin.url}/__origin/guarded`)).json()) as string[];
    let leaks = 0;
    for (const g of guarded) {
      const [method, at] = g.split(" ");
      const sentAt = Number(at);
      const p = phaseAt(phases, sentAt);
      if (!p || sentAt < p.visibleBy) continue;
      if (p.mode === "maintenance" || (p.mode === "read-only" && method === "POST")) {
        leaks++;
        fail(`${method} sent at +${round((sentAt - t0) / 1000, 2)} s reached the origin in ${p.mode} (version ${p.version}, visible by +${round((p.visibleBy - t0) / 1000, 2)} s)`);
      }
    }
    const enforcedMs = sum(phases.map((p, i) => (p.mode === "off" ? 0 : Math.max(0, (phases[i + 1]?.sentAt ?? deadline) - p.visibleBy))));

    const kvCounts = (await (await fetch(`http://127.0.0.1:${kvPort}/__bench/counts`)).json()) as KvCounts;
    const kvReads = kvReadsBefore.reads + sum(Object.values(kvCounts).map((x) => x.reads));
    const kvWrites = kvReadsBefore.writes + sum(Object.values(kvCounts).map((x) => x.writes));
    const coordinator = await coordinatorCounts(ports);
    const per10k = (n: number) => (requests ? round((n / requests) * 10_000, 2) : null);

    // Memory after warm-up: the first samples after it against the last ones.
    const after = rss.filter((s) => s.t >= o.warmupS);
    const startMiB = median(after.slice(0, 5).map((s) => s.mib));
    const endMiB = median(after.slice(-5).map((s) => s.mib));
    const growth = startMiB && endMiB ? endMiB / startMiB - 1 : null;
    if (!o.short && (growth === null || growth > 0.1)) fail(`Pitstop's workerd RSS grew ${growth === null ? "?" : `${round(growth * 100, 1)} %`} after warm-up (limit 10 %)`);
    if (!outage.restartedAt) fail("the KV process was not restarted");
    if (outage.restartedAt && !outage.kvCaughtUpAt) fail("the coordinator's KV copy did not catch up after KV came back");
    if (phases.length < 3) fail(`only ${phases.length} state switches`);

    const report = {
      generatedAt: new Date().toISOString(),
      mode: o.short ? "short" : "full",
      settings: o,
      elapsedSeconds: round((Date.now() - t0) / 1000, 1),
      requests,
      requestsPerSecond: round(requests / o.durationS, 0),
      latencyMs: { p50: median(latencies), p99: latencies.length ? latencies.sort((a, b) => a - b)[Math.floor(latencies.length * 0.99)] : null },
      byKind: Object.fromEntries([...counts].sort()),
      switches: phases.length,
      maintenanceEnforcedSeconds: round(enforcedMs / 1000, 1),
      guardedReachedOrigin: guarded.length,
      leaks,
      storage: { kvReads, kvWrites, kvReadsPer10k: per10k(kvReads), coordinatorReads: coordinator.reads, coordinatorCalls: coordinator.calls, coordinatorReadsPer10k: per10k(coordinator.reads), coordinatorCallsPer10k: per10k(coordinator.calls) },
      kvOutage: {
        killedAt: round((outage.killedAt - t0) / 1000, 1),
        restartedAt: round((outage.restartedAt - t0) / 1000, 1),
        kvFaultDuringOutage: outage.faultSeen,
        kvCopyCaughtUpSecondsAfterRestart: outage.kvCaughtUpAt ? round((outage.kvCaughtUpAt - outage.restartedAt) / 1000, 1) : null,
      },
      rss: { samples: rss.map((s) => [round(s.t, 1), round(s.mib, 1)]), afterWarmupStartMiB: round(startMiB, 1), endMiB: round(endMiB, 1), growthPercent: growth === null ? null : round(growth * 100, 1), peakMiB: round(Math.max(...rss.map((s) => s.mib)), 1) },
      requestErrors: inFlightErrors,
      failures,
    };
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, JSON.stringify(report, null, 2) + "\n");
    process.stdout.write(render(report, rss, o.warmupS) + `\nJSON: ${o.out}\n`);
    if (failures.length) {
      process.stdout.write(`\nFAILED:\n${failures.map((f) => `  - ${f}`).join("\n")}\n`);
      return 1;
    }
    return 0;
  } finally {
    await scratch.cleanup();
  }
}

/** The report as text, with a small chart of RSS over time. */
function render(r: Record<string, unknown> & { rss: { growthPercent: number | null; afterWarmupStartMiB: number | null; endMiB: number | null; peakMiB: number | null } }, rss: Array<{ t: number; mib: number }>, warmupS: number): string {
  const out: string[] = [];
  const storage = r.storage as Record<string, number | null>;
  const outage = r.kvOutage as Record<string, unknown>;
  out.push("");
  out.push(`Pitstop soak (${r.mode}): ${r.requests} requests in ${(r.settings as { durationS: number }).durationS} s (${r.requestsPerSecond}/s), p50 ${(r.latencyMs as { p50: number }).p50} ms, p99 ${(r.latencyMs as { p99: number }).p99} ms`);
  out.push(`State switches: ${r.switches} (maintenance or read-only in force everywhere for ${r.maintenanceEnforcedSeconds} s in all)`);
  out.push(`Guarded requests that reached the origin: ${r.guardedReachedOrigin} in all, ${r.leaks} while they must not have`);
  out.push(
    `Storage: ${storage.kvReads} KV reads (${storage.kvReadsPer10k} per 10,000 requests), ${storage.kvWrites} KV writes; coordinator: ${storage.coordinatorReads} snapshot reads ` +
      `(${storage.coordinatorReadsPer10k} per 10,000), ${storage.coordinatorCalls} calls in all (${storage.coordinatorCallsPer10k} per 10,000)`,
  );
  out.push(
    `KV process killed at +${outage.killedAt} s, restarted at +${outage.restartedAt} s; fault seen in GET /status meanwhile: ${outage.kvFaultDuringOutage ?? "none"}; ` +
      `the coordinator's KV copy caught up ${outage.kvCopyCaughtUpSecondsAfterRestart ?? "never"} s after the restart`,
  );
  out.push(`Responses by kind and status:`);
  for (const [k, v] of Object.entries(r.byKind as Record<string, number>)) out.push(`  ${k.padEnd(40)} ${v}`);
  out.push("");
  out.push(`Pitstop's workerd RSS (MiB) over time; warm-up ends at ${round(warmupS, 0)} s (|):`);
  out.push(chart(rss, warmupS));
  out.push(`after warm-up: ${r.rss.afterWarmupStartMiB} -> ${r.rss.endMiB} MiB (${r.rss.growthPercent} %; limit 10 %), peak ${r.rss.peakMiB} MiB`);
  return out.join("\n") + "\n";
}

function chart(samples: Array<{ t: number; mib: number }>, warmupS: number, width = 64, height = 10): string {
  if (samples.length < 2) return "(too few samples)";
  const tMax = samples[samples.length - 1]!.t;
  const lo = Math.floor(Math.min(...samples.map((s) => s.mib)) * 0.98);
  const hi = Math.ceil(Math.max(...samples.map((s) => s.mib)) * 1.02);
  // Each column: the newest sample at or before its end (samples are sparser than columns).
  const cols = Array.from({ length: width }, (_, c) => {
    const to = ((c + 1) / width) * tMax;
    const before = samples.filter((s) => s.t <= to + 1e-9);
    return before.length ? before[before.length - 1]!.mib : null;
  });
  const rows: string[] = [];
  for (let row = height - 1; row >= 0; row--) {
    const level = lo + ((row + 0.5) / height) * (hi - lo);
    const label = row === height - 1 ? String(hi) : row === 0 ? String(lo) : "";
    const line = cols.map((v, c) => (v !== null && v >= level ? "#" : Math.abs((c / width) * tMax - warmupS) < tMax / width / 2 ? "|" : " ")).join("");
    rows.push(`${label.padStart(5)} ${line}`);
  }
  rows.push(`${"".padStart(5)} ${"0 s".padEnd(width - String(Math.round(tMax)).length - 2)}${Math.round(tMax)} s`);
  return rows.join("\n");
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[soak] ${err instanceof HarnessError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
