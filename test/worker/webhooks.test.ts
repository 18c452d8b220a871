// Webhooks: signed delivery, retries, and the cron sweep that fires window events — worker harness, the whole worker in workerd with real local KV and a real origin.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import worker from "../../src/index";
import { admin, deleteDoc, freshSite, testEnv } from "./helpers";

const HOOK_SECRET = "whsec-test-0123456789";
const iso = (ms: number) => new Date(ms).toISOString();

interface Delivery {
  path: string;
  headers: Record<string, string>;
  body: string;
}

async function deliveries(path: string): Promise<Delivery[]> {
  const res = await fetch(`${inject("originUrl")}/hooks-log?path=${encodeURIComponent(path)}`);
  return (await res.json()) as Delivery[];
}

function hookEnv(path: string) {
  return testEnv({ WEBHOOK_URLS: `${inject("originUrl")}${path}`, WEBHOOK_SECRET: HOOK_SECRET });
}

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function runCron(e: ReturnType<typeof testEnv>, at: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), e, ctx);
  await waitOnExecutionContext(ctx);
}

describe("webhooks", () => {
  it("tells of rule changes, counting who a rule is for and never naming them", async () => {
    const path = `/hooks/${freshSite()}`;
    const e = hookEnv(path);
    const site = freshSite();
    await admin(site, "/rules", { body: { id: "migrate", users: ["alice@example.com", "cust-42"], message: "Moving your data" } }, e);
    await admin(site, "/rules/migrate", { method: "DELETE" }, e);
    const got = await deliveries(path);
    const events = got.map((d) => JSON.parse(d.body) as { type: string; rules: unknown[]; text: string });
    expect(events.map((ev) => ev.type)).toEqual(["maintenance.rules", "maintenance.rules"]);
    expect(events[0]!.rules).toEqual([{ id: "migrate", paths: [], methods: [], mode: "maintenance", message: "Moving your data", users: 2, percent: null }]);
    expect(events[1]!.rules).toEqual([]);
    for (const d of got) {
      expect(d.body).not.toContain("alice@example.com");
      expect(d.body).not.toContain("cust-42");
    }
  });

  it("sends a signed, Slack-compatible event for each change", async () => {
    const path = `/hooks/${freshSite()}`;
    const e = hookEnv(path);
    const site = freshSite();
    await admin(site, "/on", { body: { message: "Moving servers" }, headers: { "x-pitstop-actor": "ops@host" } }, e);
    await admin(site, "/off", { method: "POST" }, e);
    const got = await deliveries(path);
    expect(got.map((d) => JSON.parse(d.body).type)).toEqual(["maintenance.started", "maintenance.ended"]);
    const first = got[0]!;
    const event = JSON.parse(first.body);
    expect(event).toMatchObject({ site, mode: "maintenance", message: "Moving servers", actor: "ops@host" });
    expect(event.text).toContain(site);
    const [t, v1] = first.headers["pitstop-signature"]!.split(",").map((p) => p.split("=")[1]!);
    expect(v1).toBe(await hmacHex(HOOK_SECRET, `${t}.${first.body}`));
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(60);
  });

  it("retries a failing receiver, never fails the admin call, and shows the failure in status", async () => {
    const e = testEnv({ WEBHOOK_URLS: `${inject("originUrl")}/hooks/fail` });
    const site = freshSite();
    const before = (await deliveries("/hooks/fail")).length;
    const res = await admin(site, "/on", { method: "POST" }, e);
    expect(res.status).toBe(200);
    expect((await deliveries("/hooks/fail")).length - before).toBe(3);
    const status = (await (await admin(site, "/status", {}, e)).json()) as { webhooks: { lastFailure: { reason: string } } };
    expect(status.webhooks.lastFailure.reason).toBe("HTTP 500");
  }, 20_000);
});

describe("cron trigger", () => {
  it("fires started and ended once and only once per transition", async () => {
    const path = `/hooks/${freshSite()}`;
    const e = hookEnv(path);
    const site = freshSite();
    const now = Date.now();
    const startsAt = now + 60_000;
    const endsAt = now + 180_000;
    await admin(site, "/schedule", { body: { startsAt: iso(startsAt), endsAt: iso(endsAt), autoEnd: true } }, e);
    // The sweep covers every stored site; other tests' sites may fire too.
    const types = async () =>
      (await deliveries(path)).map((d) => JSON.parse(d.body) as { type: string; site: string }).filter((ev) => ev.site === site).map((ev) => ev.type);
    expect(await types()).toEqual(["maintenance.scheduled"]);

    await runCron(e, startsAt - 1000);
    expect(await types()).toEqual(["maintenance.scheduled"]);
    await runCron(e, startsAt + 1000);
    await runCron(e, startsAt + 61_000);
    expect(await types()).toEqual(["maintenance.scheduled", "maintenance.started"]);
    await runCron(e, endsAt + 1000);
    await runCron(e, endsAt + 61_000);
    expect(await types()).toEqual(["maintenance.scheduled", "maintenance.started", "maintenance.ended"]);
    await deleteDoc(site);
  });
});
