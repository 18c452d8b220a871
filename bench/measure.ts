// Measuring the scenarios in the bench's workerd: the probe each must pass
// first, one measured run (wrk loaded, then at one connection, with the CPU of
// workerd, the origin and the machine and the stubs' counters around it), the
// rounds, and each scenario's summary with ratios paired by round.
import { cpuSeconds, machineSeconds, rssBytes } from "./lib/proc.ts";
import { HarnessError, sum } from "./lib/util.ts";
import type { Workerd } from "./lib/workerd.ts";
import { runWrk, wrkScript, type WrkResult } from "./lib/wrk.ts";
import { GROUPS, type Check, type Scenario } from "./scenarios.ts";
import { ADMIN_TOKEN, log, type Settings } from "./settings.ts";
import type { Origin } from "./setup.ts";

/** What a measured run needs: the running processes, their ports, each scenario's wrk script. */
export interface Bench {
  settings: Settings;
  ports: Record<string, number>;
  workerd: Workerd;
  origin: Origin;
  scripts: Map<string, string | null>;
  /** The random-Host script for flood scenarios. */
  flood: string;
}

export interface RunRecord {
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
  /** The coordinators' snapshot() calls (isolate refreshes) during the run. */
  coordinatorReads: number;
  /** Every coordinator call (snapshot, commit, status, log, record). */
  coordinatorCalls: number;
  originRequests: number;
  assetsFetches: number;
  /** Responses whose status was not the scenario's expected one. */
  unexpected: number;
  socketErrors: number;
  /** workerd's VmRSS after the run. */
  rssAfterBytes: number;
  /** Flood scenarios: requests with random Host names during the loaded run, and in all (0 otherwise). */
  floodLoadedRequests: number;
  floodRequests: number;
}

/** wrk's Lua script per scenario (null: a plain GET), written to `dir`. */
export function wrkScripts(dir: string, scenarios: Scenario[]): Map<string, string | null> {
  return new Map(scenarios.map((s) => [s.id, wrkScript(dir, s.id, s.request)]));
}

function url(bench: Bench, s: Scenario): string {
  return `http://127.0.0.1:${bench.ports[s.service]}${s.path}`;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new HarnessError(`${url}: status ${res.status}`);
  return (await res.json()) as T;
}

type KvCounts = Record<string, { reads: number; keys: number }>;
export type CoordinatorCounts = Record<"snapshot" | "commit" | "status" | "log" | "record", number>;

/** Every coordinator's calls, added up (coord-<state> services; see lib/workerd.ts). */
export async function coordinatorCounts(ports: Record<string, number>): Promise<{ reads: number; calls: number }> {
  const services = Object.keys(ports).filter((k) => k.startsWith("coord-"));
  const all = await Promise.all(services.map((s) => getJson<CoordinatorCounts>(`http://127.0.0.1:${ports[s]}/__bench/counts`)));
  return { reads: sum(all.map((c) => c.snapshot)), calls: sum(all.map((c) => sum(Object.values(c)))) };
}

async function counters(bench: Bench) {
  const [kv, assets, origin, coordinator] = await Promise.all([
    getJson<KvCounts>(`http://127.0.0.1:${bench.ports.kv}/__bench/counts`),
    getJson<{ fetches: number }>(`http://127.0.0.1:${bench.ports.assets}/__bench/counts`),
    getJson<{ requests: number }>(`${bench.origin.url}/__origin/stats`),
    coordinatorCounts(bench.ports),
  ]);
  const reads = sum(Object.values(kv).map((c) => c.reads));
  const keys = sum(Object.values(kv).map((c) => c.keys));
  return { reads, keys, assets: assets.fetches, origin: origin.requests, coordinatorReads: coordinator.reads, coordinatorCalls: coordinator.calls };
}

/** One request per scenario, checked; only scenarios that behave are measured. */
export async function probeAll(bench: Bench, scenarios: Scenario[]): Promise<Map<string, Check>> {
  const checks = new Map<string, Check>();
  for (const s of scenarios) {
    const res = await fetch(url(bench, s), { method: s.request.method ?? "GET", headers: s.request.headers ?? {}, body: s.request.body, redirect: "manual" });
    let check = s.check({ status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) });
    if (check.ok && s.service.startsWith("pitstop-")) {
      const path = await statePath(bench, s.service);
      if (!path.ok) check = path;
    }
    checks.set(s.id, check);
    if (!check.ok) log(`probe ${s.id}: ${check.reason}`);
    else if (check.note) log(`probe ${s.id}: ${check.note}`);
  }
  return checks;
}

