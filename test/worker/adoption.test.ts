// Adopting what KV held before there was a coordinator: documents (version 1)
// and the audit log — worker harness, the whole worker in workerd with a fresh
// coordinator and real local KV (storage is this file's own).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, send } from "./helpers";

describe("first use of the coordinator", () => {
  it("adopts every document and audit entry KV holds, so nothing is lost", async () => {
    const site = "adopted.example";
    // As a Pitstop without a coordinator stored them (schema version 1).
    const v1 = {
      v: 1, mode: "maintenance", message: "Stored before the coordinator", retryAfter: null, startsAt: null, endsAt: null,
      announceFrom: null, autoEnd: false, allow: { ips: [], paths: ["/healthz"] }, bypassEpoch: 0,
      updatedAt: "2026-11-01T10:00:00.000Z", updatedBy: "alice@laptop",
    };
    await env.MAINTENANCE.put(`site:${site}`, JSON.stringify(v1));
    await env.MAINTENANCE.put("site:*", JSON.stringify({ ...v1, mode: "off", message: null }));
    const entry = { at: "2026-11-01T10:00:00.000Z", action: "on", scope: site, mode: "maintenance", message: "Stored before the coordinator", actor: "alice@laptop", ip: null, userAgent: null };
    await env.MAINTENANCE.put(`log:${site}:0008237894800000:abc`, JSON.stringify(entry), { metadata: entry });
    // A hand-edited entry that cannot be read must not stop the adoption (and with it every write).
    const broken = { ...entry, at: "yesterday" };
    await env.MAINTENANCE.put(`log:${site}:0008237894800001:bad`, JSON.stringify(broken), { metadata: broken });
    // The KV copy of a coordinator that came before: its numbering goes on from there.
    await env.MAINTENANCE.put("state:snapshot", JSON.stringify({ version: 50, servedAt: Date.now(), docs: {} }));

    const page = await send(`https://${site}/`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain("Stored before the coordinator");
    expect((await send(`https://${site}/healthz`)).status).toBe(200);

    const log = (await (await admin(site, "/log")).json()) as { entries: Array<{ actor: string; at: string }> };
    expect(log.entries).toEqual([expect.objectContaining({ actor: "alice@laptop", at: "2026-11-01T10:00:00.000Z" })]);

    // The next write builds on what was adopted, numbered after every version a copy has seen, and the log keeps both.
    const off = (await (await admin(site, "/off", { method: "POST" })).json()) as { version: number };
    expect(off.version).toBe(51);
    const after = (await (await admin(site, "/log")).json()) as { entries: Array<{ action: string }> };
    expect(after.entries.map((e) => e.action)).toEqual(["off", "on"]);
  });
});
