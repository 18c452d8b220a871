// The state as isolates see it: copies refreshed off the hot path from this
// location's copy, the coordinator or KV, within the stated bound, and every
// store fault handled on purpose — worker harness, the whole worker in workerd
// with the real coordinator, real local KV and a real origin.
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../src/config";
import { admin, cacheOf, coordinator, doc, freshSite, putDoc, putRaw, send, testEnv } from "./helpers";
import { watchedCoordinator, watchedKv } from "./stores";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A deployment of its own (its own isolate cache), on watched stores. */
function isolate(vars: Partial<Bindings> = {}) {
  const { kv, control: kvControl } = watchedKv();
  const { ns, control: coordinatorControl } = watchedCoordinator();
  const e = testEnv({ MAINTENANCE: kv, STATE_COORDINATOR: ns, ...vars });
  return { e, kv: kvControl, coordinator: coordinatorControl, get: (site: string, path = "/html") => send(`https://${site}${path}`, {}, e) };
}

/** A write made elsewhere: straight to the coordinator, as an admin at another location would. */
async function switchOnElsewhere(site: string): Promise<{ version: number; at: number }> {
  const result = await coordinator().commit({ scope: site, action: { kind: "on", mode: "maintenance", input: {} }, actor: { name: "elsewhere", ip: null, userAgent: null } });
  if (result.ok !== true) throw new Error("commit refused");
  return { version: result.version, at: result.at };
}

describe("reads stay off the hot path", () => {
  it("answers many requests from memory, reading the state once", async () => {
    const s = isolate();
    const site = freshSite();
    for (let i = 0; i < 50; i++) expect((await s.get(site)).status).toBe(200);
    expect(s.coordinator.calls.snapshot ?? 0).toBeLessThanOrEqual(1);
    expect(s.kv.reads).toBe(0);
  });

  it("costs no storage read for a hostname that has no document of its own", async () => {
    const s = isolate();
    await s.get(freshSite()); // the first request of a cold isolate reads the state
    const before = { coordinator: s.coordinator.calls.snapshot ?? 0, kv: s.kv.reads };
    for (let i = 0; i < 200; i++) expect((await s.get(`random-${crypto.randomUUID()}.example`)).status).toBe(200);
    expect(s.coordinator.calls.snapshot ?? 0).toBe(before.coordinator);
    expect(s.kv.reads).toBe(before.kv);
  });

  it("refreshes in the background once its copy is half of CACHE_SECONDS old", async () => {
    const s = isolate({ CACHE_SECONDS: "0.4" });
    const site = freshSite();
    expect((await s.get(site)).status).toBe(200);
    await admin(site, "/on", { method: "POST" }); // another isolate at this location: the location's copy has it
    await sleep(250); // past half of CACHE_SECONDS, not past all of it
    expect((await s.get(site)).status).toBe(200); // answered from memory; it starts the refresh
    expect((await s.get(site)).status).toBe(503); // the refresh has landed
  });

  it("never serves a copy older than CACHE_SECONDS: an idle isolate's next request waits for a refresh", async () => {
    const s = isolate({ CACHE_SECONDS: "0.2" });
    const site = freshSite();
    expect((await s.get(site)).status).toBe(200);
    await admin(site, "/on", { method: "POST" });
    await sleep(300);
    expect((await s.get(site)).status).toBe(503);
  });

  it("serves concurrent requests on a warm isolate without waiting on each other's reads", async () => {
    const s = isolate({ CACHE_SECONDS: "0.1" });
    const site = freshSite();
    await s.get(site);
    await sleep(60);
    const results = await Promise.all(Array.from({ length: 40 }, () => s.get(site)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(s.coordinator.calls.snapshot ?? 0).toBeLessThanOrEqual(2);
  });

  it("keeps asking this location's copy, not the coordinator, while visitors send random hostnames", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "off" });
    const s = isolate({ CACHE_SECONDS: "0.2" });
    await s.get(site); // a known site: its hostname keys the location's copy
    const before = s.coordinator.calls.snapshot ?? 0;
    for (let i = 0; i < 20; i++) {
      await s.get(`${crypto.randomUUID()}.example`);
      await sleep(60);
    }
    expect((s.coordinator.calls.snapshot ?? 0) - before).toBeLessThanOrEqual(1);
  });

  it("asks the coordinator about once per location, not once per isolate", async () => {
    const site = freshSite();
    const isolates = [isolate({ CACHE_SECONDS: "0.2" }), isolate({ CACHE_SECONDS: "0.2" }), isolate({ CACHE_SECONDS: "0.2" })];
    for (let round = 0; round < 8; round++) {
      for (const s of isolates) await s.get(site);
      await sleep(120);
    }
    const calls = isolates.reduce((n, s) => n + (s.coordinator.calls.snapshot ?? 0), 0);
    // EDGE_CACHE_SECONDS=3: the location's copy serves every refresh but the first.
    expect(calls).toBeLessThanOrEqual(2);
    expect(isolates.reduce((n, s) => n + s.kv.reads, 0)).toBe(0);
  });
});