/**
 * The isolate must hold its state from the coordinator, as in production: a
 * copy that fell back to KV (the coordinator not configured or failing) would
 * measure another path. Asked once per copy, before any run is measured.
 */
async function statePath(bench: Bench, service: string): Promise<Check> {
  const res = await fetch(`http://127.0.0.1:${bench.ports[service]}/__maint/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (!res.ok) return { ok: false, reason: `${service}: GET /__maint/status answered ${res.status}` };
  const { consistency } = (await res.json()) as { consistency: { coordinator: { ok: boolean; fault?: string }; isolate: { from: string | null; fault: string | null } } };
  if (!consistency.coordinator.ok) return { ok: false, reason: `${service}: coordinator fault: ${consistency.coordinator.fault}` };
  if (consistency.isolate.from !== "coordinator") return { ok: false, reason: `${service}: the isolate's state came from ${consistency.isolate.from}, not the coordinator (${consistency.isolate.fault ?? "no fault"})` };
  return { ok: true };
}

/** A warm-up of every scenario (full run), then the rounds, group by group (A B A B). */
export async function runRounds(bench: Bench, runnable: Scenario[]): Promise<RunRecord[]> {
  const { settings } = bench;
  if (settings.warmupSeconds > 0) {
    log("warm-up");
    for (const s of runnable) {
      await runWrk({ url: url(bench, s), connections: settings.connections, threads: 1, seconds: settings.warmupSeconds, script: bench.scripts.get(s.id) ?? null });
    }
  }
  const runs: RunRecord[] = [];
  for (let r = 1; r <= settings.rounds; r++) {
    log(`round ${r}/${settings.rounds}`);
    for (const group of GROUPS) {
      for (const id of group) {
        const s = runnable.find((x) => x.id === id);
        if (s) runs.push(await measure(bench, s, r));
      }
    }
  }
  return runs;
}

const FLOOD_CONNECTIONS = 4;

async function measure(bench: Bench, s: Scenario, roundNo: number): Promise<RunRecord> {
  const { settings, workerd, origin } = bench;
  const script = bench.scripts.get(s.id) ?? null;
  const before = await counters(bench);
  const cpu0 = cpuSeconds(workerd.pid);
  const org0 = cpuSeconds(origin.pid);
  const m0 = machineSeconds();
  // A flood runs beside both runs, against the same service: FLOOD_CONNECTIONS of random Host names.
  const flood = (seconds: number) =>
    s.flood ? runWrk({ url: url(bench, s), connections: FLOOD_CONNECTIONS, threads: 1, seconds, script: bench.flood }) : Promise.resolve(null);
  const [loaded, floodLoaded] = await Promise.all([
    runWrk({ url: url(bench, s), connections: settings.connections, threads: settings.threads, seconds: settings.loadSeconds, script }),
    flood(settings.loadSeconds),
  ]);
  const cpu1 = cpuSeconds(workerd.pid);
  const org1 = cpuSeconds(origin.pid);
  const m1 = machineSeconds();
  const [one, floodOne] = await Promise.all([
    runWrk({ url: url(bench, s), connections: 1, threads: 1, seconds: settings.oneConnSeconds, script }),
    flood(settings.oneConnSeconds),
  ]);
  const after = await counters(bench);
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
    otherCpuS: Math.max(0, machineBusyS - workerdCpuS - originCpuS - loaded.wrkCpuS - (floodLoaded?.wrkCpuS ?? 0)),
    kvReads: after.reads - before.reads,
    kvKeys: after.keys - before.keys,
    coordinatorReads: after.coordinatorReads - before.coordinatorReads,
    coordinatorCalls: after.coordinatorCalls - before.coordinatorCalls,
    originRequests: after.origin - before.origin,
    assetsFetches: after.assets - before.assets,
    unexpected: unexpected(loaded) + unexpected(one) + (floodLoaded?.non2xx ?? 0) + (floodOne?.non2xx ?? 0),
    socketErrors: loaded.socketErrors + one.socketErrors + (floodLoaded?.socketErrors ?? 0) + (floodOne?.socketErrors ?? 0),
    rssAfterBytes: rssBytes(workerd.pid),
    floodLoadedRequests: floodLoaded?.requests ?? 0,
    floodRequests: (floodLoaded?.requests ?? 0) + (floodOne?.requests ?? 0),
  };
}
