// The CLI's times and durations (parseTime, parseDuration, formatting) — cli harness, pure functions in Node.
// A fixed "now" and a fixed zone (Europe/Paris: +02:00 in summer, +01:00 in
// winter) so results do not depend on the machine running the tests.
import { parseIsoTime } from "../../src/core/time";
import { afterAll, describe, expect, it } from "vitest";
import { formatDuration, formatElapsed, formatRelative, formatTime, parseDuration, parseTime, TimeError } from "../../src/cli/time.ts";

// Node applies a new TZ at once; time.ts reads the zone only when called.

const previousTz = process.env.TZ;
process.env.TZ = "Europe/Paris";
afterAll(() => {
  if (previousTz === undefined) delete process.env.TZ;
  else process.env.TZ = previousTz;
});

/** Friday 1 May 2026, 14:03:27 in Paris (12:03:27 UTC). */
const now = new Date("2026-05-01T12:03:27Z");
const at = (input: string, extra: { base?: Date; clockAfter?: Date } = {}) => parseTime(input, { now, ...extra }).toISOString();

describe("parseDuration", () => {
  it.each([
    ["15m", 900],
    ["2h", 7200],
    ["900", 900],
    ["1h30m", 5400],
    ["90s", 90],
    ["1d", 86_400],
    ["1d2h3m4s", 93_784],
    [" 5M ", 300],
  ])("reads %j as %i seconds", (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each(["", "0", "0m", "-5m", "1.5h", "15 min", "m", "5x", "2h1d"])("refuses %j", (input) => {
    expect(() => parseDuration(input)).toThrow(TimeError);
  });

  it("says which forms it accepts", () => {
    expect(() => parseDuration("soon")).toThrow(/90s, 15m, 2h, 1h30m/);
  });
});

describe("parseTime", () => {
  it("reads a clock time later today as today, in local time", () => {
    expect(at("23:00")).toBe("2026-05-01T21:00:00.000Z");
    expect(at("14:30:15")).toBe("2026-05-01T12:30:15.000Z");
  });

  it("reads a clock time already past (or exactly now) as tomorrow", () => {
    expect(at("12:00")).toBe("2026-05-02T10:00:00.000Z");
    expect(at("14:03:27")).toBe("2026-05-02T12:03:27.000Z");
    expect(at("0:15")).toBe("2026-05-01T22:15:00.000Z");
  });

  it("keeps the wall-clock time across a daylight-saving change", () => {
    // Paris leaves summer time on 25 October 2026 at 03:00.
    const saturdayNight = new Date("2026-10-24T21:30:00Z"); // 23:30 +02:00
    expect(parseTime("23:00", { now: saturdayNight }).toISOString()).toBe("2026-10-25T22:00:00.000Z"); // 23:00 +01:00
  });

  it("reads a clock time after clockAfter when given (an end after its start)", () => {
    const start = new Date("2026-05-01T20:00:00Z"); // 22:00 local
    expect(at("01:00", { clockAfter: start })).toBe("2026-05-01T23:00:00.000Z");
  });

  it.each([
    ["+45m", "2026-05-01T12:48:27.000Z"],
    ["+2h", "2026-05-01T14:03:27.000Z"],
    ["+1h30m", "2026-05-01T13:33:27.000Z"],
    ["+90s", "2026-05-01T12:04:57.000Z"],
    ["+900", "2026-05-01T12:18:27.000Z"],
    ["now", "2026-05-01T12:03:27.000Z"],
  ])("reads %j relative to now", (input, iso) => {
    expect(at(input)).toBe(iso);
  });

  it("counts +/- from a base when given", () => {
    const start = new Date("2026-05-01T20:00:00Z");
    expect(at("+1h", { base: start })).toBe("2026-05-01T21:00:00.000Z");
    expect(at("-2h", { base: start })).toBe("2026-05-01T18:00:00.000Z");
  });

  it.each([
    ["2026-05-01T22:00:00Z", "2026-05-01T22:00:00.000Z"],
    ["2026-05-01T22:00Z", "2026-05-01T22:00:00.000Z"],
    ["2026-05-01t22:00:00.250z", "2026-05-01T22:00:00.250Z"],
    ["2026-05-01T22:00:00+05:30", "2026-05-01T16:30:00.000Z"],
    ["2026-05-01T22:00:00-04:00", "2026-05-02T02:00:00.000Z"],
    ["2026-05-01T22:00+02:00", "2026-05-01T20:00:00.000Z"],
  ])("reads ISO 8601 with a zone: %j", (input, iso) => {
    expect(at(input)).toBe(iso);
  });

  // The worker refuses these (a zone must be Z or ±HH:MM, with nothing before it): so does the CLI.
  it.each(["2027-01-01T00:00:00+01", "2027-01-01T00:00:00 -0500", "2027-01-01T00:00:00.5+01", "2026-05-01T22:00:00-0400", "2026-05-01 22:00Z"])(
    "refuses %j, as the worker would, saying how to write it",
    (input) => {
      expect(() => parseTime(input, { now })).toThrow(/the worker can read exactly: write it like 2026-05-01T22:00:00Z/);
    },
  );

  it("agrees with the worker's reader on every time with a zone", () => {
    const samples = ["2026-05-01T22:00:00Z", "2026-05-01T22:00Z", "2026-05-01T22:00:00.123456789+05:30", "2026-12-31T23:59:59-12:00", "2024-02-29T12:00Z", "2025-02-29T12:00Z", "2026-05-01T22:00:00+01"];
    for (const input of samples) {
      const worker = parseIsoTime(input);
      let cli: number | null;
      try {
        cli = parseTime(input, { now }).getTime();
      } catch {
        cli = null;
      }
      expect(cli, input).toBe(worker);
    }
  });

  it.each([
    ["2026-05-01T22:00", "2026-05-01T20:00:00.000Z"],
    ["2026-05-01 22:00:30", "2026-05-01T20:00:30.000Z"],
    ["2026-12-01T22:00", "2026-12-01T21:00:00.000Z"],
    ["2026-05-02", "2026-05-01T22:00:00.000Z"],
  ])("reads ISO 8601 without a zone as local time: %j", (input, iso) => {
    expect(at(input)).toBe(iso);
  });

  it.each(["tomorrow", "25:00", "12:60", "2026-02-30T10:00Z", "2026-13-01T10:00Z", "2026-05-01T10:00+25:00", "+5x", "+", "", "22h"])(
    "refuses %j",
    (input) => {
      expect(() => parseTime(input, { now })).toThrow(TimeError);
    },
  );

  it("names the accepted forms in its error", () => {
    expect(() => parseTime("later", { now })).toThrow(/ISO 8601.*23:00.*\+45m/);
  });
});

describe("formatting", () => {
  it("shows a time in local time with its offset, and in UTC", () => {
    expect(formatTime(new Date("2026-05-01T21:00:00Z"))).toBe("Fri 2026-05-01 23:00 +02:00 (21:00 UTC)");
    expect(formatTime(new Date("2026-12-01T21:00:05Z"))).toBe("Tue 2026-12-01 22:00:05 +01:00 (21:00:05 UTC)");
  });

  it("names the UTC date when it differs from the local one", () => {
    expect(formatTime(new Date("2026-05-01T23:30:00Z"))).toBe("Sat 2026-05-02 01:30 +02:00 (2026-05-01 23:30 UTC)");
  });

  it("shows durations the way people say them", () => {
    expect(formatDuration(45)).toBe("45 s");
    expect(formatDuration(900)).toBe("15 min");
    expect(formatDuration(5400)).toBe("1 h 30 min");
    expect(formatDuration(90)).toBe("1 min 30 s");
    expect(formatDuration(2 * 86_400 + 3 * 3600)).toBe("2 d 3 h");
    expect(formatDuration(3599)).toBe("1 h");
    expect(formatDuration(899.6)).toBe("15 min");
  });

  it("shows how far away a time is", () => {
    expect(formatRelative(new Date(now.getTime() + 45 * 60_000), now)).toBe("in 45 min");
    expect(formatRelative(new Date(now.getTime() - 5 * 60_000), now)).toBe("5 min ago");
    expect(formatRelative(now, now)).toBe("now");
  });

  it("shows elapsed time in ms under a second, then with a tenth of a second", () => {
    expect(formatElapsed(41.6)).toBe("42 ms");
    expect(formatElapsed(1412)).toBe("1.4 s");
    expect(formatElapsed(12_345)).toBe("12.3 s");
    expect(formatElapsed(125_000)).toBe("2 min 5 s");
  });
});
