// Admin changes (applyAction's checks on what an admin sends, and transition) — unit harness, pure modules in workerd.
import { describe, expect, it } from "vitest";
import { applyAction, SKEW_MS, transition } from "../../src/core/changes";
import type { StateDoc } from "../../src/core/doc";
import type { OnInput } from "../../src/core/input";
import { doc as docAt, stored } from "../support/docs";

const T0 = Date.parse("2026-06-01T12:00:00Z");
const start = T0 + 3_600_000;
const end = T0 + 7_200_000;
const iso = (ms: number) => new Date(ms).toISOString();
const doc = (p: Partial<StateDoc>): StateDoc => docAt(p, new Date(T0));

describe("switching on: the checks on times", () => {
  const base = doc({ mode: "off" });
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
  const off = doc({ mode: "off" });
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
