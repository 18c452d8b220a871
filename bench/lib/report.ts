// The benchmark's report: the JSON shape written to bench/results/ and the
// table printed at the end of a run.
import type { TransferResult } from "./stream.ts";

export interface ScenarioSummary {
  id: string;
  label: string;
  baseline: string | null;
  baselineId: string | null;
  status: "ok" | "failed" | "skipped";
  note: string | null;
  rounds: number;
  /** Requests in all measured runs (loaded + one connection). */
  requests: number;
  rps: number | null;
  /** Median over rounds of (this run's req/s ÷ its baseline's in the same round). */
  rpsRatio: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  p50OneConnMs: number | null;
  /** Median over rounds of (p50 at one connection − the baseline's in the same round). */
  p50OneConnDeltaMs: number | null;
  /** workerd utime+stime during the loaded run ÷ requests, median over rounds. */
  cpuUsPerReq: number | null;
  cpuRatio: number | null;
  /** workerd CPU seconds per wall second (1.0 = one core busy). */
  workerdCoreShare: number | null;
  wrkCpuUsPerReq: number | null;
  wrkCoreShare: number | null;
  originCpuUsPerReq: number | null;
  /** Share of the machine's CPU used by other processes during the loaded run. */
  otherLoadShare: number | null;
  kvReads: number;
  kvReadsPer10k: number | null;
  /** snapshot() calls to the coordinator: the isolate's refreshes (no Cache API in raw workerd). */
  coordinatorReads: number;
  coordinatorReadsPer10k: number | null;
  /** Every coordinator call during the runs (snapshot, commit, status, log, record). */
  coordinatorCalls: number;
  /** Storage reads (KV + coordinator) allowed by "one refresh per isolate per half CACHE_SECONDS" over these runs. */
  kvReadBound: number;
  kvRunSeconds: number;
  originFetchesPerReq: number | null;
  /** Flood scenarios: random-Host requests per second beside the measured run. */
  floodRps: number | null;
  assetsFetches: number;
  unexpected: number;
  socketErrors: number;
}

export interface Target {
  name: string;
  value: number | null;
  unit: string;
  goal: string;
  result: "PASS" | "MISS" | "n/a";
}

/** Spawn to first response of a fresh workerd, medians in ms; Pitstop minus baseline. */
export interface StartupFigures {
  baselineMs: number | null;
  pitstopMs: number | null;
  deltaMs: number | null;
  samples: { baseline: number[]; pitstop: number[] };
  /**
   * A cold isolate's first request, timed from the client once workerd is up
   * (medians, ms): Pitstop's when its coordinator is cold too (a fresh
   * deployment: the object starts and adopts KV), when the coordinator is
   * already warm (a new isolate of a running deployment), the baseline's, and
   * a second, warm request for scale.
   */
  firstRequest: {
    pitstopColdMs: number | null;
    pitstopWarmCoordinatorMs: number | null;
    baselineMs: number | null;
    pitstopSecondMs: number | null;
    baselineSecondMs: number | null;
  };
}

export interface Report {
  generatedAt: string;
  mode: string;
  tools: Record<string, string>;
  machine: { cores: number };
  settings: Record<string, unknown>;
  elapsedSeconds: number;
  bundle: {
    rawBytes: number;
    gzipBytes: number;
    wranglerReported: string | null;
    startupProfileActiveMs: number | null;
    startupProfileWindowMs: number | null;
  };
  startup: StartupFigures;
  scenarios: ScenarioSummary[];
  streaming: { download: TransferResult; upload: TransferResult };
  workerdRss: { startBytes: number; endBytes: number };
  targets: Target[];
  runs: unknown[];
  problems: string[];
}

const fmt = (v: number | null | undefined, digits: number, suffix = ""): string =>
  v === null || v === undefined || !Number.isFinite(v) ? "–" : `${v.toFixed(digits)}${suffix}`;

const signed = (v: number | null, digits: number): string => (v === null ? "–" : `${v >= 0 ? "+" : ""}${v.toFixed(digits)}`);

