// Passthrough: maintenance off, origin faults, origin HTML untouched — worker harness, the whole worker in workerd with real local KV and a real origin.
import { describe, expect, it } from "vitest";
import { HTML_PAGE } from "../support/fixtures";
import { freshSite, send, testEnv, type Echo } from "./helpers";

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
