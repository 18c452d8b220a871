// Rules over real HTTP: a feature rule, a read-only rule on checkout, and a per-user rule that a signed JWT cookie is kept out by and a forged one is not — e2e harness, the worker under wrangler dev in front of a real origin.
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { adminCall, pitstop, useStack } from "./helpers";

const SECRET = "e2e-user-key-secret-0123456789abcdef";
useStack({ CACHE_SECONDS: "1", USER_KEY_FROM: "cookie:session", USER_KEY_SECRET: SECRET });

const get = (path: string, init: RequestInit = {}) => fetch(`${pitstop.url}${path}`, { redirect: "manual", ...init });

describe("rules", () => {
  it("takes /search down while / and the rest pass", async () => {
    expect((await adminCall("/rules", { id: "search", paths: ["/search/*"], message: "Search is being rebuilt" })).status).toBe(200);
    const search = await get("/search/x");
    expect(search.status).toBe(503);
    expect(await search.text()).toContain("Search is being rebuilt");
    expect((await get("/%73earch/x")).status).toBe(503);
    const home = await get("/html");
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Hello from the origin");
    expect((await fetch(`${pitstop.url}/__maint/rules/search`, { method: "DELETE", headers: { authorization: `Bearer ${pitstop.token}` } })).status).toBe(200);
  });

  it("keeps checkout read-only", async () => {
    expect((await adminCall("/rules", { id: "checkout", paths: ["/checkout/*"], mode: "read-only" })).status).toBe(200);
    const post = await get("/checkout/pay", { method: "POST", body: "card=4242", headers: { accept: "application/json" } });
    expect(post.status).toBe(503);
    expect(await post.json()).toMatchObject({ rule: "checkout" });
    expect((await get("/checkout/basket")).status).toBe(200);
    await fetch(`${pitstop.url}/__maint/rules/checkout`, { method: "DELETE", headers: { authorization: `Bearer ${pitstop.token}` } });
  });

  it("keeps a user with a signed cookie out, and lets a forged cookie through as anonymous", async () => {
    expect((await adminCall("/rules", { id: "migrate", users: ["cust-42"], message: "Your account is being moved" })).status).toBe(200);
    const exp = Math.floor(Date.now() / 1000) + 600;
    const genuine = await sign({ sub: "cust-42", exp }, SECRET, "HS256");
    const forged = await sign({ sub: "cust-42", exp }, "someone-elses-secret-0123456789", "HS256");
    const them = await get("/account", { headers: { cookie: `session=${genuine}` } });
    expect(them.status).toBe(503);
    expect(await them.text()).toContain("Your account is being moved");
    expect((await get("/account", { headers: { cookie: `session=${forged}` } })).status).toBe(200);
    expect((await get("/account")).status).toBe(200);
  });
});