function table(headers: string[], rows: string[][], leftCols = 1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < leftCols ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const MiB = 1024 * 1024;

function targetValue(t: Target): string {
  if (t.value === null) return "–";
  if (t.unit === "x") return `${t.value.toFixed(2)}x`;
  return t.unit ? `${t.value} ${t.unit}` : String(t.value);
}

export function printReport(r: Report): void {
  const s = r.settings as { rounds: number; loadSeconds: number; connections: number; oneConnSeconds: number };
  const out: string[] = [];
  out.push("");
  out.push(
    `Pitstop benchmark (${r.mode}): ${r.tools.workerd}, wrk ${r.tools.wrk}, ${r.machine.cores} cores; ` +
      `${s.rounds} round(s) A B A B, ${s.loadSeconds} s at ${s.connections} connections + ${s.oneConnSeconds} s at 1; medians`,
  );
  out.push("");
  const rows = r.scenarios.map((x) => [
    x.label,
    x.status === "ok" ? fmt(x.rps, 0) : x.status,
    x.baselineId ? fmt(x.rpsRatio, 2, "x") : "",
    fmt(x.p50Ms, 2),
    fmt(x.p99Ms, 2),
    fmt(x.p50OneConnMs, 3),
    x.baselineId ? signed(x.p50OneConnDeltaMs, 3) : "",
    fmt(x.cpuUsPerReq, 0),
    x.baselineId ? fmt(x.cpuRatio, 2, "x") : "",
    x.status === "ok" ? fmt(x.kvReadsPer10k, 2) : "–",
    x.status === "ok" ? fmt(x.coordinatorReadsPer10k, 2) : "–",
    fmt(x.originFetchesPerReq, 2),
    fmt(x.wrkCpuUsPerReq, 0),
    x.status === "ok" ? String(x.unexpected + x.socketErrors) : "–",
  ]);
  out.push(
    table(
      ["scenario", "req/s", "x base", "p50 ms", "p99 ms", "p50@1c ms", "d@1c ms", "CPU us/req", "x base", "KV/10k req", "coord/10k", "origin/req", "wrk us/req", "errors"],
      rows,
    ),
  );
  const notes = r.scenarios.filter((x) => x.note);
  if (notes.length) {
    out.push("");
    for (const x of notes) out.push(`  ${x.label}: ${x.note}`);
  }

  const ok = r.scenarios.filter((x) => x.status === "ok");
  const med = (vals: (number | null)[]) => {
    const v = vals.filter((n): n is number => n !== null).sort((a, b) => a - b);
    return v.length ? v[Math.floor(v.length / 2)]! : null;
  };
  out.push("");
  out.push(
    `Load generator: wrk used ${fmt((med(ok.map((x) => x.wrkCoreShare)) ?? NaN) * 100, 0)}% of one core ` +
      `and ${fmt((med(ok.map((x) => (x.wrkCpuUsPerReq ?? NaN) / (x.cpuUsPerReq ?? NaN))) ?? NaN) * 100, 0)}% as much CPU as workerd ` +
      `(medians over scenarios; per request: column "wrk us/req"); ` +
      `workerd ${fmt((med(ok.map((x) => x.workerdCoreShare)) ?? NaN) * 100, 0)}% of one core; ` +
      `origin ${fmt(med(ok.map((x) => x.originCpuUsPerReq)), 0)} us per request.`,
  );
  out.push(
    `Other processes on the machine: ${fmt((med(ok.map((x) => x.otherLoadShare)) ?? NaN) * 100, 0)}% of all cores during the runs (median; noise).`,
  );

  out.push("");
  out.push(
    `Bundle: ${(r.bundle.rawBytes / 1024).toFixed(1)} KiB raw, ${(r.bundle.gzipBytes / 1024).toFixed(1)} KiB gzip -9` +
      (r.bundle.wranglerReported ? ` (wrangler: ${r.bundle.wranglerReported})` : ""),
  );
  out.push(
    `Start-up: spawn to first response ${fmt(r.startup.pitstopMs, 1)} ms vs baseline ${fmt(r.startup.baselineMs, 1)} ms ` +
      `(${signed(r.startup.deltaMs, 1)} ms); wrangler check startup: ${fmt(r.bundle.startupProfileActiveMs, 1)} ms active CPU`,
  );
  const fr = r.startup.firstRequest;
  out.push(
    `Cold isolate, first request: Pitstop ${fmt(fr.pitstopColdMs, 1)} ms with a cold coordinator, ${fmt(fr.pitstopWarmCoordinatorMs, 1)} ms with a warm one, ` +
      `baseline ${fmt(fr.baselineMs, 1)} ms (second request: Pitstop ${fmt(fr.pitstopSecondMs, 2)} ms, baseline ${fmt(fr.baselineSecondMs, 2)} ms)`,
  );
  for (const [name, t] of Object.entries(r.streaming)) {
    out.push(
      `Streaming ${name}: ${(t.bytes / MiB).toFixed(0)} MiB in ${t.seconds.toFixed(1)} s (${t.mbPerSecond.toFixed(0)} MB/s), ` +
        `${t.exact ? "byte-exact" : "NOT byte-exact"}, workerd RSS ${(t.rssBeforeBytes / MiB).toFixed(0)} -> peak ${(t.rssPeakBytes / MiB).toFixed(0)} MiB ` +
        `(+${(t.rssGrowthBytes / MiB).toFixed(1)} MiB)`,
    );
  }

  out.push(
    `workerd RSS over the load rounds (all isolates, the baseline's included): ` +
      `${(r.workerdRss.startBytes / MiB).toFixed(0)} -> ${(r.workerdRss.endBytes / MiB).toFixed(0)} MiB; the streaming check uses a fresh process`,
  );

  out.push("");
  out.push("Targets (informational; never fail the run):");
  out.push(
    table(
      ["target", "value", "goal", "result"],
      r.targets.map((t) => [t.name, targetValue(t), t.goal, t.result]),
      1,
    ),
  );
  out.push(`\nElapsed: ${r.elapsedSeconds} s`);
  process.stdout.write(out.join("\n") + "\n");
}
