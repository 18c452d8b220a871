// What a run comes to: the report that holds every figure, the targets each
// figure is held to (PASS/MISS, informational: timing never fails a run) and
// the problems that do fail it.
import { cpus } from "node:os";
import type { Report, ScenarioSummary, StartupFigures, Target } from "./lib/report.ts";
import type { TransferResult } from "./lib/stream.ts";
import { round } from "./lib/util.ts";
import type { RunRecord } from "./measure.ts";
import { MiB, type Settings } from "./settings.ts";
import type { BundleInfo } from "./setup.ts";

export interface RunFigures {
  settings: Settings;
  tools: Record<string, string>;
  bundle: BundleInfo;
  startup: StartupFigures;
  scenarios: ScenarioSummary[];
  streaming: { download: TransferResult; upload: TransferResult };
  workerdRss: { startBytes: number; endBytes: number };
  runs: RunRecord[];
  elapsedSeconds: number;
}

export function buildReport(f: RunFigures): Report {
  return {
    generatedAt: new Date().toISOString(),
    mode: f.settings.mode,
    tools: f.tools,
    machine: { cores: cpus().length },
    settings: f.settings,
    elapsedSeconds: f.elapsedSeconds,
    bundle: {
      rawBytes: f.bundle.rawBytes,
      gzipBytes: f.bundle.gzipBytes,
      wranglerReported: f.bundle.wranglerReported,
      startupProfileActiveMs: f.bundle.startupProfile.activeMs,
      startupProfileWindowMs: f.bundle.startupProfile.windowMs,
    },
    startup: f.startup,
    scenarios: f.scenarios,
    streaming: f.streaming,
    workerdRss: f.workerdRss,
    targets: targets(f),
    runs: f.runs,
    problems: problems(f),
  };
}

