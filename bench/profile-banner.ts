// `node bench/profile-banner.ts`: where the banner's CPU goes. One workerd runs
// the bare passthrough, passthroughs that each add one piece of the banner's
// work (bench/workers/banner-variants.js), and Pitstop in an announced window
// with BANNER on and off. Each is measured in turn, for the small page and the
// ~200 KiB one, with its ratio to the passthrough ("pass") of the same round.
// The step from one row to the next is what that piece costs.
//
//   default       wrk at 8 connections; workerd's CPU per request from /proc
//                 (median over rounds; noisy on a shared machine)
//   --callgrind   workerd under valgrind's callgrind; instructions per request over
//                 N sequential keep-alive requests, zeroed and dumped around each
//                 variant with callgrind_control: the same count run after run,
//                 whatever else the machine does (needs valgrind; about 5 minutes)
//
// Options: --rounds N (default 5; callgrind 2)  --duration S (wrk, default 2)
//          --requests N (callgrind, default 300)  --only variant,variant  --keep
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { Agent, get } from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cpuSeconds } from "./lib/proc.ts";
import { median, round } from "./lib/util.ts";
import { waitForStatus, type PitstopInstance } from "./lib/workerd.ts";
import { runWrk } from "./lib/wrk.ts";
import { workerCode } from "./lib/worker-code.ts";
import { seededStates } from "./scenarios.ts";
import { log, parseSettings } from "./settings.ts";
import { buildBundle, launchWorkerd, scratchDir, startOrigin, workerdBase } from "./setup.ts";

const VARIANTS = ["pass", "rebuild", "headers", "rw-none", "rw-body", "rw-prepend-1b", "rw-prepend", "rw-full", "rw-shared", "js-splice", "js-splice-ts", "js-splice1", "js-pull", "id-pipe", "rw-head"];
const PITSTOPS = ["pitstop-announce-nobanner", "pitstop-announce"];
const PATHS = ["/html", "/html-200k"];

/** N sequential GETs on one keep-alive connection. */
async function sequential(url: string, n: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) => {
      get(url, { agent }, (res) => {
        res.resume();
        res.on("end", resolve);
      }).on("error", reject);
    });
  }
  agent.destroy();
}

