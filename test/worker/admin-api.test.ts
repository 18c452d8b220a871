// The admin API: auth, switching, bad input, routes, status and status.json — worker harness, the whole worker in workerd with real local KV and a real origin.
import { describe, expect, it } from "vitest";
import { admin, ADMIN_TOKEN, freshSite, putDoc, send, storedDoc, testEnv } from "./helpers";

describe("admin auth", () => {
  it("refuses a missing token with 401 and changes nothing", async () => {
    const site = freshSite();
    const res = await admin(site, "/on", { method: "POST", token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect(await storedDoc(site)).toBeNull();
  });

  it("refuses a wrong token, including one that only shares a prefix", async () => {
    const site = freshSite();
    for (const token of ["nope", "test-admin-token-012345678", "test-admin-token-01234567890"]) {
      expect((await admin(site, "/on", { method: "POST", token })).status, token).toBe(401);
    }
    expect(await storedDoc(site)).toBeNull();
  });

  it("does not accept the token in the query string", async () => {
    const site = freshSite();
    const res = await send(`https://${site}/__maint/on?token=test-admin-token-0123456789`, { method: "POST" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/query string/);
    expect(await storedDoc(site)).toBeNull();
  });

  it('answers 503 "not configured" when ADMIN_TOKEN is unset, never open', async () => {
    const site = freshSite();
    const res = await admin(site, "/on", { method: "POST" }, testEnv({ ADMIN_TOKEN: undefined }));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe("not_configured");
    expect(await storedDoc(site)).toBeNull();
  });
});

describe("switching", () => {
  it("turns full maintenance on with an empty POST, and off again", async () => {
    const site = freshSite();
    const on = await admin(site, "/on", { method: "POST" });
    expect(on.status).toBe(200);
    expect((await storedDoc(site))?.mode).toBe("maintenance");
    expect((await send(`https://${site}/html`)).status).toBe(503);

    expect((await admin(site, "/off", { method: "POST" })).status).toBe(200);
    expect((await storedDoc(site))?.mode).toBe("off");
    expect((await send(`https://${site}/html`)).status).toBe(200);
  });

  it("stores message, retryAfter and endsAt from the body, in UTC", async () => {
    const site = freshSite();
    const endsAt = new Date(Date.now() + 3_600_000);
    const local = endsAt.toISOString().replace("Z", "+00:00");
    const res = await admin(site, "/on", { body: { message: "Server move", retryAfter: 600, endsAt: local } });
    expect(res.status).toBe(200);
    const stored = await storedDoc(site);
    expect(stored).toMatchObject({ mode: "maintenance", message: "Server move", retryAfter: 600, endsAt: endsAt.toISOString() });
  });

  it("switches to read-only through /read-only and through /on with a mode", async () => {
    const a = freshSite();
    await admin(a, "/read-only", { method: "POST" });
    expect((await storedDoc(a))?.mode).toBe("read-only");
    const b = freshSite();
    await admin(b, "/on", { body: { mode: "read-only" } });
    expect((await storedDoc(b))?.mode).toBe("read-only");
  });
});

describe("bad input changes nothing", () => {
  const cases: Array<[string, unknown, string]> = [
    ["a wrong mode", { mode: "down" }, "mode"],
    ["a negative retryAfter", { retryAfter: -5 }, "retryAfter"],
    ["a fractional retryAfter", { retryAfter: 1.5 }, "retryAfter"],
    ["retryAfter as a string", { retryAfter: "300" }, "retryAfter"],
    ["an endsAt that is not a time", { endsAt: "tomorrow" }, "endsAt"],
    ["an endsAt without a timezone", { endsAt: "2030-01-01T10:00:00" }, "endsAt"],
    ["an endsAt in the past", { endsAt: "2001-01-01T00:00:00Z" }, "endsAt"],
    ["an unknown field (a typo)", { mesage: "hi" }, "mesage"],
    ["a message that is too long", { message: "x".repeat(1001) }, "message"],
    ["a bad scope", { scope: "not a host!" }, "scope"],
    ["autoEnd without endsAt", { autoEnd: true }, "autoEnd"],
    // Times that look valid but cannot be read exactly: refused, never a 500, never moved.
    ["a zone of hours only", { startsAt: "2027-01-01T00:00:00+01" }, "startsAt"],
    ["a space before the zone", { startsAt: "2027-01-01T00:00:00 -0500" }, "startsAt"],
    ["a fraction and a zone of hours", { endsAt: "2027-01-01T00:00:00.5+01" }, "endsAt"],
    ["30 February", { startsAt: "2027-02-30T22:00:00Z" }, "startsAt"],
    ["hour 24", { endsAt: "2027-01-01T24:00:00Z" }, "endsAt"],
    ["a date without a time", { announceFrom: "2027-01-01" }, "announceFrom"],
    ["a year Date reads as 1950", { startsAt: "0050-01-01T00:00:00Z" }, "startsAt"],
  ];
  for (const [name, body, field] of cases) {
    it(`answers 400 naming the field for ${name}`, async () => {
      const site = freshSite();
      await putDoc(site, { mode: "off", message: "before" });
      const before = await storedDoc(site);
      const res = await admin(site, "/on", { body });
      expect(res.status).toBe(400);
      const error = (await res.json()) as { field: string; message: string };
      expect(error.field).toBe(field);
      expect(error.message.startsWith(`${field}:`)).toBe(true);
      expect(await storedDoc(site)).toEqual(before);
    });
  }

  it("answers 400 for a body that is not JSON", async () => {
    const site = freshSite();
    const res = await admin(site, "/on", { body: "{not json" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_json");
    expect(await storedDoc(site)).toBeNull();
  });

  it("answers 400 for a JSON array body", async () => {
    expect((await admin(freshSite(), "/on", { body: "[1,2]" })).status).toBe(400);
  });

  it("answers 413 for a body over 16 KiB", async () => {
    const site = freshSite();
    const res = await admin(site, "/on", { body: { message: "x".repeat(20_000) } });
    expect(res.status).toBe(413);
    expect(await storedDoc(site)).toBeNull();
  });
});

describe("routes", () => {
  it("answers 404 in JSON for unknown admin routes, and never forwards them", async () => {
    const site = freshSite();
    // Every variant is an admin path (isAdminPath), so none may reach the origin, and
    // each gets the admin app's JSON answer: 404 for all but one. The admin app's
    // router (Hono) percent-decodes the path as decodeURI does, so /%5F_maint/status
    // is the real GET /status, and the valid token gets 200. decodeURI leaves %2f
    // and %5c encoded, and %00 and %20 decode to characters no route has: 404.
    const variants: Array<[path: string, status: number]> = [
      ["/__maint/nope", 404],
      ["/__maint/", 404],
      ["/__MAINT/status", 404],
      ["/%5F_maint/status", 200],
      ["//__maint/status", 404],
      ["/__MAINT/on%ff", 404],
      ["/__maint;x/status", 404],
      ["/x/..%2f__maint/status", 404],
      ["/x/..%5c__maint/status", 404],
      ["/__maint%2fstatus", 404],
      ["/__maint./status", 404],
      ["/__maint%00/on", 404],
      ["/__maint%20/status", 404],
      ["/x/..;y/__maint/status", 404],
    ];
    for (const [path, status] of variants) {
      const res = await send(`https://${site}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(res.headers.get("x-origin"), path).toBeNull();
      expect(res.status, path).toBe(status);
      expect(res.headers.get("content-type"), path).toBe("application/json");
    }
    expect((await admin(site, "/nope")).status).toBe(404);
  });

  it("serves the public status.json without auth and without secrets", async () => {
    const site = freshSite();
    await admin(site, "/on", { body: { message: "Back soon", retryAfter: 60 }, headers: { "x-pitstop-actor": "alice@laptop" } });
    const res = await send(`https://${site}/__maint/status.json`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ mode: "maintenance", phase: "active", message: "Back soon", retryAfter: 60 });
    const text = JSON.stringify(body);
    expect(text).not.toContain("alice");
    expect(text).not.toContain("token");
  });

  it("shows the admin status with the effective state and who set it", async () => {
    const site = freshSite();
    await admin(site, "/on", { body: { message: "m" }, headers: { "x-pitstop-actor": "alice@laptop" } });
    const res = await admin(site, "/status");
    const status = (await res.json()) as { effective: { mode: string; source: string; updatedBy: string }; faults: unknown[] };
    expect(status.effective).toMatchObject({ mode: "maintenance", source: "site", updatedBy: "alice@laptop" });
    expect(status.faults).toEqual([]);
    expect(JSON.stringify(status)).not.toContain("test-admin-token");
  });
});
