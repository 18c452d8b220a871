// The gate in the real Workers runtime, with real local KV and a real origin.
import { describe, expect, it } from "vitest";
import { HTML_PAGE } from "../support/fixtures";
import { freshSite, putDoc, send, testEnv, type Echo } from "./helpers";

describe("maintenance off: passthrough", () => {
  it("forwards method, path, query, headers and body unchanged", async () => {
    const site = freshSite();
    const res = await send(`https://${site}/orders/42?x=1&y=%20z`, {
      method: "PATCH",
      headers: { "x-custom": "kept", "content-type": "application/json", cookie: "sid=abc" },
      body: JSON.stringify({ qty: 2 }),
    });
    expect(res.status).toBe(200);
    const echo = (await res.json()) as Echo;
    expect(echo.method).toBe("PATCH");
    expect(echo.path).toBe("/orders/42");
    expect(echo.query).toBe("?x=1&y=%20z");
    expect(echo.headers["x-custom"]).toBe("kept");
    expect(echo.headers.cookie).toBe("sid=abc");
    expect(echo.body).toBe('{"qty":2}');
  });

  it("returns the origin's response headers untouched, every Set-Cookie included", async () => {
    const res = await send(`https://${freshSite()}/cookies`);
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/; HttpOnly", "b=2; Path=/; Secure", "c=3; Path=/shop; Max-Age=60"]);
    expect(await res.text()).toBe("three cookies");
  });

  it("returns redirects instead of following them", async () => {
    const res = await send(`https://${freshSite()}/redirect`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/html");
    expect(res.headers.getSetCookie()).toEqual(["r=1; Path=/"]);
  });

  it("keeps the origin's content encoding", async () => {
    const res = await send(`https://${freshSite()}/gzip`, { headers: { "accept-encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(await res.text()).toBe("compressed ".repeat(1000));
  });

  it("passes the origin's own 503 through (it may be the application's page)", async () => {
    const res = await send(`https://${freshSite()}/status/503`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("origin says 503");
  });
});

describe("maintenance on", () => {
  it("serves the HTML page with 503, Retry-After, no-store and Vary: Accept", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "maintenance", message: "Moving to a new server" });
    const res = await send(`https://${site}/menu`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("300");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("vary")).toBe("Accept");
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
      await env.MAINTENANCE.delete("site:*");
    }
  });
});

describe("read-only", () => {
  it("lets GET, HEAD and OPTIONS through to the origin", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "read-only" });
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      const res = await send(`https://${site}/echo`, { method });
      expect(res.status, method).toBe(200);
      expect(res.headers.get("x-origin"), method).toBe("test-origin");
    }
  });

  it("refuses every other method, unknown ones included, with its own page", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "read-only" });
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "PURGE", "PROPFIND"]) {
      const res = await send(`https://${site}/cart`, { method, body: "x=1", headers: { accept: "text/html" } });
      expect(res.status, method).toBe(503);
      expect(res.headers.get("x-origin"), method).toBeNull();
      expect(await res.text(), method).toContain("your change was not saved");
    }
  });

  it("tells API clients in JSON that their change was not saved", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "read-only" });
    const res = await send(`https://${site}/api/cart`, { method: "POST", body: "{}", headers: { accept: "application/json" } });
    expect(res.status).toBe(503);
    const problem = (await res.json()) as { detail: string; type: string };
    expect(problem.type).toBe("urn:pitstop:read-only");
    expect(problem.detail).toContain("your change was not saved");
  });
});

describe("origin faults", () => {
  it("shows the friendly page with 502 when the origin is unreachable", async () => {
    const env = testEnv({ ORIGIN_URL: "http://127.0.0.1:9" });
    const res = await send(`https://${freshSite()}/`, { headers: { accept: "text/html" } }, env);
    expect(res.status).toBe(502);
    const html = await res.text();
    expect(html).toContain("We'll be right back");
    expect(html).not.toMatch(/Error:|stack|ECONNREFUSED|internal error/i);
  });

  for (const status of [502, 504, 520, 522, 526]) {
    it(`replaces the origin's ${status} and its error text with the friendly page`, async () => {
      const res = await send(`https://${freshSite()}/status/${status}`, { headers: { accept: "text/html" } });
      expect(res.status).toBe(502);
      expect(await res.text()).not.toContain("internal detail");
    });
  }

  it("answers API clients with problem+json when the origin is down", async () => {
    const env = testEnv({ ORIGIN_URL: "http://127.0.0.1:9" });
    const res = await send(`https://${freshSite()}/api`, { headers: { accept: "application/json" } }, env);
    expect(res.status).toBe(502);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("origin HTML", () => {
  it("is returned byte for byte when no window is announced", async () => {
    const res = await send(`https://${freshSite()}/html`);
    expect(await res.text()).toBe(HTML_PAGE);
  });
});
