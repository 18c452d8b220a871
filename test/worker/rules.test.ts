// Rules: maintenance for a feature or for some users, and who a user is
// (HS256 tokens, RS256/ES256 tokens from a real JWKS server, a trusted
// header) — worker harness, the whole worker in workerd with the real
// coordinator, real local KV, a real origin and a real JWKS server.
import { sign } from "hono/jwt";
import { describe, expect, inject, it } from "vitest";
import { admin, freshSite, putDoc, send, storedDoc, testEnv, type Echo } from "./helpers";

const SECRET = "user-key-secret-for-tests-0123456789";
const now = () => Math.floor(Date.now() / 1000);

async function addRule(site: string, rule: Record<string, unknown>, e = testEnv()) {
  const res = await admin(site, "/rules", { body: rule }, e);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json() as Promise<{ version: number; state: { rules: Array<{ id: string; paths: string[] }> } }>;
}

describe("feature rules", () => {
  it("takes search down while the rest of the site works, with the rule's message", async () => {
    const site = freshSite();
    await addRule(site, { id: "search", paths: ["/search/*"], message: "Search is being rebuilt; everything else works" });
    const page = await send(`https://${site}/search/shoes`);
    expect(page.status).toBe(503);
    expect(page.headers.get("retry-after")).toBe("300");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("x-pitstop")).toBe("maintenance");
    expect(await page.text()).toContain("Search is being rebuilt; everything else works");
    const home = await send(`https://${site}/html`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Hello from the origin");
  });

  it("answers API clients with problem+json naming the rule", async () => {
    const site = freshSite();
    await addRule(site, { id: "search", paths: ["/search/*"], message: "Search is being rebuilt" });
    const res = await send(`https://${site}/search/api`, { headers: { accept: "application/json" } });
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json()).toMatchObject({ status: 503, rule: "search", detail: "Search is being rebuilt", type: "urn:pitstop:maintenance" });
  });

  it("closes sign-up and checkout to writes while people browse", async () => {
    const site = freshSite();
    await addRule(site, { id: "checkout", paths: ["/checkout/*", "/signup"], mode: "read-only", message: "Orders are paused" });
    const post = await send(`https://${site}/checkout/pay`, { method: "POST", body: "x", headers: { accept: "application/json" } });
    expect(post.status).toBe(503);
    expect(await post.json()).toMatchObject({ rule: "checkout", type: "urn:pitstop:read-only", detail: "Orders are paused" });
    expect((await send(`https://${site}/checkout/cart`)).status).toBe(200);
    expect((await send(`https://${site}/menu`, { method: "POST", body: "x" })).status).toBe(200);
  });

  it("blocks every spelling of a blocked path at the origin's door", async () => {
    const site = freshSite();
    await addRule(site, { id: "search", paths: ["/search/*"] });
    for (const path of ["/%73earch/x", "//search/x", "/x/../search/x", "/SEARCH/x", "/search;v=1/x"]) {
      const res = await send(`https://${site}${path}`);
      expect(res.status, path).toBe(503);
      expect(res.headers.get("x-origin"), path).toBeNull();
    }
  });

  it("shows its message as a banner on the pages that still work only when asked", async () => {
    const site = freshSite();
    await addRule(site, { id: "search", paths: ["/search/*"], message: "Search is being rebuilt" });
    expect(await (await send(`https://${site}/banner/page`)).text()).not.toContain("pitstop-banner");
    await addRule(site, { id: "search", paths: ["/search/*"], message: "Search is being rebuilt", banner: true });
    const page = await (await send(`https://${site}/banner/page`)).text();
    expect(page).toContain('id="pitstop-banner"');
    expect(page).toContain("Search is being rebuilt");
  });

  it("applies rules of * to every site, after the site's own", async () => {
    const site = freshSite();
    await addRule(site, { id: "mine", paths: ["/a/*"], mode: "read-only" });
    await addRule(site, { id: "everyone", paths: ["/a/*", "/b/*"], scope: "*" });
    try {
      expect(await (await send(`https://${site}/a/x`, { method: "POST", headers: { accept: "application/json" } })).json()).toMatchObject({ rule: "mine" });
      expect(await (await send(`https://${site}/b/x`, { headers: { accept: "application/json" } })).json()).toMatchObject({ rule: "everyone" });
    } finally {
      await admin(site, "/rules/everyone?scope=*", { method: "DELETE" });
    }
  });
});

