// The audit log (GET /log): what each change records, limits, long messages — worker harness, the whole worker in workerd with real local KV and a real origin.
import { describe, expect, it } from "vitest";
import { admin, freshSite } from "./helpers";

describe("audit log", () => {
  it("records every change with what, when, scope, IP and user agent, newest first", async () => {
    const site = freshSite();
    const headers = { "cf-connecting-ip": "203.0.113.7", "user-agent": "curl/8.5" };
    await admin(site, "/on", { body: { message: "first" }, headers });
    await new Promise((r) => setTimeout(r, 5));
    await admin(site, "/read-only", { method: "POST", headers });
    await new Promise((r) => setTimeout(r, 5));
    await admin(site, "/off", { method: "POST", headers });
    const res = await admin(site, "/log");
    const { entries } = (await res.json()) as { entries: Array<{ action: string; mode: string; scope: string; ip: string; userAgent: string; at: string }> };
    expect(entries.map((e) => e.mode)).toEqual(["off", "read-only", "maintenance"]);
    expect(entries[0]).toMatchObject({ action: "off", scope: site, ip: "203.0.113.7", userAgent: "curl/8.5" });
    expect(Date.parse(entries[0]!.at)).toBeGreaterThan(Date.parse(entries[2]!.at));
  });

  it("does not log refused changes", async () => {
    const site = freshSite();
    await admin(site, "/on", { body: { retryAfter: -1 } });
    const { entries } = (await (await admin(site, "/log")).json()) as { entries: unknown[] };
    expect(entries).toEqual([]);
  });

  it("honours limit and rejects a bad one", async () => {
    const site = freshSite();
    await admin(site, "/on", { method: "POST" });
    await admin(site, "/off", { method: "POST" });
    const { entries } = (await (await admin(site, "/log?limit=1")).json()) as { entries: unknown[] };
    expect(entries).toHaveLength(1);
    expect((await admin(site, "/log?limit=abc")).status).toBe(400);
  });

  it("keeps an entry whose message is long in a multi-byte script", async () => {
    const site = freshSite();
    const message = "メンテナンス中です。".repeat(90); // 900 characters, 2700 bytes
    expect((await admin(site, "/on", { body: { message } })).status).toBe(200);
    const { entries } = (await (await admin(site, "/log")).json()) as { entries: Array<{ action: string; message: string }> };
    expect(entries).toHaveLength(1);
    expect(entries[0]?.action).toBe("on");
    expect(message.startsWith(entries[0]!.message.replace("…", ""))).toBe(true);
  });
});
