// The measurements that each need a workerd process of their own: start-up
// (spawn to first response) and streaming (a large transfer through Pitstop,
// with workerd's memory watched).
import type { StartupFigures } from "./lib/report.ts";
import { downloadCheck, uploadCheck, type TransferResult } from "./lib/stream.ts";
import { HarnessError, median } from "./lib/util.ts";
import { waitForStatus, type PitstopInstance } from "./lib/workerd.ts";
import { log, MiB, type Settings } from "./settings.ts";
import { launchWorkerd, type Scratch, type WorkerdBase } from "./setup.ts";

/** One GET, timed from the client, in ms. */
async function timedGet(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  if (res.status !== 200) throw new HarnessError(`${url}: status ${res.status}`);
  return performance.now() - t0;
}

/**
 * Spawn to first good response of a fresh workerd, Pitstop (off) vs baseline,
 * both with the KV and ASSETS stubs loaded, alternating. The difference is
 * Pitstop's script start-up (its coordinator's service loads the bundle too)
 * plus its first request's extra work.
 *
 * Then, in each of those processes, once workerd is up (its ASSETS stub
 * answers): the first request's own time, and a second one's. A third process
 * per repetition holds two Pitstop isolates sharing one coordinator, so the
 * second isolate's first request meets a warm coordinator, as a new isolate of
 * a running deployment does.
 */
export async function measureStartup(dir: string, base: WorkerdBase, off: PitstopInstance, reps: number): Promise<StartupFigures> {
  const samples = { baseline: [] as number[], pitstop: [] as number[] };
  const first = { pitstopCold: [] as number[], pitstopWarm: [] as number[], baseline: [] as number[], pitstopSecond: [] as number[], baselineSecond: [] as number[] };
  for (let i = 0; i < reps; i++) {
    for (const which of ["baseline", "pitstop", "pitstop-warm"] as const) {
      const baseline = which === "baseline";
      const pitstops = baseline ? [] : which === "pitstop" ? [off] : [off, { state: "second", kv: {}, sharesWith: off.state }];
      const { workerd, ports } = await launchWorkerd(dir, `startup-${which}-${i}`, "startup", base, { baseline, pitstops });
      const service = (name: string) => `http://127.0.0.1:${ports[name]}/1k`;
      try {
        if (which === "pitstop-warm") {
          await waitForStatus(`http://127.0.0.1:${ports.assets}/__bench/counts`, 200, 0, workerd.proc);
          await timedGet(service("pitstop-off")); // the coordinator starts and adopts KV
          first.pitstopWarm.push(await timedGet(service("pitstop-second")));
          continue;
        }
        const name = baseline ? "baseline" : "pitstop-off";
        // Spawn to first good response (polling from the spawn), as before.
        samples[which].push(await waitForStatus(service(name), 200, workerd.startedAt, workerd.proc));
        first[baseline ? "baselineSecond" : "pitstopSecond"].push(await timedGet(service(name)));
      } catch (err) {
        throw new HarnessError(`start-up (${which}): ${err instanceof Error ? err.message : String(err)}\n${workerd.logTail()}`);
      } finally {
        await workerd.stop();
      }
      // The first request alone: a process of the same kind, polled on ASSETS until up.
      const again = await launchWorkerd(dir, `first-${which}-${i}`, "first", base, { baseline, pitstops });
      try {
        await waitForStatus(`http://127.0.0.1:${again.ports.assets}/__bench/counts`, 200, 0, again.workerd.proc);
        const name = baseline ? "baseline" : "pitstop-off";
        first[baseline ? "baseline" : "pitstopCold"].push(await timedGet(`http://127.0.0.1:${again.ports[name]}/1k`));
      } catch (err) {
        throw new HarnessError(`first request (${which}): ${err instanceof Error ? err.message : String(err)}\n${again.workerd.logTail()}`);
      } finally {
        await again.workerd.stop();
      }
    }
  }
  const b = median(samples.baseline);
  const p = median(samples.pitstop);
  return {
    baselineMs: b,
    pitstopMs: p,
    deltaMs: b !== null && p !== null ? p - b : null,
    samples,
    firstRequest: {
      pitstopColdMs: median(first.pitstopCold),
      pitstopWarmCoordinatorMs: median(first.pitstopWarm),
      baselineMs: median(first.baseline),
      pitstopSecondMs: median(first.pitstopSecond),
      baselineSecondMs: median(first.baselineSecond),
    },
  };
}

/**
 * A download and an upload through Pitstop (off), byte-exact or not, with
 * workerd's RSS growth. A fresh process: after the load rounds, workerd's RSS
 * holds hundreds of MiB of isolate heap and allocator slack that a transfer
 * could reuse unseen.
 */
export async function streamingCheck(
  scratch: Scratch,
  base: WorkerdBase,
  off: PitstopInstance,
  settings: Settings,
): Promise<{ download: TransferResult; upload: TransferResult }> {
  log(`streaming: ${settings.downloadBytes / MiB} MiB download, ${settings.uploadBytes / MiB} MiB upload through Pitstop (off), fresh workerd`);
  const { workerd, ports } = await launchWorkerd(scratch.dir, "stream", "stream", base, { baseline: false, pitstops: [off] });
  scratch.onCleanup(() => workerd.stop());
  const url = `http://127.0.0.1:${ports["pitstop-off"]}`;
  await waitForStatus(`${url}/1k`, 200, 0, workerd.proc);
  const download = await downloadCheck(url, base.originUrl, settings.downloadBytes, workerd.pid);
  const upload = await uploadCheck(url, settings.uploadBytes, workerd.pid);
  await workerd.stop();
  return { download, upload };
}
