// `npm run bench`: Pitstop against a bare passthrough worker, side by side, in
// raw `workerd serve`. `npm run bench:smoke` (or `-- --smoke`) is the short CI
// run: one round, small streaming check, no timing assertions.
// What each figure means and how ratios are computed: docs/benchmark.md.
//
// Options: --smoke  --rounds N  --duration S (per loaded run, whole seconds)
//          --connections N  --out FILE  --keep (keep the temp dir)
//          --only id,id (those scenarios and their baselines; for profiling a fix)
//
// The parts, in the order a run uses them:
//   settings.ts       flags, defaults, paths, the worker's secrets
//   setup.ts          tools, scratch dir, the shipped bundle, the origin, the bench's workerd
//   scenarios.ts      what is measured and what each probe must see; the seeded states
//   fresh-workerd.ts  start-up and streaming, each in a workerd process of its own
//   measure.ts        probes, warm-up, rounds, one measured run
//   summary.ts        medians and ratios paired by round
//   verdict.ts        the report, the targets and the problems that fail a run
//   lib/              workerd config, wrk, /proc, streaming transfers, the printed report
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { measureStartup, streamingCheck } from "./fresh-workerd.ts";
import { printReport } from "./lib/report.ts";
import { rssBytes } from "./lib/proc.ts";
import { HarnessError, round } from "./lib/util.ts";
import { floodScript } from "./lib/wrk.ts";
import { probeAll, runRounds, wrkScripts } from "./measure.ts";
import { buildScenarios, mintCookie, mintSession, seededStates, selectScenarios } from "./scenarios.ts";
import { BYPASS_SECRET, log, parseSettings } from "./settings.ts";
import { buildBundle, scratchDir, startBench, startOrigin, toolVersions, workerdBase } from "./setup.ts";
import { summarize } from "./summary.ts";
import { buildReport } from "./verdict.ts";

async function main(): Promise<number> {
  const t0 = performance.now();
  const { settings, outPath, keep, only } = parseSettings();
  const tools = toolVersions();
  log(`${settings.mode} run: ${settings.rounds} round(s) x ${settings.loadSeconds} s, ${settings.connections} connections; ${tools.workerd}, wrk ${tools.wrk}, wrangler ${tools.wrangler}, node ${tools.node}`);
  const scratch = scratchDir(keep);
  try {
    log("building the shipped bundle (wrangler deploy --dry-run)");
    const bundle = buildBundle(scratch.dir);
    log(`bundle: ${bundle.rawBytes} B raw, ${bundle.gzipBytes} B gzip -9 (wrangler: ${bundle.wranglerReported})`);
    const origin = await startOrigin();
    scratch.onCleanup(() => origin.stop());
    const base = workerdBase(bundle, origin, settings);
    const now = Date.now();
    const pitstops = await seededStates(now, settings.site);
    const off = pitstops[0]!;

    log("start-up: fresh workerd processes, Pitstop vs baseline");
    const startup = await measureStartup(scratch.dir, base, off, settings.startupReps);
    log(`start-up: baseline ${round(startup.baselineMs, 1)} ms, Pitstop ${round(startup.pitstopMs, 1)} ms`);

    const { workerd, ports } = await startBench(scratch, base, pitstops);
    const rssStart = rssBytes(workerd.pid);
    const scenarios = buildScenarios(await mintCookie(BYPASS_SECRET, settings.site, Math.floor(now / 1000) + 3600), await mintSession(now));
    const bench = { settings, ports, workerd, origin, scripts: wrkScripts(scratch.dir, scenarios), flood: floodScript(scratch.dir) };
    const checks = await probeAll(bench, scenarios);
    const selected = selectScenarios(scenarios, only);
    const runs = await runRounds(bench, selected.filter((s) => checks.get(s.id)?.ok));
    const workerdRss = { startBytes: rssStart, endBytes: rssBytes(workerd.pid) };
    await workerd.stop();

    const streaming = await streamingCheck(scratch, base, off, settings);
    const scenarioFigures = summarize(selected, runs, checks, settings);
    const elapsedSeconds = round((performance.now() - t0) / 1000, 1) ?? 0;
    const report = buildReport({ settings, tools, bundle, startup, scenarios: scenarioFigures, streaming, workerdRss, runs, elapsedSeconds });

    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(outPath, JSON.stringify(report, null, 2) + "\n");
    printReport(report);
    process.stdout.write(`\nJSON: ${outPath}\n`);
    if (!report.problems.length) return 0;
    process.stdout.write(`\nFAILED:\n${report.problems.map((p) => `  - ${p}`).join("\n")}\n`);
    return 1;
  } finally {
    await scratch.cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[bench] ${err instanceof HarnessError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
