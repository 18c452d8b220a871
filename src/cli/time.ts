// Times and durations as people type them at 2 a.m., and shown back in local
// time and UTC. Pure: every function takes "now" (or a base time) explicitly;
// local time is the process's time zone (TZ). A time with a zone is read by
// the worker's own reader (src/core/time.ts), so the two always agree.
import { parseIsoTime } from "../core/time";

export class TimeError extends Error {
  override name = "TimeError";
}

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };

const DURATION_HELP = "use forms like 90s, 15m, 2h, 1h30m, 1d, or a number of seconds";
const TIME_HELP =
  "use an ISO 8601 time (2026-05-01T22:00:00Z, 2026-05-01T22:00+02:00, or 2026-05-01 22:00 for local time), " +
  "a clock time (23:00), a time from now (+45m, +1h30m) or \"now\"";

/**
 * A duration in whole seconds: "15m", "2h", "1h30m", "90s", "1d" or a bare
 * number of seconds ("900"). Zero and negative durations are refused.
 */
export function parseDuration(input: string): number {
  const s = input.trim().toLowerCase();
  let seconds: number;
  if (/^\d+$/.test(s)) {
    seconds = Number(s);
  } else {
    const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(s);
    if (!m || s === "") throw new TimeError(`"${input}" is not a duration: ${DURATION_HELP}`);
    seconds = ["d", "h", "m", "s"].reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * UNIT_SECONDS[unit]!, 0);
  }
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new TimeError(`"${input}" must be a duration longer than 0 (${DURATION_HELP})`);
  return seconds;
}

export interface ParseTimeOptions {
  now: Date;
  /** What "+1h" and "-2h" count from. Defaults to `now`. */
  base?: Date;
  /** A clock time ("23:00") is its next occurrence after this. Defaults to `now`. */
  clockAfter?: Date;
}

/**
 * A point in time. Accepted forms:
 * - "now"
 * - ISO 8601 with a zone ("2026-05-01T22:00:00Z", "...+02:00"), or without
 *   one ("2026-05-01T22:00", "2026-05-01 22:00"), which means local time
 * - a clock time "23:00" or "23:00:30": the next such local time after
 *   `clockAfter` (today, or tomorrow if it has already passed)
 * - "+45m", "+2h", "+1h30m", "+90s" after the base, or "-2h" before it
 */
export function parseTime(input: string, options: ParseTimeOptions): Date {
  const s = input.trim();
  const base = options.base ?? options.now;
  if (s.toLowerCase() === "now") return new Date(options.now.getTime());

  const relative = /^([+-])\s*(.+)$/.exec(s);
  if (relative) {
    let seconds: number;
    try {
      seconds = parseDuration(relative[2]!);
    } catch {
      throw new TimeError(`"${input}" is not a time: after + or -, ${DURATION_HELP}`);
    }
    return new Date(base.getTime() + (relative[1] === "-" ? -1 : 1) * seconds * 1000);
  }

  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (clock) {
    const [h, m, sec] = [Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0)];
    if (h > 23 || m > 59 || sec > 59) throw new TimeError(`"${input}" is not a clock time (00:00 to 23:59)`);
    const after = options.clockAfter ?? options.now;
    const sameDay = new Date(after.getFullYear(), after.getMonth(), after.getDate(), h, m, sec);
    if (sameDay.getTime() > after.getTime()) return sameDay;
    return new Date(after.getFullYear(), after.getMonth(), after.getDate() + 1, h, m, sec);
  }

  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/.exec(s);
  if (iso) {
    const [y, mo, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    const [h, mi, sec] = [Number(iso[4] ?? 0), Number(iso[5] ?? 0), Number(iso[6] ?? 0)];
    const ms = iso[7] ? Math.round(Number(`0.${iso[7]}`) * 1000) : 0;
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 59) {
      throw new TimeError(`"${input}" is not a valid date and time`);
    }
    const zone = iso[8];
    if (zone === undefined) return new Date(y, mo - 1, d, h, mi, sec, ms);
    // With a zone, the worker's own reader decides, so the CLI never sends a
    // time the worker would read differently or refuse.
    const exact = parseIsoTime(s);
    if (exact === null) {
      throw new TimeError(`"${input}" is not a time the worker can read exactly: write it like 2026-05-01T22:00:00Z or 2026-05-01T22:00+02:00 (T between date and time, no space before the zone)`);
    }
    return new Date(exact);
  }

  throw new TimeError(`"${input}" is not a time: ${TIME_HELP}`);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/**
 * "Thu 2026-05-01 23:00 +02:00 (21:00 UTC)": local time with its offset, then
 * UTC (with the UTC date when it differs). Seconds only when there are some.
 */
export function formatTime(date: Date): string {
  const withSeconds = date.getSeconds() !== 0;
  const local =
    `${WEEKDAYS[date.getDay()]} ${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    clockOf(date.getHours(), date.getMinutes(), date.getSeconds(), withSeconds);
  const offset = -date.getTimezoneOffset();
  if (offset === 0) return `${local} UTC`;
  const sign = offset < 0 ? "-" : "+";
  const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  const sameDate = date.getUTCDate() === date.getDate();
  const utcDate = sameDate ? "" : `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} `;
  return `${local} ${zone} (${utcDate}${clockOf(date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), withSeconds)} UTC)`;
}

function clockOf(h: number, m: number, s: number, withSeconds: boolean): string {
  return withSeconds ? `${pad(h)}:${pad(m)}:${pad(s)}` : `${pad(h)}:${pad(m)}`;
}

/** "23:00:05": a local clock time, for "visible everywhere by". */
export function formatClock(date: Date): string {
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** "2026-05-01 23:00:05": compact local time for tables. */
export function formatLocalCompact(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** "45 min", "1 h 30 min", "2 d 3 h", "90 s" → "1 min 30 s". Rounded to what a person needs. */
export function formatDuration(seconds: number): string {
  let s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s >= 600) s = Math.round(s / 60) * 60; // past ten minutes, seconds are noise
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  const rest = s % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return rest > 0 ? `${m} min ${rest} s` : `${m} min`;
}

/** "in 45 min", "5 min ago", "now". */
export function formatRelative(date: Date, now: Date): string {
  const diff = (date.getTime() - now.getTime()) / 1000;
  if (Math.abs(diff) < 1) return "now";
  return diff > 0 ? `in ${formatDuration(diff)}` : `${formatDuration(-diff)} ago`;
}

/** "40 ms", "12.3 s", "2 min 5 s": how long something took. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  return formatDuration(ms / 1000);
}
