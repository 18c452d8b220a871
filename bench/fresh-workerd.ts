// The measurements that each need a workerd process of their own: start-up
// (spawn to first response) and streaming (a large transfer through Pitstop,
// with workerd's memory watched).
import type { StartupFigures } from "./lib/report.ts";
import { downloadCheck, uploadCheck, type TransferResult } from "./lib/stream.ts";
import { HarnessError, median } from "./lib/util.ts";
import { waitForStatus, type PitstopInstance } from "./lib/workerd.ts";
import { log, MiB, type Settings } from "./settings.ts";
import { launchWorkerd, type Scratch, type WorkerdBase } from "./setup.ts";

/**
 * Spawn to first good response of a fresh workerd, Pitstop (off) vs baseline,
 * both with the KV and ASSETS stubs loaded, alternating. The difference is
 * Pitstop's script start-up plus its first request's extra work (a KV read).
 */
export async function measureStartup(dir: string, base: WorkerdBase, off: PitstopInstance, reps: number): Promise<StartupFigures> {
  const samples = { baseline: [] as number[], pitstop: [] as number[] };
  for (let i = 0; i < reps; i++) {
    for (const which of ["baseline", "pitstop"] as const) {
      const baseline = which === "baseline";
      const { workerd, ports } = await launchWorkerd(dir, `startup-${which}-${i}`, "startup", base, { baseline, pitstops: baseline ? [] : [off] });
      try {
        samples[which].push(await waitForStatus(`http://127.0.0.1:${ports[baseline ? "baseline" : "pitstop-off"]}/1k`, 200, workerd.startedAt, workerd.proc));
      } catch (err) {
        throw new HarnessError(`start-up (${which}): ${err instanceof Error ? err.message : String(err)}\n${workerd.logTail()}`);
      } finally {
        await workerd.stop();
      }
    }
  }
  const b = median(samples.baseline);
  const p = median(samples.pitstop);
  return { baselineMs: b, pitstopMs: p, deltaMs: b !== null && p !== null ? p - b : null, samples };
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