function targets({ scenarios, bundle, startup, streaming }: RunFigures): Target[] {
  const get = (id: string) => scenarios.find((s) => s.id === id);
  const out: Target[] = [];
  const add = (name: string, value: number | null, unit: string, goal: string, ok: (v: number) => boolean, digits = 2) =>
    out.push({ name, value: round(value, digits), unit, goal, result: value === null ? "n/a" : ok(value) ? "PASS" : "MISS" });
  for (const id of ["off-1k", "off-1m"]) {
    const s = get(id);
    if (!s) continue;
    add(`${s?.label}: CPU/req vs baseline`, s?.cpuRatio ?? null, "x", "<= 1.10", (v) => v <= 1.1);
    add(`${s?.label}: req/s vs baseline`, s?.rpsRatio ?? null, "x", ">= 0.95", (v) => v >= 0.95);
    add(`${s?.label}: p50 @1 conn vs baseline`, s?.p50OneConnDeltaMs ?? null, "ms", "within +0.05", (v) => v <= 0.05, 3);
  }
  // Issue 14: the banner; issue 10: rules.
  const ratioTargets: Array<[string, "cpuRatio" | "rpsRatio", string, (v: number) => boolean]> = [
    ["announce", "cpuRatio", "<= 1.25", (v) => v <= 1.25],
    ["announce", "rpsRatio", ">= 0.85", (v) => v >= 0.85],
    ["announce-200k", "cpuRatio", "report (cost per byte)", () => true],
    ["rules-10", "cpuRatio", "<= 1.10", (v) => v <= 1.1],
    ["user-rule", "cpuRatio", "<= 1.25", (v) => v <= 1.25],
  ];
  for (const [id, field, goal, ok] of ratioTargets) {
    const s = get(id);
    if (!s) continue;
    add(`${s.label}: ${field === "cpuRatio" ? "CPU/req" : "req/s"} vs baseline`, s.status === "ok" ? s[field] : null, "x", goal, ok);
  }
  // Issue 13, item 8: random Host names must not slow the real site.
  const flood = get("flood");
  const quiet = get("off-1k");
  if (flood && quiet) {
    const rel = flood.rpsRatio !== null && quiet.rpsRatio !== null ? flood.rpsRatio / quiet.rpsRatio : null;
    add("Real site's req/s ratio under a random-Host flood, relative to without", rel, "x", ">= 0.90", (v) => v >= 0.9);
    const relCpu = flood.cpuRatio !== null && quiet.cpuRatio !== null ? flood.cpuRatio / quiet.cpuRatio : null;
    add("CPU/req ratio under a random-Host flood, relative to without", relCpu, "x", "<= 1.10", (v) => v <= 1.1);
  }
  for (const id of ["off-1k", "off-1m", "maintenance", "read-only", "bypass", "announce", "announce-200k", "rules-10", "user-rule", "flood"]) {
    const s = get(id);
    if (!s || s.status !== "ok") continue;
    add(`${s.label}: storage reads, KV + coordinator (1 refresh per half CACHE_SECONDS)`, s.kvReads + s.coordinatorReads, "reads", `<= ${s.kvReadBound} over ${round(s.kvRunSeconds, 1)} s`, (v) => v <= s.kvReadBound, 0);
  }
  for (const id of ["maintenance", "read-only"]) {
    const s = get(id);
    if (!s) continue;
    add(`${s?.label}: req/s vs baseline`, s?.rpsRatio ?? null, "x", ">= 1.00", (v) => v >= 1.0);
    add(`${s?.label}: template fetches during runs`, s?.assetsFetches ?? null, "", "0 (rendered once, cached)", (v) => v === 0, 0);
  }
  const bypass = get("bypass");
  if (bypass) add(`${bypass.label}: req/s vs baseline`, bypass.status === "ok" ? bypass.rpsRatio : null, "x", ">= 0.85", (v) => v >= 0.85);
  // 28 KiB before the coordinator, rules (with JWT verification) and 8 languages (+14 KiB of them, within issue 12's 15 KB); far below the 3 MiB free-plan limit.
  add("Bundle gzip", bundle.gzipBytes / 1024, "KiB", "< 64 KiB", (v) => v < 64, 1);
  add("Start-up: spawn to first response, Pitstop minus baseline", startup.deltaMs, "ms", "< 100 ms (limit 1000 ms)", (v) => v < 100, 1);
  const fr = startup.firstRequest;
  const minus = (a: number | null, b: number | null) => (a !== null && b !== null ? a - b : null);
  add("Cold isolate, first request, Pitstop minus baseline (coordinator cold)", minus(fr.pitstopColdMs, fr.baselineMs), "ms", "report", () => true, 1);
  add("Cold isolate, first request, Pitstop minus baseline (coordinator warm)", minus(fr.pitstopWarmCoordinatorMs, fr.baselineMs), "ms", "report", () => true, 1);
  add("Start-up: wrangler check startup, active CPU", bundle.startupProfile.activeMs, "ms", "< 100 ms (limit 1000 ms)", (v) => v < 100, 1);
  for (const [name, t] of Object.entries(streaming)) {
    add(`Streaming ${name}: byte-exact`, t.exact ? 1 : 0, "", "sha256 equal", (v) => v === 1, 0);
    add(`Streaming ${name}: workerd RSS growth`, t.rssGrowthBytes / MiB, "MiB", "< 64 MiB", (v) => v < 64, 1);
  }
  return out;
}

/**
 * What fails the run (smoke and full alike): a scenario that did not behave,
 * a missing ratio or round, unexpected statuses, a transfer that was not
 * byte-exact. A broken harness fails it earlier, with exit status 2.
 */
function problems({ scenarios, settings, streaming }: RunFigures): string[] {
  const out: string[] = [];
  for (const s of scenarios) {
    if (s.status !== "ok") out.push(`${s.id}: ${s.status}: ${s.note}`);
    else if (s.baselineId && (s.rpsRatio === null || s.cpuRatio === null || s.p50OneConnDeltaMs === null)) out.push(`${s.id}: ratio missing`);
    else if (s.rounds < settings.rounds) out.push(`${s.id}: only ${s.rounds} of ${settings.rounds} rounds`);
    if (s.unexpected > 0) out.push(`${s.id}: ${s.unexpected} responses with a status other than the expected one`);
  }
  if (!streaming.download.exact) out.push("streaming download was not byte-exact");
  if (!streaming.upload.exact) out.push("streaming upload was not byte-exact");
  return out;
}
