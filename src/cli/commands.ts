// The one-request commands: status, on, off, log, bypass, schedule. Each
// parses its flags, makes its call and prints the outcome; errors are thrown
// and printed in one place (index.ts).
import { spawn } from "node:child_process";
import { AdminClient, type ChangeResult, type OnBody } from "./client";
import { resolveConnection, type ConnectionFlags } from "./config";
import { EXIT, UsageError } from "./errors";
import { logTable, modeLabel, printer, statusRows, when, type Printer } from "./format";
import { messageLabel, parseMessageFlags } from "./message";
import { formatClock, formatDuration, parseDuration, parseTime, TimeError } from "./time";

export interface Scoped extends ConnectionFlags {
  scope?: string;
}

/**
 * A site's own document wins over "*": after switching "*" on, say so when the
 * URL's own site will not follow (it has its own, different setting).
 */
export async function warnIfShadowed(client: AdminClient, scope: string | undefined, p: Printer): Promise<void> {
  if (scope !== "*") return;
  try {
    const s = await client.status();
    if (s.effective.source === "site") {
      p.warn(
        `${s.site} has its own setting, which wins over "*": it stays ${modeLabel(s.effective, s.documents.site)}. ` +
          `To change it, act on it directly (--scope ${s.site}), or run "pitstop reset --scope ${s.site}" so it follows "*" again.`,
      );
    }
  } catch {
    // only advice: the change itself succeeded
  }
}

export function connect(flags: ConnectionFlags, p: Printer): AdminClient {
  const conn = resolveConnection(flags);
  if (conn.insecureTransport) p.warn(`${conn.origin} is plain http: the admin token travels unencrypted.`);
  return new AdminClient(conn);
}

