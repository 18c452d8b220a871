// Each scenario's figures over the rounds: medians, and ratios to its baseline
// paired by round (each Pitstop run against the baseline run of the same round).
import type { ScenarioSummary } from "./lib/report.ts";
import { median, sum } from "./lib/util.ts";
import type { RunRecord } from "./measure.ts";
import type { Check, Scenario } from "./scenarios.ts";
import type { Settings } from "./settings.ts";

export function summarize(scenarios: Scenario[], runs: RunRecord[], checks: Map<string, Check>, settings: Settings): ScenarioSummary[] {
  const byId = new Map(scenarios.map((s) => [s.id, s]));
  const runsOf = (id: string) => runs.filter((r) => r.scenario === id);
  // With a flood beside it, workerd's CPU served the flood's requests too.
  const perReqUs = (r: RunRecord) => (r.workerdCpuS / (r.loaded.requests + r.floodLoadedRequests)) * 1e6;
  return scenarios.map((s) => {
    const mine = runsOf(s.id);
    const check = checks.get(s.id);
    const totalReq = sum(mine.map((r) => r.loaded.requests + r.oneConn.requests + r.floodRequests));
    const base = s.baseline ? runsOf(s.baseline) : [];
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
      status: !check ? "skipped" : check.ok ? "ok" : "failed",
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
      coordinatorReads: sum(mine.map((r) => r.coordinatorReads)),
      coordinatorReadsPer10k: totalReq ? (sum(mine.map((r) => r.coordinatorReads)) / totalReq) * 10_000 : null,
      coordinatorCalls: sum(mine.map((r) => r.coordinatorCalls)),
      // A copy that sat idle refreshes on its first request, then every half CACHE_SECONDS.
      kvReadBound: s.service.startsWith("pitstop-") ? sum(mine.map(() => Math.ceil((settings.loadSeconds + settings.oneConnSeconds) / (settings.cacheSeconds / 2)) + 1)) : 0,
      kvRunSeconds: runSeconds,
      originFetchesPerReq: totalReq ? sum(mine.map((r) => r.originRequests)) / totalReq : null,
      assetsFetches: sum(mine.map((r) => r.assetsFetches)),
      floodRps: s.flood ? median(mine.map((r) => r.floodLoadedRequests / r.loaded.seconds)) : null,
      unexpected: sum(mine.map((r) => r.unexpected)),
      socketErrors: sum(mine.map((r) => r.socketErrors)),
    };
  });
}