describe("the stated bound", () => {
  const vars = { CACHE_SECONDS: "0.5", EDGE_CACHE_SECONDS: "1" };
  const boundMs = 500 + 1000 + 1000;

  async function convergence(isolates: Array<ReturnType<typeof isolate>>, site: string, from: number, deadline: number) {
    const seen: Array<number | null> = isolates.map(() => null);
    while (Date.now() < deadline && seen.some((t) => t === null)) {
      for (const [i, s] of isolates.entries()) {
        if (seen[i] === null && (await s.get(site)).status === 503) seen[i] = Date.now() - from;
      }
      await sleep(50);
    }
    return seen;
  }

  it("puts a change made elsewhere in front of every isolate within it, whatever KV lags", async () => {
    const site = freshSite();
    const isolates = [isolate(vars), isolate(vars), isolate(vars)];
    for (const s of isolates) {
      s.kv.lagMs = 60_000; // KV serves what it read first for a minute, as it can across locations
      expect((await s.get(site)).status).toBe(200);
    }
    const { at, version } = await switchOnElsewhere(site);
    const seen = await convergence(isolates, site, at, at + boundMs + 2000);
    for (const t of seen) expect(t).not.toBeNull();
    for (const t of seen) expect(t!).toBeLessThanOrEqual(boundMs);
    expect((await (await admin(site, "/status")).json()) as { consistency: { boundSeconds: number } }).toMatchObject({ consistency: { boundSeconds: 9 } });
    expect(version).toBeGreaterThan(0);
  });

  it("shows KV's delay without the coordinator: isolates on a lagging KV are still stale after the bound", async () => {
    const site = freshSite();
    // The KV copy is written by the coordinator's alarm: give it a moment, then let each isolate read it once.
    await putDoc(site, { mode: "off" });
    await sleep(1200);
    const isolates = [isolate(vars), isolate(vars)];
    for (const s of isolates) {
      s.coordinator.unreachable = true;
      s.kv.lagMs = 60_000;
      expect((await s.get(site)).status).toBe(200);
    }
    const { at } = await switchOnElsewhere(site);
    const seen = await convergence(isolates, site, at, at + boundMs + 1500);
    expect(seen).toEqual([null, null]);
  }, 15_000);
});

describe("faults", () => {
  it("falls back to KV when the coordinator cannot be reached, and says so in GET /status", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "maintenance", message: "from the KV copy" });
    await sleep(1200); // the coordinator's alarm copies it to KV, and this location's copy grows older than 1 s
    const s = isolate({ EDGE_CACHE_SECONDS: "1" });
    s.coordinator.unreachable = true;
    const page = await s.get(site);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("from the KV copy");
    expect(s.kv.reads).toBeGreaterThan(0);
    const status = (await (await admin(site, "/status", {}, s.e)).json()) as {
      faults: Array<{ key: string; store: string }>;
      consistency: { isolate: { from: string }; coordinator: { ok: boolean } };
    };
    expect(status.consistency.isolate.from).toBe("kv");
    expect(status.consistency.coordinator.ok).toBe(false);
    expect(status.faults).toContainEqual(expect.objectContaining({ key: "coordinator", store: "coordinator" }));
  });

  it("keeps the last good state when both stores fail", async () => {
    const s = isolate({ CACHE_SECONDS: "0.05" });
    const site = freshSite();
    await putDoc(site, { mode: "maintenance" });
    expect((await s.get(site, "/")).status).toBe(503);
    s.coordinator.unreachable = true;
    s.kv.failing = true;
    await sleep(80);
    for (let i = 0; i < 3; i++) expect((await s.get(site, "/")).status).toBe(503);
  });

  it("fails open by default on a cold isolate when no store answers", async () => {
    const s = isolate();
    await putDoc(freshSite(), { mode: "maintenance" });
    s.coordinator.unreachable = true;
    s.kv.failing = true;
    const res = await s.get(freshSite());
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Hello from the origin");
  });

  it("fails closed with FAIL_MODE=closed on a cold isolate when no store answers", async () => {
    const s = isolate({ FAIL_MODE: "closed" });
    s.coordinator.unreachable = true;
    s.kv.failing = true;
    expect((await s.get(freshSite())).status).toBe(503);
  });

  it("keeps the last good state when a document turns corrupt, and reports it", async () => {
    const e = testEnv({ CACHE_SECONDS: "0.05" });
    const site = freshSite();
    await putDoc(site, { mode: "maintenance" });
    expect((await send(`https://${site}/`, {}, e)).status).toBe(503);
    await putRaw(site, "{garbage");
    await sleep(80);
    await send(`https://${site}/`, {}, e);
    expect((await send(`https://${site}/`, {}, e)).status).toBe(503);
    const status = (await (await admin(site, "/status", {}, e)).json()) as { faults: Array<{ reason: string }>; cache: { fault: { reason: string } } };
    expect(status.faults[0]?.reason).toMatch(/corrupt/);
    expect(status.cache.fault.reason).toMatch(/corrupt/);
  });

  it("fails open by default when no good state was ever read", async () => {
    const site = freshSite();
    await putRaw(site, JSON.stringify({ v: 99, mode: "maintenance" }));
    const res = await send(`https://${site}/html`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Hello from the origin");
  });

  it("is repaired by POST /on and POST /off", async () => {
    const site = freshSite();
    await putRaw(site, "not json at all");
    const fixed = await admin(site, "/off", { method: "POST" });
    expect(fixed.status).toBe(200);
    const status = (await (await admin(site, "/status")).json()) as { faults: Array<{ store: string }>; effective: { mode: string } };
    expect(status.faults.filter((f) => f.store === "coordinator")).toEqual([]);
    expect(status.effective.mode).toBe("off");
    const log = (await (await admin(site, "/log")).json()) as { entries: Array<{ detail: { repaired?: string } }> };
    expect(log.entries[0]?.detail.repaired).toMatch(/corrupt/);
  });
});