describe("the rules API", () => {
  it("adds, replaces in place, lists and removes rules", async () => {
    const site = freshSite();
    await addRule(site, { id: "a", paths: ["/a/*"] });
    await addRule(site, { id: "b", paths: ["/Search/*"] });
    const replaced = await addRule(site, { id: "a", paths: ["/aa/*"] });
    expect(replaced.state.rules.map((r) => [r.id, r.paths])).toEqual([["a", ["/aa/*"]], ["b", ["/search/*"]]]);
    const status = (await (await admin(site, "/status")).json()) as { rules: Array<{ id: string }> };
    expect(status.rules.map((r) => r.id)).toEqual(["a", "b"]);
    expect((await admin(site, "/rules/a", { method: "DELETE" })).status).toBe(200);
    expect((await storedDoc(site))!.rules.map((r) => r.id)).toEqual(["b"]);
  });

  it("answers 404 for removing a rule that does not exist, and changes nothing", async () => {
    const site = freshSite();
    await addRule(site, { id: "a" });
    const before = await storedDoc(site);
    const res = await admin(site, "/rules/nope", { method: "DELETE" });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "not_found" });
    expect(await storedDoc(site)).toEqual(before);
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ["an id with capitals", { id: "Search" }, "id"],
    ["an id too long", { id: "x".repeat(64) }, "id"],
    ["no id", { paths: ["/a"] }, "id"],
    ["a path pattern with a dot segment", { id: "a", paths: ["/ok", "/a/../b"] }, "paths.1"],
    ["a pattern with a star inside", { id: "a", paths: ["/a*b"] }, "paths.0"],
    ["a percentage over 100", { id: "a", percent: 101 }, "percent"],
    ["a negative percentage", { id: "a", percent: -1 }, "percent"],
    ["a method that is not one", { id: "a", methods: ["P O S T"] }, "methods.0"],
    ["a mode that does not exist", { id: "a", mode: "off" }, "mode"],
    ["over 1,000 users", { id: "a", users: Array.from({ length: 1001 }, (_, i) => `u${i}`) }, "users"],
    ["an unknown field", { id: "a", path: "/typo" }, "path"],
  ];
  for (const [name, body, field] of bad) {
    it(`answers 400 naming the field for ${name}, and changes nothing`, async () => {
      const site = freshSite();
      await addRule(site, { id: "existing" });
      const before = await storedDoc(site);
      const res = await admin(site, "/rules", { body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { field: string }).field).toBe(field);
      expect(await storedDoc(site)).toEqual(before);
    });
  }

  it("refuses a 51st rule on a site, naming the limit", async () => {
    const site = freshSite();
    await putDoc(site, {
      mode: "off",
      rules: Array.from({ length: 50 }, (_, i) => ({ id: `r${i}`, paths: [`/r${i}/*`], methods: [], users: [], percent: null, mode: "maintenance" as const, message: null, banner: false })),
    });
    const res = await admin(site, "/rules", { body: { id: "one-too-many" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/at most 50 rules/);
    expect((await admin(site, "/rules", { body: { id: "r7", paths: ["/replaced/*"] } })).status).toBe(200); // replacing still works
  });

  it("lists the rules' paths and messages in status.json, never their user keys", async () => {
    const site = freshSite();
    await addRule(site, { id: "migrate", users: ["alice@example.com", "cust-42"], message: "Your account is being moved" });
    await addRule(site, { id: "search", paths: ["/search/*"], message: "Search is down" });
    const text = await (await send(`https://${site}/__maint/status.json`)).text();
    expect(text).not.toContain("alice@example.com");
    expect(text).not.toContain("cust-42");
    expect(JSON.parse(text).rules).toEqual([
      expect.objectContaining({ id: "migrate", paths: [], message: "Your account is being moved", forSomeUsers: true }),
      expect.objectContaining({ id: "search", paths: ["/search/*"], message: "Search is down", forSomeUsers: false }),
    ]);
  });

  it("records every rule change in the audit log", async () => {
    const site = freshSite();
    await addRule(site, { id: "search", paths: ["/search/*"] });
    await admin(site, "/rules/search", { method: "DELETE" });
    const log = (await (await admin(site, "/log")).json()) as { entries: Array<{ action: string; detail: { changed: { rules: unknown[] } } }> };
    expect(log.entries.map((e) => e.action)).toEqual(["rule.delete", "rule.put"]);
    expect(log.entries[1]!.detail.changed.rules).toEqual([expect.objectContaining({ id: "search", paths: ["/search/*"] })]);
    expect(log.entries[0]!.detail.changed.rules).toEqual([]);
  });
});

describe("users in and out of a rule", () => {
  it("applies concurrent additions to the rule as it stands, so none is lost", async () => {
    const site = freshSite();
    const create = { message: "Moving your data" };
    const answers = await Promise.all(
      ["alice", "bob", "carol", "dave"].map((user) => admin(site, "/rules/migrate/users", { body: { add: [user], create } })),
    );
    for (const a of answers) expect(a.status).toBe(200);
    expect((await storedDoc(site))!.rules[0]!.users.sort()).toEqual(["alice", "bob", "carol", "dave"]);
    await Promise.all(["alice", "carol"].map((user) => admin(site, "/rules/migrate/users", { body: { remove: [user] } })));
    expect((await storedDoc(site))!.rules[0]!.users.sort()).toEqual(["bob", "dave"]);
  });

  it("removes a per-user rule with its last user, so it never turns into a rule for everyone", async () => {
    const site = freshSite();
    await admin(site, "/rules/migrate/users", { body: { add: ["alice"], create: {} } });
    await admin(site, "/rules/migrate/users", { body: { remove: ["alice"] } });
    expect((await storedDoc(site))!.rules).toEqual([]);
    expect((await send(`https://${site}/html`)).status).toBe(200);
  });

  it("refuses to narrow a rule for everyone, and answers 404 for a rule that does not exist", async () => {
    const site = freshSite();
    await addRule(site, { id: "search", paths: ["/search/*"] });
    const narrow = await admin(site, "/rules/search/users", { body: { add: ["alice"] } });
    expect(narrow.status).toBe(400);
    expect(((await narrow.json()) as { field: string }).field).toBe("id");
    expect((await admin(site, "/rules/nope/users", { body: { add: ["alice"] } })).status).toBe(404);
  });

  it("records who went in and out, not the whole rule again", async () => {
    const site = freshSite();
    await admin(site, "/rules/migrate/users", { body: { add: ["alice"], create: {} } });
    await admin(site, "/rules/migrate/users", { body: { add: ["bob"] } });
    const log = (await (await admin(site, "/log")).json()) as { entries: Array<{ detail: { changed: unknown } }> };
    expect(log.entries[0]!.detail.changed).toEqual({ rule: "migrate", addedUsers: ["bob"], removedUsers: [] });
  });

  it("takes the scope from the body when removing a rule, as other routes do", async () => {
    const site = freshSite();
    await addRule(site, { id: "same" });
    await addRule(site, { id: "same", scope: "*" });
    try {
      expect((await admin(site, "/rules/same", { method: "DELETE", body: { scope: "*" } })).status).toBe(200);
      expect((await storedDoc(site))!.rules.map((r) => r.id)).toEqual(["same"]);
      expect((await storedDoc("*"))!.rules).toEqual([]);
    } finally {
      await admin(site, "/rules/same", { method: "DELETE" });
    }
  });
});

describe("users, by a signed cookie (HS256)", () => {
  const e = () => testEnv({ USER_KEY_FROM: "cookie:session", USER_KEY_SECRET: SECRET });
  const asUser = (site: string, token: string, env = e()) => send(`https://${site}/html`, { headers: { cookie: `theme=dark; session=${token}` } }, env);

  it("keeps only the listed user out, and lets everyone else and anonymous visitors in", async () => {
    const site = freshSite();
    const env = e();
    await addRule(site, { id: "migrate", users: ["alice"], message: "Your data is being moved" }, env);
    const alice = await sign({ sub: "alice", exp: now() + 600 }, SECRET, "HS256");
    const bob = await sign({ sub: "bob", exp: now() + 600 }, SECRET, "HS256");
    const blocked = await asUser(site, alice, env);
    expect(blocked.status).toBe(503);
    expect(await blocked.text()).toContain("Your data is being moved");
    expect((await asUser(site, bob, env)).status).toBe(200);
    expect((await send(`https://${site}/html`, {}, env)).status).toBe(200);
  });

  it("treats a forged, expired, unsigned or wrongly signed token as an anonymous visitor", async () => {
    const site = freshSite();
    const env = e();
    await addRule(site, { id: "migrate", users: ["alice"] }, env);
    const good = await sign({ sub: "alice", exp: now() + 600 }, SECRET, "HS256");
    const [header, payload] = good.split(".");
    const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    const forgeries = {
      "a signature from another secret": await sign({ sub: "alice", exp: now() + 600 }, "not-the-secret-0123456789", "HS256"),
      "an expired token": await sign({ sub: "alice", exp: now() - 10 }, SECRET, "HS256"),
      'alg "none"': `${b64({ alg: "none", typ: "JWT" })}.${payload}.`,
      "HS512 instead of HS256": await sign({ sub: "alice", exp: now() + 600 }, SECRET, "HS512"),
      "a payload swapped under a good signature": `${header}.${b64({ sub: "alice", exp: now() + 600, admin: true })}.${good.split(".")[2]}`,
      "a token with no claim": await sign({ exp: now() + 600 }, SECRET, "HS256"),
    };
    for (const [name, token] of Object.entries(forgeries)) {
      expect((await asUser(site, token, env)).status, name).toBe(200);
    }
    expect((await asUser(site, good, env)).status).toBe(503);
  });

  it("reads the key from USER_KEY_CLAIM", async () => {
    const site = freshSite();
    const env = testEnv({ USER_KEY_FROM: "cookie:session", USER_KEY_SECRET: SECRET, USER_KEY_CLAIM: "email" });
    await addRule(site, { id: "migrate", users: ["alice@example.com"] }, env);
    const token = await sign({ sub: "123", email: "alice@example.com" }, SECRET, "HS256");
    expect((await asUser(site, token, env)).status).toBe(503);
  });

  it("puts a stable share of users into a percentage rule", async () => {
    const site = freshSite();
    const env = e();
    await addRule(site, { id: "canary", percent: 30 }, env);
    let blocked = 0;
    for (let i = 0; i < 100; i++) {
      const token = await sign({ sub: `user-${i}` }, SECRET, "HS256");
      const first = (await asUser(site, token, env)).status;
      expect((await asUser(site, token, env)).status).toBe(first); // the same bucket every time
      if (first === 503) blocked++;
    }
    expect(blocked).toBeGreaterThan(15);
    expect(blocked).toBeLessThan(45);
  });
});

describe("users, by a token from an identity provider (RS256/ES256, JWKS)", () => {
  const keys = inject("jwtKeys");
  const jwks = inject("jwksUrl");
  const env = (vars = {}) =>
    testEnv({ USER_KEY_FROM: "header:cf-access-jwt-assertion", USER_KEY_JWKS_URL: `${jwks}/jwks.json`, USER_KEY_CLAIM: "email", ...vars });
  const asUser = (site: string, token: string, e: ReturnType<typeof env>) => send(`https://${site}/html`, { headers: { "cf-access-jwt-assertion": token } }, e);
  const control = async (q: string) => (await fetch(`${jwks}/control?${q}`)).json() as Promise<{ fetches: number }>;

  it("verifies RS256 and ES256 tokens against the published keys, fetching them once", async () => {
    const site = freshSite();
    const e = env();
    await addRule(site, { id: "migrate", users: ["alice@example.com"] }, e);
    const before = (await control("")).fetches;
    const rs = await sign({ email: "alice@example.com", exp: now() + 600 }, keys.rs256, "RS256");
    const es = await sign({ email: "alice@example.com", exp: now() + 600 }, keys.es256, "ES256");
    const other = await sign({ email: "bob@example.com", exp: now() + 600 }, keys.es256, "ES256");
    for (let i = 0; i < 5; i++) {
      expect((await asUser(site, rs, e)).status).toBe(503);
      expect((await asUser(site, es, e)).status).toBe(503);
      expect((await asUser(site, other, e)).status).toBe(200);
    }
    expect((await control("")).fetches - before).toBe(1);
  });

  it("treats a token signed by another key, or HS256 signed with a public key, as anonymous", async () => {
    const site = freshSite();
    const e = env();
    await addRule(site, { id: "migrate", users: ["alice@example.com"] }, e);
    const stranger = await sign({ email: "alice@example.com", exp: now() + 600 }, keys.stranger, "RS256");
    expect((await asUser(site, stranger, e)).status).toBe(200);
    // Algorithm confusion: an HS256 token keyed with the public modulus.
    const confused = await sign({ email: "alice@example.com", exp: now() + 600 }, keys.rs256.n!, "HS256");
    expect((await asUser(site, confused, e)).status).toBe(200);
  });

  it("keeps the last good keys when a later fetch fails", async () => {
    const site = freshSite();
    const e = env({ USER_KEY_JWKS_SECONDS: "1" });
    await addRule(site, { id: "migrate", users: ["alice@example.com"] }, e);
    const token = await sign({ email: "alice@example.com", exp: now() + 600 }, keys.rs256, "RS256");
    expect((await asUser(site, token, e)).status).toBe(503);
    await control("fail=1");
    try {
      await new Promise((r) => setTimeout(r, 1100));
      // A new token needs the keys again: the fetch fails, the last good keys verify it.
      const fresh = await sign({ email: "alice@example.com", exp: now() + 600, n: 1 }, keys.rs256, "RS256");
      expect((await asUser(site, fresh, e)).status).toBe(503);
    } finally {
      await control("fail=0");
    }
  });
});

describe("users, by a header a trusted proxy sets (unsigned)", () => {
  it("takes the raw value as the key", async () => {
    const site = freshSite();
    const e = testEnv({ USER_KEY_FROM: "header:x-user-id" });
    await addRule(site, { id: "migrate", users: ["42"] }, e);
    expect((await send(`https://${site}/html`, { headers: { "x-user-id": "42" } }, e)).status).toBe(503);
    expect((await send(`https://${site}/html`, { headers: { "x-user-id": "43" } }, e)).status).toBe(200);
    const echo = (await (await send(`https://${site}/echo`, { headers: { "x-user-id": "43" } }, e)).json()) as Echo;
    expect(echo.headers["x-user-id"]).toBe("43"); // passed to the origin untouched
  });
});

describe("user keys under attack", () => {
  const keys = inject("jwtKeys");
  const jwks = inject("jwksUrl");
  const control = async (q: string) => (await fetch(`${jwks}/control?${q}`)).json() as Promise<{ fetches: number }>;

  it("holds no memory for junk: long values are not looked at, refusals are few and brief", async () => {
    const { UserKeys } = await import("../../src/identity/user-key");
    const users = new UserKeys({ from: { kind: "cookie", name: "session" }, secret: SECRET, jwksUrl: null, claim: "sub", audience: null, issuer: null, jwksTtlMs: 600_000 });
    const held = users as unknown as { verified: Map<string, unknown>; refused: Map<string, unknown> };
    for (let i = 0; i < 600; i++) {
      const junk = `${"x".repeat(i % 2 ? 100_000 : 2_000)}${i}`;
      expect(await users.userOf(new Request("https://a.test/", { headers: { cookie: `session=${junk}` } }), Date.now())).toBeNull();
    }
    expect(held.verified.size).toBe(0);
    expect(held.refused.size).toBeLessThanOrEqual(256);
    const chars = [...held.refused.keys()].reduce((n, k) => n + k.length, 0);
    expect(chars).toBeLessThan(256 * 4096);
  });

  it("finds the user behind a junk cookie of the same name placed first", async () => {
    const site = freshSite();
    const e = testEnv({ USER_KEY_FROM: "cookie:session", USER_KEY_SECRET: SECRET });
    await addRule(site, { id: "migrate", users: ["alice"] }, e);
    const alice = await sign({ sub: "alice", exp: now() + 600 }, SECRET, "HS256");
    expect((await send(`https://${site}/html`, { headers: { cookie: `session=junk; session=${alice}` } }, e)).status).toBe(503);
  });

  it("refuses a token for another audience when USER_KEY_AUDIENCE is set", async () => {
    const site = freshSite();
    const e = testEnv({ USER_KEY_FROM: "cookie:session", USER_KEY_SECRET: SECRET, USER_KEY_AUDIENCE: "pitstop-app" });
    await addRule(site, { id: "migrate", users: ["alice"] }, e);
    const other = await sign({ sub: "alice", aud: "another-app", exp: now() + 600 }, SECRET, "HS256");
    const mine = await sign({ sub: "alice", aud: "pitstop-app", exp: now() + 600 }, SECRET, "HS256");
    expect((await send(`https://${site}/html`, { headers: { cookie: `session=${other}` } }, e)).status).toBe(200);
    expect((await send(`https://${site}/html`, { headers: { cookie: `session=${mine}` } }, e)).status).toBe(503);
  });

  it("does not remember a token as anonymous because the keys were missing, and does not fetch per request while the JWKS is down", async () => {
    const site = freshSite();
    const e = testEnv({ USER_KEY_FROM: "header:cf-access-jwt-assertion", USER_KEY_JWKS_URL: `${jwks}/jwks.json`, USER_KEY_CLAIM: "email", USER_KEY_JWKS_SECONDS: "1" });
    await addRule(site, { id: "migrate", users: ["alice@example.com"] }, e);
    const token = await sign({ email: "alice@example.com", exp: now() + 600 }, keys.rs256, "RS256");
    const asAlice = () => send(`https://${site}/html`, { headers: { "cf-access-jwt-assertion": token } }, e);
    await control("fail=1");
    try {
      const before = (await control("")).fetches;
      for (let i = 0; i < 10; i++) expect((await asAlice()).status).toBe(200); // no keys: anonymous, for now
      expect((await control("")).fetches - before).toBeLessThanOrEqual(1);
    } finally {
      await control("fail=0");
    }
    await new Promise((r) => setTimeout(r, 1100));
    expect((await asAlice()).status).toBe(503); // the same token, now verified
  });
});
