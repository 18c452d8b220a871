// Bypass links and cookies for the team, and their revocation — worker harness, the whole worker in workerd with real local KV and a real origin.
import { describe, expect, it } from "vitest";
import { signBypass } from "../../src/bypass/signing";
import { admin, BYPASS_SECRET, cacheOf, coordinator, deleteDoc, type Echo, freshSite, putDoc, putRaw, send, storedDoc, testEnv } from "./helpers";

/** Mints a bypass link for `site` through the admin API. */
async function mint(site: string, body: Record<string, unknown> = {}): Promise<{ url: string; expiresAt: string }> {
  const res = await admin(site, "/bypass", { body });
  expect(res.status).toBe(200);
  return (await res.json()) as { url: string; expiresAt: string };
}

/** Follows a bypass link; returns the response and the cookie pair it set, if any. */
async function follow(url: string, e = testEnv()): Promise<{ res: Response; cookie: string | null }> {
  const res = await send(url, { redirect: "manual" }, e);
  const setCookie = res.headers.get("set-cookie");
  return { res, cookie: setCookie ? setCookie.split(";")[0]! : null };
}

describe("bypass links", () => {
  it("mints a link that expires in 15 minutes by default, without putting the token in the log", async () => {
    const site = freshSite();
    const before = Date.now();
    const { url, expiresAt } = await mint(site);
    expect(url.startsWith(`https://${site}/__maint/bypass?token=`)).toBe(true);
    const ttl = Date.parse(expiresAt) - before;
    expect(ttl).toBeGreaterThan(14 * 60_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000 + 1000);
    const log = await (await admin(site, "/log")).text();
    expect(log).toContain("bypass.mint");
    expect(log).not.toContain(new URL(url).searchParams.get("token")!);
  });

  it("lands on a same-site next path", async () => {
    const site = freshSite();
    const { res } = await follow((await mint(site, { next: "/checkout?step=2" })).url);
    expect(res.headers.get("location")).toBe("/checkout?step=2");
  });

  it.each(["//evil.example", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)", "evil.example"])(
    "refuses to mint a link whose next is %s",
    async (next) => {
      const res = await admin(freshSite(), "/bypass", { body: { next } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { field: string }).field).toBe("next");
    },
  );

  it("ignores a next added to the link's query string (no open redirect)", async () => {
    const site = freshSite();
    const { url } = await mint(site);
    const { res } = await follow(`${url}&next=//evil.example`);
    expect(res.headers.get("location")).toBe("/");
  });

  it("sets nothing and shows a 403 page for a forged, tampered or expired link", async () => {
    const site = freshSite();
    const { url } = await mint(site);
    const token = new URL(url).searchParams.get("token")!;
    const [payload, sig] = token.split(".") as [string, string];
    const forged = await signBypass("not-the-secret-at-all", { purpose: "link", site, exp: Math.floor(Date.now() / 1000) + 600, iat: Date.now() });
    const expired = await signBypass(BYPASS_SECRET, { purpose: "link", site, exp: Math.floor(Date.now() / 1000) - 1, iat: Date.now() });
    const cookieAsLink = await signBypass(BYPASS_SECRET, { purpose: "cookie", site, exp: Math.floor(Date.now() / 1000) + 600, iat: Date.now() });
    const otherSite = await signBypass(BYPASS_SECRET, { purpose: "link", site: "other.test", exp: Math.floor(Date.now() / 1000) + 600, iat: Date.now() });
    const flipped = `${payload}.${sig.startsWith("A") ? "B" : "A"}${sig.slice(1)}`;
    const pages = new Set<string>();
    for (const bad of [forged, expired, cookieAsLink, otherSite, flipped, `${payload}x.${sig}`, "", "garbage"]) {
      const { res, cookie } = await follow(`https://${site}/__maint/bypass?token=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(403);
      expect(cookie, bad).toBeNull();
      const html = await res.text();
      expect(html).toContain("invalid or has expired");
      pages.add(html);
    }
    // Every failure looks the same: no hint of why.
    expect(pages.size).toBe(1);
  });

  it("is disabled without BYPASS_SECRET, saying how to set it, while the gate still works", async () => {
    const e = testEnv({ BYPASS_SECRET: undefined });
    const site = freshSite();
    const res = await admin(site, "/bypass", { method: "POST" }, e);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { message: string }).message).toContain("wrangler secret put BYPASS_SECRET");
    await putDoc(site, { mode: "maintenance" });
    expect((await send(`https://${site}/html`, {}, e)).status).toBe(503);
  });
});

describe("bypass cookies", () => {
  it("sets a signed, HttpOnly, SameSite=Lax __Host- cookie and redirects to /", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "maintenance" });
    const { res, cookie } = await follow((await mint(site)).url);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const header = res.headers.get("set-cookie")!;
    expect(header).toMatch(/^__Host-pitstop_bypass=/);
    expect(header).toMatch(/; HttpOnly/);
    expect(header).toMatch(/; Secure/);
    expect(header).toMatch(/; SameSite=Lax/);
    expect(header).toMatch(/; Path=\//);
    expect(header).toMatch(/; Max-Age=43200/);
    expect(header).not.toMatch(/Domain=/);
    expect(cookie).not.toBeNull();
  });

  it("uses a plain, non-Secure cookie name on http and __Secure- with COOKIE_DOMAIN", async () => {
    const site = freshSite();
    const { url } = await mint(site);
    const plain = await send(url.replace("https://", "http://"), { redirect: "manual" });
    // On http the worker sends: pitstop_bypass=<token>; Max-Age=43200; Path=/; HttpOnly; SameSite=Lax
    expect(plain.headers.getSetCookie()).toHaveLength(1);
    const header = plain.headers.get("set-cookie")!;
    expect(header).toMatch(/^pitstop_bypass=[^;]+;/);
    expect(header).toMatch(/; HttpOnly(;|$)/);
    expect(header).toMatch(/; SameSite=Lax(;|$)/);
    expect(header).toMatch(/; Path=\/(;|$)/);
    expect(header).toMatch(/; Max-Age=43200(;|$)/);
    expect(header).not.toMatch(/Domain=/);
    expect(plain.headers.get("set-cookie")).not.toMatch(/Secure/);

    const e = testEnv({ COOKIE_DOMAIN: "example.org" });
    const spanning = await send(url, { redirect: "manual" }, e);
    expect(spanning.headers.get("set-cookie")).toMatch(/^__Secure-pitstop_bypass=.*Domain=example\.org/);
  });

  it("lets the cookie holder through maintenance, writes included, while others stay out", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "maintenance" });
    const { cookie } = await follow((await mint(site)).url);
    const get = await send(`https://${site}/html`, { headers: { cookie: `other=1; ${cookie}` } });
    expect(get.status).toBe(200);
    const post = await send(`https://${site}/orders`, { method: "POST", body: "x=1", headers: { cookie: cookie! } });
    expect(post.status).toBe(200);
    expect(((await post.json()) as Echo).body).toBe("x=1");
    expect((await send(`https://${site}/html`)).status).toBe(503);
  });

  it("lets the cookie holder write in read-only mode", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "read-only" });
    const { cookie } = await follow((await mint(site)).url);
    expect((await send(`https://${site}/cart`, { method: "POST", body: "a", headers: { cookie: cookie! } })).status).toBe(200);
    expect((await send(`https://${site}/cart`, { method: "POST", body: "a" })).status).toBe(503);
  });

  it("ignores tampered, wrong-site and expired cookies", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "maintenance" });
    const { cookie } = await follow((await mint(site)).url);
    const [name, value] = cookie!.split("=") as [string, string];
    const now = Math.floor(Date.now() / 1000);
    const candidates = [
      `${name}=${value.slice(0, -2)}xx`,
      `${name}=${await signBypass(BYPASS_SECRET, { purpose: "cookie", site: "elsewhere.test", exp: now + 600, iat: Date.now() })}`,
      `${name}=${await signBypass(BYPASS_SECRET, { purpose: "cookie", site, exp: now - 1, iat: Date.now() })}`,
      `${name}=${await signBypass(BYPASS_SECRET, { purpose: "link", site, exp: now + 600, iat: Date.now() })}`,
      `pitstop_bypass=${BYPASS_SECRET}`,
    ];
    for (const c of candidates) {
      expect((await send(`https://${site}/html`, { headers: { cookie: c } })).status, c).toBe(503);
    }
  });
});

