// Storage faults: a corrupt document in KV, the last good state, and the repair — e2e harness, the worker under wrangler dev in front of a real origin, over real HTTP.
import { describe, expect, it } from "vitest";
import { kvPut } from "../support/pitstop";
import { adminCall, pitstop, useStack } from "./helpers";

useStack();

describe("KV faults", () => {
  it("keeps the last good state over a corrupt document, reports it, and /off repairs it", async () => {
    expect((await adminCall("/on", { message: "good state" })).status).toBe(200);
    await kvPut(pitstop, "site:127.0.0.1", "{corrupt");
    await new Promise((r) => setTimeout(r, 1300)); // past CACHE_SECONDS=1
    await fetch(`${pitstop.url}/html`); // the stale request starts the refresh
    await new Promise((r) => setTimeout(r, 300));
    const page = await fetch(`${pitstop.url}/html`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("good state");
    const status = (await (await adminCall("/status")).json()) as { faults: Array<{ key: string; reason: string }> };
    expect(status.faults).toEqual([{ key: "site:127.0.0.1", reason: "corrupt: not JSON" }]);
    expect(pitstop.output()).toContain('"event":"state.fault"');

    expect((await adminCall("/off")).status).toBe(200);
    expect((await fetch(`${pitstop.url}/html`)).status).toBe(200);
    expect(((await (await adminCall("/status")).json()) as { faults: unknown[] }).faults).toEqual([]);
  });
});
