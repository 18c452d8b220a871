// Storage faults: a corrupt KV copy, the state visitors keep, and the repair — e2e harness, the worker under wrangler dev in front of a real origin, over real HTTP.
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
    // The coordinator holds the good state; the fault is in its KV copy.
    expect(status.faults).toEqual([{ key: "site:127.0.0.1", store: "kv", reason: "corrupt: not JSON" }]);
    for (let i = 0; i < 20 && !pitstop.output().includes('"event":"state.fault"'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pitstop.output()).toContain('"event":"state.fault"');

    expect((await adminCall("/off")).status).toBe(200);
    expect((await fetch(`${pitstop.url}/html`)).status).toBe(200);
    // The coordinator copies the repaired document to KV within a second or two.
    let faults: unknown[] = [null];
    for (let i = 0; i < 30 && faults.length; i++) {
      await new Promise((r) => setTimeout(r, 200));
      faults = ((await (await adminCall("/status")).json()) as { faults: unknown[] }).faults;
    }
    expect(faults).toEqual([]);
  });
});
