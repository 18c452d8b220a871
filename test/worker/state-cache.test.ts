// The isolate's state cache over KV, and storage faults (KV errors, corrupt or unknown-version documents) — worker harness, the whole worker in workerd with real local KV and a real origin.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, freshSite, putDoc, send, testEnv } from "./helpers";

/** Real KV, with every read counted and, on demand, failing like an outage. */
function watchedKv() {
  const state = { reads: 0, failing: false };
  const kv = new Proxy(env.MAINTENANCE, {
    get(target, prop) {
      if (prop === "get") {
        return (...args: Parameters<KVNamespace["get"]>) => {
          state.reads++;
          if (state.failing) return Promise.reject(new Error("KV GET failed: 500 Internal Server Error"));
          return (target.get as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv, state };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("isolate cache", () => {
  it("reads KV once for many requests within CACHE_SECONDS", async () => {
    const { kv, state } = watchedKv();
    const e = testEnv({ MAINTENANCE: kv });
    const site = freshSite();
    for (let i = 0; i < 50; i++) expect((await send(`https://${site}/html`, {}, e)).status).toBe(200);
    expect(state.reads).toBe(1);
  });

  it("answers from the stale value and refreshes in the background", async () => {
    const { kv, state } = watchedKv();
    const e = testEnv({ MAINTENANCE: kv, CACHE_SECONDS: "0.2" });
    const site = freshSite();
    expect((await send(`https://${site}/html`, {}, e)).status).toBe(200);
    await putDoc(site, { mode: "maintenance" });
    expect((await send(`https://${site}/html`, {}, e)).status).toBe(200); // fresh cache: old value
    await sleep(250);
    // Stale: this request still gets the cached "off" and starts one refresh...
    expect((await send(`https://${site}/html`, {}, e)).status).toBe(200);
    expect(state.reads).toBe(2);
    // ...whose result the next request uses, without another read.
    expect((await send(`https://${site}/html`, {}, e)).status).toBe(503);
    expect(state.reads).toBe(2);
  });

  it("serves concurrent requests on a warm isolate without waiting on each other's reads", async () => {
    const { kv, state } = watchedKv();
    const e = testEnv({ MAINTENANCE: kv, CACHE_SECONDS: "0.05" });
    const site = freshSite();
    await send(`https://${site}/html`, {}, e);
    await sleep(80);
    const results = await Promise.all(Array.from({ length: 40 }, () => send(`https://${site}/html`, {}, e)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(state.reads).toBe(2);
  });

  it("is visible at once in the isolate that made the change", async () => {
    const site = freshSite();
    expect((await send(`https://${site}/html`)).status).toBe(200); // warms the cache with "off"
    await admin(site, "/on", { method: "POST" });
    expect((await send(`https://${site}/html`)).status).toBe(503);
  });
});

describe("faults", () => {
  it("keeps the last good state when KV fails", async () => {
    const { kv, state } = watchedKv();
    const e = testEnv({ MAINTENANCE: kv, CACHE_SECONDS: "0.05" });
    const site = freshSite();
    await putDoc(site, { mode: "maintenance" });
    expect((await send(`https://${site}/`, {}, e)).status).toBe(503);
    state.failing = true;
    await sleep(80);
    await send(`https://${site}/`, {}, e); // triggers the failing refresh
    expect((await send(`https://${site}/`, {}, e)).status).toBe(503);
  });

  it("keeps the last good state when the document turns corrupt, and reports it", async () => {
    const e = testEnv({ CACHE_SECONDS: "0.05" });
    const site = freshSite();
    await putDoc(site, { mode: "maintenance" });
    expect((await send(`https://${site}/`, {}, e)).status).toBe(503);
    await env.MAINTENANCE.put(`site:${site}`, "{garbage");
    await sleep(80);
    await send(`https://${site}/`, {}, e);
    expect((await send(`https://${site}/`, {}, e)).status).toBe(503);
    const status = (await (await admin(site, "/status", {}, e)).json()) as { faults: Array<{ reason: string }>; cache: { fault: { reason: string } } };
    expect(status.faults[0]?.reason).toMatch(/corrupt/);
    expect(status.cache.fault.reason).toMatch(/corrupt/);
  });

  it("fails open by default when no good state was ever read", async () => {
    const site = freshSite();
    await env.MAINTENANCE.put(`site:${site}`, JSON.stringify({ v: 99, mode: "maintenance" }));
    const res = await send(`https://${site}/html`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Hello from the origin");
  });

  it("fails closed with FAIL_MODE=closed", async () => {
    const { kv, state } = watchedKv();
    state.failing = true;
    const e = testEnv({ MAINTENANCE: kv, FAIL_MODE: "closed" });
    const res = await send(`https://${freshSite()}/html`, {}, e);
    expect(res.status).toBe(503);
  });

  it("is repaired by POST /on and POST /off", async () => {
    const site = freshSite();
    await env.MAINTENANCE.put(`site:${site}`, "not json at all");
    const fixed = await admin(site, "/off", { method: "POST" });
    expect(fixed.status).toBe(200);
    const status = (await (await admin(site, "/status")).json()) as { faults: unknown[]; effective: { mode: string } };
    expect(status.faults).toEqual([]);
    expect(status.effective.mode).toBe("off");
    const log = (await (await admin(site, "/log")).json()) as { entries: Array<{ detail: { repaired?: string } }> };
    expect(log.entries[0]?.detail.repaired).toMatch(/corrupt/);
  });
});
