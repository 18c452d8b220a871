// Waiting for a change to show: first where this CLI can see it (the nearest
// location), then until the worker's stated bound says every location serves it.
import { setTimeout as sleep } from "node:timers/promises";
import type { ActiveMode, AdminClient } from "./client";
import { CliError, EXIT } from "./errors";
import { shellQuote, type Printer } from "./format";
import { progress } from "./progress";
import { formatClock, formatElapsed } from "./time";

/** Polls until the admin change shows where visitors look; returns how long that took. */
export async function waitVisible(
  client: AdminClient,
  scope: string | undefined,
  mode: ActiveMode,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ ms: number; where: string }> {
  // status.json answers for the host it is asked on. For another host's scope,
  // ask the admin API what the same (nearest) location sees for that host.
  const own = new URL(client.conn.origin).hostname;
  const viaPublic = scope === undefined || scope === "*" || scope === own;
  const where = viaPublic ? `${client.base}/status.json` : `${client.base}/status?scope=${scope}`;
  const started = Date.now();
  const bar = progress(process.stderr, `Waiting until ${viaPublic ? "status.json" : "the worker"} shows ${mode}…`);
  let last = "no answer yet";
  try {
    for (;;) {
      try {
        const seen = viaPublic ? await client.publicStatus(signal) : (await client.status(scope)).effective;
        if (seen.phase === "active" && seen.mode === mode) return { ms: Date.now() - started, where };
        last = `it says ${seen.phase === "active" ? seen.mode : seen.phase}`;
      } catch (err) {
        if (signal.aborted) throw err;
        last = err instanceof Error ? err.message : String(err);
      }
      bar.update(last);
      if (Date.now() - started >= timeoutMs) {
        throw new CliError(
          `maintenance was switched on, but ${where} does not show it after ${formatElapsed(Date.now() - started)} (${last})`,
          EXIT.notVisible,
          [
            "The command was not run. Maintenance is left ON, since it may show up any moment.",
            "Try a longer --wait, or end it with:",
            `pitstop off${scope ? ` --scope ${shellQuote([scope])}` : ""}`,
          ],
        );
      }
      await sleep(500, undefined, { signal });
    }
  } finally {
    bar.stop();
  }
}

/**
 * The worker states by when every location serves a change (visibleBy, from
 * its cache TTLs). Nearby visibility proves nothing about other locations, so
 * the command starts only after that time.
 */
export async function waitEverywhere(visibleBy: string, deadline: number, scope: string, signal: AbortSignal, p: Printer): Promise<void> {
  const by = Date.parse(visibleBy);
  const clock = formatClock(new Date(by));
  if (by > deadline) {
    throw new CliError(`the worker says every location serves the change by ${clock}, after --wait runs out`, EXIT.notVisible, [
      "The command was not run. Maintenance is left ON. Use a longer --wait, or end it with:",
      `pitstop off --scope ${shellQuote([scope])}`,
    ]);
  }
  const left = by - Date.now();
  if (left > 0) {
    const bar = progress(process.stderr, `Waiting until every location serves it (visible everywhere by ${clock})…`);
    try {
      await sleep(left, undefined, { signal });
    } finally {
      bar.stop();
    }
  }
  p.success(`Visible everywhere (by ${clock}, the worker's stated bound).`);
}
