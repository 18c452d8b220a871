// The team gets through, everyone else waits: bypass links, allowlists and
// revocation over real HTTP, with the worker under wrangler dev.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrigin, type Origin } from "../support/origin";
import { startPitstop, type Pitstop } from "../support/pitstop";

let origin: Origin;
let pitstop: Pitstop;

beforeAll(async () => {
  origin = await startOrigin();
  pitstop = await startPitstop({ originUrl: origin.url, vars: { CACHE_SECONDS: "1" } });
});
afterAll(async () => {
  await pitstop?.stop();
  await origin?.close();
});

function adminPost(path: string, body: unknown = {}): Promise<Response> {
  return fetch(`${pitstop.url}/__maint${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${pitstop.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function followLink(url: string): Promise<{ status: number; location: string | null; cookie: string | null }> {
  const res = await fetch(url, { redirect: "manual" });
  const setCookie = res.headers.get("set-cookie");
  return { status: res.status, location: res.headers.get("location"), cookie: setCookie ? setCookie.split(";")[0]! : null };
}

describe("a tester during maintenance", () => {
  it("follows a minted link, then uses the real site (GET and POST) while others see the page", async () => {
    expect((await adminPost("/on", { message: "Upgrading" })).status).toBe(200);
    const minted = (await (await adminPost("/bypass", { next: "/html" })).json()) as { url: string };
    // The link points at the worker the admin called.
    expect(minted.url.startsWith(`${pitstop.url}/__maint/bypass?token=`)).toBe(true);
    const link = await followLink(minted.url);
    expect(link.status).toBe(303);
    expect(link.location).toBe("/html");
    expect(link.cookie).toMatch(/^pitstop_bypass=/);

    const page = await fetch(`${pitstop.url}/html`, { headers: { cookie: link.cookie! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Hello from the origin");
    const post = await fetch(`${pitstop.url}/orders`, { method: "POST", body: "dish=pho", headers: { cookie: link.cookie! } });
    expect(post.status).toBe(200);
    expect(((await post.json()) as { body: string }).body).toBe("dish=pho");

    expect((await fetch(`${pitstop.url}/html`)).status).toBe(503);
    expect((await fetch(`${pitstop.url}/orders`, { method: "POST", body: "x" })).status).toBe(503);
  });

  it("gets no cookie from a forged link", async () => {
    const minted = (await (await adminPost("/bypass")).json()) as { url: string };
    const forged = minted.url.replace(/token=([^.]+)\.(.)/, (_m, p: string, c: string) => `token=${p}.${c === "A" ? "B" : "A"}`);
    const res = await followLink(forged);
    expect(res.status).toBe(403);
    expect(res.cookie).toBeNull();
  });

  it("lands on-site whatever the link's query says", async () => {
    const minted = (await (await adminPost("/bypass")).json()) as { url: string };
    for (const extra of ["&next=//evil.example", "&next=https://evil.example", "&redirect=https://evil.example"]) {
      const res = await followLink(minted.url + extra);
      expect(res.location, extra).toBe("/");
    }
    const refused = await adminPost("/bypass", { next: "//evil.example/" });
    expect(refused.status).toBe(400);
  });

  it("loses access when the links are revoked", async () => {
    const minted = (await (await adminPost("/bypass")).json()) as { url: string };
    const { cookie } = await followLink(minted.url);
    expect((await fetch(`${pitstop.url}/html`, { headers: { cookie: cookie! } })).status).toBe(200);
    expect((await adminPost("/bypass/revoke")).status).toBe(200);
    expect((await fetch(`${pitstop.url}/html`, { headers: { cookie: cookie! } })).status).toBe(503);
    expect((await followLink(minted.url)).status).toBe(403);
  });

  it("leaves health checks open during maintenance", async () => {
    expect((await fetch(`${pitstop.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${pitstop.url}/healthz/x`)).status).toBe(503);
  });

  it("lets an allowlisted IP through (CF-Connecting-IP as the edge sets it)", async () => {
    expect((await adminPost("/allow", { ips: ["127.0.0.1/32"] })).status).toBe(200);
    // wrangler dev sets CF-Connecting-IP to the client's address: 127.0.0.1 here.
    expect((await fetch(`${pitstop.url}/html`)).status).toBe(200);
    expect((await adminPost("/allow", { ips: [] })).status).toBe(200);
    expect((await fetch(`${pitstop.url}/html`)).status).toBe(503);
    await adminPost("/off");
  });
});
