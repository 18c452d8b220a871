// Bypass links for the team: the link, its cookie, forged links, next, revocation — e2e harness, the worker under wrangler dev in front of a real origin, over real HTTP.
import { describe, expect, it } from "vitest";
import { adminPost, pitstop, useStack } from "./helpers";

useStack();

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
});
