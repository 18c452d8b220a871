// Maintenance on: the page, problem+json, HEAD, the * document, sign-out cookies — worker harness, the whole worker in workerd with real local KV and a real origin.
import { describe, expect, it } from "vitest";
import { deleteDoc, freshSite, putDoc, send, testEnv } from "./helpers";

describe("maintenance on", () => {
  it("serves the HTML page with 503, Retry-After, no-store and Vary: Accept, Accept-Language", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "maintenance", message: "Moving to a new server" });
    const res = await send(`https://${site}/menu`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("300");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("vary")).toBe("Accept, Accept-Language");
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toContain("Moving to a new server");
    expect(html).toContain('<html lang="en"');
  });

  it("escapes the admin's message in the page", async () => {
    const site = freshSite();
    await putDoc(site, { message: `<script>alert("x")</script> & <b>bold</b>` });
    const html = await (await send(`https://${site}/`)).text();
    expect(html).not.toContain('<script>alert("x")</script>');
    expect(html).not.toContain("<b>bold</b>");
    expect(html).toContain('&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
  });

  it("takes Retry-After from endsAt when set, else from retryAfter", async () => {
    const a = freshSite();
    await putDoc(a, { endsAt: new Date(Date.now() + 600_000).toISOString(), retryAfter: 42 });
    const ra = Number((await send(`https://${a}/`)).headers.get("retry-after"));
    expect(ra).toBeGreaterThan(590);
    expect(ra).toBeLessThanOrEqual(600);

    const b = freshSite();
    await putDoc(b, { retryAfter: 42 });
    expect((await send(`https://${b}/`)).headers.get("retry-after")).toBe("42");
  });

  it("shows the expected end as a machine-readable time the page can localise", async () => {
    const site = freshSite();
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    await putDoc(site, { endsAt });
    const html = await (await send(`https://${site}/`)).text();
    expect(html).toContain(`datetime="${endsAt}"`);
    expect(html).toContain("UTC");
  });

  it("answers API clients with RFC 9457 problem+json", async () => {
    const site = freshSite();
    await putDoc(site, { message: "Back at 23:00", retryAfter: 120 });
    const res = await send(`https://${site}/api/orders`, { headers: { accept: "application/json" } });
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 503, title: expect.any(String), detail: "Back at 23:00", retryAfter: 120 });
  });

  it("answers HEAD with headers only", async () => {
    const site = freshSite();
    await putDoc(site, {});
    const res = await send(`https://${site}/`, { method: "HEAD" });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("300");
    expect(await res.text()).toBe("");
  });

  it("blocks every method, writes included, without reaching the origin", async () => {
    const site = freshSite();
    await putDoc(site, {});
    for (const method of ["GET", "POST", "PUT", "DELETE", "OPTIONS"]) {
      const res = await send(`https://${site}/x`, { method, body: method === "GET" || method === "OPTIONS" ? undefined : "data" });
      expect(res.status, method).toBe(503);
      expect(res.headers.get("x-origin"), method).toBeNull();
    }
  });

  it("applies the * document to every site that has none of its own, and a site's own document wins", async () => {
    const env = testEnv();
    // A private namespace stand-in is not needed: "*" is shared, so restore it.
    await putDoc("*", { mode: "maintenance", message: "everywhere" });
    try {
      const other = freshSite();
      expect((await send(`https://${other}/`, {}, env)).status).toBe(503);
      const own = freshSite();
      await putDoc(own, { mode: "off" });
      expect((await send(`https://${own}/html`, {}, env)).status).toBe(200);
    } finally {
      await deleteDoc("*");
    }
  });
});

describe("sign-out on maintenance", () => {
  it("expires the cookies named in SIGN_OUT_COOKIES on the maintenance page only", async () => {
    const e = testEnv({ SIGN_OUT_COOKIES: "session,__Host-remember_me" });
    const site = freshSite();
    await putDoc(site, { mode: "maintenance" });
    const page = await send(`https://${site}/html`, {}, e);
    expect(page.status).toBe(503);
    const cookies = page.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies[0]).toMatch(/^session=; Max-Age=0; Path=\/; Secure/);
    // A __Host- cookie is only replaced by one with Secure, Path=/ and no Domain.
    expect(cookies[1]).toMatch(/^__Host-remember_me=; Max-Age=0; Path=\/; Secure/);
    expect(cookies[1]).not.toMatch(/Domain/);

    const ro = freshSite();
    await putDoc(ro, { mode: "read-only" });
    expect((await send(`https://${ro}/html`, {}, e)).headers.getSetCookie()).toEqual([]);
  });
});
