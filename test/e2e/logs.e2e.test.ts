// The worker's log lines: one JSON line per admin action, none for ordinary requests — e2e harness, the worker under wrangler dev in front of a real origin, over real HTTP.
import { describe, expect, it } from "vitest";
import { adminCall, pitstop, useStack } from "./helpers";

useStack();

describe("log lines", () => {
  it("logs one JSON line per admin action", async () => {
    await adminCall("/on", { message: "log line check" });
    await adminCall("/off");
    await new Promise((r) => setTimeout(r, 300));
    const lines = pitstop.output().split("\n").filter((l) => l.includes('"event":"admin.change"'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const parsed = JSON.parse(lines.at(-1)!.slice(lines.at(-1)!.indexOf("{"))) as { action: string };
    expect(parsed.action).toBe("off");
    expect(pitstop.output()).not.toContain(pitstop.token);
  });

  it("writes no log line of its own for ordinary requests", async () => {
    const events = () => pitstop.output().split("\n").filter((l) => l.includes('"event":')).length;
    const before = events();
    for (let i = 0; i < 20; i++) await (await fetch(`${pitstop.url}/html`)).text();
    await new Promise((r) => setTimeout(r, 300));
    expect(events()).toBe(before);
  });
});
