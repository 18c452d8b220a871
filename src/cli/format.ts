// Output templates, so every command speaks the same way:
//   ✔ <what happened>            success, then indented details
//   • <what is happening>        a step in progress
//   ▲ Warning: <sentence>        stderr
//   ✘ Error: <sentence>          stderr, then indented hints
// Colour only on a TTY, and never with NO_COLOR.
import type { AdminStatus, LogEntry, PublicStatus, StateDoc } from "./client";
import { CliError } from "./errors";
import { messageLabel, messageText } from "./message";
import { formatDuration, formatLocalCompact, formatRelative, formatTime } from "./time";

type Stream = NodeJS.WriteStream;

function colours(stream: Stream) {
  const on = Boolean(stream.isTTY) && !("NO_COLOR" in process.env) && process.env.TERM !== "dumb";
  const wrap = (open: number, close: number) => (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  return { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

export interface Printer {
  success(text: string): void;
  step(text: string): void;
  line(text?: string): void;
  details(rows: Array<[string, string | null | undefined]>): void;
  warn(text: string): void;
  error(text: string, hints?: string[]): void;
}

/** `out` carries results (stdout unless the command's own output owns it); warnings and errors go to stderr. */
export function printer(out: Stream = process.stdout, err: Stream = process.stderr): Printer {
  const c = colours(out);
  const e = colours(err);
  return {
    success: (text) => out.write(`${c.green("✔")} ${text}\n`),
    step: (text) => out.write(`${c.dim("•")} ${text}\n`),
    line: (text = "") => out.write(`${text}\n`),
    details: (rows) => {
      const shown = rows.filter((r): r is [string, string] => r[1] !== null && r[1] !== undefined && r[1] !== "");
      const width = Math.max(0, ...shown.map(([label]) => label.length));
      for (const [label, value] of shown) out.write(`  ${c.dim(label.padEnd(width))}  ${value}\n`);
    },
    warn: (text) => err.write(`${e.yellow("▲ Warning:")} ${text}\n`),
    error: (text, hints = []) => {
      err.write(`${e.red("✘ Error:")} ${text}\n`);
      for (const hint of hints) err.write(`  ${hint}\n`);
    },
  };
}

export function reportError(p: Printer, err: unknown): number {
  if (err instanceof CliError) {
    p.error(err.message, err.hints);
    return err.exitCode;
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  p.error(`unexpected failure: ${message}`, ["This is a bug in the pitstop CLI; please report it with the command you ran."]);
  return 1;
}

/** "Thu 2026-05-01 23:00 +02:00 (21:00 UTC), in 45 min" */
export function when(iso: string | null | undefined, now: Date): string | null {
  if (!iso) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${formatTime(date)}, ${formatRelative(date, now)}`;
}

/** "maintenance (active)", "read-only (scheduled)", "off". */
export function modeLabel(s: Pick<PublicStatus, "mode" | "phase">, doc?: StateDoc | null): string {
  if (s.phase === "scheduled") return `${doc?.mode ?? "maintenance"}, scheduled`;
  if (s.phase === "active") return `${s.mode}, active`;
  return "off";
}

/** Lines of `pitstop status`. */
export function statusRows(status: AdminStatus, now: Date): Array<[string, string | null]> {
  const e = status.effective;
  const doc = (e.source === "*" ? status.documents["*"] : status.documents.site) ?? null;
  const source = e.source === "site" ? `site:${status.site}` : e.source === "*" ? "site:* (every site)" : e.source === "default" ? "nothing stored (default: off)" : e.source;
  return [
    ["Mode", modeLabel(e, doc)],
    // Every language the admin gave (the effective view has DEFAULT_LANGUAGE's only).
    ["Message", e.phase === "off" ? null : (messageLabel(doc?.message ?? e.message) ?? "(default page text)")],
    ["Starts", when(e.startsAt, now)],
    ["Ends", when(e.endsAt, now)],
    ["Auto-end", doc?.autoEnd && e.phase !== "off" ? "yes, it ends by itself at the end time" : null],
    ["Banner from", e.phase === "scheduled" ? when(e.announceFrom, now) : null],
    ["Retry-After", e.retryAfter !== null ? `${e.retryAfter} s (${formatDuration(e.retryAfter)})` : null],
    ["Changed", e.updatedAt ? `${when(e.updatedAt, now)}${e.updatedBy ? `, by ${e.updatedBy}` : ""}` : null],
    ["Source", source],
    ["Allowed IPs", status.allow.ips.length ? status.allow.ips.join(", ") : "none"],
    ["Allowed paths", status.allow.paths.length ? status.allow.paths.join(", ") : "none"],
    ["Email me", notifyLine(status.notify)],
    ...status.faults.map((f): [string, string] => ["Fault", `${f.key}: ${f.reason} (fix it by switching on or off again)`]),
  ];
}

/** "Email me when we're back": counts only (an older worker sends no such section). */
function notifyLine(n: AdminStatus["notify"] | undefined): string | null {
  if (!n || !n.enabled) return null;
  if (n.fault) return `the subscriber store did not answer: ${n.fault}`;
  return `${n.subscribed ?? 0} waiting, ${n.pending ?? 0} being sent, ${n.sent ?? 0} sent, ${n.failed ?? 0} failed (from ${n.from})`;
}

/** The audit log as a table, newest first, times in local time. */
export function logTable(entries: LogEntry[]): string[] {
  const header = ["TIME (local)", "ACTION", "SCOPE", "MODE", "BY", "IP", "MESSAGE"];
  const rows = entries.map((e) => [
    Number.isNaN(Date.parse(e.at)) ? e.at : formatLocalCompact(new Date(e.at)),
    e.action + (typeof e.detail?.transition === "string" && e.detail.transition !== "updated" ? ` (${e.detail.transition})` : ""),
    e.scope,
    e.mode,
    e.actor,
    e.ip ?? "-",
    truncate(messageText(e.message), 50),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The command as a person would retype it. */
export function shellQuote(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}
