// IP and path allowlists, per site (POST /allow) and from config — worker harness, the whole worker in workerd with real local KV and a real origin.
import { describe, expect, it } from "vitest";
import { admin, freshSite, putDoc, send, storedDoc, testEnv } from "./helpers";

describe("allowlists", () => {
  it("passes allowlisted IPs by CF-Connecting-IP only, never X-Forwarded-For", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "maintenance", allow: { ips: ["203.0.113.0/24", "2001:db8::/48"], paths: [] } });
    expect((await send(`https://${site}/html`, { headers: { "cf-connecting-ip": "203.0.113.9" } })).status).toBe(200);
    expect((await send(`https://${site}/html`, { headers: { "cf-connecting-ip": "2001:db8:0:1::5" } })).status).toBe(200);
    expect((await send(`https://${site}/html`, { headers: { "x-forwarded-for": "203.0.113.9", "cf-connecting-ip": "192.0.2.1" } })).status).toBe(503);
    expect((await send(`https://${site}/html`, { headers: { "x-forwarded-for": "203.0.113.9" } })).status).toBe(503);
  });

  it("sets per-site lists through POST /allow and refuses an invalid entry, naming it", async () => {
    const site = freshSite();
    await admin(site, "/on", { method: "POST" });
    const bad = await admin(site, "/allow", { body: { ips: ["10.0.0.0/8", "10.0.0.300"] } });
    expect(bad.status).toBe(400);
    const error = (await bad.json()) as { field: string; message: string };
    expect(error.field).toBe("allow.ips.1");
    expect(error.message).toContain("10.0.0.300");
    expect((await storedDoc(site))?.allow.ips).toEqual([]);

    expect((await admin(site, "/allow", { body: { ips: ["198.51.100.0/24"], paths: ["/webhooks/*"] } })).status).toBe(200);
    expect((await send(`https://${site}/html`, { headers: { "cf-connecting-ip": "198.51.100.20" } })).status).toBe(200);
    expect((await send(`https://${site}/webhooks/stripe`, { method: "POST", body: "{}" })).status).toBe(200);
    const status = (await (await admin(site, "/status")).json()) as { allow: { ips: string[]; paths: string[] }; bypass: { epoch: number } };
    expect(status.allow.ips).toContain("198.51.100.0/24");
    expect(status.allow.paths).toEqual(["/healthz", "/up", "/webhooks/*"]);
    expect(status.bypass).toMatchObject({ enabled: true, epoch: 0, revokedBefore: null });
  });

  it("lets health checks through during maintenance, and not lookalike paths", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "maintenance" });
    expect((await send(`https://${site}/healthz`)).status).toBe(200);
    // ("/%2e%2e/healthz" needs no test here: the URL parser already resolves it to /healthz,
    // which is also what the origin receives.)
    for (const path of ["/healthz/%2e%2e/html", "/healthz%2f..%2fhtml", "//healthz", "/Healthz", "/healthz;x", "/healthz/"]) {
      expect((await send(`https://${site}${path}`)).status, path).toBe(503);
    }
  });

  it("takes ALLOW_PATHS and ALLOW_IPS from config for every site", async () => {
    const e = testEnv({ ALLOW_PATHS: "/status-probe", ALLOW_IPS: "192.0.2.44" });
    const site = freshSite();
    await putDoc(site, { mode: "maintenance" });
    expect((await send(`https://${site}/status-probe`, {}, e)).status).toBe(200);
    expect((await send(`https://${site}/healthz`, {}, e)).status).toBe(503);
    expect((await send(`https://${site}/html`, { headers: { "cf-connecting-ip": "192.0.2.44" } }, e)).status).toBe(200);
  });
});
