// Times as Pitstop reads them: RFC 3339 (ISO 8601 with an explicit zone),
// read exactly. The worker and the CLI share this module, so a time one
// accepts the other reads as the same instant. Anything that cannot be read
// exactly is refused (null), never guessed: no month 13, no 30 February, no
// 24:00, no missing zone, no zone of hours only ("+01"), no space before it.

// 2026-05-01T22:00Z, 2026-05-01T22:00:00.5+02:00 (seconds and fraction optional).
const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch, or null when `text` is not such a time. */
export function parseIsoTime(text: string): number | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
  const s = m[6] === undefined ? 0 : Number(m[6]);
  // Before 1970 nothing is scheduled (and Date.UTC reads years 0 to 99 as 1900 to 1999).
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  const offset = offsetMinutes(m[8]!);
  if (offset === null) return null;
  // Milliseconds only: a finer fraction is truncated, as Date keeps ms.
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0").slice(0, 3));
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offset * 60_000;
}

/** The same time as Pitstop stores it: UTC, "2026-05-01T20:00:00.000Z". */
export function normaliseIsoTime(text: string): string | null {
  const ms = parseIsoTime(text);
  return ms === null ? null : new Date(ms).toISOString();
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function offsetMinutes(zone: string): number | null {
  if (zone === "Z" || zone === "z") return 0;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (!m) return null;
  const [h, mi] = [Number(m[2]), Number(m[3])];
  if (h > 23 || mi > 59) return null;
  return (m[1] === "-" ? -1 : 1) * (h * 60 + mi);
}
