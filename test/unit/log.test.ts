// Log lines: one JSON object per event, whose level, event and time no field can overwrite — unit harness, pure modules in workerd.
import { afterEach, describe, expect, it, vi } from "vitest";
import { logEvent } from "../../src/log";

afterEach(() => vi.restoreAllMocks());

describe("logEvent", () => {
  it("keeps the event's own name when a field is called event (a failed webhook logs as webhook.failed)", () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    logEvent("error", "webhook.failed", { event: "maintenance.started", level: "info", at: "yesterday", reason: "HTTP 500" });
    const logged = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(logged.event).toBe("webhook.failed");
    expect(logged.level).toBe("error");
    expect(logged.at).not.toBe("yesterday");
    expect(logged.reason).toBe("HTTP 500");
    expect(Object.keys(logged).slice(0, 3)).toEqual(["level", "event", "at"]);
  });
});