/** Flag values that must parse, with the flag named in the error. */
export function timeFlag(flag: string, value: string, options: Parameters<typeof parseTime>[1]): Date {
  try {
    return parseTime(value, options);
  } catch (err) {
    if (err instanceof TimeError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

export function durationFlag(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    if (err instanceof TimeError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function scopeFlag(scope: string | undefined): string {
  return scope ? ` --scope ${scope === "*" ? "'*'" : scope}` : "";
}

export async function status(opts: Scoped & { json?: boolean }): Promise<number> {
  const p = printer();
  const client = connect(opts, p);
  const s = await client.status(opts.scope);
  if (opts.json) {
    printJson(s);
    return EXIT.ok;
  }
  const doc = (s.effective.source === "*" ? s.documents["*"] : s.documents.site) ?? null;
  p.line(`Pitstop at ${client.conn.origin}: ${s.site} is ${modeLabel(s.effective, doc)}`);
  p.details(statusRows(s, new Date()));
  return EXIT.ok;
}

export async function on(
  opts: Scoped & { readOnly?: boolean; message?: string[]; until?: string; retryAfter?: string; autoEnd?: boolean },
): Promise<number> {
  const p = printer();
  const now = new Date();
  const body: OnBody = {
    message: parseMessageFlags(opts.message),
    retryAfter: opts.retryAfter === undefined ? undefined : durationFlag("--retry-after", opts.retryAfter),
    endsAt: opts.until === undefined ? undefined : timeFlag("--until", opts.until, { now }).toISOString(),
    autoEnd: opts.autoEnd || undefined,
    scope: opts.scope,
  };
  if (opts.autoEnd && !opts.until) throw new UsageError("--auto-end needs --until (the time it ends by itself)");
  const client = connect(opts, p);
  const r = await client.on(body, Boolean(opts.readOnly));
  const what = r.state?.mode === "read-only" ? "Read-only mode" : "Maintenance";
  p.success(
    r.transition === "started" ? `${what} is on for ${r.scope}.` : `${what} updated for ${r.scope} (${r.transition === "updated" ? "it was already on" : r.transition}).`,
  );
  p.details(changeRows(r, now));
  p.line(
    r.state?.mode === "read-only"
      ? "  Reads pass through; writes (POST, PUT, PATCH, DELETE) get 503."
      : "  Visitors get the maintenance page (503, Retry-After); API clients get JSON.",
  );
  p.line(`  ${visibleEverywhere(r)}. End it with: pitstop off${scopeFlag(opts.scope)}`);
  await warnIfShadowed(client, r.scope, p);
  return EXIT.ok;
}

export async function off(opts: Scoped): Promise<number> {
  const p = printer();
  const client = connect(opts, p);
  const r = await client.off(opts.scope);
  if (r.transition === "ended") p.success(`Maintenance is off for ${r.scope}: the site is back.`);
  else if (r.transition === "cancelled") p.success(`Scheduled maintenance cancelled for ${r.scope}; it is off.`);
  else p.success(`Maintenance was already off for ${r.scope}.`);
  p.line(`  ${visibleEverywhere(r)}.`);
  return EXIT.ok;
}

export async function reset(opts: Scoped): Promise<number> {
  const p = printer();
  const client = connect(opts, p);
  const r = await client.reset(opts.scope);
  p.success(`${r.scope} follows "*" again (its own allowlists and revoked links are kept).`);
  return EXIT.ok;
}

export async function log(opts: Scoped & { limit: string; json?: boolean }): Promise<number> {
  const p = printer();
  const limit = Number(opts.limit);
  if (!/^\d+$/.test(opts.limit) || limit < 1 || limit > 1000) throw new UsageError("--limit must be a whole number from 1 to 1000");
  const client = connect(opts, p);
  const r = await client.log(limit, opts.scope);
  if (opts.json) {
    printJson(r);
    return EXIT.ok;
  }
  if (r.entries.length === 0) {
    p.line(`No audit log entries for ${r.scope}.`);
    return EXIT.ok;
  }
  for (const line of logTable(r.entries)) p.line(line);
  if (r.cursor && limit < 1000) p.line(`(older entries exist: pitstop log --limit ${Math.min(1000, limit * 4)}${scopeFlag(opts.scope)})`);
  return EXIT.ok;
}

export async function bypass(opts: Scoped & { ttl?: string; next?: string; open?: boolean; json?: boolean }): Promise<number> {
  const p = printer();
  const ttl = opts.ttl === undefined ? undefined : durationFlag("--ttl", opts.ttl);
  if (opts.next !== undefined && !opts.next.startsWith("/")) throw new UsageError(`--next must be a path on the site, starting with / (got "${opts.next}")`);
  const client = connect(opts, p);
  const r = await client.bypass({ ttl, next: opts.next, scope: opts.scope });
  if (opts.json) printJson(r);
  else {
    p.success(`Bypass link for ${opts.scope ?? new URL(client.conn.origin).hostname}, valid until ${when(r.expiresAt, new Date())}:`);
    p.line(r.url);
    p.line("  Opening it sets a signed cookie in that browser, which then sees the real site.");
    p.line(`  Treat it like a password. End every link and cookie with: pitstop bypass revoke${scopeFlag(opts.scope)}`);
  }
  if (opts.open) openInBrowser(r.url, p);
  return EXIT.ok;
}

export async function bypassRevoke(opts: Scoped): Promise<number> {
  const p = printer();
  const client = connect(opts, p);
  const r = await client.revokeBypass(opts.scope);
  p.success(`Bypass links revoked for ${r.scope}: every link and cookie issued so far no longer works.`);
  return EXIT.ok;
}

export async function schedule(
  opts: Scoped & { from?: string; until?: string; announceFrom?: string; readOnly?: boolean; message?: string[]; autoEnd?: boolean },
): Promise<number> {
  const p = printer();
  if (opts.from === undefined) throw new UsageError("--from is required: when the window starts (22:00, +2h, ISO 8601)");
  const now = new Date();
  const from = timeFlag("--from", opts.from, { now });
  // "--until +1h" and "--until 01:00" count from the start; "--announce-from -2h" counts back from it.
  const until = opts.until === undefined ? undefined : timeFlag("--until", opts.until, { now, base: from, clockAfter: from });
  const announce = opts.announceFrom === undefined ? undefined : timeFlag("--announce-from", opts.announceFrom, { now, base: from });
  if (opts.autoEnd && !until) throw new UsageError("--auto-end needs --until (the time it ends by itself)");
  const message = parseMessageFlags(opts.message);
  const client = connect(opts, p);
  const r = await client.schedule({
    startsAt: from.toISOString(),
    endsAt: until?.toISOString(),
    announceFrom: announce?.toISOString(),
    mode: opts.readOnly ? "read-only" : undefined,
    message,
    autoEnd: opts.autoEnd || undefined,
    scope: opts.scope,
  });
  p.success(`${r.state?.mode === "read-only" ? "Read-only mode" : "Maintenance"} scheduled for ${r.scope}.`);
  p.details(changeRows(r, now));
  p.line(
    `  It starts by itself at the start time${r.state?.autoEnd ? " and ends by itself at the end time" : `; end it with: pitstop off${scopeFlag(opts.scope)}`}.`,
  );
  p.line(`  Cancel it with: pitstop schedule cancel${scopeFlag(opts.scope)}`);
  return EXIT.ok;
}

export async function scheduleCancel(opts: Scoped): Promise<number> {
  const p = printer();
  const client = connect(opts, p);
  const r = await client.cancelSchedule(opts.scope);
  if (r.transition === "cancelled") p.success(`Scheduled maintenance cancelled for ${r.scope}.`);
  else if (r.transition === "ended") p.success(`Maintenance had already started for ${r.scope}; it is now off.`);
  else p.success(`Nothing was scheduled for ${r.scope}; nothing changed.`);
  return EXIT.ok;
}

/** "Visible everywhere by 23:00:05 (version 42)": the worker's stated bound for this change. */
export function visibleEverywhere(r: Pick<ChangeResult, "visibleBy" | "version">): string {
  return `Visible everywhere by ${formatClock(new Date(r.visibleBy))} (version ${r.version})`;
}

/** The stored window, as people read it: local time and UTC, and how far away. */
function changeRows(r: ChangeResult, now: Date): Array<[string, string | null]> {
  const s = r.state;
  if (s === null) return [];
  return [
    ["Mode", s.mode],
    ["Message", messageLabel(s.message) ?? "(default page text)"],
    ["Starts", when(s.startsAt, now)],
    ["Ends", s.endsAt ? `${when(s.endsAt, now)}${s.autoEnd ? " (ends by itself)" : ""}` : null],
    ["Banner from", r.announceFrom ? `${when(r.announceFrom, now)}${s.announceFrom ? "" : ` (default: ${leadTime(r.announceFrom, s.startsAt)} before)`}` : null],
    ["Retry-After", s.retryAfter !== null ? formatDuration(s.retryAfter) : null],
  ];
}

/** How long before the start the banner shows: the worker's default, as the worker applied it. */
function leadTime(announceFrom: string, startsAt: string | null): string {
  return startsAt ? formatDuration((Date.parse(startsAt) - Date.parse(announceFrom)) / 1000) : "?";
}

/** Best effort: a missing opener is a warning, never a failure (the link is printed). */
function openInBrowser(url: string, p: Printer): void {
  const [cmd, args] =
    process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: "ignore", detached: true });
    child.on("error", (err) => p.warn(`could not open a browser (${cmd}: ${err.message}); open the link above by hand.`));
    child.unref();
  } catch (err) {
    p.warn(`could not open a browser (${(err as Error).message}); open the link above by hand.`);
  }
}
