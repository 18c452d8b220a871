// Read-only mode: reads pass to the origin, writes are refused — worker harness, the whole worker in workerd with real local KV and a real origin.
import { describe, expect, it } from "vitest";
import { freshSite, putDoc, send, testEnv } from "./helpers";

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

describe("read-only side doors", () => {
  it("refuses a WebSocket upgrade, whose stream could carry writes, before it reaches the origin", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "read-only" });
    const res = await send(`https://${site}/socket`, { headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" } });
    expect(res.status).toBe(503);
    expect(res.headers.get("x-pitstop")).toBe("read-only");
    expect(res.webSocket).toBeNull();
  });

  it("refuses an h2c upgrade too", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "read-only" });
    const res = await send(`https://${site}/echo`, { headers: { upgrade: "h2c", connection: "Upgrade, HTTP2-Settings" } });
    expect(res.status).toBe(503);
    expect(res.headers.get("x-origin")).toBeNull();
  });

  it("lets upgrades through with READ_ONLY_UPGRADES=pass", async () => {
    const site = freshSite();
    await putDoc(site, { mode: "read-only" });
    const res = await send(`https://${site}/echo`, { headers: { upgrade: "h2c" } }, testEnv({ READ_ONLY_UPGRADES: "pass" }));
    expect(res.status).toBe(200);
  });

  it.each(["x-http-method-override", "x-http-method", "x-method-override"])("refuses a GET whose %s names a write", async (header) => {
    const site = freshSite();
    await putDoc(site, { mode: "read-only" });
    const res = await send(`https://${site}/cart/1`, { headers: { [header]: "DELETE" } });
    expect(res.status).toBe(503);
    expect(res.headers.get("x-origin")).toBeNull();
    expect((await send(`https://${site}/cart/1`, { headers: { [header]: "GET" } })).status).toBe(200);
  });
});