/** Instructions workerd ran for `n` requests to `url`, by callgrind's own counter. */
async function instructions(pid: number, dir: string, url: string, n: number): Promise<number> {
  await sequential(url, 30); // JIT and caches warm, connection open
  execFileSync("callgrind_control", ["-z", String(pid)], { stdio: "ignore" });
  await sequential(url, n);
  execFileSync("callgrind_control", ["-d", String(pid)], { stdio: "ignore" });
  const dumps = readdirSync(dir).filter((f) => f.startsWith("callgrind.out.")).map((f) => join(dir, f));
  const newest = dumps.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
  const summary = /^summary: (\d+)/m.exec(readFileSync(newest, "utf8"));
  if (!summary) throw new Error(`no summary in ${newest}`);
  return Number(summary[1]) / n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string" },
      duration: { type: "string", default: "2" },
      requests: { type: "string", default: "300" },
      connections: { type: "string", default: "8" },
      callgrind: { type: "boolean", default: false },
      only: { type: "string" },
      keep: { type: "boolean", default: false },
    },
  });
  const callgrind = values.callgrind === true;
  const rounds = Number(values.rounds ?? (callgrind ? 2 : 5));
  const seconds = Number(values.duration);
  const connections = Number(values.connections);
  const { settings } = parseSettings([]);
  const scratch = scratchDir(values.keep === true);
  try {
    const bundle = buildBundle(scratch.dir);
    const origin = await startOrigin();
    scratch.onCleanup(() => origin.stop());
    const base = workerdBase(bundle, origin, settings);
    const announce = (await seededStates(Date.now(), settings.site)).find((p) => p.state === "announce")!;
    const doc = JSON.parse(announce.kv[`site:${settings.site}`]!) as Record<string, unknown>;
    const markup = (await workerCode()).renderBanner({ kind: "scheduled", doc }, null).html;
    log(`banner markup: ${markup.length} B`);
    const pitstops: PitstopInstance[] = [announce, { state: "announce-nobanner", kv: {}, sharesWith: "announce", vars: { BANNER: "false" } }];
    const extras = VARIANTS.map((v) => ({ name: v, module: "banner-variants.js", bindings: { VARIANT: v, MARKUP: markup, ORIGIN_URL: origin.url } }));
    const cgDir = join(scratch.dir, "callgrind");
    const wrapper = callgrind ? ["valgrind", "--tool=callgrind", "--smc-check=all-non-file", `--callgrind-out-file=${cgDir}/callgrind.out.%p`] : [];
    if (callgrind) execFileSync("mkdir", ["-p", cgDir]);
    const { workerd, ports } = await launchWorkerd(scratch.dir, "profile", "profile", base, { baseline: false, pitstops, extras, wrapper });
    scratch.onCleanup(() => workerd.stop());

    const only = values.only ? new Set(values.only.split(",")) : null;
    const targets = [...VARIANTS, ...PITSTOPS].filter((t) => !only || t === "pass" || only.has(t));
    for (const t of targets) {
      for (const path of PATHS) {
        await waitForStatus(`http://127.0.0.1:${ports[t]}${path}`, 200, performance.now(), workerd.proc, callgrind ? 300_000 : 20_000);
        const res = await fetch(`http://127.0.0.1:${ports[t]}${path}`);
        const body = await res.text();
        log(`${t} ${path}: ${res.status}, ${body.length} B${body.includes('id="pitstop-banner"') ? ", banner" : ""}`);
      }
    }
    if (!callgrind) for (const t of targets) for (const path of PATHS) await runWrk({ url: `http://127.0.0.1:${ports[t]}${path}`, connections, threads: 1, seconds: 1, script: null });

    const samples = new Map<string, Array<{ round: number; cost: number; rps: number | null }>>();
    for (let r = 1; r <= rounds; r++) {
      log(`round ${r}/${rounds}`);
      for (const path of PATHS) {
        for (const t of targets) {
          const url = `http://127.0.0.1:${ports[t]}${path}`;
          let sample: { round: number; cost: number; rps: number | null };
          if (callgrind) {
            const n = Math.max(20, Math.round(Number(values.requests) / (path === "/html" ? 1 : 3)));
            sample = { round: r, cost: await instructions(workerd.pid, cgDir, url, n), rps: null };
          } else {
            const c0 = cpuSeconds(workerd.pid);
            const w = await runWrk({ url, connections, threads: 1, seconds, script: null });
            sample = { round: r, cost: ((cpuSeconds(workerd.pid) - c0) / w.requests) * 1e6, rps: w.rps };
          }
          const key = `${path} ${t}`;
          if (!samples.has(key)) samples.set(key, []);
          samples.get(key)!.push(sample);
        }
      }
    }
    const unit = callgrind ? "k instr/req" : "CPU us/req";
    for (const path of PATHS) {
      process.stdout.write(`\n${path}: ${callgrind ? "workerd instructions per request (callgrind)" : "workerd CPU per request"}, median of ${rounds} round(s); ratio to "pass" paired by round\n`);
      process.stdout.write(`${"variant".padEnd(28)}${unit.padStart(12)}${"x pass".padStart(8)}${callgrind ? "" : `${"req/s".padStart(8)}${"x pass".padStart(8)}`}\n`);
      const pass = samples.get(`${path} pass`)!;
      for (const t of targets) {
        const mine = samples.get(`${path} ${t}`)!;
        const ratio = (f: (x: { cost: number; rps: number | null }) => number) => median(mine.map((m) => f(m) / f(pass.find((p) => p.round === m.round)!)));
        const cost = median(mine.map((m) => m.cost));
        process.stdout.write(
          `${t.padEnd(28)}${String(round(callgrind ? (cost ?? 0) / 1000 : cost, 0)).padStart(12)}${`${round(ratio((x) => x.cost), 2)}x`.padStart(8)}` +
            (callgrind ? "" : `${String(round(median(mine.map((m) => m.rps ?? 0)), 0)).padStart(8)}${`${round(ratio((x) => x.rps ?? 0), 2)}x`.padStart(8)}`) +
            "\n",
        );
      }
    }
  } finally {
    await scratch.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`[profile] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
