// Window evaluation at the boundaries, and the checks on times an admin sends.
import { describe, expect, it } from "vitest";
import { applyAction, SKEW_MS, transition } from "../../src/core/changes";
import { emptyDoc, type StateDoc } from "../../src/core/doc";
import type { OnInput } from "../../src/core/input";
import { phaseAt, retryAfterSeconds } from "../../src/core/window";
import { stored } from "../support/docs";

const T0 = Date.parse("2026-06-01T12:00:00Z");
const start = T0 + 3_600_000;
const end = T0 + 7_200_000;
const iso = (ms: number) => new Date(ms).toISOString();
const doc = (p: Partial<StateDoc>): StateDoc => ({ ...emptyDoc(new Date(T0), "t"), mode: "maintenance", ...p });

describe("phaseAt", () => {
  const windowed = doc({ startsAt: iso(start), endsAt: iso(end), announceFrom: iso(start - 600_000) });
  it.each([
    [start - 600_001, "pending"],
    [start - 600_000, "announced"],
    [start - 1, "announced"],
    [start, "active"],
    [end - 1, "active"],
    [end, "active"], // autoEnd off: the team ends it
    [end + 86_400_000, "active"],
  ])("at %i is %s without autoEnd", (now, kind) => {
    expect(phaseAt(windowed, now).kind).toBe(kind);
  });

  it.each([
    [end - 1, "active"],
    [end, "ended"],
    [end + 1, "ended"],
  ])("at %i is %s with autoEnd", (now, kind) => {
    expect(phaseAt({ ...windowed, autoEnd: true }, now).kind).toBe(kind);
  });

  it("announces 24 hours ahead by default", () => {
    const d = doc({ startsAt: iso(start) });
    expect(phaseAt(d, start - 86_400_001).kind).toBe("pending");
    expect(phaseAt(d, start - 86_400_000).kind).toBe("announced");
  });

  it("is off for an off document whatever its times", () => {
    expect(phaseAt(doc({ mode: "off", startsAt: iso(start) }), start + 1).kind).toBe("off");
    expect(phaseAt(null, T0).kind).toBe("off");
  });
});

describe("retryAfterSeconds", () => {
  it("counts down to endsAt, then falls back to retryAfter or 300", () => {
    expect(retryAfterSeconds(doc({ endsAt: iso(end) }), end - 90_500)).toBe(91);
    expect(retryAfterSeconds(doc({ endsAt: iso(end), retryAfter: 60 }), end + 1)).toBe(60);
    expect(retryAfterSeconds(doc({ endsAt: iso(end) }), end + 1)).toBe(300);
    expect(retryAfterSeconds(null, T0)).toBe(300);
  });
});

describe("switching on: the checks on times", () => {
  const base = emptyDoc(new Date(T0), "t");
  const switchOn = (current: StateDoc, input: OnInput, mode: "maintenance" | "read-only", now: number) =>
    applyAction("site.test", stored(current), { kind: "on", mode, input }, now);
  it("accepts a start a little in the past (clock skew) and refuses one further back", () => {
    expect(switchOn(base, { startsAt: iso(T0 - SKEW_MS + 1000) }, "maintenance", T0).ok).toBe(true);
    const r = switchOn(base, { startsAt: iso(T0 - SKEW_MS - 1000) }, "maintenance", T0);
    expect(r).toEqual({ ok: false, problem: { code: "invalid_request", field: "startsAt", message: "must not be in the past" } });
  });
  it("refuses an end before the start, and an end in the past", () => {
    expect(switchOn(base, { startsAt: iso(end), endsAt: iso(start) }, "maintenance", T0)).toMatchObject({ ok: false, problem: { field: "endsAt" } });
    expect(switchOn(base, { endsAt: iso(T0 - 1) }, "maintenance", T0)).toMatchObject({ ok: false, problem: { field: "endsAt" } });
  });
  it("refuses announceFrom after the start or without one", () => {
    expect(switchOn(base, { startsAt: iso(start), announceFrom: iso(start + 1) }, "maintenance", T0)).toMatchObject({ ok: false, problem: { field: "announceFrom" } });
    expect(switchOn(base, { announceFrom: iso(T0) }, "maintenance", T0)).toMatchObject({ ok: false, problem: { field: "announceFrom" } });
  });
  it("keeps allowlists and the bypass epoch, and clears an old message", () => {
    const current = { ...base, message: "old", bypassEpoch: 3, allow: { ips: ["192.0.2.1"], paths: [] } };
    const r = switchOn(current, {}, "read-only", T0);
    expect(r).toMatchObject({ ok: true, doc: { mode: "read-only", message: null, bypassEpoch: 3, allow: { ips: ["192.0.2.1"] } } });
  });
});

describe("transition", () => {
  const off = emptyDoc(new Date(T0), "t");
  it.each([
    [off, doc({}), "started"],
    [doc({}), off, "ended"],
    [off, doc({ startsAt: iso(start) }), "scheduled"],
    [doc({ startsAt: iso(start) }), off, "cancelled"],
    [doc({}), doc({ message: "new" }), "updated"],
    [null, off, "updated"],
  ])("%#: is %s", (before, after, kind) => {
    expect(transition(before, after, T0)).toBe(kind);
  });
});