describe("an isolate never goes back", () => {
  it("keeps a newer copy over an older one, whichever arrives last", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "maintenance" });
    const cache = cacheOf();
    const newer = (await coordinator().status()).snapshot;
    const older = { ...newer, version: newer.version - 1, docs: { ...newer.docs, [site]: JSON.stringify({ ...JSON.parse(newer.docs[site]!), mode: "off" }) } };
    cache.applyWrite(older, Date.now());
    expect((await send(`https://${site}/`)).status).toBe(503);
    expect(cache.version).toBe(newer.version);
  });
});

describe("a stored document whose times do not parse", () => {
  const bad = (fields: Record<string, unknown>) => (version: number) => JSON.stringify({ ...doc({ mode: "maintenance" }), version, ...fields });

  it.each([
    ["announceFrom", { announceFrom: "not a time", startsAt: new Date(Date.now() + 3_600_000).toISOString() }],
    ["startsAt", { startsAt: "soon" }],
    ["endsAt", { endsAt: "2027-02-30T10:00:00Z" }],
  ])("is a fault like any corrupt one (%s): status.json and GET /status answer, and visitors never see NaN", async (field, fields) => {
    const site = freshSite();
    await putRaw(site, bad(fields));
    const pub = await send(`https://${site}/__maint/status.json`);
    expect(pub.status).toBe(200);
    const status = await admin(site, "/status");
    expect(status.status).toBe(200);
    const body = (await status.json()) as { faults: Array<{ key: string; store: string; reason: string }> };
    expect(body.faults).toContainEqual({ key: `site:${site}`, store: "coordinator", reason: expect.stringContaining(field) });
    const page = await (await send(`https://${site}/html`)).text();
    expect(page).not.toMatch(/NaN|undefined/);
  });

  it("keeps the last good state when a good document turns into one", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "maintenance", message: "good" });
    expect((await send(`https://${site}/html`)).status).toBe(503);
    await putRaw(site, bad({ startsAt: "soon", message: "bad" }));
    const page = await send(`https://${site}/html`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("good");
  });
});

describe("compiled policies", () => {
  it("evicts the least recently used site, not the oldest inserted", async () => {
    const { StateCache } = await import("../../src/state/cache");
    const { parseConfig } = await import("../../src/config");
    const docs: Record<string, string> = {};
    for (const site of ["a.test", "b.test", "c.test"]) docs[site] = JSON.stringify(doc({ mode: "maintenance" }));
    let reads = 0;
    const source = { fetch: async () => (reads++, { wire: { version: 1, servedAt: Date.now(), docs }, from: "coordinator" as const, faults: [] }) };
    const cache = new StateCache(source as never, parseConfig({} as never), 2);
    const ctx = { waitUntil: () => {} };
    const t = Date.now();
    const a1 = await cache.policy("a.test", t, ctx);
    const b1 = await cache.policy("b.test", t + 1, ctx);
    expect(await cache.policy("a.test", t + 2, ctx)).toBe(a1); // a is now the most recently used
    await cache.policy("c.test", t + 3, ctx); // evicts b, the least recently used
    expect(await cache.policy("a.test", t + 4, ctx)).toBe(a1);
    expect(await cache.policy("b.test", t + 5, ctx)).not.toBe(b1); // compiled again
    expect(reads).toBe(1); // evicting a compiled policy costs no storage read
  });
});