describe("revocation", () => {
  it("revocation cuts links and cookies issued before it", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "maintenance" });
    const link = (await mint(site)).url;
    const { cookie } = await follow(link);
    expect((await send(`https://${site}/html`, { headers: { cookie: cookie! } })).status).toBe(200);

    const revoke = await admin(site, "/bypass/revoke", { method: "POST" });
    expect(revoke.status).toBe(200);
    expect((await storedDoc(site))?.bypassEpoch).toBeGreaterThan(Date.now() - 60_000);
    expect((await storedDoc(site))?.mode).toBe("maintenance");
    expect((await send(`https://${site}/html`, { headers: { cookie: cookie! } })).status).toBe(503);
    expect((await follow(link)).res.status).toBe(403);
    // A link minted after the revoke works.
    const fresh = await follow((await mint(site)).url);
    expect((await send(`https://${site}/html`, { headers: { cookie: fresh.cookie! } })).status).toBe(200);
  });

  it("revokes only the site's links when it follows *, and it keeps following *", async () => {
    const site = freshSite();
    const other = freshSite();
    await putDoc("*", { mode: "maintenance", bypassEpoch: 4 });
    try {
      const mine = await follow((await mint(site)).url);
      const theirs = await follow((await mint(other)).url);
      await admin(site, "/bypass/revoke", { method: "POST" });
      expect((await storedDoc(site))?.mode).toBe("inherit");
      expect((await storedDoc("*"))?.bypassEpoch).toBe(4);
      expect((await send(`https://${site}/html`, { headers: { cookie: mine.cookie! } })).status).toBe(503);
      expect((await send(`https://${other}/html`, { headers: { cookie: theirs.cookie! } })).status).toBe(200);
      // Still following "*": switching "*" off opens the site.
      await admin(site, "/off", { body: { scope: "*" } });
      expect((await send(`https://${site}/html`)).status).toBe(200);
    } finally {
      await deleteDoc("*");
    }
  });

  it("keeps a site following * after revoking its links when nothing was stored yet", async () => {
    const site = freshSite();
    await admin(site, "/bypass/revoke", { method: "POST" });
    try {
      await admin(site, "/on", { body: { scope: "*" } });
      expect((await send(`https://${site}/html`)).status).toBe(503);
    } finally {
      await deleteDoc("*");
    }
  });

  it("gives a link revoked elsewhere, but followed on a stale isolate, a cookie that dies with the news", async () => {
    const site = freshSite();
    await admin(site, "/on", { method: "POST" });
    expect((await send(`https://${site}/html`)).status).toBe(503); // this isolate now caches the state
    const { url } = await mint(site);
    // Another location revokes; this isolate has not heard yet (its copy is fresh).
    await coordinator().commit({ scope: site, action: { kind: "bypass.revoke" }, actor: { name: "elsewhere", ip: null, userAgent: null } });
    const { cookie } = await follow(url);
    expect(cookie).not.toBeNull();
    cacheOf().applyWrite((await coordinator().status()).snapshot, Date.now()); // the news arrives
    expect((await send(`https://${site}/html`, { headers: { cookie: cookie! } })).status).toBe(503);
  });

  it("keeps a revoked cookie revoked after the site is reset and switched on again", async () => {
    const site = freshSite();
    await admin(site, "/on", { method: "POST" });
    const { cookie } = await follow((await mint(site)).url);
    await admin(site, "/bypass/revoke", { method: "POST" });
    await admin(site, "/state", { method: "DELETE" });
    await admin(site, "/on", { method: "POST" });
    try {
      expect((await send(`https://${site}/html`, { headers: { cookie: cookie! } })).status).toBe(503);
    } finally {
      await deleteDoc("*");
    }
  });

  it("revoking * cuts links minted for * on sites that have their own document", async () => {
    const site = freshSite();
    await putDoc("*", { mode: "maintenance" });
    try {
      await admin(site, "/on", { method: "POST" });
      const { cookie } = await follow((await mint(site, { scope: "*" })).url.replace(/^https:\/\/[^/]+/, `https://${site}`));
      expect((await send(`https://${site}/html`, { headers: { cookie: cookie! } })).status).toBe(200);
      await admin(site, "/bypass/revoke", { body: { scope: "*" } });
      expect((await send(`https://${site}/html`, { headers: { cookie: cookie! } })).status).toBe(503);
    } finally {
      await deleteDoc("*");
    }
  });

  it("revokes earlier links when a corrupt document is repaired (its revocations are unknown)", async () => {
    const site = freshSite();
    await admin(site, "/on", { method: "POST" });
    const { cookie } = await follow((await mint(site)).url);
    await putRaw(site, "{corrupt");
    await admin(site, "/on", { method: "POST" });
    expect((await send(`https://${site}/html`, { headers: { cookie: cookie! } })).status).toBe(503);
  });
});
