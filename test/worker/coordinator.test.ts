// The state coordinator: every admin write goes through it, in order, numbered,
// audited in the same transaction, and copied to KV — worker harness, the
// whole worker in workerd with the real Durable Object and real local KV.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { StateCoordinator } from "../../src/state/coordinator";
import { admin, coordinator, freshSite, send, storedDoc } from "./helpers";
import { watchedKv } from "./stores";

interface Change {
  ok: boolean;
  version: number;
  visibleBy: string;
  state: { bypassEpoch: number; allow: { ips: string[]; paths: string[] }; mode: string };
}
interface LogEntry {
  action: string;
  version: number;
  at: string;
  detail: { changed?: Record<string, unknown>; transition?: string };
}

async function log(site: string, limit = 50): Promise<LogEntry[]> {
  return ((await (await admin(site, `/log?limit=${limit}`)).json()) as { entries: LogEntry[] }).entries;
}

describe("ordered writes", () => {
  it("keeps every one of four concurrent changes to one site, and the log agrees with the state", async () => {
    const site = freshSite();
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([
        admin(site, "/allow", { body: { ips: [`198.51.100.${round + 1}`] } }),
        admin(site, "/allow", { body: { paths: [`/hooks-${round}/*`] } }),
        admin(site, "/bypass/revoke", { method: "POST" }),
        admin(site, "/on", { body: { message: `round ${round}` } }),
      ]);
      for (const a of answers) expect(a.status).toBe(200);
      const stored = (await storedDoc(site))!;
      expect(stored.mode).toBe("maintenance");
      expect(stored.message).toBe(`round ${round}`);
      expect(stored.allow.ips).toEqual([`198.51.100.${round + 1}`]);
      expect(stored.allow.paths).toEqual([`/hooks-${round}/*`]);
      const revoke = (await Promise.all(answers.map((a) => a.json() as Promise<Change>)))[2]!;
      expect(stored.bypassEpoch).toBeGreaterThanOrEqual(revoke.state.bypassEpoch);
      const newest = (await log(site, 1))[0]!;
      expect(newest.version).toBe(stored.version);
    }
  });

  it("numbers 20 parallel writes in order: the log lists every one by version, and the state is the last", async () => {
    const site = freshSite();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => admin(site, "/on", { body: { message: `write ${i}` } })));
    const changes = await Promise.all(answers.map((a) => a.json() as Promise<Change>));
    for (const a of answers) expect(a.status).toBe(200);
    const versions = changes.map((c) => c.version);
    expect(new Set(versions).size).toBe(20);
    const entries = await log(site);
    expect(entries).toHaveLength(20);
    const logged = entries.map((e) => e.version);
    expect(logged).toEqual([...logged].sort((a, b) => b - a)); // newest first, by version
    expect([...logged].sort((a, b) => a - b)).toEqual([...versions].sort((a, b) => a - b));
    const stored = (await storedDoc(site))!;
    expect(stored.version).toBe(Math.max(...versions));
    const last = changes.find((c) => c.version === stored.version)!;
    expect(stored.message).toBe((last.state as unknown as { message: string }).message);
  });

  it("answers every change with its version and by when every location serves it", async () => {
    const site = freshSite();
    const before = Date.now();
    const on = (await (await admin(site, "/on", { method: "POST" })).json()) as Change;
    const off = (await (await admin(site, "/off", { method: "POST" })).json()) as Change;
    expect(off.version).toBeGreaterThan(on.version);
    // The test deployment's bound: CACHE_SECONDS 5 + EDGE_CACHE_SECONDS 3 + 1 s.
    const visibleBy = Date.parse(on.visibleBy);
    expect(visibleBy - before).toBeGreaterThanOrEqual(9000);
    expect(visibleBy - Date.now()).toBeLessThanOrEqual(9000);
  });
});

describe("the audit log records what changed", () => {
  it("keeps the lists an /allow set, so 0.0.0.0/0 leaves a trace", async () => {
    const site = freshSite();
    await admin(site, "/allow", { body: { ips: ["0.0.0.0/0"], paths: ["/webhooks/*"] } });
    const [entry] = await log(site, 1);
    expect(entry!.action).toBe("allow");
    expect(entry!.detail.changed).toMatchObject({ allow: { ips: ["0.0.0.0/0"], paths: ["/webhooks/*"] } });
  });

  it("keeps the values of a switch-on: mode, message and window", async () => {
    const site = freshSite();
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    await admin(site, "/on", { body: { message: "Moving servers", endsAt } });
    const [entry] = await log(site, 1);
    expect(entry!.detail.changed).toMatchObject({ mode: "maintenance", message: "Moving servers", endsAt });
  });
});

describe("a KV outage", () => {
  it("changes nothing visitors see, admin writes still succeed, and the KV copy is repaired when KV returns", async () => {
    const site = freshSite();
    const stub = coordinator();
    await stub.status();
    const realKv = env.MAINTENANCE;
    const { kv, control } = watchedKv(realKv);
    control.failing = true;
    // The object's own KV binding fails, as KV did on 2025-06-12.
    await runInDurableObject(stub, (instance: StateCoordinator) => {
      (instance as unknown as { env: { MAINTENANCE: KVNamespace } }).env.MAINTENANCE = kv;
    });
    try {
      const on = await admin(site, "/on", { body: { message: "during the outage" } });
      expect(on.status).toBe(200);
      expect((await send(`https://${site}/`)).status).toBe(503);
      await runDurableObjectAlarm(stub); // the KV copy fails, and is retried later
      const status = (await (await admin(site, "/status")).json()) as { consistency: { kv: { behind: boolean; fault: string } } };
      expect(status.consistency.kv.behind).toBe(true);
      expect(status.consistency.kv.fault).toMatch(/KV PUT failed/);
      expect(await realKv.get(`site:${site}`)).toBeNull();
    } finally {
      await runInDurableObject(stub, (instance: StateCoordinator) => {
        (instance as unknown as { env: { MAINTENANCE: KVNamespace } }).env.MAINTENANCE = realKv;
      });
    }
    await runDurableObjectAlarm(stub);
    expect(JSON.parse((await realKv.get(`site:${site}`))!)).toMatchObject({ mode: "maintenance", message: "during the outage" });
    const status = (await (await admin(site, "/status")).json()) as { consistency: { kv: { behind: boolean; fault: string | null } } };
    expect(status.consistency.kv).toMatchObject({ behind: false, fault: null });
  });
});

describe("the coordinator unreachable for a write", () => {
  it("answers 503 storage_error and changes nothing", async () => {
    const site = freshSite();
    const broken = {
      idFromName: (name: string) => env.STATE_COORDINATOR.idFromName(name),
      get: () => ({ commit: () => Promise.reject(new Error("network connection lost")) }),
    } as unknown as typeof env.STATE_COORDINATOR;
    const res = await admin(site, "/on", { method: "POST" }, { ...env, STATE_COORDINATOR: broken } as never);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe("storage_error");
    expect(await storedDoc(site)).toBeNull();
  });

  it("answers 503 storage_error for the audit log too, never 500", async () => {
    const broken = {
      idFromName: (name: string) => env.STATE_COORDINATOR.idFromName(name),
      get: () => ({ log: () => Promise.reject(new Error("network connection lost")) }),
    } as unknown as typeof env.STATE_COORDINATOR;
    const res = await admin(freshSite(), "/log", {}, { ...env, STATE_COORDINATOR: broken } as never);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe("storage_error");
  });
});
