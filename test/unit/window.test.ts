// Maintenance windows (phaseAt, retryAfterSeconds) at their boundaries — unit harness, pure modules in workerd.
import { describe, expect, it } from "vitest";
import type { StateDoc } from "../../src/core/doc";
import { phaseAt, retryAfterSeconds } from "../../src/core/window";
import { doc as docAt } from "../support/docs";

const T0 = Date.parse("2026-06-01T12:00:00Z");
const start = T0 + 3_600_000;
const end = T0 + 7_200_000;
const iso = (ms: number) => new Date(ms).toISOString();
const doc = (p: Partial<StateDoc>): StateDoc => docAt(p, new Date(T0));

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
